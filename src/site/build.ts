// SiteBuilder: builds the static site into html/ incrementally. Post bodies come from the render cache
// when their file and dependencies did not change; a page is rendered only when its inputs changed and
// written only when its content did; files of routes that are gone are removed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../core/atomic.js';
import { collectSooner, heapIsLarge } from '../core/heap-growth.js';
import { BdsError } from '../core/errors.js';
import {
  formatMacroFailure,
  MACRO_ASSETS,
  type LinkResolver,
  type MacroCounters,
  type MacroFailure,
  type PythonMacroResolver,
} from '../render/index.js';
import { BUILTIN_THEME_NAMES, isBuiltinTheme, loadBuiltinTheme } from '../render/theme/index.js';
import { sha256 } from './hashes.js';
import { mirrorFolder, type MirrorResult } from './mirror.js';
import { SiteModelCache } from './model-cache.js';
import {
  categoryLookup,
  dropTagLinks,
  siteEntry,
  type SiteEntry,
  type SiteModel,
  type SitePage,
} from './model.js';
import {
  emptyManifest,
  readManifest,
  removeSiteFiles,
  writeManifest,
  BuildMarker,
  MAX_CHANGE_LINES,
  SiteWriter,
  type ManifestEntry,
  type SiteManifest,
} from './output.js';
import { PageMemo, PageRenderer, siteMenu } from './pages.js';
import {
  manifestStamp,
  pageFromRecord,
  pageRecord,
  PLAN_FILE,
  recordEntries,
  shapeOf,
  SitePlan,
  type PlanFacts,
  type PlanNote,
} from './plan.js';
import {
  DEFAULT_PAGE_WORKER_THRESHOLD,
  PageClaims,
  pageWorkerCount,
  renderPagesOnWorker,
  startPageWorker,
  type StartedPageWorker,
} from './page-workers.js';
import {
  PostBodyCache,
  RENDER_CACHE_VERSION,
  renderBodies,
  type CacheWrite,
  type RenderedBody,
} from './post-bodies.js';
import type { SitePaths, SitePost, SiteSnapshot, SiteSource } from './source.js';
import { siteRenderData, siteTagCounts, withTagCounts } from './tag-counts.js';
import { ThemeCache } from './theme-cache.js';
import type { SiteWarning } from './warnings.js';

export type BuildPhase = 'load' | 'posts' | 'pages' | 'media' | 'done';

export interface BuildProgress {
  phase: BuildPhase;
  done: number;
  total: number;
}

export interface BuildOptions {
  /** Fail (throw `site-strict`, write nothing) when any macro fails. */
  strict?: boolean;
  /** Runs Python macros; without one, every non-built-in macro is unknown. */
  resolver?: PythonMacroResolver | null;
  onProgress?: (progress: BuildProgress) => void;
  /** Default: the project's html/. */
  outDir?: string;
  /** Ignore the manifest and the render cache: render and write everything again. */
  force?: boolean;
  /**
   * Render pages on worker threads too (one per other core, and one per this many pages) when at least
   * this many must be rendered (by default 1000; 0: never). The files are the same.
   */
  pageWorkerThreshold?: number;
  /**
   * Render the documents whose macros call scripts on the Python workers, whole, when at least this
   * many documents are to be looked at (by default 500; see render/document-job.ts). The files are the
   * same.
   */
  workerDocumentsMin?: number;
  /**
   * With workers: render such documents whole on them (true), or here with their macros sent to the
   * workers in batches (false). By default whole only with a pool of WHOLE_DOCUMENTS_MIN_WORKERS or more.
   * The files are the same.
   */
  wholeDocuments?: boolean;
  /**
   * Cancels the build: it stops between documents and pages (throwing `task-cancelled`); the files it
   * wrote are whole, and the next build starts afresh (the build marker stays set).
   */
  signal?: AbortSignal;
  /**
   * Keep the site plan (.bds/site-plan.sqlite) when the site has at least this many posts (by default
   * 2000; 0: always), so that a build in a new process after a few posts changed need not read the
   * rest (4,000 posts: 0.6 s instead of 1.06 s; 50,000: 0.9-1.05 s instead of 6-8 s). Writing it costs
   * about 2% of a full build; a smaller site builds after an edit in well under a second without it.
   */
  planThreshold?: number;
}

/** More changed posts than this since the last build: a build reads every post. */
const PLAN_CHANGE_LIMIT = 100;
export const DEFAULT_PLAN_THRESHOLD = 2000;

export interface BuildSummary {
  outDir: string;
  /** Posts and pages on the site. */
  posts: number;
  /** Files the site consists of (pages, feeds, sitemap, assets), media not counted. */
  files: number;
  pagesWritten: number;
  pagesUnchanged: number;
  pagesRemoved: number;
  /** Post bodies rendered in this build, and taken from the cache. */
  postsRendered: number;
  /** Of the posts rendered, how many a Python worker rendered whole, with their macros. */
  postsOnWorkers?: number;
  postsCached: number;
  media: MirrorResult;
  thumbnails: MirrorResult;
  macroCounters: MacroCounters;
  failures: MacroFailure[];
  warnings: SiteWarning[];
  /** True when nothing the build reads changed since the last complete build: no page was looked at. */
  upToDate?: boolean;
  ms: number;
}

export const MANIFEST_FILE = 'site-manifest.json';
export const RENDER_CACHE_FILE = 'render-cache.sqlite';
export const BUILD_MARKER_FILE = 'site-build.pending';

/** The post links of the built site: published posts only. */
export function siteLinks(model: SiteModel, snapshot: SiteSnapshot): LinkResolver {
  return {
    postUrl: (slug) => model.bySlug.get(slug)?.url,
    mediaUrl: (p) => snapshot.mediaUrl(p),
  };
}

