import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { cleanupTempDirs, samplePost, writeProject } from '../helpers/project.js';

const open: Workspace[] = [];
function openWs(root: string): Workspace {
  const ws = Workspace.open(root);
  open.push(ws);
  return ws;
}
async function closeAll(): Promise<void> {
  for (const ws of open.splice(0)) await ws.close();
}
afterEach(async () => {
  await closeAll();
  cleanupTempDirs();
});

function blog(): Record<string, string> {
  return {
    'posts/2026/01/lake.md': samplePost(
      {
        slug: 'lake',
        title: 'Lake Bled in winter',
        tags: ['travel', 'Slovenia'],
        excerpt: 'Cold water and a castle.',
      },
      'We walked around the lake twice. The lake was frozen.\n',
    ),
    'posts/2026/02/bread.md': samplePost(
      {
        slug: 'bread',
        title: 'Sourdough bread',
        tags: ['food', 'Küche'],
        categories: ['article', 'recipes'],
      },
      'A starter, flour and water. The lake of dough rose overnight.\n',
    ),
    'posts/2026/02/castle.md': samplePost(
      { slug: 'castle', title: 'Castle on a hill', tags: ['travel'], status: 'draft' },
      'Above the lake stands a castle with a long history.\n',
    ),
    'posts/2026/03/notes.md': samplePost(
      { slug: 'notes', title: 'Notes', categories: [], excerpt: 'water' },
      'Short notes about nothing much.\n',
    ),
  };
}

const QUERIES = ['lake', 'water', 'kuche', 'Slovenia', 'recipes', 'cast', 'lake castle'];

async function searchAll(ws: Workspace) {
  const hits = [];
  for (const query of QUERIES) hits.push(await ws.call('posts.search', { query }));
  hits.push(await ws.call('posts.search', { query: 'lake', status: 'published' }));
  hits.push(await ws.call('posts.search', { query: 'lake', limit: 2 }));
  return hits;
}

/** What posts_fts holds, by post id. */
function ftsText(ws: Workspace) {
  return ws.db.sqlite
    .prepare(
      `SELECT p.id, f.title, f.excerpt, f.body, f.tags, f.categories
       FROM posts_fts f JOIN posts p ON p.rowid = f.rowid ORDER BY p.id`,
    )
    .all();
}

const ftsRows = (ws: Workspace) => ws.db.sqlite.prepare(`SELECT COUNT(*) FROM posts_fts`).pluck().get();
const stale = (ws: Workspace) =>
  ws.db.sqlite.prepare(`SELECT COUNT(*) FROM stale_fts WHERE name = 'posts_fts'`).pluck().get() === 1;
const slugs = async (ws: Workspace, q: string) =>
  (await ws.call('posts.search', { query: q })).map((h) => h.slug);

