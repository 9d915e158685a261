// The media part of the index: one row per sidecar, FTS over its text, links to posts come from posts.
import type { MediaRecord } from '../core/records.js';
import type { Sqlite } from './db.js';

/** A media record as the index is given it: its columns, the whole record, and the sidecar's mtime. */
export type MediaRowInput = Omit<MediaRecord, 'extra'> & {
  /** The whole record as read from the sidecar. */
  record: Record<string, unknown>;
  sidecarMtimeMs: number;
};

interface RawMedia {
  record_json: string;
  sidecar_mtime_ms: number;
  path: string;
}

export class MediaIndex {
  private readonly stmts;

  constructor(private readonly db: Sqlite) {
    this.stmts = {
      insert:
        db.prepare(`INSERT INTO media (id, path, original_name, mime_type, size, width, height, title, alt,
        caption, tags_json, created_at, record_json, sidecar_mtime_ms) VALUES (@id, @path, @originalName, @mimeType,
        @size, @width, @height, @title, @alt, @caption, @tagsJson, @createdAt, @recordJson, @sidecarMtimeMs)`),
      rowidById: db.prepare(`SELECT rowid FROM media WHERE id = ?`).pluck(),
      rowidByPath: db.prepare(`SELECT rowid FROM media WHERE path = ?`).pluck(),
      deleteRow: db.prepare(`DELETE FROM media WHERE rowid = ?`),
      deleteFts: db.prepare(`DELETE FROM media_fts WHERE rowid = ?`),
      insertFts: db.prepare(
        `INSERT INTO media_fts (rowid, original_name, title, alt, caption, tags) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      byId: db.prepare(`SELECT record_json, sidecar_mtime_ms, path FROM media WHERE id = ?`),
      all: db.prepare(`SELECT record_json FROM media ORDER BY created_at DESC, id`).pluck(),
      states: db.prepare(`SELECT path, sidecar_mtime_ms FROM media`),
      linked: db
        .prepare(
          `SELECT m.record_json FROM post_media l JOIN media m ON m.id = l.media_id
        WHERE l.post_id = ? ORDER BY l.position`,
        )
        .pluck(),
    };
  }

  clear(): void {
    this.db.exec(`DELETE FROM media; DELETE FROM media_fts;`);
  }

  upsert(row: MediaRowInput): void {
    const s = this.stmts;
    for (const old of [s.rowidById.get(row.id), s.rowidByPath.get(row.path)]) {
      if (typeof old === 'number') {
        s.deleteRow.run(old);
        s.deleteFts.run(old);
      }
    }
    const info = s.insert.run({
      ...row,
      width: row.width ?? null,
      height: row.height ?? null,
      title: row.title ?? null,
      alt: row.alt ?? null,
      caption: row.caption ?? null,
      tagsJson: JSON.stringify(row.tags),
      recordJson: JSON.stringify(row.record),
    });
    const rowid = Number(info.lastInsertRowid);
    s.insertFts.run(
      rowid,
      row.originalName,
      row.title ?? '',
      row.alt ?? '',
      row.caption ?? '',
      row.tags.join(' '),
    );
  }

  removeByPath(rel: string): void {
    const rowid = this.stmts.rowidByPath.get(rel);
    if (typeof rowid === 'number') {
      this.stmts.deleteRow.run(rowid);
      this.stmts.deleteFts.run(rowid);
    }
  }

  get(id: string): { record: Record<string, unknown>; path: string } | undefined {
    const r = this.stmts.byId.get(id) as RawMedia | undefined;
    return r ? { record: JSON.parse(r.record_json) as Record<string, unknown>, path: r.path } : undefined;
  }

  all(): Record<string, unknown>[] {
    return (this.stmts.all.all() as string[]).map((j) => JSON.parse(j) as Record<string, unknown>);
  }

  linkedToPost(postId: string): Record<string, unknown>[] {
    return (this.stmts.linked.all(postId) as string[]).map((j) => JSON.parse(j) as Record<string, unknown>);
  }

  /** Indexed media file path → sidecar mtime, for reconciling. */
  states(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.stmts.states.all() as { path: string; sidecar_mtime_ms: number }[]) {
      out.set(r.path, r.sidecar_mtime_ms);
    }
    return out;
  }

  /** `ftsQuery` comes from `toFtsQuery` (post-index.ts). */
  search(ftsQuery: string, limit = 20): Record<string, unknown>[] {
    if (!ftsQuery) return [];
    return (
      this.db
        .prepare(
          `SELECT m.record_json FROM media_fts JOIN media m ON m.rowid = media_fts.rowid
          WHERE media_fts MATCH ? ORDER BY bm25(media_fts) LIMIT ?`,
        )
        .pluck()
        .all(ftsQuery, limit) as string[]
    ).map((j) => JSON.parse(j) as Record<string, unknown>);
  }
}
