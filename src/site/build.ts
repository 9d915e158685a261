// SiteBuilder: builds the static site into html/ incrementally. Post bodies come from the render cache
// when their file and dependencies did not change; a page is rendered only when its inputs changed and
// written only when its content did; files of routes that are gone are removed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../core/atomic.js';
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
import type { SiteEntry, SiteModel, SitePage } from './model.js';
import {
  emptyManifest,
  readManifest,
  removeSiteFiles,
  writeManifest,
  BuildMarker,
  SiteWriter,
  type ManifestEntry,
  type SiteManifest,
} from './output.js';
import { PageMemo, PageRenderer } from './pages.js';
import {
  DEFAULT_PAGE_WORKER_THRESHOLD,
  PageClaims,
  pageWorkerCount,
  renderPagesOnWorker,
} from './page-workers.js';
import { PostBodyCache, RENDER_CACHE_VERSION, renderBodies, type RenderedBody } from './post-bodies.js';
import type { SitePaths, SitePost, SiteSnapshot, SiteSource } from './source.js';
import { siteRenderData } from './tag-counts.js';
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
   * Cancels the build: it stops between documents and pages (throwing `task-cancelled`); the files it
   * wrote are whole, and the next build starts afresh (the build marker stays set).
   */
  signal?: AbortSignal;
}

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

  constructor(private readonly source: SiteSource) {}

  async build(options: BuildOptions = {}): Promise<BuildSummary> {
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
    const snapshot = this.source.snapshot();
    const paths = snapshot.paths;
    const outDir = path.resolve(options.outDir ?? paths.html);
    const warnings: SiteWarning[] = [];

    const { theme, user, builtin } = this.themes.get(snapshot);
    for (const p of user.problems) warnings.push({ ...p });
    if (!isBuiltinTheme(snapshot.settings.theme)) {
      warnings.push({
        code: 'theme-not-found',
        message: `bds has no theme "${snapshot.settings.theme}"; the default theme is used`,
      });
    }
    const model = this.models.model(snapshot);
    warnings.push(...model.warnings);
    if (!snapshot.settings.publicUrl) {
      warnings.push({
        code: 'site-no-public-url',
        message: 'bds.json has no "publicUrl": the sitemap and feeds carry relative links',
      });
    }

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
    const rendered = await renderBodies(look, this.bodyCache, {
      mode: 'site',
      snapshot: { ...snapshot, renderData: siteRenderData(snapshot.renderData, model) },
      links: siteLinks(model, snapshot),
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
    if (options.strict && failures.length > 0) {
      throw new BdsError(
        'site-strict',
        `${failures.length} macro(s) failed; nothing was written:\n${failures.map((f) => `  ${formatMacroFailure(f)}`).join('\n')}`,
        { details: { failures } },
      );
    }

    // Pages and assets.
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
    const threshold = fast ? 0 : (options.pageWorkerThreshold ?? DEFAULT_PAGE_WORKER_THRESHOLD);
    const claims = new PageClaims(undefined, stale.length);
    let workers: ReturnType<typeof renderPagesOnWorker>[] = [];
    if (threshold > 0 && stale.length >= threshold) {
      const count = Math.min(pageWorkerCount(), Math.floor(stale.length / threshold));
      if (count > 0) marker.set();
      const jobs = stale.map((index) => ({
        index,
        file: model.pages[index]!.file,
        oldHash: manifest.files[model.pages[index]!.file]?.hash ?? null,
      }));
      for (let w = 0; w < count; w++) {
        workers.push(
          renderPagesOnWorker({
            outDir,
            settings: snapshot.settings,
            model,
            bodies,
            templates: theme.templateSources(),
            jobs,
            claim: claims.buffer,
            worker: w,
          }),
        );
      }
    }
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
      throw e;
    }
    // A worker that had not begun when this thread took the last page is not waited for.
    workers = workers.filter((worker, w) => {
      if (!claims.workerTooLate(w)) return true;
      void worker.stop();
      return false;
    });
    const results = await Promise.all(workers.map((w) => w.result)).catch(async (e: unknown) => {
      await Promise.all(workers.map((w) => w.stop()));
      throw e;
    });
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
    const key = sha256(
      JSON.stringify([
        STAMP_VERSION,
        RENDER_CACHE_VERSION,
        codeStamp(),
        stamp.key,
        outDir,
        options.strict === true,
        options.resolver ? 'python' : 'no python',
      ]),
    );
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

export const STAMP_FILE = 'site-stamp.json';
const STAMP_VERSION = 1;

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
