// The site plan: what the last complete build made of the site, kept in .bds/site-plan.sqlite so that a
// new process can build after a few posts changed without reading the whole blog. It holds every page
// (with the entries it shows, its inputs and the hash of its file), every entry (its URL, the shape of its
// post, its update date and the pages that show it), and the few site-wide facts pages read (the menu,
// tag names, day archives, the feed's posts, tag counts). A build whose posts changed only in place (same
// shape: same URL, date, tags, categories, status) renders from it the pages showing those posts, reading
// only their entries (see SiteBuilder). Like the render cache it is rebuildable: a damaged or missing plan
// means a full build, which writes a new one.
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MacroCounters, TagCount } from '../render/index.js';
import { hashJoined } from './hashes.js';
import type { ArchiveContext, ListPage, PostPage, SiteEntry, SitePage } from './model.js';
import type { SitePost } from './source.js';
import type { SiteWarning } from './warnings.js';

export const PLAN_FILE = 'site-plan.sqlite';
const PLAN_VERSION = 1;

/** What the plan knows of the site as a whole. */
export interface PlanFacts {
  /** The build's key: everything but posts that pages depend on (see SiteBuilder.planKey). */
  key: string;
  /** The posts' change log as the build saw it (SiteChanges.mark). */
  mark: string;
  /** The manifest files as the build left them (manifestStamp), and their change lines. */
  manifest: string;
  changeLines: number;
  siteHash: string;
  menu: { title: string; href: string }[];
  usableTags: [string, string][];
  tagPages: [string, string][];
  /** Days with an archive page. */
  days: string[];
  /** Entries of the feeds, by place. */
  feed: number[];
  tagCounts: TagCount[];
  modelWarnings: SiteWarning[];
  counters: MacroCounters;
  entries: number;
  files: number;
}

export interface PlanEntry {
  idx: number;
  id: string;
  slug: string;
  url: string;
  shape: string;
  updatedAt: string;
  /** Places of the pages that show the entry (its post page, its neighbours', lists, feeds). */
  pages: number[];
}

/** A page with its entries by place. */
export type PageRecord =
  | (Omit<PostPage, 'entry' | 'older' | 'newer'> & { entry: number; older?: number; newer?: number })
  | (Omit<ListPage, 'entries'> & { entries: number[] })
  | Exclude<SitePage, PostPage | ListPage>;

export interface PlanPage {
  idx: number;
  record: PageRecord;
  inputs: string;
  hash: string;
}

/** Render warnings and macro counts of an entry that has any. */
export interface PlanNote {
  warnings: SiteWarning[];
  counters: MacroCounters;
}

/** What places a post in the site: two posts of equal shape have the same entry and pages. */
export function shapeOf(post: SitePost): string {
  return hashJoined([
    post.id,
    post.path,
    post.slug,
    post.status,
    post.sortDate,
    post.dateKey,
    post.template ?? '',
    post.pending === true ? 'pending' : '',
    post.tags.join('\u0001'),
    post.categories.join('\u0001'),
  ]);
}

export function pageRecord(page: SitePage, place: (e: SiteEntry) => number): PageRecord {
  if (page.kind === 'post') {
    const { entry, older, newer, ...rest } = page;
    return {
      ...rest,
      entry: place(entry),
      ...(older ? { older: place(older) } : {}),
      ...(newer ? { newer: place(newer) } : {}),
    };
  }
  if (page.kind === 'list') return { ...page, entries: page.entries.map(place) };
  return page;
}

export function pageFromRecord(record: PageRecord, entryAt: (idx: number) => SiteEntry): SitePage {
  if (record.kind === 'post') {
    const { entry, older, newer, ...rest } = record;
    return {
      ...rest,
      entry: entryAt(entry),
      ...(older === undefined ? {} : { older: entryAt(older) }),
      ...(newer === undefined ? {} : { newer: entryAt(newer) }),
    };
  }
  if (record.kind === 'list') {
    return { ...record, context: record.context as ArchiveContext, entries: record.entries.map(entryAt) };
  }
  return record;
}

/** The entries a page shows, by place (feeds: `feed`). */
export function recordEntries(record: PageRecord, feed: readonly number[]): number[] {
  switch (record.kind) {
    case 'post':
      return [
        record.entry,
        ...(record.older === undefined ? [] : [record.older]),
        ...(record.newer === undefined ? [] : [record.newer]),
      ];
    case 'list':
      return record.entries;
    case 'rss':
    case 'atom':
      return [...feed];
    default:
      return [];
  }
}

const NEW_MARKER = '.new-';

