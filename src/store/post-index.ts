// The posts part of the index: rows derived from post files, FTS5 search (filled on first use after a
// rebuild), lists by status/tag/category/date.
import type { PostRecord, PostStatus } from '../core/records.js';
import type Database from 'better-sqlite3';
import type { Sqlite } from './db.js';

/** SQL for a JSON array column's strings joined by spaces, as `upsert` gives tags and categories to FTS. */
const joinedArraySql = (column: string) =>
  `(SELECT coalesce(group_concat(value, ' ' ORDER BY key), '') FROM json_each(${column}))`;

/** A post as the index holds it: the post record (see core/records.ts). */
export type PostRow = PostRecord;
/** What the index is given for a post file (it works out `hasDraft` itself). */
export type PostRowInput = Omit<PostRecord, 'hasDraft'>;

export interface DraftRowInput {
  postId: string;
  path: string;
  title: string;
  data: Record<string, unknown>;
  body: string;
  mtimeMs: number;
  size: number;
}

export interface PostListQuery {
  status?: string | string[];
  tag?: string;
  category?: string;
  excludeCategory?: string;
  /** Prefix of dateKey: 'YYYY', 'YYYY-MM' or 'YYYY-MM-DD'. */
  datePrefix?: string;
  limit?: number;
  offset?: number;
  order?: 'newest' | 'oldest';
  /** Leave `body` empty, `bodyLine`, `mtimeMs` and `size` 0 (lists that show no body). */
  withoutBody?: boolean;
}

/** A post that uses a media file: links it, names its id in the body, or both. */
export interface MediaUsage {
  id: string;
  slug: string;
  title: string;
  status: PostStatus;
  linked: boolean;
  inBody: boolean;
}

export interface SearchHit {
  id: string;
  slug: string;
  title: string;
  status: string;
  snippet: string;
  rank: number;
}

interface RawRow {
  id: string;
  path: string;
  slug: string;
  title: string;
  status: PostStatus;
  created_at: string;
  updated_at: string;
  published_at: string | null;
  sort_date: string;
  date_key: string;
  excerpt: string | null;
  author: string | null;
  language: string | null;
  template: string | null;
  tags_json: string;
  categories_json: string;
  media_json: string;
  extra_json: string;
  body: string;
  body_line: number;
  mtime_ms: number;
  size: number;
  has_draft: number;
}

const HAS_DRAFT = `EXISTS(SELECT 1 FROM drafts d WHERE d.post_id = p.id) AS has_draft`;
const SELECT = `SELECT p.*, ${HAS_DRAFT} FROM posts p`;
/**
 * The columns before the body only: a list that shows no body need not read it, nor the columns stored
 * after it (reaching those walks the body's overflow pages). Body, its line and the file state read 0.
 */
const SELECT_SUMMARY = `SELECT p.rowid, p.id, p.path, p.slug, p.title, p.status, p.created_at, p.updated_at,
  p.published_at, p.sort_date, p.date_key, p.excerpt, p.author, p.language, p.template, p.tags_json,
  p.categories_json, p.media_json, p.extra_json, '' AS body, 0 AS body_line, 0 AS mtime_ms, 0 AS size,
  ${HAS_DRAFT} FROM posts p`;

/**
 * Every post as the site reads it: the columns before the body, and the file state from its index (in
 * the table it follows the body). Body and body line read '' and 0; `text(id)` gives them when needed.
 */
const SELECT_SITE = `SELECT p.rowid, p.id, p.path, p.slug, p.title, p.status, p.created_at, p.updated_at,
  p.published_at, p.sort_date, p.date_key, p.excerpt, p.author, p.language, p.template, p.tags_json,
  p.categories_json, p.media_json, '{}' AS extra_json, '' AS body, 0 AS body_line, f.mtime_ms, f.size,
  0 AS has_draft FROM posts p JOIN posts f INDEXED BY posts_file_state ON f.path = p.path`;

