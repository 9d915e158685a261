// Opens the SQLite index of a project (`.bds/index.sqlite`): WAL, migrations, drizzle on top.
// The index is derived from the files, so a corrupt one is thrown away and rebuilt, and that is said;
// any other failure to open it (a lock, a permission) is an error with SQLite's code, and the file stays.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { BdsError } from '../core/errors.js';
import { sleepSync } from '../core/sleep.js';
import { MIGRATIONS } from './migrations.js';
import * as schema from './schema.js';

export type Sqlite = Database.Database;
export type Orm = BetterSQLite3Database<typeof schema>;

export interface IndexDb {
  sqlite: Sqlite;
  orm: Orm;
  /** True when the file was created or reset now: the caller must rebuild from files. */
  fresh: boolean;
  /** Why an existing index file was deleted and made anew (corrupt, or from a newer bds), to tell the user. */
  reset?: string;
  close(): void;
}

export interface OpenIndexOptions {
  /** How long opening waits for another connection's lock before it fails (SQLite's busy timeout). */
  busyTimeoutMs?: number;
}

export function openIndexDb(file: string, options: OpenIndexOptions = {}): IndexDb {
  if (file !== ':memory:') {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    } catch (e) {
      throw cannotOpen(file, e);
    }
  }
  let fresh = file === ':memory:' || !fs.existsSync(file);
  let reset: string | undefined;
  let opened: { sqlite: Sqlite; version: number };
  try {
    opened = openChecked(file, options);
  } catch (e) {
    if (!isCorruption(e)) throw cannotOpen(file, e);
    // Only real corruption costs the index: it is rebuilt from the files, which hold everything.
    reset = `${file} was corrupt (${sqliteCode(e)}: ${(e as Error).message}); bds deleted it and rebuilt the index from the project files`;
    removeDbFiles(file);
    opened = reopen(file, options);
    fresh = true;
  }
  let { sqlite } = opened;
  const { version } = opened;
  if (version > MIGRATIONS.length) {
    // Written by a newer bds: start over rather than guess.
    sqlite.close();
    removeDbFiles(file);
    reset = `${file} was written by a newer bds (index version ${version}, this one knows ${MIGRATIONS.length}); bds deleted it and rebuilt the index from the project files`;
    sqlite = reopen(file, options).sqlite;
    fresh = true;
  }
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = OFF');
  sqlite.pragma('temp_store = MEMORY');
  // Reads through memory maps instead of a system call per page: reading the file states of 50,000
  // posts at open (a reconcile) takes about half the time.
  sqlite.pragma('mmap_size = 268435456');
  if ((sqlite.pragma('user_version', { simple: true }) as number) < MIGRATIONS.length) {
    // Another bds process may be opening the same new index now: the version is read again under the
    // write lock, so only the first one migrates (a second run of a migration would fail).
    let from = 0;
    const migrate = sqlite.transaction(() => {
      from = sqlite.pragma('user_version', { simple: true }) as number;
      for (let v = from; v < MIGRATIONS.length; v++) sqlite.exec(MIGRATIONS[v]!);
      if (from < MIGRATIONS.length) sqlite.pragma(`user_version = ${MIGRATIONS.length}`);
    });
    try {
      migrate.immediate();
    } catch (e) {
      sqlite.close();
      throw cannotOpen(file, e);
    }
    if (from === 0) fresh = true;
  }
  const orm = drizzle(sqlite, { schema });
  return { sqlite, orm, fresh, ...(reset ? { reset } : {}), close: () => sqlite.close() };
}

/** better-sqlite3's own wait for a lock, when the caller gives none. */
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * Open the file and read enough of it (header, schema, version) for SQLite to find a corrupt one. Two
 * processes opening a new file at once both turn it to WAL, which takes its lock without SQLite's
 * waiting (the one holding a read lock would deadlock the other): that SQLITE_BUSY is waited out here,
 * as long as the busy timeout.
 */
function openChecked(file: string, options: OpenIndexOptions): { sqlite: Sqlite; version: number } {
  const until = Date.now() + (options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
  for (;;) {
    try {
      return openOnce(file, options);
    } catch (e) {
      if (!sqliteCode(e).startsWith('SQLITE_BUSY') || Date.now() >= until) throw e;
      sleepSync(10 + Math.random() * 20);
    }
  }
}

function openOnce(file: string, options: OpenIndexOptions): { sqlite: Sqlite; version: number } {
  const sqlite = new Database(
    file,
    options.busyTimeoutMs === undefined ? {} : { timeout: options.busyTimeoutMs },
  );
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.prepare('SELECT count(*) FROM sqlite_master').get();
    return { sqlite, version: sqlite.pragma('user_version', { simple: true }) as number };
  } catch (e) {
    sqlite.close();
    throw e;
  }
}

/** Open a file just deleted; a failure now is not corruption. */
function reopen(file: string, options: OpenIndexOptions): { sqlite: Sqlite; version: number } {
  try {
    return openChecked(file, options);
  } catch (e) {
    throw cannotOpen(file, e);
  }
}

function sqliteCode(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}

/** SQLITE_CORRUPT (and its extended codes) and SQLITE_NOTADB: the file is not a usable database. */
export function isCorruption(e: unknown): boolean {
  const code = sqliteCode(e);
  return code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || code.startsWith('SQLITE_CORRUPT_');
}

function cannotOpen(file: string, e: unknown): BdsError {
  const code = sqliteCode(e);
  const message = (e as Error).message;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new BdsError('project-busy', `${file} is locked by another process (${code}: ${message})`, {
      file,
      cause: e,
    });
  }
  return new BdsError(
    'index-unavailable',
    `${file} cannot be opened (${code}: ${message}); it was left as it is`,
    {
      file,
      cause: e,
    },
  );
}

function removeDbFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}