/** Every post's URL by slug: what `siteLinks(model).postUrl` answers, for a worker to answer alike. */
function postUrlsOf(model: SiteModel): Map<string, string> {
  const urls = new Map<string, string>();
  for (const [slug, entry] of model.bySlug) urls.set(slug, entry.url);
  return urls;
}

export class SiteBuilder {
  readonly bodyCache = new PostBodyCache();
  private readonly themes = new ThemeCache();
  private readonly models = new SiteModelCache();
  private readonly pageMemo = new PageMemo();
  /** What the last complete build worked from and left, for a build of the same model after it. */
  private last?: {
    model: SiteModel;
    outDir: string;
    resolver: PythonMacroResolver | null;
    strict: boolean;
    /** The site's language, which bodies are rendered in (part of a cache entry's key). */
    language: string;
    siteHash: string;
    manifest: SiteManifest;
    bodies: Map<SiteEntry, RenderedBody>;
    /** The post each entry showed, in entry order. */
    posts: SitePost[];
    volatile: SiteEntry[];
    /** Feeds, sitemap, calendar, 404: looked at in every build. */
    filePages: SitePage[];
    files: number;
  };
  /** The manifest this builder saved last, and the change lines its file holds. */
  private saved?: { manifest: SiteManifest; changeLines: number };
  private retainedFor?: SiteModel;
  /** The plan this builder saved last (its key and mark), and the place of each page of its model. */
  private plan?: {
    key: string;
    mark: string;
    model: SiteModel;
    facts: PlanFacts;
    entryPlaces: Map<SiteEntry, number>;
    fileplaces: Map<string, number>;
  };

  constructor(private readonly source: SiteSource) {}

  async build(options: BuildOptions = {}): Promise<BuildSummary> {
    // Page workers started while the bodies render (see startPageWorker), not yet given their pages.
    const prestarted: StartedPageWorker[] = [];
    try {
      return await this.buildOnce(options, prestarted);
    } finally {
      this.heapGrowth?.();
      this.heapGrowth = undefined;
      // Those this build did not give pages to (it failed, or had fewer to render).
      for (const started of prestarted.splice(0)) void started.worker.terminate();
    }
  }

  /** Set while a build of a large site has V8 collect sooner (see collectSooner). */
  private heapGrowth?: () => void;

