// The HTTP API through the typed client against a real server: use cases by their routes, errors from
// the catalogue, uploads, and the event stream (app writes, outside edits, another bds process, replay).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { BdsClient } from '../../src/client/index.js';
import { ApiError, requestOf, type StreamMessage } from '../../src/client/index.js';
import { makeSourceFiles } from '../content/media/fixtures.js';
import { samplePost } from '../helpers/project.js';
import { serveProject, type ServedProject } from '../helpers/server.js';

const run = promisify(execFile);

/** Collects stream messages until aborted; `next(pred)` waits for a matching one. */
function follow(client: BdsClient, lastEventId?: string) {
  const seen: StreamMessage[] = [];
  const waiters: { pred: (m: StreamMessage) => boolean; resolve: (m: StreamMessage) => void }[] = [];
  const controller = new AbortController();
  let opened!: () => void;
  const open = new Promise<void>((r) => (opened = r));
  void client.subscribe(
    (m) => {
      seen.push(m);
      for (const w of [...waiters]) {
        if (w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    },
    { signal: controller.signal, onOpen: opened, ...(lastEventId ? { lastEventId } : {}) },
  );
  return {
    seen,
    open,
    next(pred: (m: StreamMessage) => boolean, timeoutMs = 10_000): Promise<StreamMessage> {
      const found = seen.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no matching event; saw ${seen.map((m) => m.event).join(', ')}`)),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    stop: () => controller.abort(),
  };
}

const hasPath = (p: string) => (m: StreamMessage) =>
  m.event === 'posts-changed' && (m.data as { paths: string[] }).paths.some((x) => x.includes(p));

describe('the HTTP API', () => {
  let s: ServedProject | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('serves the use cases by their routes, with the registry input and output', async () => {
    s = await serveProject({
      'posts/2026/01/first.md': samplePost({ slug: 'first', title: 'First light', tags: ['sky'] }),
      'posts/2026/01/second.md': samplePost({ slug: 'second', title: 'Second', status: 'draft' }),
    });
    const c = s.client;
    expect(requestOf('posts.get', { ref: 'first' })).toEqual({ method: 'GET', path: '/api/posts/first' });
    expect((await c.call('posts.list', {})).map((p) => p.slug).sort()).toEqual(['first', 'second']);
    // Query values are typed by the schema: a number, an enum.
    expect(await c.call('posts.list', { limit: 1 })).toHaveLength(1);
    expect((await c.call('posts.list', { status: 'draft' })).map((p) => p.slug)).toEqual(['second']);
    const created = await c.call('posts.create', {
      title: 'Über den Fluss',
      body: 'Water.\n',
      tags: ['river'],
    });
    expect(created.slug).toBe('uber-den-fluss');
    expect(fs.existsSync(path.join(s.root, created.path))).toBe(true);
    const published = await c.call('posts.publish', { ref: created.id });
    expect(published.status).toBe('published');
    const edited = await c.call('posts.update', { ref: created.slug, title: 'Across the river' });
    expect(edited.hasDraft).toBe(true);
    expect((await c.call('posts.search', { query: 'light' })).map((h) => h.slug)).toEqual(['first']);
    expect((await c.call('tags.list', {})).map((t) => t.name).sort()).toEqual(['river', 'sky']);
    expect((await c.call('project.summary', {})).posts.published).toBe(2);
    // A user use case (the projects this user knows) answers too.
    expect(await c.call('projects.list', {})).toMatchObject({ projects: expect.any(Array) });
  });

  it('keeps read answers until a change: ETags, 304, and never a stale list after an event', async () => {
    s = await serveProject({ 'posts/2026/01/first.md': samplePost({ slug: 'first' }) });
    const auth = { authorization: `Bearer ${s.server.token}` };
    const url = `${s.server.url}api/posts?limit=10`;
    const first = await fetch(url, { headers: auth });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"/);
    expect((await first.json()) as unknown[]).toHaveLength(1);
    const again = await fetch(url, { headers: { ...auth, 'if-none-match': etag! } });
    expect(again.status).toBe(304);

    // A change through the API: the next read sees it.
    await s.client.call('posts.create', { title: 'Second' });
    expect((await s.client.call('posts.list', { limit: 10 })).map((p) => p.slug).sort()).toEqual([
      'first',
      'second',
    ]);
    const changed = await fetch(url, { headers: { ...auth, 'if-none-match': etag! } });
    expect(changed.status).toBe(200);

    // A change on disk: once its event is out, reads see it.
    const events = follow(s.client);
    await events.open;
    fs.writeFileSync(path.join(s.root, 'posts/2026/01/third.md'), samplePost({ slug: 'third' }));
    await events.next(hasPath('third.md'));
    expect((await s.client.call('posts.list', { limit: 10 })).map((p) => p.slug)).toContain('third');
    events.stop();
  });

  it('answers failures with the catalogue code, message, hint and status', async () => {
    s = await serveProject({
      'posts/2026/01/broken.md': '---\ntitle: [unclosed\n---\nBody\n',
    });
    const err = await s.client.call('posts.get', { ref: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: 'post-not-found' });
    expect((err as ApiError).hint).toBeTruthy();
    const bad = await s.client
      .call('posts.list', { limit: 'many' as unknown as number })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ status: 400, code: 'invalid-argument' });
    expect((bad as ApiError).message).toContain('"limit"');
    const notJson = await fetch(`${s.server.url}api/posts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.server.token}`, 'content-type': 'application/json' },
      body: '{"title": ',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ code: 'invalid-argument' });
    const unknown = await fetch(`${s.server.url}api/nothing-here`, {
      headers: { authorization: `Bearer ${s.server.token}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'route-not-found' });
    // A problem with its file and line.
    const problems = await s.client.call('project.problems', {});
    expect(problems[0]).toMatchObject({ file: 'posts/2026/01/broken.md', line: expect.any(Number) });
  });

  it('uploads media streamed and links it to a post; a dropped upload leaves nothing behind', async () => {
    s = await serveProject({ 'posts/2026/01/first.md': samplePost({ slug: 'first', status: 'draft' }) });
    const src = await makeSourceFiles();
    const bytes = fs.readFileSync(src.small);
    const out = await s.client.upload(bytes, {
      name: 'Harbour at dawn.jpg',
      title: 'Harbour',
      post: 'first',
    });
    const record = out.results[0]!.record!;
    expect(record).toMatchObject({
      originalName: 'Harbour at dawn.jpg',
      mimeType: 'image/jpeg',
      title: 'Harbour',
    });
    expect(fs.readFileSync(path.join(s.root, record.path))).toEqual(bytes);
    expect(out.post?.media).toEqual([record.id]);
    expect(fs.readdirSync(path.join(s.root, '.bds', 'uploads'))).toEqual([]);

    // A client that goes away mid-upload: the server sees the body end early.
    const controller = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(64 * 1024));
        setTimeout(() => controller.abort(), 100);
      },
    });
    await fetch(`${s.server.url}api/media/upload?name=partial.bin`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.server.token}` },
      body,
      signal: controller.signal,
      duplex: 'half',
    } as RequestInit).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(fs.readdirSync(path.join(s.root, '.bds', 'uploads'))).toEqual([]);
    expect((await s.client.call('media.list', {})).map((m) => m.originalName)).toEqual([
      'Harbour at dawn.jpg',
    ]);
  });

  it('replaces a media file by upload (?replace=ID) and lists where it is used', async () => {
    s = await serveProject({ 'posts/2026/01/first.md': samplePost({ slug: 'first', status: 'draft' }) });
    const src = await makeSourceFiles();
    const imported = await s.client.upload(fs.readFileSync(src.small), { name: 'boat.jpg', post: 'first' });
    const record = imported.results[0]!.record!;
    const uploads = path.join(s.root, '.bds', 'uploads');
    const upload = (query: string, body: Buffer<ArrayBuffer>) =>
      fetch(`${s!.server.url}api/media/upload?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s!.server.token}` },
        body,
      });

    // A bigger JPEG in its place: the answer is the media record (not an import's {results}).
    const bytes = fs.readFileSync(src.rotated);
    const res = await upload(`name=boat%20v2.jpg&replace=${record.id}`, bytes);
    expect(res.status).toBe(200);
    const replaced = (await res.json()) as typeof record;
    expect(replaced).toMatchObject({
      id: record.id,
      path: record.path,
      originalName: 'boat v2.jpg',
      size: bytes.length,
      width: 300,
      height: 600,
    });
    expect(fs.readFileSync(path.join(s.root, record.path))).toEqual(bytes);
    expect(fs.readdirSync(uploads)).toEqual([]);

    // Another type is refused (400) and leaves the file as it was; so does an unknown id (404).
    const png = await upload(`name=boat.png&replace=${record.id}`, fs.readFileSync(src.big));
    expect(png.status).toBe(400);
    expect(await png.json()).toMatchObject({ code: 'invalid-argument' });
    const unknown = await upload('name=x.jpg&replace=00000000-0000-4000-8000-00000000abcd', bytes);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'media-not-found' });
    const mixed = await upload(`name=x.jpg&replace=${record.id}&title=New`, bytes);
    expect(mixed.status).toBe(400);
    expect(fs.readFileSync(path.join(s.root, record.path))).toEqual(bytes);
    expect(fs.readdirSync(uploads)).toEqual([]);

    // The use cases by their own routes.
    const again = await s.client.call('media.replace', { id: record.id, file: src.small });
    expect(again).toMatchObject({ id: record.id, width: 100, height: 50 });
    expect(await s.client.call('media.usage', { id: record.id })).toMatchObject([
      { slug: 'first', status: 'draft', linked: true, inBody: false },
    ]);
    const missing = await s.client
      .call('media.usage', { id: '00000000-0000-4000-8000-00000000abcd' })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 'media-not-found' });
  });

  it('streams changes made by the app, by another editor and by the CLI in another terminal', async () => {
    s = await serveProject({ 'posts/2026/01/first.md': samplePost({ slug: 'first' }) });
    const events = follow(s.client);
    await events.open;

    const created = await s.client.call('posts.create', { title: 'Made in the app' });
    const own = await events.next(hasPath(created.path));
    expect(own.data).toMatchObject({ source: 'app' });

    // Another editor writes a file.
    fs.writeFileSync(
      path.join(s.root, 'posts/2026/01/outside.md'),
      samplePost({ slug: 'outside', title: 'Written outside' }),
    );
    const outside = await events.next(hasPath('outside.md'));
    expect(outside.data).toMatchObject({ source: 'external' });

    // The CLI in another process.
    const env = { ...process.env, BDS_HOME: s.home };
    await run(
      'npx',
      ['tsx', 'src/cli/main.ts', '--project', s.root, 'post', 'new', '--title', 'From a terminal'],
      {
        env,
      },
    );
    await events.next(hasPath('from-a-terminal.md'));

    // bds's own write is not reported a second time as an outside change.
    await new Promise((r) => setTimeout(r, 400));
    const forCreated = events.seen.filter(hasPath(created.path));
    expect(forCreated.map((m) => (m.data as { source: string }).source)).toEqual(['app']);

    // Scripts: the enabled macro slugs come with the event.
    await s.client.call('scripts.create', { title: 'Shout', slug: 'shout', kind: 'macro', enabled: true });
    const scripts = await events.next((m) => m.event === 'scripts-changed');
    expect((scripts.data as { macroSlugs: string[] }).macroSlugs).toContain('shout');

    // A broken file raises the problems count.
    fs.writeFileSync(path.join(s.root, 'posts/2026/01/bad.md'), '---\ntitle: [\n---\n');
    const problems = await events.next((m) => m.event === 'problems-changed');
    expect((problems.data as { count: number }).count).toBe(1);

    // Settings and templates.
    await s.client.call('settings.set', { key: 'maxPostsPerPage', value: 20 });
    await events.next((m) => m.event === 'settings-changed');
    await s.client.call('templates.save', { name: 'footer', content: '<footer>Mine</footer>' });
    await events.next((m) => m.event === 'templates-changed');
    events.stop();
  });

  it('reports a build as task and build progress', async () => {
    s = await serveProject({ 'posts/2026/01/first.md': samplePost({ slug: 'first' }) });
    const events = follow(s.client);
    await events.open;
    const summary = await s.client.call('site.build', {});
    expect(summary.posts).toBe(1);
    await events.next((m) => m.event === 'build-progress' && (m.data as { phase: string }).phase === 'done');
    const done = await events.next(
      (m) => m.event === 'task-progress' && (m.data as { status: string }).status === 'completed',
    );
    expect(done.data).toMatchObject({ name: 'Build site', progress: 100 });
    events.stop();
  });

  it('a client that reconnects with Last-Event-ID gets what it missed; an unknown id gets resync', async () => {
    s = await serveProject({});
    const first = follow(s.client);
    await first.open;
    await s.client.call('posts.create', { title: 'One' });
    const one = await first.next(hasPath('one.md'));
    first.stop();

    // Missed while disconnected.
    await s.client.call('posts.create', { title: 'Two' });
    await s.client.call('posts.create', { title: 'Three' });

    const again = follow(s.client, one.id);
    await again.next(hasPath('three.md'));
    const replayed = again.seen
      .filter((m) => m.event === 'posts-changed')
      .map((m) => (m.data as { paths: string[] }).paths[0]);
    expect(replayed.some((p) => p?.endsWith('two.md'))).toBe(true);
    expect(replayed.some((p) => p?.endsWith('one.md'))).toBe(false);
    again.stop();

    const stale = follow(s.client, 'deadbeef0000-3');
    const resync = await stale.next((m) => m.event === 'resync');
    expect(resync.data).toMatchObject({ boot: s.server.events.boot });
    stale.stop();
  });

  it('drops a client that stops reading instead of buffering for it', async () => {
    s = await serveProject({});
    const hub = s.server.events;
    const res = await fetch(`${s.server.url}api/events`, {
      headers: { authorization: `Bearer ${s.server.token}` },
    });
    expect(res.status).toBe(200);
    expect(hub.size).toBe(1);
    // Never read: publish more than the backlog and the socket buffers can hold.
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 1000 && hub.size > 0; i++) {
      hub.publish('posts-changed', { paths: [big], source: 'app' });
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(hub.size).toBe(0);
    await res.body?.cancel();
  });
});
