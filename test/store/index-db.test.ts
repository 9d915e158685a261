// Opening the index: only real corruption resets it (and says so); a lock or a file bds cannot open is
// an error with SQLite's code, and the index file is left as it is.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { openIndexDb } from '../../src/store/index.js';
import { bds } from '../helpers/cli.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';

afterEach(() => cleanupTempDirs());

function indexWithRows(): string {
  const file = path.join(tempDir('bds-index-'), 'index.sqlite');
  const db = openIndexDb(file);
  db.sqlite.exec("CREATE TABLE kept(x); INSERT INTO kept VALUES ('row')");
  db.close();
  return file;
}

describe('opening the index', () => {
  it('a corrupt file (SQLITE_NOTADB) is reset, and the reason names the file and the code', () => {
    const file = path.join(tempDir('bds-index-'), 'index.sqlite');
    fs.writeFileSync(file, 'this is not a database '.repeat(200));
    const db = openIndexDb(file);
    try {
      expect(db.fresh).toBe(true);
      expect(db.reset).toBe(
        `${file} was corrupt (SQLITE_NOTADB: file is not a database); bds deleted it and rebuilt the index from the project files`,
      );
    } finally {
      db.close();
    }
  });

  it('a file locked by another process is project-busy with SQLITE_BUSY, and is not deleted', () => {
    const file = indexWithRows();
    const holder = new Database(file);
    holder.pragma('locking_mode = EXCLUSIVE');
    holder.exec("BEGIN EXCLUSIVE; INSERT INTO kept VALUES ('held')");
    try {
      expect(() => openIndexDb(file, { busyTimeoutMs: 50 })).toThrow(
        expect.objectContaining({
          code: 'project-busy',
          file,
          message: expect.stringContaining('(SQLITE_BUSY: database is locked)'),
        }),
      );
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
    const again = new Database(file, { readonly: true });
    expect(again.prepare('SELECT x FROM kept ORDER BY rowid').pluck().all()).toEqual(['row', 'held']);
    again.close();
  });

  it('processes opening a new index at the same moment all open it, and only one migrates it', async () => {
    // A fresh clone opened by `bds preview` and a `bds post new` at once: each saw version 0, and the
    // second to migrate failed with "table posts already exists" (internal).
    const openers = Array.from({ length: 4 }, () => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.resolve('test/helpers/index-opener.ts')],
        {
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      const lines: string[] = [];
      const waiters: (() => void)[] = [];
      readline.createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        waiters.shift()?.();
      });
      const nextLine = () =>
        lines.length > 0
          ? Promise.resolve(lines.shift()!)
          : new Promise<string>((r) => waiters.push(() => r(lines.shift()!)));
      return { child, nextLine };
    });
    try {
      expect(await Promise.all(openers.map((o) => o.nextLine()))).toEqual(Array(4).fill('ready'));
      for (let round = 0; round < 20; round++) {
        const file = path.join(tempDir('bds-index-'), 'index.sqlite');
        // All loaded, then all open at once.
        for (const o of openers) o.child.stdin.write(`${file}\n`);
        expect(await Promise.all(openers.map((o) => o.nextLine()))).toEqual(Array(4).fill('opened'));
        const db = openIndexDb(file);
        try {
          expect(db.fresh).toBe(false);
          expect(db.sqlite.prepare('SELECT count(*) FROM posts').pluck().get()).toBe(0);
        } finally {
          db.close();
        }
      }
    } finally {
      for (const o of openers) o.child.stdin.end();
    }
  });

  it('a path bds cannot open (a folder where the file should be) is index-unavailable, left as it is', () => {
    const dir = tempDir('bds-index-');
    const file = path.join(dir, 'index.sqlite');
    fs.mkdirSync(file);
    fs.writeFileSync(path.join(file, 'keep.txt'), 'mine');
    expect(() => openIndexDb(file)).toThrow(
      expect.objectContaining({
        code: 'index-unavailable',
        file,
        message: expect.stringMatching(/SQLITE_CANTOPEN/),
      }),
    );
    expect(fs.readFileSync(path.join(file, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('an index written by a newer bds is reset, and says why', () => {
    const file = indexWithRows();
    const raw = new Database(file);
    raw.pragma('user_version = 999');
    raw.close();
    const db = openIndexDb(file);
    try {
      expect(db.fresh).toBe(true);
      expect(db.reset).toMatch(/was written by a newer bds \(index version 999/);
      expect(db.sqlite.prepare("SELECT name FROM sqlite_master WHERE name = 'kept'").get()).toBeUndefined();
    } finally {
      db.close();
    }
  });

  it('a project with a corrupt index opens, rebuilds from the files and the CLI says so once', async () => {
    const root = writeProject({ 'posts/2026/01/good.md': samplePost({ slug: 'good' }) });
    const home = tempDir('bds-home-');
    let ws = Workspace.open(root, { home });
    await ws.close();
    const index = path.join(root, '.bds/index.sqlite');
    for (const f of [`${index}-wal`, `${index}-shm`]) fs.rmSync(f, { force: true });
    fs.writeFileSync(index, Buffer.alloc(8192, 7));
    ws = Workspace.open(root, { home });
    try {
      expect(ws.openReport).toMatchObject({
        mode: 'rebuild',
        indexReset: expect.stringMatching(/SQLITE_NOTADB/),
      });
      expect((await ws.call('posts.list', {})).map((p) => p.slug)).toEqual(['good']);
    } finally {
      await ws.close();
    }
    fs.writeFileSync(index, Buffer.alloc(8192, 7));
    const r = await bds(['post', 'list'], { cwd: root, home });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`note: ${index} was corrupt (SQLITE_NOTADB`);
    expect(r.stdout).toMatch(/good/);
    const quiet = await bds(['post', 'list'], { cwd: root, home });
    expect(quiet.stderr).not.toMatch(/note:/);
  });
});