  private async buildOnce(options: BuildOptions, prestarted: StartedPageWorker[]): Promise<BuildSummary> {
    const t0 = performance.now();
    const progress = options.onProgress ?? (() => {});
    const pause = pauser(options.signal);
    progress({ phase: 'load', done: 0, total: 1 });
    const quick = this.unchanged(options);
    if (quick.summary) {
      progress({ phase: 'media', done: 0, total: 1 });
      const { outDir } = quick.summary;
      const media = mirrorFolder(quick.paths!.media, path.join(outDir, 'media'), notSidecar);
      const thumbnails = mirrorFolder(quick.paths!.thumbnails, path.join(outDir, 'thumbnails'), () => true);
      progress({ phase: 'done', done: 1, total: 1 });
      return { ...quick.summary, media, thumbnails, ms: performance.now() - t0 };
    }
    const planned = await this.fromPlan(options, quick, { t0, progress, pause });
    if (planned) return planned;
    const snapshot = this.source.snapshot();
    const paths = snapshot.paths;
    const outDir = path.resolve(options.outDir ?? paths.html);
    const warnings: SiteWarning[] = [];

    const { theme, user, builtin } = this.themes.get(snapshot);
    for (const p of user.problems) warnings.push({ ...p });
    if (!isBuiltinTheme(snapshot.settings.theme)) warnings.push(themeNotFound(snapshot.settings.theme));
    const model = this.models.model(snapshot);
    warnings.push(...model.warnings);
    if (heapIsLarge()) this.heapGrowth ??= collectSooner();
    if (!snapshot.settings.publicUrl) warnings.push(NO_PUBLIC_URL);

    // Post bodies. After a build of the same model (an edit of a post's text, in a running app), only the
    // entries showing another post, and those whose body depends on more than their file, are looked at.
    const cacheFile = path.join(paths.cache, RENDER_CACHE_FILE);
    if (options.force) this.bodyCache.clear();
    else this.bodyCache.load(cacheFile);
    const resolver = options.resolver ?? null;
    const last =
      !options.force &&
      this.last?.model === model &&
      this.last.outDir === outDir &&
      this.last.resolver === resolver &&
      this.last.strict === (options.strict === true) &&
      this.last.language === snapshot.settings.mainLanguage
        ? this.last
        : undefined;
    // A build that fails on the way forgets this state, so the next one looks at everything.
    this.last = undefined;
    let look: readonly SiteEntry[] = model.entries;
    if (last) {
      const set = new Set(last.volatile);
      const entries = model.entries;
      for (let i = 0; i < entries.length; i++) if (entries[i]!.post !== last.posts[i]) set.add(entries[i]!);
      look = [...set];
    }
    // A build that renders every page of a large site renders them on worker threads too: they start
    // now and load their code while this thread renders the bodies (on the other cores, idle meanwhile).
    const threshold = options.pageWorkerThreshold ?? DEFAULT_PAGE_WORKER_THRESHOLD;
    if (!last && threshold > 0) {
      const count = Math.min(pageWorkerCount(), Math.floor(model.pages.length / threshold));
      for (let w = 0; w < count; w++) prestarted.push(startPageWorker());
    }
    const rendered = await renderBodies(look, this.bodyCache, {
      mode: 'site',
      snapshot: { ...snapshot, renderData: siteRenderData(snapshot.renderData, model) },
      links: siteLinks(model, snapshot),
      postUrls: () => postUrlsOf(model),
      ...(snapshot.mediaLinks ? { mediaUrls: snapshot.mediaLinks } : {}),
      ...(options.workerDocumentsMin === undefined
        ? {}
        : { documentsElsewhereMin: options.workerDocumentsMin }),
      ...(options.wholeDocuments === undefined ? {} : { wholeDocuments: options.wholeDocuments }),
      resolver,
      onProgress: (done, total) => progress({ phase: 'posts', done, total }),
      pause,
    });
    // (A build that fails forgets `last`, so its bodies can be updated in place.)
    const bodies = last ? last.bodies : rendered.bodies;
    if (last) for (const [entry, body] of rendered.bodies) bodies.set(entry, body);
    await pause(true);
    const failures: MacroFailure[] = [];
    const macroCounters: MacroCounters = { builtin: 0, python: 0, unknown: 0, failed: 0 };
    for (const entry of model.entries) {
      const body = bodies.get(entry)!;
      for (const f of body.failures) failures.push(f);
      for (const w of body.warnings) {
        warnings.push({ code: w.code, message: w.message, file: w.file, line: w.line, column: w.column });
      }
      const c = body.counters;
      if (c.builtin + c.python + c.unknown + c.failed === 0) continue;
      macroCounters.builtin += c.builtin;
      macroCounters.python += c.python;
      macroCounters.unknown += c.unknown;
      macroCounters.failed += c.failed;
    }
    if (options.strict && failures.length > 0) throw strictError(failures);

    // Pages and assets.
    if (heapIsLarge()) this.heapGrowth ??= collectSooner();
    const manifestFile = path.join(paths.cache, MANIFEST_FILE);
    const marker = new BuildMarker(path.join(paths.cache, BUILD_MARKER_FILE));
    // What the manifest file holds: the one this builder saved last, or the one read from disk.
    let onDisk: { manifest: SiteManifest; changeLines: number } | undefined =
      this.saved?.manifest.outDir === outDir ? this.saved : readManifest(manifestFile, outDir);
    let manifest = onDisk.manifest;
    if (options.force || !dirExists(outDir) || marker.wasLeftBehind()) {
      manifest = emptyManifest(outDir);
      onDisk = undefined;
    }
    const renderer = new PageRenderer(
      {
        settings: snapshot.settings,
        model,
        bodies,
        theme,
        preview: false,
        ...(last ? { changed: look } : {}),
      },
      this.bodyCache.summaries,
      this.pageMemo,
    );
    const writer = new SiteWriter(outDir);
    // The same model, site hash and manifest as the last build: only the pages showing an entry that
    // changed, and the feeds, sitemap, calendar and 404, can differ from it; the manifest is updated in
    // place.
    const fast =
      last !== undefined &&
      onDisk !== undefined &&
      manifest === last.manifest &&
      renderer.hash === last.siteHash;
    const next: Record<string, ManifestEntry> = fast ? manifest.files : {};
    /** Files whose manifest entry is new in this build (the rest keep theirs). */
    const changed: string[] = [];
    let written = 0;
    const emit = (file: string, inputs: string, produce: () => string | Buffer): void => {
      const old = manifest.files[file];
      if (old && old.inputs === inputs) {
        next[file] = old;
        return;
      }
      const produced = produce();
      // One UTF-8 encoding serves both the hash and the write. (A page with one character beyond Latin-1
      // is a two-byte string, about three times slower to encode: the default theme writes its arrows
      // as entities, so a list page of Latin-1 posts stays one-byte.)
      const content = typeof produced === 'string' ? Buffer.from(produced, 'utf8') : produced;
      const hash = sha256(content);
      next[file] = { hash, inputs };
      changed.push(file);
      if (old && old.hash === hash) return;
      if (written === 0) marker.set();
      written++;
      writer.write(file, content);
    };
    // Pages whose inputs changed are rendered in site order; in a large build worker threads render too,
    // taking pages from the front while this thread takes them from the back (see PageClaims).
    const total = model.pages.length;
    let pages: readonly SitePage[] = model.pages;
    if (fast) {
      const set = new Set<SitePage>(renderer.touchedPages());
      for (const page of last.filePages) set.add(page);
      pages = [...set];
    }
    const inputs = pages.map((page) => renderer.inputs(page));
    const stale: number[] = [];
    pages.forEach((page, i) => {
      if (manifest.files[page.file]?.inputs !== inputs[i]) stale.push(i);
    });
    // Workers find a page by its place in the model: only a build that looks at every page uses them.
    const pageThreshold = fast ? 0 : threshold;
    const claims = new PageClaims(undefined, stale.length);
    let workers: ReturnType<typeof renderPagesOnWorker>[] = [];
    let htmlStored: { file: string; entries: ReadonlySet<SiteEntry> } | undefined;
    let cacheWrite: { file: string; write: CacheWrite } | undefined;
    if (pageThreshold > 0 && stale.length >= pageThreshold) {
      const count = Math.min(pageWorkerCount(), Math.floor(stale.length / pageThreshold));
      if (count > 0) marker.set();
      // The workers read the bodies' HTML from the render cache file, saved (below) while they start.
      const inFile = count > 0 ? this.bodyCache.siteBodiesInFileAfterSave(cacheFile, bodies) : undefined;
      if (inFile && inFile.size > 0) {
        htmlStored = { file: cacheFile, entries: inFile };
        // The first worker writes the cache's new rows (most of a first build's HTML) while this thread
        // renders its pages; without any, the file holds the HTML already.
        const write = this.bodyCache.takeSave(true);
        if (write) cacheWrite = { file: cacheFile, write };
        else claims.htmlSaved(true);
      }
      const jobs = stale.map((index) => ({
        index,
        file: model.pages[index]!.file,
        oldHash: manifest.files[model.pages[index]!.file]?.hash ?? null,
      }));
      for (let w = 0; w < count; w++) {
        workers.push(
          renderPagesOnWorker(
            {
              outDir,
              settings: snapshot.settings,
              model,
              bodies,
              ...(htmlStored ? { htmlStored } : {}),
              ...(cacheWrite && w === 0 ? { cacheWrite } : {}),
              templates: theme.templateSources(),
              jobs,
              claim: claims.buffer,
              worker: w,
            },
            prestarted.shift(),
          ),
        );
      }
    }
    for (const started of prestarted.splice(0)) void started.worker.terminate();
    // Rows the first worker was given to write and did not (it failed, or was stopped with the build):
    // the cache saves them again (it counts them as saved once given away).
    const unsaved = () => {
      if (cacheWrite && !claims.htmlWasSaved()) this.bodyCache.putBack(cacheWrite.write);
    };
    let done: number;
    try {
      if (workers.length > 0) {
        // Unchanged pages keep their manifest entries; the stale ones are shared with the workers.
        model.pages.forEach((page, i) => {
          if (manifest.files[page.file]?.inputs === inputs[i]) emit(page.file, inputs[i]!, () => '');
        });
        done = total - stale.length;
        for (let k = claims.nextFromBack(); k !== undefined; k = claims.nextFromBack()) {
          await pause();
          const page = model.pages[stale[k]!]!;
          emit(page.file, inputs[stale[k]!]!, () => renderer.render(page));
          if (++done % 200 === 0) progress({ phase: 'pages', done, total });
        }
      } else {
        done = total - pages.length;
        for (let i = 0; i < pages.length; i++) {
          const page = pages[i]!;
          // Only a page to render is a moment to yield: most pages of an incremental build are not.
          if (manifest.files[page.file]?.inputs !== inputs[i]) await pause();
          emit(page.file, inputs[i]!, () => renderer.render(page));
          if (++done % 200 === 0 || done === total) progress({ phase: 'pages', done, total });
        }
      }
    } catch (e) {
      // A template error on this thread stops the build once the workers have stopped writing.
      await Promise.all(workers.map((w) => w.stop()));
      unsaved();
      throw e;
    }
    // A worker that had not begun when this thread took the last page is not waited for (but the one
    // writing the cache is: a write cut off would leave the cache without this build's bodies).
    workers = workers.filter((worker, w) => {
      if (!claims.workerTooLate(w) || (w === 0 && cacheWrite)) return true;
      void worker.stop();
      return false;
    });
    const results = await Promise.all(workers.map((w) => w.result)).catch(async (e: unknown) => {
      // A worker that failed only because the cache could not be written says less than the writer.
      const writer =
        cacheWrite && !claims.htmlWasSaved()
          ? await workers[0]!.result.then(
              () => undefined,
              (w: unknown) => w,
            )
          : undefined;
      await Promise.all(workers.map((w) => w.stop()));
      unsaved();
      throw writer ?? e;
    });
    if (cacheWrite) this.bodyCache.written(cacheWrite.write);
    for (const there of results) {
      there.taken.forEach((k, n) => {
        const index = stale[k]!;
        const file = model.pages[index]!.file;
        next[file] = { hash: there.hashes[n]!, inputs: inputs[index]! };
        changed.push(file);
        if (there.written[n]) written++;
      });
    }
    if (workers.length > 0) progress({ phase: 'pages', done: total, total });
    const assets = [
      ...builtin.assets.map((a) => ({ path: a.path, content: a.content })),
      ...MACRO_ASSETS.map((a) => ({ path: a.path, content: a.content })),
    ];
    for (const asset of assets) {
      const hash = sha256(asset.content);
      emit(asset.path, hash, () => asset.content);
    }
    // The same model has the same pages: none is gone.
    const gone = fast ? [] : Object.keys(manifest.files).filter((f) => !(f in next));
    const removed = removeSiteFiles(outDir, gone);
    const newManifest: SiteManifest = { version: manifest.version, outDir, files: next };
    let changeLines = onDisk?.changeLines ?? 0;
    if (!onDisk || changed.length > 0 || gone.length > 0) {
      changeLines = writeManifest(manifestFile, newManifest, onDisk, { changed, gone });
    }
    this.saved = { manifest: newManifest, changeLines };
    marker.clear();
    // The cache keeps the posts of the site; a model kept from the last build has the same posts.
    if (this.retainedFor !== model) {
      // Without failures every post of the site has its entry: only more entries than posts (or summaries
      // than posts) mean some belong to posts that are gone.
      const n = model.entries.length;
      if (failures.length > 0 || this.bodyCache.count('site') > n || this.bodyCache.summaries.size > n) {
        this.bodyCache.retain(
          new Set(model.entries.map((e) => PostBodyCache.slot(e.post.id, 'site'))),
          'site',
        );
      }
      this.retainedFor = model;
    }
    this.bodyCache.save(cacheFile);
    this.keepPlan({
      options,
      snapshot,
      model,
      renderer,
      files: next,
      changedFiles: changed,
      bodies,
      looked: look,
      failures: failures.length,
      counters: macroCounters,
      mark: snapshot.mark,
      manifestFile,
      changeLines,
      fileCount: fast ? last.files : Object.keys(next).length,
      fast,
    });

    // Media and thumbnails.
    progress({ phase: 'media', done: 0, total: 1 });
    const media = mirrorFolder(paths.media, path.join(outDir, 'media'), notSidecar);
    const thumbnails = mirrorFolder(paths.thumbnails, path.join(outDir, 'thumbnails'), () => true);
    progress({ phase: 'done', done: 1, total: 1 });

    const files = fast ? last.files : Object.keys(next).length;
    this.last = {
      model,
      outDir,
      resolver,
      strict: options.strict === true,
      language: snapshot.settings.mainLanguage,
      siteHash: renderer.hash,
      manifest: newManifest,
      bodies,
      posts: model.entries.map((e) => e.post),
      volatile: rendered.volatile,
      filePages: fast ? last.filePages : model.pages.filter((p) => p.kind !== 'post' && p.kind !== 'list'),
      files,
    };
    const summary: BuildSummary = {
      outDir,
      posts: model.entries.length,
      files,
      pagesWritten: written,
      pagesUnchanged: files - written,
      pagesRemoved: removed,
      postsRendered: rendered.rendered,
      ...(rendered.onWorkers > 0 ? { postsOnWorkers: rendered.onWorkers } : {}),
      postsCached: model.entries.length - rendered.rendered,
      media,
      thumbnails,
      macroCounters,
      failures,
      warnings,
      ms: performance.now() - t0,
    };
    // The next build with the same inputs has nothing to do; one with failures runs them again.
    if (quick.key && failures.length === 0) writeStamp(quick.stampFile!, quick.key, summary);
    summary.upToDate = false;
    return summary;
  }

