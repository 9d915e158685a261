// Renders post bodies (Markdown + macros) once and keeps them: a cache entry holds the HTML with the key
// of the file it came from and every outside fact the render looked at (post links, media links, images,
// tag counts, macro scripts), so an entry is reused only while all of them still hold.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { BdsError } from '../core/errors.js';
import { flatString } from '../core/flat-string.js';
import {
  rendersElsewhere,
  renderMarkdownDocument,
  type DocumentRenderer,
  type RenderedDocument,
  postExcerpt,
  type LinkResolver,
  type MacroCounters,
  type MacroFailure,
  type PostData,
  type PythonMacroResolver,
  type RenderData,
  type RenderMode,
  type RenderWarning,
} from '../render/index.js';
import { hashOf, sha256 } from './hashes.js';
import type { SiteEntry } from './model.js';
import type { SitePost, SiteSnapshot } from './source.js';

/** Bump when rendering changes in a way old cache entries would not show. */
export const RENDER_CACHE_VERSION = 3;

/** One outside fact a render depended on, with the answer it got. */
export type RenderDep =
  | ['post', string, string | null]
  | ['media', string, string | null]
  | ['linked', string, string]
  | ['images', string]
  | ['tags', string]
  | ['slugs', string]
  | ['script', string, string | null];

export interface RenderedBody {
  html: string;
  /** sha256 of `html`, so pages can tell whether a post changed without comparing HTML. */
  htmlHash: string;
  /** The post's excerpt, or its first paragraph as text. */
  excerpt: string;
  warnings: RenderWarning[];
  failures: MacroFailure[];
  counters: MacroCounters;
}

interface CacheEntry {
  key: string;
  deps: RenderDep[];
  body: RenderedBody;
  /** Set when another entry took its slot, or it was removed (not saved). */
  replaced?: boolean;
}

/**
 * Gives `target.html` from `read()` the first time it is asked for (then keeps it). A row gone meanwhile
 * (another build emptied the cache) fails the build rather than show an empty body.
 */
