// Problems found while indexing files, kept so every command can show them (derived, like all rows).
import { and, asc, eq, like } from 'drizzle-orm';
import type { Problem } from '../core/errors.js';
import type { Orm } from './db.js';
import { problems } from './schema.js';

export class ProblemIndex {
  constructor(private readonly orm: Orm) {}

  clear(prefix?: string): void {
    if (prefix === undefined) this.orm.delete(problems).run();
    else
      this.orm
        .delete(problems)
        .where(like(problems.path, `${prefix}%`))
        .run();
  }

  /** Drop the problems of one kind under `prefix` (those a scan finds again as a whole). */
  clearCode(code: Problem['code'], prefix: string): void {
    this.orm
      .delete(problems)
      .where(and(eq(problems.code, code), like(problems.path, `${prefix}%`)))
      .run();
  }

  clearPath(rel: string): void {
    this.orm.delete(problems).where(eq(problems.path, rel)).run();
  }

  add(p: Problem): void {
    this.orm
      .insert(problems)
      .values({ path: p.file, code: p.code, message: p.message, line: p.line ?? null, col: p.column ?? null })
      .run();
  }

  list(): Problem[] {
    return this.orm
      .select()
      .from(problems)
      .orderBy(asc(problems.path), asc(problems.line))
      .all()
      .map((r) => ({
        file: r.path,
        code: r.code as Problem['code'],
        message: r.message,
        line: r.line ?? undefined,
        column: r.col ?? undefined,
      }));
  }
}
