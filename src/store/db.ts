// Opens the SQLite index of a project (`.bds/index.sqlite`): WAL, migrations, drizzle on top.
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS } from './migrations.js';
import * as schema from './schema.js';

export type Sqlite = Database.Database;
export type Orm = BetterSQLite3Database<typeof schema>;

export interface IndexDb {
  sqlite: Sqlite;
  orm: Orm;
  /** True when the file was created or reset now: the caller must rebuild from files. */
  fresh: boolean;
  close(): void;
}

export function openIndexDb(file: string): IndexDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let sqlite: Sqlite;
  let fresh = file === ':memory:' || !fs.existsSync(file);
  try {
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
  } catch {
    // A corrupt cache is thrown away: the index is always rebuildable from files.
    removeDbFiles(file);
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    fresh = true;
  }
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = OFF');
  sqlite.pragma('temp_store = MEMORY');
  const version = sqlite.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    // Written by a newer bds: start over rather than guess.
    sqlite.close();
    removeDbFiles(file);
    return openIndexDb(file);
  }
  if (version < MIGRATIONS.length) {
    const migrate = sqlite.transaction(() => {
      for (let v = version; v < MIGRATIONS.length; v++) sqlite.exec(MIGRATIONS[v]!);
      sqlite.pragma(`user_version = ${MIGRATIONS.length}`);
    });
    migrate();
    if (version === 0) fresh = true;
  }
  const orm = drizzle(sqlite, { schema });
  return { sqlite, orm, fresh, close: () => sqlite.close() };
}

function removeDbFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
}