  /** The plan's key: everything but posts that the pages of a build with these options depend on. */
  private planKey(changesKey: string, options: BuildOptions): string {
    return buildKey(
      [changesKey, options.outDir === undefined ? null : path.resolve(options.outDir)],
      options,
    );
  }

  /**
   * A build from the site plan: when only a few posts changed since the last complete build, all in
   * place (same URL, date, tags, categories and status), only the pages showing them can differ, and
   * those pages are rendered from the plan's record of them and the posts they show, without reading
   * the rest of the blog. Undefined when the plan cannot tell (no plan, another key, more or other
   * changes, a manifest written since by someone else): the caller builds from the whole site.
   */
  private async fromPlan(
    options: BuildOptions,
    quick: { key?: string; stampFile?: string },
    run: {
      t0: number;
      progress: (p: BuildProgress) => void;
      pause: (now?: boolean) => Promise<void>;
    },
  ): Promise<BuildSummary | undefined> {
    const changes = this.source.changes;
    if (!changes || options.force) return undefined;
    // Where the posts' change log stands before anything is read: a change made during this build is
    // looked at again by the next one.
    const mark = changes.mark();
    const base = changes.base();
    const paths = base.paths;
    const planFile = path.join(paths.cache, PLAN_FILE);
    const plan = SitePlan.open(planFile);
    if (!plan) return undefined;
    try {
      const facts = plan.facts;
      const outDir = path.resolve(options.outDir ?? paths.html);
      const manifestFile = path.join(paths.cache, MANIFEST_FILE);
      const marker = new BuildMarker(path.join(paths.cache, BUILD_MARKER_FILE));
      const key = this.planKey(changes.key(base), options);
      if (
        facts.key !== key ||
        !dirExists(outDir) ||
        marker.wasLeftBehind() ||
        manifestStamp(manifestFile) !== facts.manifest
      ) {
        return undefined;
      }
      const ids = changes.since(facts.mark, PLAN_CHANGE_LIMIT);
      if (!ids) return undefined;

      // The changed posts: each must keep its entry, as it was.
      const { map: categories, of: categoryOf } = categoryLookup(base.categories);
      const usableTags = new Map(facts.usableTags);
      const tagPages = new Map(facts.tagPages);
      const makeEntry = (post: SitePost): SiteEntry | undefined => {
        const entry = siteEntry(post, categoryOf, usableTags);
        if ('warning' in entry) return undefined;
        dropTagLinks(entry, tagPages);
        return entry;
      };
      const posts = new Map(changes.posts(ids).map((p) => [p.id, p]));
      const was = plan.entriesById(ids);
      const entryAt = new Map<number, SiteEntry>();
      const changed: SiteEntry[] = [];
      const menu = facts.menu.map((m) => ({ ...m }));
      for (const id of ids) {
        const post = posts.get(id);
        const old = was.get(id);
        if (!old) {
          // A post the site did not show: it still must not (a draft stays a draft).
          if (post?.status === 'published') return undefined;
          continue;
        }
        if (!post || shapeOf(post) !== old.shape || post.updatedAt !== old.updatedAt) return undefined;
        const entry = makeEntry(post);
        if (!entry || entry.url !== old.url) return undefined;
        entryAt.set(old.idx, entry);
        changed.push(entry);
        if (entry.isPage) for (const m of menu) if (m.href === entry.url) m.title = post.title;
      }
      menu.sort((a, b) => a.title.localeCompare(b.title));

      // The pages showing them, and every entry those pages show.
      const places = new Set<number>();
      for (const entry of changed) for (const p of was.get(entry.post.id)!.pages) places.add(p);
      const records = plan.pagesAt([...places].sort((a, b) => a - b));
      const wanted = new Set<number>();
      for (const r of records) for (const e of recordEntries(r.record, facts.feed)) wanted.add(e);
      for (const idx of entryAt.keys()) wanted.delete(idx);
      const others = plan.entriesAt([...wanted].sort((a, b) => a - b));
      if (others.size !== wanted.size) throw new Error('The site plan lacks entries its pages show');
      const otherPosts = new Map(changes.posts([...others.values()].map((e) => e.id)).map((p) => [p.id, p]));
      for (const [idx, row] of others) {
        const post = otherPosts.get(row.id);
        const entry = post && makeEntry(post);
        if (!entry || entry.url !== row.url) return undefined;
        entryAt.set(idx, entry);
      }
      if (changed.length > 0 && records.length === 0) return undefined;

      const entries = [...entryAt].sort((a, b) => a[0] - b[0]).map(([, e]) => e);
      const pages = records.map((r) =>
        pageFromRecord(r.record, (idx) => {
          const entry = entryAt.get(idx);
          if (!entry) throw new Error(`The site plan lacks entry ${idx}`);
          return entry;
        }),
      );
      const model: SiteModel = {
        entries,
        listed: facts.feed.map((idx) => entryAt.get(idx)).filter((e): e is SiteEntry => e !== undefined),
        bySlug: new Map(entries.map((e) => [e.post.slug, e])),
        byId: new Map(entries.map((e) => [e.post.id, e])),
        pages,
        byUrl: new Map(pages.map((p) => [p.url, p])),
        tagNames: tagPages,
        usableTags,
        days: new Set(facts.days),
        categories,
        warnings: facts.modelWarnings,
      };

      // Bodies: the changed posts' are rendered, the others' come from the cache.
      const warnings: SiteWarning[] = [];
      const { theme, user } = this.themes.get(base);
      const cacheFile = path.join(paths.cache, RENDER_CACHE_FILE);
      this.bodyCache.loadSome(
        cacheFile,
        entries.map((e) => e.post.id),
      );
      const resolver = options.resolver ?? null;
      const tagCounts = facts.tagCounts;
      const rendered = await renderBodies(entries, this.bodyCache, {
        mode: 'site',
        snapshot: {
          ...base,
          posts: entries.map((e) => e.post),
          renderData: withTagCounts(base.renderData, () => tagCounts),
        },
        links: {
          postUrl: (slug) => model.bySlug.get(slug)?.url ?? plan.urlOfSlug(slug),
          mediaUrl: (p) => base.mediaUrl(p),
        },
        resolver,
        onProgress: (done, total) => run.progress({ phase: 'posts', done, total }),
        pause: run.pause,
      });
      await run.pause(true);
      // Another post of these pages rendered again (its cache entry gone, a macro failed last time):
      // what it shows elsewhere may differ too, which only the whole site can tell.
      if (rendered.rendered > changed.length) return undefined;
      const renderer = new PageRenderer(
        { settings: base.settings, model, bodies: rendered.bodies, theme, preview: false, menu },
        this.bodyCache.summaries,
        new PageMemo(),
      );
      // A page's title in the menu changed: every page shows the menu.
      if (renderer.hash !== facts.siteHash) return undefined;
      if (facts.changeLines + pages.length > MAX_CHANGE_LINES) return undefined;

      const notes = plan.notes();
      const failures: MacroFailure[] = [];
      const counters = { ...facts.counters };
      const newNotes = new Map<number, PlanNote | null>();
      for (const [idx, entry] of entryAt) {
        if (!changed.includes(entry)) continue;
        const body = rendered.bodies.get(entry)!;
        for (const f of body.failures) failures.push(f);
        const old = notes.get(idx);
        const note = noteOf(body);
        for (const k of ['builtin', 'python', 'unknown', 'failed'] as const) {
          counters[k] += (note?.counters[k] ?? 0) - (old?.counters[k] ?? 0);
        }
        newNotes.set(idx, note);
        if (note) notes.set(idx, note);
        else notes.delete(idx);
      }
      if (options.strict && failures.length > 0) throw strictError(failures);

      for (const p of user.problems) warnings.push({ ...p });
      if (!isBuiltinTheme(base.settings.theme)) warnings.push(themeNotFound(base.settings.theme));
      warnings.push(...facts.modelWarnings);
      if (!base.settings.publicUrl) warnings.push(NO_PUBLIC_URL);
      for (const idx of [...notes.keys()].sort((a, b) => a - b)) warnings.push(...notes.get(idx)!.warnings);

      // Pages whose inputs changed are rendered; files whose content changed are written.
      const writer = new SiteWriter(outDir);
      const files: Record<string, { hash: string; inputs: string }> = {};
      const pageChanges: { idx: number; inputs: string; hash: string }[] = [];
      let written = 0;
      for (let i = 0; i < pages.length; i++) {
        const page = pages[i]!;
        const record = records[i]!;
        const inputs = renderer.inputs(page);
        if (inputs === record.inputs) continue;
        await run.pause();
        const content = Buffer.from(renderer.render(page), 'utf8');
        const hash = sha256(content);
        files[page.file] = { hash, inputs };
        pageChanges.push({ idx: record.idx, inputs, hash });
        if (hash === record.hash) continue;
        if (written === 0) marker.set();
        written++;
        writer.write(page.file, content);
      }
      run.progress({ phase: 'pages', done: facts.files, total: facts.files });
      const changedFiles = Object.keys(files);
      let changeLines = facts.changeLines;
      if (changedFiles.length > 0) {
        changeLines = writeManifest(
          manifestFile,
          { version: 1, outDir, files },
          { manifest: emptyManifest(outDir), changeLines },
          { changed: changedFiles, gone: [] },
        );
      }
      this.saved = undefined;
      this.last = undefined;
      this.plan = undefined;
      this.bodyCache.save(cacheFile);
      // A failed macro runs again at the next build (as in a build from the whole site): no plan is kept.
      const updated =
        failures.length === 0 &&
        SitePlan.update(
          planFile,
          { key, mark: facts.mark },
          {
            facts: { ...facts, mark, manifest: manifestStamp(manifestFile), changeLines, counters },
            entries: changed.map((e) => {
              const idx = was.get(e.post.id)!.idx;
              return { idx, updatedAt: e.post.updatedAt, note: newNotes.get(idx) ?? null };
            }),
            pages: pageChanges,
          },
        );
      if (updated) changes.prune(mark);
      else {
        plan.close();
        SitePlan.remove(planFile);
      }
      marker.clear();

      run.progress({ phase: 'media', done: 0, total: 1 });
      const media = mirrorFolder(paths.media, path.join(outDir, 'media'), notSidecar);
      const thumbnails = mirrorFolder(paths.thumbnails, path.join(outDir, 'thumbnails'), () => true);
      run.progress({ phase: 'done', done: 1, total: 1 });
      const summary: BuildSummary = {
        outDir,
        posts: facts.entries,
        files: facts.files,
        pagesWritten: written,
        pagesUnchanged: facts.files - written,
        pagesRemoved: 0,
        postsRendered: rendered.rendered,
        ...(rendered.onWorkers > 0 ? { postsOnWorkers: rendered.onWorkers } : {}),
        postsCached: facts.entries - rendered.rendered,
        media,
        thumbnails,
        macroCounters: counters,
        failures,
        warnings,
        ms: performance.now() - run.t0,
      };
      if (quick.key && failures.length === 0) writeStamp(quick.stampFile!, quick.key, summary);
      summary.upToDate = false;
      return summary;
    } catch (e) {
      // What a full build would throw too (a failed macro with --strict, a template error, a cancel).
      if (e instanceof BdsError) throw e;
      // A damaged plan (a row missing, an error of SQLite's own): the whole site builds, and a new plan
      // takes its place.
      plan.close();
      SitePlan.remove(planFile);
      return undefined;
    } finally {
      plan.close();
    }
  }