describe('the posts search index is filled on first search after a rebuild', () => {
  it('a rebuild leaves it stale and unfilled; the first search fills it as per-post updates would, ranked the same', async () => {
    // The eager way: an empty index, filled, then every post added through a per-post update.
    const root = writeProject({});
    let ws = openWs(root);
    ws.ensureSearchIndex();
    expect(stale(ws)).toBe(false);
    await closeAll();
    for (const [rel, text] of Object.entries(blog())) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    }
    ws = openWs(root);
    expect(ws.openReport.mode).toBe('reconcile');
    expect(ftsRows(ws)).toBe(4);
    const eager = { hits: await searchAll(ws), rows: ftsText(ws) };
    expect(eager.hits[0]!.map((h) => h.slug)).toEqual(['lake', 'castle', 'bread']);
    expect(eager.hits[2]!.map((h) => h.slug)).toEqual(['bread']);
    expect(eager.hits[0]![0]!.snippet).toBe('We walked around the [lake] twice. The [lake] was frozen.');
    await closeAll();

    fs.rmSync(path.join(root, '.bds'), { recursive: true });
    ws = openWs(root);
    expect(ws.openReport.mode).toBe('rebuild');
    expect(stale(ws)).toBe(true);
    expect(ftsRows(ws)).toBe(0);
    expect(await searchAll(ws)).toEqual(eager.hits);
    expect(ftsText(ws)).toEqual(eager.rows);
    expect(stale(ws)).toBe(false);

    // A second search reads what the first one filled: no row changes.
    const changes = () => ws.db.sqlite.prepare(`SELECT total_changes()`).pluck().get();
    const before = changes();
    expect(await searchAll(ws)).toEqual(eager.hits);
    expect(changes()).toBe(before);
  });

  it('edits, new posts and removals while it is stale show in the first search', async () => {
    const root = writeProject(blog());
    const ws = openWs(root);
    expect(stale(ws)).toBe(true);
    // A draft edited through bds, a published post edited outside it, one deleted, one created.
    await ws.call('posts.update', {
      ref: 'castle',
      body: 'Above the fjord stands a keep.\n',
      title: 'Keep on a hill',
    });
    const lake = path.join(root, 'posts/2026/01/lake.md');
    fs.writeFileSync(lake, fs.readFileSync(lake, 'utf8').replace('frozen', 'thawing'));
    ws.applyExternalChange('posts/2026/01/lake.md');
    await ws.call('posts.delete', { ref: 'bread' });
    await ws.call('posts.create', { title: 'Marmots', body: 'Whistling above the lake.\n', tags: ['alps'] });
    expect(stale(ws)).toBe(true);
    expect(ftsRows(ws)).toBe(0);

    expect(await slugs(ws, 'fjord')).toEqual(['castle']);
    expect(await slugs(ws, 'keep')).toEqual(['castle']);
    expect(await slugs(ws, 'castle')).toEqual(['lake']); // only the excerpt of lake still says castle
    expect(await slugs(ws, 'thawing')).toEqual(['lake']);
    expect(await slugs(ws, 'frozen')).toEqual([]);
    expect(await slugs(ws, 'sourdough')).toEqual([]);
    expect(await slugs(ws, 'alps')).toEqual(['marmots']);
    expect((await slugs(ws, 'lake')).sort()).toEqual(['lake', 'marmots']);
    expect(ftsRows(ws)).toBe(4);
  });

  it('once filled, each change updates it at once', async () => {
    const root = writeProject(blog());
    const ws = openWs(root);
    ws.ensureSearchIndex();
    expect(ftsRows(ws)).toBe(4);
    const post = await ws.call('posts.create', { title: 'Zebra crossing', body: 'Stripes.\n' });
    expect(ftsRows(ws)).toBe(5);
    await ws.call('posts.update', { ref: post.id, body: 'Lines.\n' });
    await ws.call('posts.delete', { ref: 'bread' });
    expect(stale(ws)).toBe(false);
    expect(ftsRows(ws)).toBe(4);
    expect(ftsText(ws).find((r) => (r as { id: string }).id === post.id)).toMatchObject({ body: 'Lines.\n' });
    expect(await slugs(ws, 'stripes')).toEqual([]);
    expect(await slugs(ws, 'lines')).toEqual(['zebra-crossing']);
    expect(await slugs(ws, 'sourdough')).toEqual([]);
  });

  it('a fill that fails part-way leaves it stale, and the next search fills it from scratch', async () => {
    const root = writeProject(blog());
    const ws = openWs(root);
    expect(await slugs(ws, 'frozen')).toEqual(['lake']);
    // A rebuild keeps the old rows until the next fill; the file changed in between.
    const lake = path.join(root, 'posts/2026/01/lake.md');
    fs.writeFileSync(lake, fs.readFileSync(lake, 'utf8').replace('frozen', 'thawing'));
    await ws.call('project.rebuild', {});
    expect(stale(ws)).toBe(true);
    expect(ftsRows(ws)).toBe(4);
    // Clearing the flag is the fill's last statement: fail there, after every row is written.
    ws.db.sqlite.exec(`CREATE TEMP TRIGGER fail_fill BEFORE DELETE ON main.stale_fts
      BEGIN SELECT RAISE(ABORT, 'fill interrupted'); END`);
    await expect(ws.call('posts.search', { query: 'thawing' })).rejects.toThrow(/fill interrupted/);
    expect(stale(ws)).toBe(true);
    expect(ftsText(ws).map((r) => (r as { body: string }).body)).toContain(
      'We walked around the lake twice. The lake was frozen.\n',
    );
    ws.db.sqlite.exec(`DROP TRIGGER temp.fail_fill`);
    expect(await slugs(ws, 'thawing')).toEqual(['lake']);
    expect(await slugs(ws, 'frozen')).toEqual([]);
    expect(ftsRows(ws)).toBe(4);
    expect(stale(ws)).toBe(false);
  });

  it('a process killed mid-fill leaves it stale; the next process to search fills it', async () => {
    const root = writeProject(blog());
    let ws = openWs(root);
    expect(await slugs(ws, 'frozen')).toEqual(['lake']);
    await closeAll();
    const lake = path.join(root, 'posts/2026/01/lake.md');
    fs.writeFileSync(lake, fs.readFileSync(lake, 'utf8').replace('frozen', 'thawing'));

    const exit = await new Promise<{ signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.resolve('test/helpers/search-fill-killed.ts'), root],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (_code, signal) => resolve({ signal, stderr }));
    });
    expect(exit).toEqual({ signal: 'SIGKILL', stderr: '' });

    ws = openWs(root);
    expect(ws.openReport.mode).toBe('reconcile');
    expect(stale(ws)).toBe(true);
    expect(await slugs(ws, 'thawing')).toEqual(['lake']);
    expect(await slugs(ws, 'frozen')).toEqual([]);
    expect(ftsRows(ws)).toBe(4);
  });

  it('a rebuild in one process and a search in the next: the search fills the index', async () => {
    const root = writeProject(blog());
    const first = openWs(root);
    expect(first.openReport.mode).toBe('rebuild');
    await closeAll();
    const next = openWs(root);
    expect(next.openReport.mode).toBe('reconcile');
    expect(stale(next)).toBe(true);
    expect(await slugs(next, 'sourdough')).toEqual(['bread']);
    expect(stale(next)).toBe(false);
  });

  it('an index written before the stale flag existed opens with its search index as it was', async () => {
    const root = writeProject(blog());
    let ws = openWs(root);
    ws.ensureSearchIndex();
    await closeAll();
    const file = path.join(root, '.bds/index.sqlite');
    const old = new Database(file);
    old.exec(`DROP TABLE stale_fts; PRAGMA user_version = 2;`);
    old.close();
    ws = openWs(root);
    expect(ws.openReport.mode).toBe('reconcile');
    expect(stale(ws)).toBe(false);
    expect(ftsRows(ws)).toBe(4);
    expect(await slugs(ws, 'sourdough')).toEqual(['bread']);
  });
});
