// The scripts part of the index: one row per scripts/*.py file, plus the last runs of each script.
import type { Sqlite } from './db.js';

export interface ScriptRow {
  id: string;
  path: string;
  slug: string;
  title: string;
  kind: 'macro' | 'transform' | 'utility';
  entrypoint: string;
  enabled: boolean;
  version: number;
  order: number;
  createdAt: string;
  updatedAt: string;
  hash: string;
  code: string;
  codeLine: number;
  hasFrontmatter: boolean;
  extra: Record<string, unknown>;
  notices: { field: string; message: string; line?: number }[];
  mtimeMs: number;
  size: number;
}

export interface ScriptRun {
  scriptId: string;
  startedAt: string;
  durationMs: number;
  status: 'ok' | 'error' | 'timeout' | 'stopped';
  output: string;
  result?: unknown;
}

interface Raw {
  id: string;
  path: string;
  slug: string;
  title: string;
  kind: ScriptRow['kind'];
  entrypoint: string;
  enabled: number;
  version: number;
  run_order: number;
  created_at: string;
  updated_at: string;
  hash: string;
  code: string;
  code_line: number;
  has_frontmatter: number;
  extra_json: string;
  notices_json: string;
  mtime_ms: number;
  size: number;
}

function fromRaw(r: Raw): ScriptRow {
  return {
    id: r.id,
    path: r.path,
    slug: r.slug,
    title: r.title,
    kind: r.kind,
    entrypoint: r.entrypoint,
    enabled: r.enabled === 1,
    version: r.version,
    order: r.run_order,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    hash: r.hash,
    code: r.code,
    codeLine: r.code_line,
    hasFrontmatter: r.has_frontmatter === 1,
    extra: JSON.parse(r.extra_json) as Record<string, unknown>,
    notices: JSON.parse(r.notices_json) as ScriptRow['notices'],
    mtimeMs: r.mtime_ms,
    size: r.size,
  };
}

/** How many runs are kept per script. */
export const RUNS_KEPT = 20;

export class ScriptIndex {
  constructor(private readonly db: Sqlite) {}

  clear(): void {
    this.db.exec('DELETE FROM scripts');
  }

  upsert(row: ScriptRow): void {
    this.db
      .prepare('DELETE FROM scripts WHERE path = ? OR id = ? OR slug = ?')
      .run(row.path, row.id, row.slug);
    this.db
      .prepare(
        `INSERT INTO scripts (id, path, slug, title, kind, entrypoint, enabled, version, run_order, created_at,
          updated_at, hash, code, code_line, has_frontmatter, extra_json, notices_json, mtime_ms, size)
         VALUES (@id, @path, @slug, @title, @kind, @entrypoint, @enabled, @version, @order, @createdAt, @updatedAt,
          @hash, @code, @codeLine, @hasFrontmatter, @extraJson, @noticesJson, @mtimeMs, @size)`,
      )
      .run({
        ...row,
        enabled: row.enabled ? 1 : 0,
        hasFrontmatter: row.hasFrontmatter ? 1 : 0,
        extraJson: JSON.stringify(row.extra),
        noticesJson: JSON.stringify(row.notices),
      });
  }

  removeByPath(rel: string): ScriptRow | undefined {
    const row = this.byPath(rel);
    this.db.prepare('DELETE FROM scripts WHERE path = ?').run(rel);
    return row;
  }

  all(): ScriptRow[] {
    return (this.db.prepare('SELECT * FROM scripts ORDER BY slug').all() as Raw[]).map(fromRaw);
  }

  byPath(rel: string): ScriptRow | undefined {
    const r = this.db.prepare('SELECT * FROM scripts WHERE path = ?').get(rel) as Raw | undefined;
    return r ? fromRaw(r) : undefined;
  }

  byId(id: string): ScriptRow | undefined {
    const r = this.db.prepare('SELECT * FROM scripts WHERE id = ?').get(id) as Raw | undefined;
    return r ? fromRaw(r) : undefined;
  }

  bySlug(slug: string): ScriptRow | undefined {
    // Asked for every macro of a build: prepared once.
    this.bySlugStmt ??= this.db.prepare('SELECT * FROM scripts WHERE slug = ? COLLATE NOCASE');
    const r = this.bySlugStmt.get(slug) as Raw | undefined;
    return r ? fromRaw(r) : undefined;
  }

  private bySlugStmt?: ReturnType<Sqlite['prepare']>;

  /** Enabled scripts of a kind; transforms in their run order (order, then slug). */
  enabled(kind: ScriptRow['kind']): ScriptRow[] {
    return (
      this.db
        .prepare('SELECT * FROM scripts WHERE kind = ? AND enabled = 1 ORDER BY run_order, slug')
        .all(kind) as Raw[]
    ).map(fromRaw);
  }

  fileStates(): Map<string, { mtimeMs: number; size: number }> {
    const out = new Map<string, { mtimeMs: number; size: number }>();
    for (const r of this.db.prepare('SELECT path, mtime_ms, size FROM scripts').all() as {
      path: string;
      mtime_ms: number;
      size: number;
    }[]) {
      out.set(r.path, { mtimeMs: r.mtime_ms, size: r.size });
    }
    return out;
  }

  addRun(run: ScriptRun): void {
    this.db
      .prepare(
        'INSERT INTO script_runs (script_id, started_at, duration_ms, status, output, result_json) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        run.scriptId,
        run.startedAt,
        run.durationMs,
        run.status,
        run.output,
        run.result === undefined ? null : JSON.stringify(run.result),
      );
    this.db
      .prepare(
        `DELETE FROM script_runs WHERE script_id = ? AND rowid NOT IN (
          SELECT rowid FROM script_runs WHERE script_id = ? ORDER BY started_at DESC, rowid DESC LIMIT ?)`,
      )
      .run(run.scriptId, run.scriptId, RUNS_KEPT);
  }

  runs(scriptId: string): ScriptRun[] {
    const rows = this.db
      .prepare('SELECT * FROM script_runs WHERE script_id = ? ORDER BY started_at DESC, rowid DESC')
      .all(scriptId) as {
      script_id: string;
      started_at: string;
      duration_ms: number;
      status: ScriptRun['status'];
      output: string;
      result_json: string | null;
    }[];
    return rows.map((r) => ({
      scriptId: r.script_id,
      startedAt: r.started_at,
      durationMs: r.duration_ms,
      status: r.status,
      output: r.output,
      result: r.result_json === null ? undefined : (JSON.parse(r.result_json) as unknown),
    }));
  }
}