  /**
   * After a build from the whole site: the plan a new process builds from next time. A build of the
   * same model as this builder's last (an edit in a running app) changes only what it changed; a
   * site below the threshold, or with failed macros (they run again at every build), keeps none.
   */
  private keepPlan(run: {
    options: BuildOptions;
    snapshot: SiteSnapshot;
    model: SiteModel;
    renderer: PageRenderer;
    files: Record<string, ManifestEntry>;
    changedFiles: readonly string[];
    bodies: ReadonlyMap<SiteEntry, RenderedBody>;
    looked: readonly SiteEntry[];
    failures: number;
    counters: MacroCounters;
    mark: string | undefined;
    manifestFile: string;
    changeLines: number;
    fileCount: number;
    fast: boolean;
  }): void {
    const changes = this.source.changes;
    const planFile = path.join(run.snapshot.paths.cache, PLAN_FILE);
    const { model } = run;
    const threshold = run.options.planThreshold ?? DEFAULT_PLAN_THRESHOLD;
    if (!changes || run.mark === undefined || run.failures > 0 || model.entries.length < threshold) {
      if (this.plan || fs.existsSync(planFile)) SitePlan.remove(planFile);
      this.plan = undefined;
      return;
    }
    const key = this.planKey(changes.key(run.snapshot), run.options);
    const last = this.plan;
    if (run.fast && last && last.model === model && last.key === key) {
      const entryPlaces = last.entryPlaces;
      const updated = SitePlan.update(
        planFile,
        { key, mark: last.mark },
        {
          facts: {
            ...last.facts,
            mark: run.mark,
            manifest: manifestStamp(run.manifestFile),
            changeLines: run.changeLines,
            counters: run.counters,
          },
          entries: run.looked.map((e) => ({
            idx: entryPlaces.get(e)!,
            updatedAt: e.post.updatedAt,
            note: noteOf(run.bodies.get(e)!),
          })),
          pages: run.changedFiles
            .filter((f) => last.fileplaces.has(f))
            .map((f) => ({
              idx: last.fileplaces.get(f)!,
              inputs: run.files[f]!.inputs,
              hash: run.files[f]!.hash,
            })),
        },
      );
      if (updated) {
        last.mark = run.mark;
        last.facts = { ...last.facts, mark: run.mark, counters: run.counters };
        changes.prune(run.mark);
      } else {
        SitePlan.remove(planFile);
        this.plan = undefined;
      }
      return;
    }
    const entryPlaces = new Map<SiteEntry, number>();
    model.entries.forEach((e, i) => entryPlaces.set(e, i));
    const fileplaces = new Map<string, number>();
    model.pages.forEach((p, i) => fileplaces.set(p.file, i));
    const pagePlace = new Map<SitePage, number>();
    model.pages.forEach((p, i) => pagePlace.set(p, i));
    const feed = run.renderer.feedEntries();
    const feedPlaces = new Set(feed);
    const feedPages = model.pages
      .filter((p) => p.kind === 'rss' || p.kind === 'atom')
      .map((p) => pagePlace.get(p)!);
    const showing = this.pageMemo.pagesShowing(model);
    const facts: PlanFacts = {
      key,
      mark: run.mark,
      manifest: manifestStamp(run.manifestFile),
      changeLines: run.changeLines,
      siteHash: run.renderer.hash,
      menu: siteMenu(model.entries, false),
      usableTags: [...model.usableTags],
      tagPages: [...model.tagNames],
      days: [...model.days],
      feed: feed.map((e) => entryPlaces.get(e)!),
      tagCounts: siteTagCounts(model),
      modelWarnings: model.warnings,
      counters: run.counters,
      entries: model.entries.length,
      files: run.fileCount,
    };
    const place = (e: SiteEntry) => entryPlaces.get(e)!;
    SitePlan.save(planFile, {
      facts,
      entries: (function* () {
        for (let i = 0; i < model.entries.length; i++) {
          const e = model.entries[i]!;
          const pages = (showing.get(e) ?? []).map((p) => pagePlace.get(p)!);
          if (feedPlaces.has(e)) pages.push(...feedPages);
          yield {
            idx: i,
            id: e.post.id,
            slug: e.post.slug,
            url: e.url,
            shape: shapeOf(e.post),
            updatedAt: e.post.updatedAt,
            pages,
          };
        }
      })(),
      pages: (function* () {
        for (let i = 0; i < model.pages.length; i++) {
          const page = model.pages[i]!;
          const file = run.files[page.file]!;
          yield { idx: i, record: pageRecord(page, place), inputs: file.inputs, hash: file.hash };
        }
      })(),
      notes: (function* () {
        for (let i = 0; i < model.entries.length; i++) {
          const note = noteOf(run.bodies.get(model.entries[i]!)!);
          if (note) yield [i, note] as [number, PlanNote];
        }
      })(),
    });
    this.plan = { key, mark: run.mark, model, facts, entryPlaces, fileplaces };
    changes.prune(run.mark);
  }

