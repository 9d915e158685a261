import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { cleanupTempDirs, samplePost, writeProject } from '../helpers/project.js';

const open: Workspace[] = [];
function openWs(root: string, watch = false): Workspace {
  const ws = Workspace.open(root, { watch });
  open.push(ws);
  return ws;
}
afterEach(async () => {
  for (const ws of open.splice(0)) await ws.close();
  cleanupTempDirs();
});

/** Every query the app answers from the index, as plain data. */
async function snapshot(ws: Workspace) {
  return {
    all: await ws.call('posts.list', {}),
    published: (await ws.call('posts.list', { status: 'published' })).map((p) => p.slug),
    tag: (await ws.call('posts.list', { tag: 'travel' })).map((p) => p.slug),
    category: (await ws.call('posts.list', { category: 'aside' })).map((p) => p.slug),
    month: (await ws.call('posts.list', { datePrefix: '2026-02' })).map((p) => p.slug),
    search: await ws.call('posts.search', { query: 'lake' }),
    tags: await ws.call('tags.list', {}),
    categories: await ws.call('categories.list', {}),
    problems: await ws.call('project.problems', {}),
    pending: await Promise.all(
      (await ws.call('posts.list', {})).map(
        async (p) => (await ws.call('posts.get', { ref: p.id })).pending?.body ?? null,
      ),
    ),
    media: await ws.call('media.list', {}),
    linked: await Promise.all(
      (await ws.call('posts.list', {})).map(async (p) =>
        (await ws.call('media.linked', { post: p.id })).map((m) => m.id),
      ),
    ),
    mediaSearch: await ws.call('media.search', { query: 'lake' }),
  };
}