function fromRaw(r: RawRow): PostRow {
  return {
    id: r.id,
    path: r.path,
    slug: r.slug,
    title: r.title,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    publishedAt: r.published_at ?? undefined,
    sortDate: r.sort_date,
    dateKey: r.date_key,
    excerpt: r.excerpt ?? undefined,
    author: r.author ?? undefined,
    language: r.language ?? undefined,
    template: r.template ?? undefined,
    tags: JSON.parse(r.tags_json) as string[],
    categories: JSON.parse(r.categories_json) as string[],
    media: JSON.parse(r.media_json) as string[],
    extra: JSON.parse(r.extra_json) as Record<string, unknown>,
    body: r.body,
    bodyLine: r.body_line,
    mtimeMs: r.mtime_ms,
    size: r.size,
    hasDraft: r.has_draft === 1,
  };
}

/** Turn free text into a safe FTS5 query: each word quoted, the last one a prefix. */
export function toFtsQuery(text: string): string {
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (words.length === 0) return '';
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}

/** About a dozen words of `body` around the first query word, the matches in [brackets]. */
export function snippetOf(body: string, words: string[], size = 12): string {
  const tokens = body.replace(/\s+/g, ' ').trim().split(' ');
  const lower = words.map((w) => w.toLowerCase());
  const matches = (t: string) => {
    const w = t.toLowerCase().replace(/^[^\p{L}\p{N}_]+|[^\p{L}\p{N}_]+$/gu, '');
    return w.length > 0 && lower.some((q, i) => (i === lower.length - 1 ? w.startsWith(q) : w === q));
  };
  const first = Math.max(0, tokens.findIndex(matches));
  const start = Math.max(0, first - Math.floor(size / 3));
  const slice = tokens.slice(start, start + size).map((t) => (matches(t) ? `[${t}]` : t));
  return `${start > 0 ? '…' : ''}${slice.join(' ')}${start + size < tokens.length ? '…' : ''}`;
}

/** A file's path, mtime (ms) and size as the index holds them: see PostIndex.fileStates. */
export type FileStateRow = readonly [path: string, mtimeMs: number, size: number];
export const FILE_MTIME = 1;
export const FILE_SIZE = 2;

export class PostIndex {
  private readonly stmts;
  /** List queries by their SQL: a few shapes, each compiled once. */
  private readonly listStatements = new Map<string, Database.Statement<unknown[]>>();