  /**
   * The last build's summary when nothing it read changed since (its stamp is the same, its files are
   * all there and it finished); otherwise the stamp this build will leave, the old one removed first.
   */
  private unchanged(options: BuildOptions): {
    summary?: BuildSummary;
    key?: string;
    stampFile?: string;
    paths?: SitePaths;
  } {
    const stamp = this.source.buildStamp?.();
    if (!stamp) return {};
    const outDir = path.resolve(options.outDir ?? stamp.paths.html);
    const stampFile = path.join(stamp.paths.cache, STAMP_FILE);
    const key = buildKey([STAMP_VERSION, stamp.key, outDir], options);
    const last = options.force ? undefined : readStamp(stampFile);
    const cache = stamp.paths.cache;
    if (
      last?.key === key &&
      last.summary.outDir === outDir &&
      dirExists(outDir) &&
      fs.existsSync(path.join(cache, MANIFEST_FILE)) &&
      !fs.existsSync(path.join(cache, BUILD_MARKER_FILE))
    ) {
      return {
        paths: stamp.paths,
        summary: {
          ...last.summary,
          pagesUnchanged: last.summary.pagesWritten + last.summary.pagesUnchanged,
          pagesWritten: 0,
          pagesRemoved: 0,
          postsCached: last.summary.postsRendered + last.summary.postsCached,
          postsRendered: 0,
          upToDate: true,
        },
      };
    }
    fs.rmSync(stampFile, { force: true });
    return { key, stampFile, paths: stamp.paths };
  }
}