function lazyHtml(target: { html: string }, read: () => unknown): void {
  const keep = (html: string) =>
    Object.defineProperty(target, 'html', {
      value: html,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  Object.defineProperty(target, 'html', {
    get() {
      const html = read();
      if (typeof html !== 'string') {
        throw new BdsError(
          'site-cache-changed',
          'The render cache (.bds/render-cache.sqlite) changed during this build; build again',
        );
      }
      keep(html);
      return html;
    },
    set: keep,
    enumerable: true,
    configurable: true,
  });
}

/** A post's summary in list pages, with the fingerprint of what it showed. */
export interface SummaryEntry {
  fp: string;
  html: string;
}

/** Summaries by post id that remember which ones changed since the last save. */
export class SummaryMap extends Map<string, SummaryEntry> {
  readonly dirty = new Set<string>();
  readonly deleted = new Set<string>();

  override set(id: string, entry: SummaryEntry): this {
    this.dirty.add(id);
    this.deleted.delete(id);
    return super.set(id, entry);
  }

  override delete(id: string): boolean {
    this.dirty.delete(id);
    this.deleted.add(id);
    return super.delete(id);
  }

  /** An entry read from the cache file: nothing to save. */
  loaded(id: string, entry: SummaryEntry): void {
    super.set(id, entry);
  }
}

/**
 * Rendered bodies by post and mode. Site-mode entries persist in `.bds/render-cache.sqlite` for the next
 * CLI build: one row per post, so saving after an edit writes one row, not the whole cache.
 */
export class PostBodyCache {
  private readonly entries = new Map<string, CacheEntry>();
  /** List-page summaries of site posts, saved with the bodies so a new process need not render them. */
  readonly summaries = new SummaryMap();
  private readonly dirty = new Set<string>();
  private readonly deleted = new Set<string>();
  private loadedFrom?: string;
  private reader?: Database.Database;
  private readerFile?: string;
  /** The reader's look-ups of HTML by slot and by post id. */
  private html?: { body: Database.Statement; summary: Database.Statement };

  static slot(postId: string, mode: RenderMode, pending = false): string {
    return `${mode}:${pending ? 'pending:' : ''}${postId}`;
  }

  get(slot: string): CacheEntry | undefined {
    return this.entries.get(slot);
  }

  /**
   * The cache entry each site entry took its body from, with the post it was checked against: while the
   * entry shows the same post object and that cache entry holds, its body is taken without a look-up.
   */
  readonly taken = new WeakMap<
    SiteEntry,
    { post: SitePost; mode: RenderMode; language: string; cached: CacheEntry }
  >();

  set(slot: string, entry: CacheEntry): void {
    const old = this.entries.get(slot);
    if (old) old.replaced = true;
    this.entries.set(slot, entry);
    this.dirty.add(slot);
    this.deleted.delete(slot);
  }

  /** How many entries of `mode` the cache holds. */
  count(mode: RenderMode): number {
    let n = 0;
    const prefix = `${mode}:`;
    for (const slot of this.entries.keys()) if (slot.startsWith(prefix)) n++;
    return n;
  }

  /** Drops entries of posts that no longer exist (keeps the file small). */
  retain(slots: ReadonlySet<string>, mode: RenderMode): void {
    for (const slot of this.entries.keys()) {
      if (slot.startsWith(`${mode}:`) && !slots.has(slot)) this.remove(slot);
    }
    if (mode === 'site') {
      for (const id of [...this.summaries.keys()]) if (!slots.has(`site:${id}`)) this.summaries.delete(id);
    }
  }

  clear(): void {
    for (const slot of [...this.entries.keys()]) this.remove(slot);
    for (const id of [...this.summaries.keys()]) this.summaries.delete(id);
  }

  private remove(slot: string): void {
    const old = this.entries.get(slot);
    if (old) old.replaced = true;
    this.entries.delete(slot);
    this.dirty.delete(slot);
    if (slot.startsWith('site:')) this.deleted.add(slot);
  }

  /**
   * A write `takeSave` gave that did not reach the file (its thread was stopped first): its rows are to
   * save again, unless changed since (a newer entry is already to save).
   */
  putBack(write: CacheWrite): void {
    for (const { slot } of write.bodies) this.away.delete(slot);
    for (const slot of write.deleted) if (!this.entries.has(slot)) this.deleted.add(slot);
    for (const { slot } of write.bodies) if (this.entries.has(slot)) this.dirty.add(slot);
    const sums = this.summaries;
    for (const id of write.deletedSummaries) if (!sums.has(id)) sums.deleted.add(id);
    for (const { id } of write.summaries) if (sums.has(id)) sums.dirty.add(id);
  }

  /** Opens the cache file (made if missing), its tables as this version keeps them. */
  static open(file: string): Database.Database {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // A cache: losing the last writes after a power cut only means rendering those posts again.
    db.pragma('synchronous = OFF');
    // A body's HTML has a table of its own: inside the JSON it was escaped on every save and parsed on
    // every load, and beside the entry it made reading every entry read every page of the file. Tables
    // of the older forms go.
    db.exec(
      `DROP TABLE IF EXISTS bodies;
       DROP TABLE IF EXISTS body_rows;
       DROP TABLE IF EXISTS summaries;
       CREATE TABLE IF NOT EXISTS body_meta (slot TEXT PRIMARY KEY, version INTEGER NOT NULL, entry TEXT NOT NULL) WITHOUT ROWID;
       CREATE TABLE IF NOT EXISTS body_html (slot TEXT PRIMARY KEY, html TEXT NOT NULL);
       CREATE TABLE IF NOT EXISTS summary_meta (post_id TEXT PRIMARY KEY, version INTEGER NOT NULL, fp TEXT NOT NULL) WITHOUT ROWID;
       CREATE TABLE IF NOT EXISTS summary_html (post_id TEXT PRIMARY KEY, html TEXT NOT NULL);`,
    );
    return db;
  }

  /** The loaded file, open while HTML not yet shown may be read from it (see `lazyHtml`). */
  private readerOf(file: string): Database.Database {
    if (this.reader && this.readerFile === file) return this.reader;
    this.reader?.close();
    this.reader = undefined;
    const db = PostBodyCache.open(file);
    this.reader = db;
    this.readerFile = file;
    this.html = {
      body: db.prepare('SELECT html FROM body_html WHERE slot = ?').pluck(),
      summary: db.prepare('SELECT html FROM summary_html WHERE post_id = ?').pluck(),
    };
    return db;
  }

  /** Forgets a damaged file: everything renders again, and the next save starts a new file. */
  private dropFile(file: string): void {
    if (this.readerFile === file) {
      this.reader?.close();
      this.reader = undefined;
      this.readerFile = undefined;
      this.html = undefined;
    }
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  }

  /**
   * Loads the file once per cache object; a missing or unreadable file means an empty cache. The HTML of
   * bodies and summaries (most of the file) is read when a page first shows it: after an edit of one
   * post of a large blog, a build shows a few dozen of them, not every one.
   */
  load(file: string): void {
    if (this.loadedFrom === file) return;
    this.loadedFrom = file;
    if (!fs.existsSync(file)) return;
    try {
      const db = this.readerOf(file);
      // Rows of another cache version are never read again (here, once per process, not at every save).
      if (db.prepare('DELETE FROM body_meta WHERE version <> ?').run(RENDER_CACHE_VERSION).changes > 0) {
        db.exec('DELETE FROM body_html WHERE slot NOT IN (SELECT slot FROM body_meta)');
      }
      if (db.prepare('DELETE FROM summary_meta WHERE version <> ?').run(RENDER_CACHE_VERSION).changes > 0) {
        db.exec('DELETE FROM summary_html WHERE post_id NOT IN (SELECT post_id FROM summary_meta)');
      }
      const rows = db.prepare('SELECT slot, entry FROM body_meta').all() as { slot: string; entry: string }[];
      for (const row of rows) this.take(row.slot, row.entry);
      const summaries = db.prepare('SELECT post_id, fp FROM summary_meta').all() as {
        post_id: string;
        fp: string;
      }[];
      for (const row of summaries) this.takeSummary(row.post_id, row.fp);
    } catch {
      this.dropFile(file);
    }
  }

  /**
   * Loads the site bodies and summaries of these posts only (a build from the site plan shows a few
   * dozen posts of a blog of any size); `load` later adds the rest.
   */
  loadSome(file: string, postIds: Iterable<string>): void {
    if (this.loadedFrom === file || !fs.existsSync(file)) return;
    try {
      const db = this.readerOf(file);
      const body = db.prepare('SELECT entry FROM body_meta WHERE slot = ? AND version = ?').pluck();
      const summary = db.prepare('SELECT fp FROM summary_meta WHERE post_id = ? AND version = ?').pluck();
      for (const id of postIds) {
        const slot = PostBodyCache.slot(id, 'site');
        const entry = body.get(slot, RENDER_CACHE_VERSION) as string | undefined;
        if (entry !== undefined) this.take(slot, entry);
        const fp = summary.get(id, RENDER_CACHE_VERSION) as string | undefined;
        if (fp !== undefined) this.takeSummary(id, fp);
      }
    } catch {
      this.dropFile(file);
    }
  }

  private take(slot: string, json: string): void {
    if (this.entries.has(slot) || this.deleted.has(slot)) return;
    const entry = JSON.parse(json) as CacheEntry;
    const html = this.html!.body;
    lazyHtml(entry.body, () => html.get(slot));
    this.entries.set(slot, entry);
  }

  private takeSummary(id: string, fp: string): void {
    if (this.summaries.has(id) || this.summaries.deleted.has(id)) return;
    const entry = { fp } as SummaryEntry;
    const html = this.html!.summary;
    lazyHtml(entry, () => html.get(id));
    this.summaries.loaded(id, entry);
  }

  /**
   * The entries whose body's HTML `file` holds once this cache is saved to it (the cache's own entry for
   * the post): a page worker reads those from the file instead of being sent a copy of each.
   */
  siteBodiesInFileAfterSave(file: string, bodies: ReadonlyMap<SiteEntry, RenderedBody>): Set<SiteEntry> {
    const inFile = new Set<SiteEntry>();
    // Entries loaded from another file are not in this one.
    if (this.loadedFrom !== undefined && this.loadedFrom !== file) return inFile;
    for (const [entry, body] of bodies) {
      const slot = PostBodyCache.slot(entry.post.id, 'site', entry.post.pending === true);
      if (this.entries.get(slot)?.body === body && !this.away.has(slot)) inFile.add(entry);
    }
    return inFile;
  }

  /** Writes the site-mode entries that changed since the last save. */
  save(file: string): void {
    const write = this.takeSave();
    if (!write) return;
    try {
      writeCache(file, write);
    } catch (e) {
      this.putBack(write);
      throw e;
    }
  }

  /** Slots whose rows another thread was given to write and has not yet (see takeSave's `away`). */
  private readonly away = new Set<string>();

  /**
   * The site-mode entries that changed since the last save, as rows to write (with `writeCache`, here or
   * on another thread); the cache counts them as saved. Undefined when there is nothing to write.
   */
  takeSave(away = false): CacheWrite | undefined {
    // In key order: rows go into the tables' B-trees one page after another instead of all over the file
    // (a first build of 50,000 posts saves its bodies and summaries in about half the time).
    const dirty = [...this.dirty].filter((s) => s.startsWith('site:')).sort();
    const deleted = [...this.deleted].filter((s) => s.startsWith('site:'));
    const sums = this.summaries;
    if (dirty.length === 0 && deleted.length === 0 && sums.dirty.size === 0 && sums.deleted.size === 0)
      return undefined;
    const write: CacheWrite = {
      deleted,
      bodies: dirty.map((slot) => {
        const { key, deps, body } = this.entries.get(slot)!;
        return { slot, key, deps, body };
      }),
      deletedSummaries: [...sums.deleted],
      summaries: [...sums.dirty].sort().flatMap((id) => {
        const e = sums.get(id);
        return e ? [{ id, fp: e.fp, html: e.html }] : [];
      }),
    };
    for (const slot of dirty) {
      this.dirty.delete(slot);
      // Until it is written, the file does not hold it (another build must not read it from there).
      if (away) this.away.add(slot);
    }
    for (const slot of deleted) this.deleted.delete(slot);
    sums.dirty.clear();
    sums.deleted.clear();
    return write;
  }

  /** A write `takeSave(true)` gave away reached the file. */
  written(write: CacheWrite): void {
    for (const { slot } of write.bodies) this.away.delete(slot);
  }
}

/** What a save writes (see PostBodyCache.takeSave): plain data, so another thread can write it. */
export interface CacheWrite {
  deleted: string[];
  bodies: { slot: string; key: string; deps: RenderDep[]; body: RenderedBody }[];
  deletedSummaries: string[];
  summaries: { id: string; fp: string; html: string }[];
}

/** Writes `write` into the render cache file in one transaction. */
export function writeCache(file: string, write: CacheWrite): void {
  const db = PostBodyCache.open(file);
  try {
    const put = db.prepare('INSERT OR REPLACE INTO body_meta (slot, version, entry) VALUES (?, ?, ?)');
    const putHtml = db.prepare('INSERT OR REPLACE INTO body_html (slot, html) VALUES (?, ?)');
    const del = db.prepare('DELETE FROM body_meta WHERE slot = ?');
    const delHtml = db.prepare('DELETE FROM body_html WHERE slot = ?');
    const putSummary = db.prepare(
      'INSERT OR REPLACE INTO summary_meta (post_id, version, fp) VALUES (?, ?, ?)',
    );
    const putSummaryHtml = db.prepare('INSERT OR REPLACE INTO summary_html (post_id, html) VALUES (?, ?)');
    const delSummary = db.prepare('DELETE FROM summary_meta WHERE post_id = ?');
    const delSummaryHtml = db.prepare('DELETE FROM summary_html WHERE post_id = ?');
    db.transaction(() => {
      for (const slot of write.deleted) {
        del.run(slot);
        delHtml.run(slot);
      }
      for (const { slot, key, deps, body } of write.bodies) {
        const { html, ...rest } = body;
        put.run(slot, RENDER_CACHE_VERSION, JSON.stringify({ key, deps, body: rest }));
        putHtml.run(slot, html);
      }
      for (const id of write.deletedSummaries) {
        delSummary.run(id);
        delSummaryHtml.run(id);
      }
      for (const { id, fp, html } of write.summaries) {
        putSummary.run(id, RENDER_CACHE_VERSION, fp);
        putSummaryHtml.run(id, html);
      }
    })();
  } finally {
    db.close();
  }
}

/**
 * Reads the HTML of saved site bodies from a render cache file (a page worker's view of it; see
 * `siteBodiesInFileAfterSave`). The file is opened at the first read, after `beforeOpen` (which waits
 * for it to be saved, or throws). `close` when done.
 */
export function storedSiteHtml(
  file: string,
  beforeOpen: () => void,
): { read: (post: SitePost) => string | undefined; close: () => void } {
  let db: Database.Database | undefined;
  let get: Database.Statement | undefined;
  return {
    read: (post) => {
      if (!get) {
        beforeOpen();
        db = new Database(file, { readonly: true, fileMustExist: true });
        get = db.prepare('SELECT html FROM body_html WHERE slot = ?').pluck();
      }
      return get.get(PostBodyCache.slot(post.id, 'site', post.pending === true)) as string | undefined;
    },
    close: () => db?.close(),
  };
}

export interface BodyRenderOptions {
  mode: RenderMode;
  snapshot: SiteSnapshot;
  links: LinkResolver;
  resolver: PythonMacroResolver | null;
  /** How many documents render at once (Python macros wait on the runtime pool meanwhile). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Every post's URL by slug (what `links.postUrl` answers), for documents rendered on Python workers;
   * without it every document renders here.
   */
  postUrls?: () => ReadonlyMap<string, string>;
  /** The table `links.mediaUrl` answers from (by `mediaLinkKey`); without it documents with media links render here. */
  mediaUrls?: () => ReadonlyMap<string, string>;
  /** Below this many documents to render, all render here (default DOCUMENTS_ELSEWHERE_MIN). */
  documentsElsewhereMin?: number;
  /** Render documents whole on the workers, or here with their macros batched (default: the renderer's choice). */
  wholeDocuments?: boolean;
  /**
   * Called before each document: a build's chance to let other work run and to stop (it throws when the
   * build was cancelled; documents already started finish first).
   */
  pause?: () => Promise<void> | void;
}

export interface BodyRenderResult {
  bodies: Map<SiteEntry, RenderedBody>;
  rendered: number;
  /** Of those, how many a Python worker rendered with their macros (see render/document-job.ts). */
  onWorkers: number;
  reused: number;
  /**
   * Entries whose body depends on something outside their file (links, media, macros) or failed: the
   * next build must look at them again even when their post did not change.
   */
  volatile: SiteEntry[];
}

/** The PostData a Python macro receives for a post (ABI v1). */
export function postData(post: SitePost): PostData {
  return {
    id: post.id,
    title: post.title,
    slug: post.slug,
    content: post.body,
    tags: [...post.tags],
    categories: [...post.categories],
    createdAt: post.createdAt,
    updatedAt: post.updatedAt,
    publishedAt: post.publishedAt ?? null,
    excerpt: post.excerpt ?? null,
    author: post.author ?? null,
    language: post.language ?? null,
    status: post.status,
  };
}

const LOOKUP_FAILED = 'lookup-failed';

/** Checks dependencies against the current project; the answers are computed once per render run. */
class DepChecker {
  private images?: string;
  private tags?: string;
  private slugs?: Promise<string>;
  private slugSet?: Promise<ReadonlySet<string>>;
  /** The scripts and their fingerprint, once both are known. */
  private knownSlugs?: { set: ReadonlySet<string>; fp: string };
  private readonly linked = new Map<string, string>();

  constructor(
    private readonly snapshot: SiteSnapshot,
    private readonly links: LinkResolver,
    private readonly resolver: PythonMacroResolver | null,
  ) {}

  imagesFp(): string {
    return (this.images ??= hashOf(this.snapshot.renderData.images()));
  }

  tagsFp(): string {
    return (this.tags ??= hashOf(this.snapshot.renderData.publishedTagCounts()));
  }

  linkedFp(postId: string): string {
    let fp = this.linked.get(postId);
    if (fp === undefined) {
      fp = hashOf(this.snapshot.renderData.linkedImages(postId));
      this.linked.set(postId, fp);
    }
    return fp;
  }

  /** The enabled macro scripts, looked up once per render run rather than by every document. */
  macroSlugs(): Promise<ReadonlySet<string>> {
    const resolver = this.resolver;
    this.slugSet ??= Promise.resolve().then(() => (resolver ? resolver.macroSlugs() : new Set<string>()));
    return this.slugSet;
  }

  slugsFp(): Promise<string> {
    this.slugs ??= this.macroSlugs().then(
      (set) => {
        const fp = hashOf([...set].sort());
        this.knownSlugs = { set, fp };
        return fp;
      },
      () => LOOKUP_FAILED,
    );
    return this.slugs;
  }

  async holds(deps: readonly RenderDep[]): Promise<boolean> {
    for (const dep of deps) {
      switch (dep[0]) {
        case 'post':
          if ((this.links.postUrl(dep[1]) ?? null) !== dep[2]) return false;
          break;
        case 'media':
          if ((this.links.mediaUrl(dep[1]) ?? null) !== dep[2]) return false;
          break;
        case 'linked':
          if (this.linkedFp(dep[1]) !== dep[2]) return false;
          break;
        case 'images':
          if (this.imagesFp() !== dep[1]) return false;
          break;
        case 'tags':
          if (this.tagsFp() !== dep[1]) return false;
          break;
        case 'slugs':
          if ((await this.slugsFp()) !== dep[1]) return false;
          break;
        case 'script':
          if ((this.snapshot.macroVersions.get(dep[1]) ?? null) !== dep[2]) return false;
          break;
      }
    }
    return true;
  }

  /**
   * Wrappers that answer like the real ones and write down what was asked; `render` runs the Python
   * macros instead of the resolver's own `render`.
   */
  recorders(
    deps: RenderDep[],
    render?: PythonMacroResolver['render'],
  ): {
    links: LinkResolver;
    data: RenderData;
    resolver: PythonMacroResolver | null;
  } {
    const base = this.links;
    const data = this.snapshot.renderData;
    const links: LinkResolver = {
      postUrl: (slug) => {
        const url = base.postUrl(slug);
        deps.push(['post', slug, url ?? null]);
        return url;
      },
      mediaUrl: (p) => {
        const url = base.mediaUrl(p);
        deps.push(['media', p, url ?? null]);
        return url;
      },
    };
    const recordingData: RenderData = {
      linkedImages: (postId) => {
        deps.push(['linked', postId, this.linkedFp(postId)]);
        return data.linkedImages(postId);
      },
      images: () => {
        deps.push(['images', this.imagesFp()]);
        return data.images();
      },
      publishedTagCounts: () => {
        deps.push(['tags', this.tagsFp()]);
        return data.publishedTagCounts();
      },
      ...(data.timezone === undefined ? {} : { timezone: data.timezone }),
    };
    const inner = this.resolver;
    const resolver: PythonMacroResolver | null = inner && {
      macroSlugs: () => {
        // Once known, at once: the build's documents need not wait for them one by one.
        const known = this.knownSlugs;
        if (known) {
          deps.push(['slugs', known.fp]);
          return known.set;
        }
        return (async () => {
          const set = await this.macroSlugs();
          deps.push(['slugs', await this.slugsFp()]);
          return set;
        })();
      },
      render: (call) => {
        deps.push(['script', call.slug, this.snapshot.macroVersions.get(call.slug) ?? null]);
        return render ? render(call) : inner.render(call);
      },
    };
    return { links, data: recordingData, resolver };
  }
}

/**
 * The part of a cache key that comes from the file: which file, which version of it, how it is read.
 * (Not the body's first line: it comes from the same file version, and reading it would read the body.)
 */
export function bodyKey(post: SitePost, mode: RenderMode, mainLanguage: string): string {
  return flatString(
    `${RENDER_CACHE_VERSION}|${mode}|${post.path}|${post.mtimeMs}|${post.size}|${mainLanguage}|${post.id}|${post.slug}`,
  );
}

// Post objects live as long as the index row they came from, so their keys are worth keeping (turning
// mtimes into text is most of a key's cost, paid for every post at every build).
const keysOf = new WeakMap<SitePost, { mode: RenderMode; mainLanguage: string; key: string }>();

function bodyKeyOf(post: SitePost, mode: RenderMode, mainLanguage: string): string {
  const known = keysOf.get(post);
  if (known && known.mode === mode && known.mainLanguage === mainLanguage) return known.key;
  const key = bodyKey(post, mode, mainLanguage);
  keysOf.set(post, { mode, mainLanguage, key });
  return key;
}

/** Renders the bodies of `entries`, reusing cached ones whose file and dependencies are unchanged. */
export async function renderBodies(
  entries: readonly SiteEntry[],
  cache: PostBodyCache,
  options: BodyRenderOptions,
): Promise<BodyRenderResult> {
  const { mode, snapshot } = options;
  const mainLanguage = snapshot.settings.mainLanguage;
  const checker = new DepChecker(snapshot, options.links, options.resolver);
  const bodies = new Map<SiteEntry, RenderedBody>();
  const volatile: SiteEntry[] = [];
  let rendered = 0;
  let onWorkers = 0;
  let reused = 0;
  let done = 0;
  const total = entries.length;

  // Cached bodies that depend on nothing outside their file (most posts) are taken in one synchronous
  // pass; the rest are checked, or rendered, below.
  const remaining: SiteEntry[] = [];
  const take = (entry: SiteEntry, cached: CacheEntry) => {
    bodies.set(entry, cached.body);
    cache.taken.set(entry, { post: entry.post, mode, language: mainLanguage, cached });
    reused++;
  };
  for (const entry of entries) {
    const post = entry.post;
    const last = cache.taken.get(entry);
    if (
      last &&
      last.post === post &&
      last.mode === mode &&
      last.language === mainLanguage &&
      !last.cached.replaced &&
      last.cached.deps.length === 0
    ) {
      bodies.set(entry, last.cached.body);
      reused++;
      done++;
      continue;
    }
    const cached = cache.get(PostBodyCache.slot(post.id, mode, post.pending === true));
    if (cached && cached.deps.length === 0 && cached.key === bodyKeyOf(post, mode, mainLanguage)) {
      take(entry, cached);
      done++;
    } else remaining.push(entry);
  }
  if (done > 0) options.onProgress?.(done, total);

  /** Lets up to `n` documents render at once (see `running` below). */
  let widen: (n: number) => void = () => {};
  const renderOne = async (entry: SiteEntry): Promise<void> => {
    const post = entry.post;
    const slot = PostBodyCache.slot(post.id, mode, post.pending === true);
    const key = bodyKeyOf(post, mode, mainLanguage);
    const cached = cache.get(slot);
    if (cached && cached.key === key && (cached.deps.length === 0 || (await checker.holds(cached.deps)))) {
      bodies.set(entry, cached.body);
      if (cached.deps.length > 0) volatile.push(entry);
      reused++;
    } else {
      const deps: RenderDep[] = [];
      const input = {
        source: post.body,
        file: post.path,
        lineOffset: post.bodyLine - 1,
        post: postData(post),
        docId: post.slug,
      };
      // (A document without `[[` has no macro: it renders at once, without waiting for the set-up.)
      const elsewhere = input.source.includes('[[') ? await documents.get() : undefined;
      let doc: (Omit<RenderedDocument, 'macroCount'> & { htmlHash?: string; excerpt?: string }) | undefined;
      if (elsewhere?.wholeDocuments && rendersElsewhere(input.source, elsewhere)) {
        const job = await elsewhere.render(input);
        if (job) {
          deps.push(...job.deps);
          doc = job;
          onWorkers++;
        }
      }
      if (!doc) {
        // Without whole documents on the workers, the macros of the documents rendering here go to them
        // in batches, the fuller the more documents wait at once.
        const batched = elsewhere && !elsewhere.wholeDocuments ? elsewhere : undefined;
        if (batched && options.concurrency === undefined) widen(BATCHING_CONCURRENCY);
        const rec = checker.recorders(deps, batched && ((call) => batched.macro(call)));
        doc = await renderMarkdownDocument({
          mode,
          data: rec.data,
          resolver: rec.resolver,
          links: rec.links,
          mainLanguage,
          ...input,
        });
      }
      options.snapshot.releaseBody?.(post);
      const body: RenderedBody = {
        html: flatString(doc.html),
        htmlHash: doc.htmlHash ?? sha256(doc.html),
        excerpt: flatString(doc.excerpt ?? postExcerpt(post.excerpt, doc.firstParagraph)),
        warnings: doc.warnings,
        failures: doc.failures,
        counters: doc.counters,
      };
      bodies.set(entry, body);
      // A failed macro may work next time (a timeout, a script being fixed): do not keep it.
      if (body.failures.length === 0) cache.set(slot, { key, deps: dedupe(deps), body });
      if (body.failures.length > 0 || deps.length > 0) volatile.push(entry);
      rendered++;
    }
    done++;
    options.onProgress?.(done, total);
  };

  if (remaining.length > 0) snapshot.readBodies?.(remaining.map((e) => e.post));
  const documents = new DocumentsElsewhere(options, checker, remaining.length);
  // Documents without macros render synchronously inside renderOne; those with Python macros wait on
  // the runtime, and meanwhile the next documents start.
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < remaining.length) {
      await options.pause?.();
      // Another worker may have taken the last document meanwhile.
      if (next >= remaining.length) return;
      const entry = remaining[next++]!;
      await renderOne(entry);
    }
  };
  const running: Promise<void>[] = [];
  widen = (n) => {
    while (running.length < Math.min(n, remaining.length)) {
      const one = worker();
      // Handled: awaited below, maybe after it failed.
      one.catch(() => {});
      running.push(one);
    }
  };
  widen(Math.max(1, options.concurrency ?? 16));
  // (The list grows while documents render: see `widen`.)
  for (let i = 0; i < running.length; i++) await running[i];
  return { bodies, rendered, onWorkers, reused, volatile };
}