  constructor(private readonly db: Sqlite) {
    this.stmts = {
      insert:
        db.prepare(`INSERT INTO posts (id, path, slug, title, status, created_at, updated_at, published_at,
        sort_date, date_key, excerpt, author, language, template, tags_json, categories_json, media_json, extra_json,
        body, body_line, mtime_ms, size) VALUES (@id, @path, @slug, @title, @status, @createdAt, @updatedAt,
        @publishedAt, @sortDate, @dateKey, @excerpt, @author, @language, @template, @tagsJson, @categoriesJson,
        @mediaJson, @extraJson, @body, @bodyLine, @mtimeMs, @size)`),
      rowidById: db.prepare(`SELECT rowid FROM posts WHERE id = ?`).pluck(),
      idByRowid: db.prepare(`SELECT id FROM posts WHERE rowid = ?`).pluck(),
      rowidByPath: db.prepare(`SELECT rowid FROM posts WHERE path = ?`).pluck(),
      idBySlug: db.prepare(`SELECT id FROM posts WHERE slug = ?`).pluck(),
      deleteRow: db.prepare(`DELETE FROM posts WHERE rowid = ?`),
      deleteFts: db.prepare(`DELETE FROM posts_fts WHERE rowid = ?`),
      deleteTags: db.prepare(`DELETE FROM post_tags WHERE post_rowid = ?`),
      deleteCats: db.prepare(`DELETE FROM post_categories WHERE post_rowid = ?`),
      deleteLinks: db.prepare(`DELETE FROM post_media WHERE post_id = ?`),
      insertFts: db.prepare(
        `INSERT INTO posts_fts (rowid, title, excerpt, body, tags, categories) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      insertTag: db.prepare(`INSERT OR IGNORE INTO post_tags (post_rowid, tag) VALUES (?, ?)`),
      insertCat: db.prepare(`INSERT OR IGNORE INTO post_categories (post_rowid, category) VALUES (?, ?)`),
      insertLink: db.prepare(
        `INSERT OR REPLACE INTO post_media (post_id, media_id, position) VALUES (?, ?, ?)`,
      ),
      byId: db.prepare(`${SELECT} WHERE p.id = ?`),
      bySlug: db.prepare(`${SELECT} WHERE p.slug = ?`),
      byPath: db.prepare(`${SELECT} WHERE p.path = ?`),
      fileStates: db.prepare(
        `SELECT path, mtime_ms, size FROM posts UNION ALL SELECT path, mtime_ms, size FROM drafts`,
      ),
      fileState: db.prepare(
        `SELECT mtime_ms, size FROM posts WHERE path = @path UNION ALL SELECT mtime_ms, size FROM drafts WHERE path = @path`,
      ),

      upsertDraft:
        db.prepare(`INSERT OR REPLACE INTO drafts (post_id, path, title, data_json, body, mtime_ms, size)
        VALUES (@postId, @path, @title, @dataJson, @body, @mtimeMs, @size)`),
      getDraft: db.prepare(`SELECT * FROM drafts WHERE post_id = ?`),
      deleteDraftByPath: db.prepare(`DELETE FROM drafts WHERE path = ?`),
      draftByPath: db.prepare(`SELECT post_id FROM drafts WHERE path = ?`).pluck(),
      count: db.prepare(`SELECT COUNT(*) FROM posts`).pluck(),
      logChange: db.prepare(`INSERT INTO post_changes (post_id) VALUES (?)`),
      // The last number the log gave (kept by AUTOINCREMENT even when its rows were pruned).
      lastChange: db
        .prepare(`SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'post_changes'), 0)`)
        .pluck(),
      changesAfter: db.prepare(`SELECT DISTINCT post_id FROM post_changes WHERE seq > ? LIMIT ?`).pluck(),
      indexId: db.prepare(`SELECT value FROM index_state WHERE name = 'id'`).pluck(),
      pruned: db.prepare(`SELECT value FROM index_state WHERE name = 'changes_pruned'`).pluck(),
      prune: db.prepare(`DELETE FROM post_changes WHERE seq <= ?`),
      changesUpTo: db.prepare(`SELECT count(*) FROM post_changes WHERE seq <= ?`).pluck(),
      setPruned: db.prepare(`INSERT OR REPLACE INTO index_state (name, value) VALUES ('changes_pruned', ?)`),
      siteById: db.prepare(`${SELECT_SITE} WHERE p.id = ?`),
      site: db.prepare(SELECT_SITE),
      text: db.prepare(`SELECT body, body_line FROM posts WHERE id = ?`),
      texts: db.prepare(`SELECT id, body, body_line FROM posts`),
      ftsStale: db.prepare(`SELECT EXISTS(SELECT 1 FROM stale_fts WHERE name = 'posts_fts')`).pluck(),
      markFtsStale: db.prepare(`INSERT OR IGNORE INTO stale_fts (name) VALUES ('posts_fts')`),
      markFtsFilled: db.prepare(`DELETE FROM stale_fts WHERE name = 'posts_fts'`),
      fillFts: db.prepare(`INSERT INTO posts_fts (rowid, title, excerpt, body, tags, categories)
        SELECT rowid, title, coalesce(excerpt, ''), body,
          ${joinedArraySql('tags_json')}, ${joinedArraySql('categories_json')} FROM posts`),
    };
  }

  /**
   * Remove every post and draft row. The search index is only marked stale, not emptied: a rebuild
   * does not pay for it; the first search empties and fills it (`ensureSearchIndex`).
   */
  clear(): void {
    this.db.exec(`DELETE FROM posts; DELETE FROM post_tags; DELETE FROM post_categories;
      DELETE FROM post_media; DELETE FROM drafts;`);
    this.stmts.markFtsStale.run();
    // Every post changed, as far as anyone who read the change log before knows.
    this.stmts.logChange.run('');
  }

  /**
   * True when `posts_fts` must be filled from `posts` before it is read. Not cached: another process
   * may have filled it, or rebuilt the index.
   */
  private searchIndexStale(): boolean {
    return this.stmts.ftsStale.get() === 1;
  }

  /**
   * Fill `posts_fts` from `posts` if a rebuild left it stale, in one transaction that also clears the
   * flag, so a process killed mid-way leaves it stale. Search calls this; a server may call it early.
   */
  ensureSearchIndex(): void {
    if (!this.searchIndexStale()) return;
    const fill = this.db.transaction(() => {
      if (!this.searchIndexStale()) return;
      this.db.exec(`DELETE FROM posts_fts`);
      this.stmts.fillFts.run();
      this.stmts.markFtsFilled.run();
    });
    // Immediate: of two processes that both saw the flag, the second waits, then sees it cleared.
    fill.immediate();
  }

  /**
   * Insert or replace the row for `row.id` (and whatever row held `row.path` before).
   * `fresh` skips the look-ups when the caller knows neither exists (a rebuild after `clear()`, which
   * also left the search index stale). While it is stale, rows change without it.
   */
  upsert(row: PostRowInput, fresh = false): void {
    const s = this.stmts;
    const fts = !fresh && !this.searchIndexStale();
    if (!fresh) {
      for (const old of [s.rowidById.get(row.id), s.rowidByPath.get(row.path)]) {
        if (typeof old === 'number') this.deleteRowid(old, fts, row.id);
      }
    }
    const info = s.insert.run({
      ...row,
      publishedAt: row.publishedAt ?? null,
      excerpt: row.excerpt ?? null,
      author: row.author ?? null,
      language: row.language ?? null,
      template: row.template ?? null,
      tagsJson: JSON.stringify(row.tags),
      categoriesJson: JSON.stringify(row.categories),
      mediaJson: JSON.stringify(row.media),
      extraJson: JSON.stringify(row.extra),
    });
    const rowid = Number(info.lastInsertRowid);
    if (!fresh) s.logChange.run(row.id);
    if (fts) {
      s.insertFts.run(
        rowid,
        row.title,
        row.excerpt ?? '',
        row.body,
        row.tags.join(' '),
        row.categories.join(' '),
      );
    }
    for (const t of row.tags) s.insertTag.run(rowid, t);
    for (const c of row.categories) s.insertCat.run(rowid, c);
    if (!fresh) s.deleteLinks.run(row.id);
    row.media.forEach((m, i) => s.insertLink.run(row.id, m, i));
  }

  private deleteRowid(rowid: number, fts: boolean, id?: string): void {
    const s = this.stmts;
    const gone = s.idByRowid.get(rowid) as string | undefined;
    s.deleteRow.run(rowid);
    if (gone !== undefined) s.logChange.run(gone);
    if (fts) s.deleteFts.run(rowid);
    s.deleteTags.run(rowid);
    s.deleteCats.run(rowid);
    if (id) s.deleteLinks.run(id);
  }

  removeByPath(rel: string): string | undefined {
    const row = this.stmts.byPath.get(rel) as RawRow | undefined;
    if (!row) return undefined;
    const rowid = this.stmts.rowidByPath.get(rel) as number;
    this.deleteRowid(rowid, !this.searchIndexStale(), row.id);
    return row.id;
  }

  idOwningSlug(slug: string): string | undefined {
    return this.stmts.idBySlug.get(slug) as string | undefined;
  }

  getById(id: string): PostRow | undefined {
    const r = this.stmts.byId.get(id) as RawRow | undefined;
    return r ? fromRaw(r) : undefined;
  }

  getBySlug(slug: string): PostRow | undefined {
    const r = this.stmts.bySlug.get(slug) as RawRow | undefined;
    return r ? fromRaw(r) : undefined;
  }

  getByPath(rel: string): PostRow | undefined {
    const r = this.stmts.byPath.get(rel) as RawRow | undefined;
    return r ? fromRaw(r) : undefined;
  }

  /**
   * A fingerprint of every indexed post file and media item (their count, sizes, times and rows), read from
   * indexes alone: it changes whenever a post or media item is indexed again or goes, in any process.
   * Posts' tags, categories and media links come from their files, so they are covered too.
   */
  contentFingerprint(): string {
    const posts = this.db
      .prepare(
        `SELECT count(*), total(mtime_ms), total(size), total(rowid) FROM posts INDEXED BY posts_file_state`,
      )
      .raw()
      .get() as number[];
    return `${posts.join(':')}|${this.mediaFingerprint()}`;
  }

  /** The media part of `contentFingerprint`. */
  mediaFingerprint(): string {
    const media = this.db
      .prepare(`SELECT count(*), total(size), total(sidecar_mtime_ms), total(rowid) FROM media`)
      .raw()
      .get() as number[];
    return media.join(':');
  }

  count(): number {
    return this.stmts.count.get() as number;
  }

  /**
   * Where the change log stands: this index's id and its last change. `changedSince` gives the posts
   * written or removed after a mark.
   */
  changeMark(): string {
    return `${this.stmts.indexId.get() as string}:${this.stmts.lastChange.get() as number}`;
  }

  /**
   * The ids of posts written or removed since `mark` (at most `limit`, else undefined), or undefined when
   * that cannot be told: a mark of another index, a rebuild since, or log rows pruned since.
   */
  changedSince(mark: string, limit: number): string[] | undefined {
    const [id, seqText] = mark.split(':');
    const seq = Number(seqText);
    if (id !== this.stmts.indexId.get() || !Number.isInteger(seq)) return undefined;
    const pruned = Number(this.stmts.pruned.get() ?? 0);
    if (seq < pruned || seq > (this.stmts.lastChange.get() as number)) return undefined;
    const ids = this.stmts.changesAfter.all(seq, limit + 1) as string[];
    if (ids.length > limit || ids.includes('')) return undefined;
    return ids;
  }

  /**
   * Forgets the log up to `mark` once it holds many rows there (a reader with an earlier mark, such as
   * another process's list of posts, then reads everything again).
   */
  pruneChanges(mark: string, keep = 10_000): void {
    const [id, seqText] = mark.split(':');
    const seq = Number(seqText);
    if (id !== this.stmts.indexId.get() || !Number.isInteger(seq)) return;
    if ((this.stmts.changesUpTo.get(seq) as number) <= keep) return;
    this.db.transaction(() => {
      if (seq <= Number(this.stmts.pruned.get() ?? 0)) return;
      this.stmts.prune.run(seq);
      this.stmts.setPruned.run(String(seq));
    })();
  }

  /** Posts as the site reads them (PostIndex.siteList), by id; ids not indexed are left out. */
  siteRows(ids: readonly string[]): PostRow[] {
    const out: PostRow[] = [];
    for (const id of ids) {
      const r = this.stmts.siteById.get(id) as RawRow | undefined;
      if (r) out.push(fromRaw(r));
    }
    return out;
  }

  /** The stat an indexed file (post or draft) was indexed at, if it is indexed. */
  fileState(rel: string): { mtimeMs: number; size: number } | undefined {
    const r = this.stmts.fileState.get({ path: rel }) as { mtime_ms: number; size: number } | undefined;
    return r ? { mtimeMs: r.mtime_ms, size: r.size } : undefined;
  }

  /**
   * Every indexed file (posts and drafts) with the stat it was indexed at: its row as SQLite gives it
   * (a quarter quicker at 50,000 files than an object per file), read with FILE_MTIME and FILE_SIZE.
   */
  fileStates(): Map<string, FileStateRow> {
    const out = new Map<string, FileStateRow>();
    for (const row of this.stmts.fileStates.raw().all() as FileStateRow[]) out.set(row[0], row);
    return out;
  }

  list(q: PostListQuery = {}): PostRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.status !== undefined) {
      const list = Array.isArray(q.status) ? q.status : [q.status];
      where.push(`p.status IN (${list.map(() => '?').join(',')})`);
      params.push(...list);
    }
    if (q.tag !== undefined) {
      where.push(`p.rowid IN (SELECT post_rowid FROM post_tags WHERE tag = ?)`);
      params.push(q.tag);
    }
    if (q.category !== undefined) {
      where.push(`p.rowid IN (SELECT post_rowid FROM post_categories WHERE category = ?)`);
      params.push(q.category);
    }
    if (q.excludeCategory !== undefined) {
      where.push(`p.rowid NOT IN (SELECT post_rowid FROM post_categories WHERE category = ?)`);
      params.push(q.excludeCategory);
    }
    if (q.datePrefix !== undefined) {
      where.push(`p.date_key LIKE ? || '%'`);
      params.push(q.datePrefix);
    }
    const order = q.order === 'oldest' ? 'ASC' : 'DESC';
    let sql = `${q.withoutBody ? SELECT_SUMMARY : SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY p.sort_date ${order}, p.slug ${order}`;
    if (q.limit !== undefined) {
      sql += ` LIMIT ? OFFSET ?`;
      params.push(q.limit, q.offset ?? 0);
    }
    let stmt = this.listStatements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare<unknown[]>(sql);
      this.listStatements.set(sql, stmt);
    }
    return (stmt.all(...params) as RawRow[]).map(fromRaw);
  }

  /**
   * Every post without its body (which is most of a row, and most of what reading a large blog costs):
   * `body` is '' and `bodyLine` 0 until `text(id)` reads them; `extra` is empty, `hasDraft` false.
   */
  siteList(): PostRow[] {
    return (this.stmts.site.all() as RawRow[]).map(fromRaw);
  }

  /** A post's body and the line it starts on, or undefined when the post is gone. */
  text(id: string): { body: string; bodyLine: number } | undefined {
    const row = this.stmts.text.get(id) as { body: string; body_line: number } | undefined;
    return row && { body: row.body, bodyLine: row.body_line };
  }

  /** Every post's body and first body line, one at a time. */
  *texts(): Generator<{ id: string; body: string; bodyLine: number }> {
    for (const row of this.stmts.texts.iterate() as Iterable<{
      id: string;
      body: string;
      body_line: number;
    }>) {
      yield { id: row.id, body: row.body, bodyLine: row.body_line };
    }
  }

  search(text: string, options: { limit?: number; status?: string } = {}): SearchHit[] {
    const query = toFtsQuery(text);
    if (!query) return [];
    this.ensureSearchIndex();
    // Rank in SQLite, then cut snippets in JS for the top hits only (FTS5's snippet() over a join
    // re-runs the match and costs more than the ranking itself).
    const statusFilter = options.status ? `AND rowid IN (SELECT rowid FROM posts WHERE status = ?)` : '';
    const params: unknown[] = [query];
    if (options.status) params.push(options.status);
    params.push(options.limit ?? 20);
    const top = this.db
      .prepare(
        `SELECT p.id, p.slug, p.title, p.status, p.body, f.rank FROM (
           SELECT rowid, bm25(posts_fts, 10.0, 4.0, 1.0, 6.0, 3.0) AS rank FROM posts_fts
           WHERE posts_fts MATCH ? ${statusFilter} ORDER BY rank LIMIT ?) f
         JOIN posts p ON p.rowid = f.rowid ORDER BY f.rank`,
      )
      .all(...params) as (Omit<SearchHit, 'snippet'> & { body: string })[];
    const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
    return top.map(({ body, ...hit }) => ({ ...hit, snippet: snippetOf(body, words) }));
  }

  /** Posts by status, without reading their rows. */
  statusCounts(): [status: string, count: number][] {
    const rows = this.db.prepare('SELECT status, count(*) AS n FROM posts GROUP BY status').all() as {
      status: string;
      n: number;
    }[];
    return rows.map((r) => [r.status, r.n]);
  }

  tagCounts(status?: string): { name: string; count: number }[] {
    return this.counts('post_tags', 'tag', status);
  }

  categoryCounts(status?: string): { name: string; count: number }[] {
    return this.counts('post_categories', 'category', status);
  }

  private counts(table: 'post_tags' | 'post_categories', column: 'tag' | 'category', status?: string) {
    const sql = `SELECT x.${column} AS name, COUNT(*) AS count FROM ${table} x JOIN posts p ON p.rowid = x.post_rowid
      ${status ? 'WHERE p.status = ?' : ''} GROUP BY x.${column} ORDER BY count DESC, name`;
    const stmt = this.db.prepare(sql);
    return (status ? stmt.all(status) : stmt.all()) as { name: string; count: number }[];
  }

  postIdsForMedia(mediaId: string): string[] {
    return this.db
      .prepare(`SELECT post_id FROM post_media WHERE media_id = ? ORDER BY post_id`)
      .pluck()
      .all(mediaId) as string[];
  }

  /**
   * Posts that link a media file (their published list or their pending edits' list) or name its id in
   * their body (published or pending), newest first.
   */
  mediaUsage(mediaId: string): MediaUsage[] {
    const rows = this.db
      .prepare(
        `SELECT id, slug, title, status, linked, in_body FROM (
           SELECT p.id, p.slug, p.title, p.status, p.sort_date,
             EXISTS(SELECT 1 FROM post_media m WHERE m.post_id = p.id AND m.media_id = @id)
               OR EXISTS(SELECT 1 FROM drafts d, json_each(d.data_json, '$.media') j
                         WHERE d.post_id = p.id AND j.value = @id) AS linked,
             instr(p.body, @id) > 0
               OR EXISTS(SELECT 1 FROM drafts d WHERE d.post_id = p.id AND instr(d.body, @id) > 0) AS in_body
           FROM posts p)
         WHERE linked OR in_body ORDER BY sort_date DESC, slug DESC`,
      )
      .all({ id: mediaId }) as {
      id: string;
      slug: string;
      title: string;
      status: PostStatus;
      linked: number;
      in_body: number;
    }[];
    return rows.map(({ linked, in_body, ...r }) => ({ ...r, linked: linked === 1, inBody: in_body === 1 }));
  }

  upsertDraft(d: DraftRowInput): void {
    this.stmts.upsertDraft.run({ ...d, dataJson: JSON.stringify(d.data) });
  }

  getDraft(postId: string): DraftRowInput | undefined {
    const r = this.stmts.getDraft.get(postId) as
      | {
          post_id: string;
          path: string;
          title: string;
          data_json: string;
          body: string;
          mtime_ms: number;
          size: number;
        }
      | undefined;
    if (!r) return undefined;
    return {
      postId: r.post_id,
      path: r.path,
      title: r.title,
      data: JSON.parse(r.data_json) as Record<string, unknown>,
      body: r.body,
      mtimeMs: r.mtime_ms,
      size: r.size,
    };
  }

  removeDraftByPath(rel: string): string | undefined {
    const id = this.stmts.draftByPath.get(rel) as string | undefined;
    this.stmts.deleteDraftByPath.run(rel);
    return id;
  }
}
