// Problems found while indexing files, kept so every command can show them (derived, like all rows).
import type { Problem } from '../core/errors.js';
import type { Sqlite } from './db.js';

export class ProblemIndex {
  constructor(private readonly db: Sqlite) {}

  clear(prefix?: string): void {
    if (prefix === undefined) this.db.prepare(`DELETE FROM problems`).run();
    else this.db.prepare(`DELETE FROM problems WHERE path LIKE ? || '%'`).run(prefix);
  }

  clearPath(rel: string): void {
    this.db.prepare(`DELETE FROM problems WHERE path = ?`).run(rel);
  }

  add(p: Problem): void {
    this.db
      .prepare(`INSERT INTO problems (path, code, message, line, col) VALUES (?, ?, ?, ?, ?)`)
      .run(p.file, p.code, p.message, p.line ?? null, p.column ?? null);
  }

  list(): Problem[] {
    const rows = this.db.prepare(`SELECT * FROM problems ORDER BY path, line`).all() as {
      path: string;
      code: Problem['code'];
      message: string;
      line: number | null;
      col: number | null;
    }[];
    return rows.map((r) => ({
      file: r.path,
      code: r.code,
      message: r.message,
      line: r.line ?? undefined,
      column: r.col ?? undefined,
    }));
  }
}