describe('the index is rebuildable from the folder', () => {
  it('deleting .bds and rebuilding gives identical query results', async () => {
    const root = writeProject({
      'posts/2026/01/lake.md': samplePost(
        { slug: 'lake', title: 'Lake day', tags: ['travel'] },
        'By the lake.\n',
      ),
      'posts/2026/02/bread.md': samplePost({
        slug: 'bread',
        categories: ['aside'],
        publishedAt: '2026-02-02T00:00:00Z',
      }),
      'posts/2026/02/broken.md': '---\ntitle: [\n---\n',
    });
    const ws = openWs(root);
    await ws.call('posts.create', { title: 'Lakeside draft', tags: ['travel'], body: 'Another lake.\n' });
    const live = await ws.call('posts.create', { title: 'Live one', publish: true });
    await ws.call('posts.update', { ref: live.id, body: 'pending lake edit\n' });
    await ws.call('tags.setColor', { name: 'travel', color: '#00aa00' });
    const photo = path.join(root, 'lake.txt');
    fs.writeFileSync(photo, 'not really a photo');
    const [m] = (await ws.call('media.import', { files: [photo], caption: 'lake shore' })).results;
    await ws.call('media.link', { post: 'lake', ids: [m!.record!.id] });
    await ws.call('posts.publish', { ref: 'lake' }); // linking edits a published post: it waits until published
    const before = await snapshot(ws);
    expect(before.linked.flat()).toEqual([m!.record!.id]);
    await ws.close();
    open.length = 0;
    fs.rmSync(path.join(root, '.bds'), { recursive: true });
    const again = openWs(root);
    expect(again.openReport.mode).toBe('rebuild');
    expect(await snapshot(again)).toEqual(before);
    const r = await again.call('project.rebuild', {});
    expect(r.posts?.indexed).toBe(5);
    expect(await snapshot(again)).toEqual(before);
    // As a task: the UI sees it start, progress and complete.
    const seen: string[] = [];
    again.tasks.on('task-started', (t) => seen.push(`started ${t.name}`));
    again.tasks.on('task-progress', (t) => seen.push(`${t.progress}`));
    again.tasks.on('task-completed', (t) => seen.push(`completed ${t.progress}`));
    const changed: string[] = [];
    again.events.on('posts-changed', () => changed.push('posts'));
    expect((await again.call('project.rebuild', {})).posts?.indexed).toBe(5);
    expect(seen[0]).toBe('started Rebuild index');
    expect(seen.at(-1)).toBe('completed 100');
    expect(changed).toEqual(['posts']);
    expect(await snapshot(again)).toEqual(before);

    // One part at a time (Settings -> Data): only that part is read again, as its own task.
    seen.length = 0;
    const scriptsOnly = await again.call('project.rebuild', { only: 'scripts' });
    expect(scriptsOnly.posts).toBeUndefined();
    expect(scriptsOnly.scripts).toMatchObject({ indexed: 0, removed: 0 });
    expect(seen[0]).toBe('started Rebuild scripts');
    const mediaOnly = await again.call('project.rebuild', { only: 'media' });
    expect(mediaOnly).toMatchObject({ media: { indexed: 1 } });
    expect(Object.keys(mediaOnly).sort()).toEqual(['media', 'ms']);
    expect((await again.call('project.rebuild', { only: 'posts' })).posts?.indexed).toBe(5);
    expect(await snapshot(again)).toEqual(before);
  });

  it('opening a project applies edits made while bds was closed', async () => {
    const root = writeProject({
      'posts/2026/01/a.md': samplePost({ slug: 'a', title: 'Alpha' }),
      'posts/2026/01/b.md': samplePost({ slug: 'b', title: 'Beta' }),
      'posts/2026/01/c.md': samplePost({ slug: 'c', title: 'Gamma' }),
    });
    let ws = openWs(root);
    expect(await ws.call('posts.list', {})).toHaveLength(3);
    await ws.close();
    open.length = 0;
    // edit, delete, add and rename (move) while closed
    const a = path.join(root, 'posts/2026/01/a.md');
    fs.writeFileSync(a, fs.readFileSync(a, 'utf8').replace('Alpha', 'Alpha edited') + 'more\n');
    fs.rmSync(path.join(root, 'posts/2026/01/b.md'));
    fs.writeFileSync(path.join(root, 'posts/2026/01/d.md'), samplePost({ slug: 'd', title: 'Delta' }));
    fs.mkdirSync(path.join(root, 'posts/2025/12'), { recursive: true });
    fs.renameSync(path.join(root, 'posts/2026/01/c.md'), path.join(root, 'posts/2025/12/c.md'));
    ws = openWs(root);
    expect(ws.openReport.mode).toBe('reconcile');
    expect((await ws.call('posts.list', {})).map((p) => p.title).sort()).toEqual([
      'Alpha edited',
      'Delta',
      'Gamma',
    ]);
    expect((await ws.call('posts.get', { ref: 'c' })).path).toBe('posts/2025/12/c.md');
    expect(await ws.call('project.problems', {})).toEqual([]);
  });

  it('a post another bds wrote and indexed reaches the watcher at once, even while a third holds the write lock', async () => {
    // The preview used to take a turn at the lock for every file another process had written and
    // indexed already, and so waited, and made the writers wait, for nothing.
    const root = writeProject({ 'posts/2026/01/a.md': samplePost({ slug: 'a', title: 'Alpha' }) });
    const watching = openWs(root, true);
    await watching.watching();
    const writer = openWs(root);
    const seen = new Promise<string[]>((resolve) => {
      const off = watching.events.on('posts-changed', (e) => {
        if (e.source !== 'external') return;
        off();
        resolve(e.paths);
      });
    });
    const created = await writer.call('posts.create', { title: 'Beta', slug: 'b' });
    // Before the watcher can hear of the file (it needs the event loop), the lock is taken and held.
    const holder = new Database(watching.project.paths.index);
    holder.exec('BEGIN IMMEDIATE');
    try {
      expect(await seen).toEqual([created.path]);
      expect((await watching.call('posts.get', { ref: 'b' })).title).toBe('Beta');
    } finally {
      holder.exec('COMMIT');
      holder.close();
    }
  });

  it('a watcher applies edits made outside bds while it runs', async () => {
    const root = writeProject({ 'posts/2026/01/a.md': samplePost({ slug: 'a', title: 'Alpha' }) });
    const ws = openWs(root, true);
    await ws.watching();
    const seen: string[] = [];
    const next = () =>
      new Promise<void>((resolve) => {
        const off = ws.events.on('posts-changed', (e) => {
          if (e.source === 'external') {
            seen.push(...e.paths);
            off();
            resolve();
          }
        });
      });
    let wait = next();
    fs.writeFileSync(path.join(root, 'posts/2026/01/b.md'), samplePost({ slug: 'b', title: 'Beta' }));
    await wait;
    expect((await ws.call('posts.get', { ref: 'b' })).title).toBe('Beta');
    wait = next();
    const a = path.join(root, 'posts/2026/01/a.md');
    fs.writeFileSync(a, fs.readFileSync(a, 'utf8').replace('Alpha', 'Alpha 2'));
    await wait;
    expect((await ws.call('posts.get', { ref: 'a' })).title).toBe('Alpha 2');
    wait = next();
    fs.rmSync(a);
    await wait;
    expect((await ws.call('posts.list', {})).map((p) => p.slug)).toEqual(['b']);
    wait = next();
    fs.writeFileSync(path.join(root, 'posts/2026/01/bad.md'), '---\ntitle: [\n---\n');
    await wait;
    expect(await ws.call('project.problems', {})).toMatchObject([
      { file: 'posts/2026/01/bad.md', code: 'frontmatter-yaml' },
    ]);
  });
});