const notSidecar = (rel: string) => !rel.endsWith('.meta.yaml');

const NO_PUBLIC_URL: SiteWarning = {
  code: 'site-no-public-url',
  message: 'bds.json has no "publicUrl": the sitemap and feeds carry relative links',
};

function themeNotFound(name: string): SiteWarning {
  return { code: 'theme-not-found', message: `bds has no theme "${name}"; the default theme is used` };
}

function strictError(failures: readonly MacroFailure[]): BdsError {
  return new BdsError(
    'site-strict',
    `${failures.length} macro(s) failed; nothing was written:\n${failures.map((f) => `  ${formatMacroFailure(f)}`).join('\n')}`,
    { details: { failures } },
  );
}

/** A body's warnings and macro counts as the plan keeps them; null when it has none. */
function noteOf(body: RenderedBody): PlanNote | null {
  const c = body.counters;
  if (body.warnings.length === 0 && c.builtin + c.python + c.unknown + c.failed === 0) return null;
  return {
    warnings: body.warnings.map((w) => ({
      code: w.code,
      message: w.message,
      file: w.file,
      line: w.line,
      column: w.column,
    })),
    counters: { ...c },
  };
}

export const STAMP_FILE = 'site-stamp.json';
const STAMP_VERSION = 1;

/** A key of what a build's files depend on: `parts`, this bds, and the options that change pages. */
function buildKey(parts: readonly unknown[], options: BuildOptions): string {
  return sha256(
    JSON.stringify([
      RENDER_CACHE_VERSION,
      codeStamp(),
      ...parts,
      options.strict === true,
      options.resolver ? 'python' : 'no python',
    ]),
  );
}