/** Plans other processes were writing when they died (a live one's is left alone). */
function removeLeftovers(file: string): void {
  const dir = path.dirname(file);
  const prefix = path.basename(file) + NEW_MARKER;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && processRuns(pid)) continue;
    fs.rmSync(path.join(dir, name), { force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Size and time of the manifest and its changes file: another build that wrote them changes this. */
export function manifestStamp(file: string): string {
  const part = (f: string) => {
    const s = fs.statSync(f, { throwIfNoEntry: false });
    return s ? `${s.size}:${s.mtimeMs}` : '-';
  };
  return `${part(file)}|${part(`${file}.changes`)}`;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS plan_facts (one INTEGER PRIMARY KEY CHECK (one = 1), version INTEGER NOT NULL, facts TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS plan_entries (idx INTEGER PRIMARY KEY, id TEXT NOT NULL, slug TEXT NOT NULL,
    url TEXT NOT NULL, shape TEXT NOT NULL, updated_at TEXT NOT NULL, pages BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS plan_pages (idx INTEGER PRIMARY KEY, record TEXT NOT NULL, inputs TEXT NOT NULL, hash TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS plan_notes (idx INTEGER PRIMARY KEY, note TEXT NOT NULL);`;
const INDEXES = `
  CREATE INDEX IF NOT EXISTS plan_entries_id ON plan_entries(id);
  CREATE INDEX IF NOT EXISTS plan_entries_slug ON plan_entries(slug);`;

interface EntryRow {
  idx: number;
  id: string;
  slug: string;
  url: string;
  shape: string;
  updated_at: string;
  pages: Buffer;
}

function toEntry(r: EntryRow): PlanEntry {
  const ints = new Int32Array(r.pages.buffer, r.pages.byteOffset, r.pages.byteLength / 4);
  return {
    idx: r.idx,
    id: r.id,
    slug: r.slug,
    url: r.url,
    shape: r.shape,
    updatedAt: r.updated_at,
    pages: [...ints],
  };
}

function placesBlob(places: readonly number[]): Buffer {
  const ints = Int32Array.from(places);
  return Buffer.from(ints.buffer, ints.byteOffset, ints.byteLength);
}

/** Everything a complete build leaves in the plan. */
export interface PlanContent {
  facts: PlanFacts;
  entries: Iterable<Omit<PlanEntry, 'idx'> & { idx: number }>;
  pages: Iterable<PlanPage>;
  notes: Iterable<[number, PlanNote]>;
}

/** What a build that changed a few entries and pages changes in the plan. */
export interface PlanUpdate {
  facts: PlanFacts;
  entries: { idx: number; updatedAt: string; note: PlanNote | null }[];
  pages: { idx: number; inputs: string; hash: string }[];
}

export class SitePlan {
  private constructor(
    private readonly db: Database.Database,
    readonly facts: PlanFacts,
  ) {}

  /** The plan in `file`, or undefined when there is none (or it cannot be read: it is removed). */
  static open(file: string): SitePlan | undefined {
    if (!fs.existsSync(file)) return undefined;
    let db: Database.Database | undefined;
    try {
      db = new Database(file);
      const row = db.prepare('SELECT version, facts FROM plan_facts').get() as
        { version: number; facts: string } | undefined;
      if (!row || row.version !== PLAN_VERSION) {
        db.close();
        return undefined;
      }
      return new SitePlan(db, JSON.parse(row.facts) as PlanFacts);
    } catch {
      db?.close();
      SitePlan.remove(file);
      return undefined;
    }
  }

  static remove(file: string): void {
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
  }

  private static openForWrite(file: string): Database.Database {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // Like the render cache: losing the last writes to a power cut only means a full build next time
    // (the facts are written last, in the same transaction).
    db.pragma('synchronous = OFF');
    db.exec(SCHEMA);
    return db;
  }

  /**
   * Replaces the whole plan (a complete build): written into a new file without a journal (half the
   * time of rewriting the rows in place at 50,000 posts), which then takes the old one's place. A build
   * cut off before that leaves the old plan, whose facts no longer match the manifest.
   */
  static save(file: string, content: PlanContent): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    removeLeftovers(file);
    // Its own name: two builds at once (the app's and the CLI's) each write theirs, and the last one in
    // place wins whole.
    const tmp = `${file}${NEW_MARKER}${process.pid}-${randomBytes(4).toString('hex')}`;
    const db = new Database(tmp);
    try {
      db.pragma('journal_mode = OFF');
      db.pragma('synchronous = OFF');
      db.exec(SCHEMA);
      db.transaction(() => {
        const putEntry = db.prepare(
          'INSERT INTO plan_entries (idx, id, slug, url, shape, updated_at, pages) VALUES (?, ?, ?, ?, ?, ?, ?)',
        );
        for (const e of content.entries) {
          putEntry.run(e.idx, e.id, e.slug, e.url, e.shape, e.updatedAt, placesBlob(e.pages));
        }
        db.exec(INDEXES);
        const putPage = db.prepare('INSERT INTO plan_pages (idx, record, inputs, hash) VALUES (?, ?, ?, ?)');
        for (const p of content.pages) putPage.run(p.idx, JSON.stringify(p.record), p.inputs, p.hash);
        const putNote = db.prepare('INSERT INTO plan_notes (idx, note) VALUES (?, ?)');
        for (const [idx, note] of content.notes) putNote.run(idx, JSON.stringify(note));
        db.prepare('INSERT INTO plan_facts (one, version, facts) VALUES (1, ?, ?)').run(
          PLAN_VERSION,
          JSON.stringify(content.facts),
        );
      })();
    } catch (e) {
      db.close();
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    db.close();
    // The old file's WAL must not be applied to the new one.
    SitePlan.remove(file);
    fs.renameSync(tmp, file);
  }

  /** Applies what a build of a few changed entries changed; false when the plan was not `expected`. */
  static update(file: string, expected: { key: string; mark: string }, change: PlanUpdate): boolean {
    if (!fs.existsSync(file)) return false;
    const db = SitePlan.openForWrite(file);
    try {
      return db.transaction(() => {
        const row = db.prepare('SELECT version, facts FROM plan_facts').get() as
          { version: number; facts: string } | undefined;
        if (!row || row.version !== PLAN_VERSION) return false;
        const facts = JSON.parse(row.facts) as PlanFacts;
        if (facts.key !== expected.key || facts.mark !== expected.mark) return false;
        const setEntry = db.prepare('UPDATE plan_entries SET updated_at = ? WHERE idx = ?');
        const putNote = db.prepare('INSERT OR REPLACE INTO plan_notes (idx, note) VALUES (?, ?)');
        const delNote = db.prepare('DELETE FROM plan_notes WHERE idx = ?');
        for (const e of change.entries) {
          setEntry.run(e.updatedAt, e.idx);
          if (e.note) putNote.run(e.idx, JSON.stringify(e.note));
          else delNote.run(e.idx);
        }
        const setPage = db.prepare('UPDATE plan_pages SET inputs = ?, hash = ? WHERE idx = ?');
        for (const p of change.pages) setPage.run(p.inputs, p.hash, p.idx);
        db.prepare('UPDATE plan_facts SET facts = ? WHERE one = 1').run(JSON.stringify(change.facts));
        return true;
      })();
    } finally {
      db.close();
    }
  }

  entriesById(ids: readonly string[]): Map<string, PlanEntry> {
    return this.entriesBy('id', ids);
  }

  entriesAt(places: Iterable<number>): Map<number, PlanEntry> {
    return this.entriesBy('idx', places);
  }

  /** The entries whose `column` holds one of `keys` (keys without an entry are left out). */
  private entriesBy<K extends string | number>(column: 'id' | 'idx', keys: Iterable<K>): Map<K, PlanEntry> {
    const get = this.db.prepare(`SELECT * FROM plan_entries WHERE ${column} = ?`);
    const out = new Map<K, PlanEntry>();
    for (const key of keys) {
      const r = get.get(key) as EntryRow | undefined;
      if (r) out.set(key, toEntry(r));
    }
    return out;
  }

  urlOfSlug(slug: string): string | undefined {
    return this.db.prepare('SELECT url FROM plan_entries WHERE slug = ?').pluck().get(slug) as
      string | undefined;
  }

  pagesAt(places: Iterable<number>): PlanPage[] {
    const get = this.db.prepare('SELECT record, inputs, hash FROM plan_pages WHERE idx = ?');
    const out: PlanPage[] = [];
    for (const idx of places) {
      const r = get.get(idx) as { record: string; inputs: string; hash: string } | undefined;
      if (!r) throw new Error(`The site plan lacks page ${idx}`);
      out.push({ idx, record: JSON.parse(r.record) as PageRecord, inputs: r.inputs, hash: r.hash });
    }
    return out;
  }

  /** Every entry's note, by place. */
  notes(): Map<number, PlanNote> {
    const rows = this.db.prepare('SELECT idx, note FROM plan_notes ORDER BY idx').all() as {
      idx: number;
      note: string;
    }[];
    return new Map(rows.map((r) => [r.idx, JSON.parse(r.note) as PlanNote]));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