/**
 * Documents rendering at once while their macros go to the workers in batches (DocumentRenderer.macro):
 * enough waiting macros for two full batches per worker of a two-core machine, so the host renders the
 * next documents while the workers run Python. (32 left the host waiting; 64 and 128 measured alike
 * with `bench:site`; 512 and 2,048 sped up the posts phase, not the whole build.)
 */
export const BATCHING_CONCURRENCY = 128;

/**
 * Below this many documents to look at (render, or check a cached body of), all render here: a worker's
 * first document loads the Markdown renderer (about 0.1 s of its time) and the build's context, which a
 * few posts do not repay.
 */
export const DOCUMENTS_ELSEWHERE_MIN = 500;

/** The resolver's renderer of whole documents on Python workers, set up at the first document. */
class DocumentsElsewhere {
  private renderer?: Promise<DocumentRenderer | undefined>;

  constructor(
    private readonly options: BodyRenderOptions,
    private readonly checker: DepChecker,
    private readonly count: number,
  ) {}

  get(): Promise<DocumentRenderer | undefined> {
    // A set-up that fails (the scripts cannot be listed, say) leaves every document to the host.
    this.renderer ??= this.setUp().catch(() => undefined);
    return this.renderer;
  }

  private async setUp(): Promise<DocumentRenderer | undefined> {
    const { resolver, postUrls, mediaUrls, snapshot, mode } = this.options;
    const min = this.options.documentsElsewhereMin ?? DOCUMENTS_ELSEWHERE_MIN;
    if (!resolver?.documents || !postUrls || this.count < min) return undefined;
    const slugsFp = await this.checker.slugsFp();
    // Without the list of scripts, each document tells its own story on the host.
    if (slugsFp === LOOKUP_FAILED) return undefined;
    const timezone = snapshot.renderData.timezone;
    return resolver.documents(
      {
        mode,
        mainLanguage: snapshot.settings.mainLanguage,
        ...(timezone === undefined ? {} : { timezone }),
        postUrls: postUrls(),
        ...(mediaUrls ? { mediaUrls: mediaUrls() } : {}),
        versions: snapshot.macroVersions,
        slugsFp,
      },
      this.options.wholeDocuments,
    );
  }
}

/** A document's deps are few (a macro's script and the slugs, say): compared in pairs, not as JSON. */
const DEDUPE_PAIRWISE_MAX = 16;

const sameDep = (a: RenderDep, b: RenderDep): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

function dedupe(deps: RenderDep[]): RenderDep[] {
  if (deps.length <= DEDUPE_PAIRWISE_MAX) {
    const out: RenderDep[] = [];
    for (const d of deps) if (!out.some((o) => sameDep(o, d))) out.push(d);
    return out;
  }
  const seen = new Set<string>();
  const out: RenderDep[] = [];
  for (const d of deps) {
    const k = JSON.stringify(d);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(d);
    }
  }
  return out;
}