/** Changes when bds itself changes (a new install or build of this module): its pages may differ. */
let code: string | undefined;
function codeStamp(): string {
  if (code === undefined) {
    const stat = fs.statSync(fileURLToPath(import.meta.url));
    code = `${stat.mtimeMs}:${stat.size}:${loadBuiltinThemeStamp()}`;
  }
  return code;
}

function loadBuiltinThemeStamp(): string {
  const hash = createHash('sha256');
  for (const name of BUILTIN_THEME_NAMES) {
    const theme = loadBuiltinTheme(name);
    for (const t of theme.templates.values()) hash.update(`${t.name}\0${t.source}\0`);
    for (const a of theme.assets) hash.update(a.path).update(a.content);
  }
  for (const a of MACRO_ASSETS) hash.update(a.path).update(a.content);
  return hash.digest('hex');
}

function readStamp(file: string): { key: string; summary: BuildSummary } | undefined {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { key?: unknown; summary?: unknown };
    if (typeof data.key === 'string' && typeof data.summary === 'object' && data.summary !== null) {
      return data as { key: string; summary: BuildSummary };
    }
  } catch {
    // None yet, or damaged: the build looks at every page.
  }
  return undefined;
}

function writeStamp(file: string, key: string, summary: BuildSummary): void {
  writeFileAtomic(file, JSON.stringify({ key, summary }), { durable: false });
}

function dirExists(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** How long a build works before it lets other work (the server's requests, a Cancel) run. */
const SLICE_MS = 50;

/**
 * `pause()` yields to the event loop once a slice of work has passed and throws `task-cancelled` when
 * `signal` was aborted; `pause(true)` always checks. Without a signal it only yields.
 */
function pauser(signal: AbortSignal | undefined): (now?: boolean) => Promise<void> {
  let sliceStart = performance.now();
  return async (now = false) => {
    if (!now && performance.now() - sliceStart < SLICE_MS) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
    if (signal?.aborted) {
      throw signal.reason instanceof Error
        ? signal.reason
        : new BdsError('task-cancelled', 'The site build was cancelled');
    }
  };
}
