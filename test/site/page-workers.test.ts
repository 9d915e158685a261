// Large builds render pages on a second thread: the site must be the same file for file as a build on
// one thread, later builds must stay incremental, and a template error on the worker keeps its file and line.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSite } from '../helpers/site.js';
import { Workspace } from '../../src/app/workspace.js';
import { isBdsError } from '../../src/core/errors.js';
import { loadTheme } from '../../src/render/liquid/index.js';
import { SiteBuilder, siteLinks } from '../../src/site/build.js';
import { buildSiteModel } from '../../src/site/model.js';
import { PostBodyCache, renderBodies } from '../../src/site/post-bodies.js';
import { PageClaims, renderPagesOnWorker, type PageWorkerRequest } from '../../src/site/page-workers.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';
import { filesUnder } from './helpers.js';

const opened: Workspace[] = [];
afterAll(async () => {
  for (const ws of opened) await ws.close();
  cleanupTempDirs();
});

/** Forty posts over two months with tags and a footnote each: posts, lists, archives and feeds. */
function openSite(extra: Record<string, string> = {}): Workspace {
  const files: Record<string, string> = { ...extra };
  for (let i = 1; i <= 40; i++) {
    const day = String((i % 27) + 1).padStart(2, '0');
    const month = i % 2 === 0 ? '01' : '02';
    const at = `2026-${month}-${day}T${String(i % 24).padStart(2, '0')}:00:00Z`;
    files[`posts/2026/${month}/p${i}.md`] = samplePost(
      {
        id: `20000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        slug: `p${i}`,
        title: `Post number ${i} & more`,
        createdAt: at,
        updatedAt: at,
        publishedAt: at,
        tags: [`t${i % 3}`, ...(i % 5 === 0 ? ['five'] : [])],
      },
      `Paragraph of post ${i} with *emphasis* and a note.[^1]\n\n## A heading\n\n- one\n- two\n\n[^1]: The note of ${i}.\n`,
    );
  }
  const root = writeProject(files, { settings: { maxPostsPerPage: 4, publicUrl: 'https://example.org' } });
  const ws = Workspace.open(root, { home: tempDir('bds-home-') });
  opened.push(ws);
  return ws;
}

/** A site with its bodies rendered into a render cache not yet saved to `file`, which will hold them all. */
async function renderedSite() {
  const ws = openSite();
  const snapshot = ws.siteSource().snapshot();
  const model = buildSiteModel(snapshot);
  const cache = new PostBodyCache();
  const { bodies } = await renderBodies(model.entries, cache, {
    mode: 'site',
    snapshot,
    links: siteLinks(model, snapshot),
    resolver: null,
  });
  const file = path.join(ws.root, 'render-cache.sqlite');
  const stored = cache.siteBodiesInFileAfterSave(file, bodies);
  const { theme } = loadTheme('default', snapshot.paths.templates);
  /** A worker's request for this site, reading the stored bodies' HTML from `file`. */
  const request = (rest: Pick<PageWorkerRequest, 'jobs' | 'claim'> & Partial<PageWorkerRequest>) => ({
    outDir: path.join(ws.root, 'out'),
    settings: snapshot.settings,
    model,
    bodies,
    htmlStored: { file, entries: stored },
    templates: theme.templateSources(),
    ...rest,
  });
  return { ws, snapshot, model, cache, bodies, file, stored, request };
}

function readAll(dir: string): Map<string, string> {
  return new Map(filesUnder(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

describe.runIf(os.availableParallelism() > 1)('pages rendered on a worker thread', () => {
  it('give the same files as a build on one thread, and later builds stay incremental', async () => {
    const ws = openSite();
    const one = path.join(ws.root, 'one');
    const two = path.join(ws.root, 'two');
    const serial = await buildSite(ws, { resolver: null, outDir: one, pageWorkerThreshold: 0 });
    const parallel = await buildSite(ws, {
      resolver: null,
      outDir: two,
      force: true,
      pageWorkerThreshold: 1,
    });
    expect(parallel.pagesWritten).toBe(serial.pagesWritten);
    expect(serial.pagesWritten).toBeGreaterThan(80);
    expect(readAll(two)).toEqual(readAll(one));

    const again = await buildSite(ws, { resolver: null, outDir: two, pageWorkerThreshold: 1 });
    expect(again.pagesWritten).toBe(0);
    expect(again.pagesUnchanged).toBe(again.files);
  });

  it('render on the worker exactly the pages a build on one thread writes', async () => {
    const ws = openSite();
    const one = path.join(ws.root, 'one');
    await buildSite(ws, { resolver: null, outDir: one, pageWorkerThreshold: 0 });
    const snapshot = ws.siteSource().snapshot();
    const model = buildSiteModel(snapshot);
    const { bodies } = await renderBodies(model.entries, new PostBodyCache(), {
      mode: 'site',
      snapshot,
      links: siteLinks(model, snapshot),
      resolver: null,
    });
    const { theme } = loadTheme('default', snapshot.paths.templates);
    const jobs = model.pages.map((page, index) => ({ index, file: page.file, oldHash: null }));
    const out = path.join(ws.root, 'two');
    const done = await renderPagesOnWorker({
      outDir: out,
      settings: snapshot.settings,
      model,
      bodies,
      templates: theme.templateSources(),
      jobs,
      // Nothing is taken on this thread: every page is the worker's.
      claim: new PageClaims(undefined, jobs.length).buffer,
    }).result;
    expect(done.taken).toHaveLength(jobs.length);
    expect(done.written.every(Boolean)).toBe(true);
    const expected = readAll(one);
    for (const page of model.pages)
      expect(fs.readFileSync(path.join(out, page.file), 'utf8')).toBe(expected.get(page.file));
  });

  it('read the HTML of bodies from the render cache file once it is saved, and the request leaves it out', async () => {
    const { ws, model, cache, bodies, file, stored, request } = await renderedSite();
    expect(stored.size).toBe(model.entries.length);
    expect(fs.existsSync(file)).toBe(false);
    cache.save(file);
    const [first, second] = model.entries;
    // What the worker shows comes from the file: change one row there, remove another.
    const db = new Database(file);
    db.prepare('UPDATE body_html SET html = ? WHERE slot = ?').run(
      '<p>Read from the file.</p>',
      PostBodyCache.slot(first!.post.id, 'site'),
    );
    db.close();
    const pageOf = (entry: typeof first) =>
      model.pages.findIndex((p) => p.kind === 'post' && p.entry === entry);
    const saved = () => {
      const claims = new PageClaims(undefined, 1);
      claims.htmlSaved(true);
      return claims;
    };
    const render = (index: number, claims = saved()) =>
      renderPagesOnWorker(
        request({ jobs: [{ index, file: model.pages[index]!.file, oldHash: null }], claim: claims.buffer }),
      ).result;
    await render(pageOf(first));
    const shown = fs.readFileSync(path.join(ws.root, 'out', model.pages[pageOf(first)]!.file), 'utf8');
    expect(shown).toContain('<p>Read from the file.</p>');
    expect(shown).not.toContain(bodies.get(first!)!.html);

    const gone = new Database(file);
    gone.prepare('DELETE FROM body_html WHERE slot = ?').run(PostBodyCache.slot(second!.post.id, 'site'));
    gone.close();
    const error = await render(pageOf(second)).catch((e: unknown) => e);
    expect(isBdsError(error) && error.code).toBe('site-worker-failed');
    expect(isBdsError(error) && error.message).toContain(second!.post.path);

    // The worker reads nothing before the build says the file is saved, and fails when it could not be.
    const out = path.join(ws.root, 'out', model.pages[pageOf(first)]!.file);
    fs.rmSync(out);
    const waiting = new PageClaims(undefined, 1);
    const later = render(pageOf(first), waiting);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fs.existsSync(out)).toBe(false);
    waiting.htmlSaved(true);
    await later;
    expect(fs.readFileSync(out, 'utf8')).toContain('<p>Read from the file.</p>');
    const lost = new PageClaims(undefined, 1);
    lost.htmlSaved(false);
    const failed = await render(pageOf(first), lost).catch((e: unknown) => e);
    expect(isBdsError(failed) && failed.code).toBe('site-worker-failed');
    expect(isBdsError(failed) && failed.message).toContain('could not be saved');
  });

  it('the first writes the render cache itself before its pages and tells the others; a failed write fails them', async () => {
    const { ws, model, cache, bodies, file, request } = await renderedSite();
    const write = cache.takeSave()!;
    expect(write.bodies).toHaveLength(model.entries.length);
    // Taken: the cache has nothing more to save.
    expect(cache.takeSave()).toBeUndefined();
    const jobs = model.pages.map((page, index) => ({ index, file: page.file, oldHash: null }));
    const start = (claims: PageClaims, worker: number, cacheWrite?: { file: string; write: typeof write }) =>
      renderPagesOnWorker(
        request({ jobs, claim: claims.buffer, worker, ...(cacheWrite ? { cacheWrite } : {}) }),
      ).result;
    const claims = new PageClaims(undefined, jobs.length);
    // The second worker waits for the first one's write before it reads any HTML.
    const [second, first] = await Promise.all([start(claims, 1), start(claims, 0, { file, write })]);
    expect(first.taken.length + second.taken.length).toBe(jobs.length);
    expect(claims.htmlWasSaved()).toBe(true);
    const db = new Database(file, { readonly: true });
    const html = db.prepare('SELECT html FROM body_html WHERE slot = ?').pluck();
    for (const entry of model.entries) {
      expect(html.get(PostBodyCache.slot(entry.post.id, 'site'))).toBe(bodies.get(entry)!.html);
    }
    db.close();
    const post = model.pages.find((p) => p.kind === 'post')!;
    expect(fs.readFileSync(path.join(ws.root, 'out', post.file), 'utf8')).toContain(
      bodies.get(post.entry)!.html,
    );

    // A file that cannot be written (a folder stands in its place): both fail, neither waits forever.
    const blocked = path.join(ws.root, 'blocked.sqlite');
    fs.mkdirSync(blocked);
    const failing = new PageClaims(undefined, jobs.length);
    const results = await Promise.allSettled([
      start(failing, 1),
      start(failing, 0, { file: blocked, write }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    const waited = (results[0] as PromiseRejectedResult).reason as Error;
    expect(isBdsError(waited) && waited.message).toContain('could not be saved');
    expect(failing.htmlWasSaved()).toBe(false);
    // A build whose write did not reach the file gives the rows back: the next save writes them.
    cache.putBack(write);
    expect(cache.takeSave()!.bodies.map((b) => b.slot)).toEqual(write.bodies.map((b) => b.slot));
    // So does a save that failed here.
    cache.putBack(write);
    expect(() => cache.save(blocked)).toThrow();
    expect(cache.takeSave()!.bodies).toHaveLength(write.bodies.length);
    // Rows given to another thread are not in the file until it says so: another build sends their HTML.
    cache.putBack(write);
    const away = cache.takeSave(true)!;
    expect(cache.siteBodiesInFileAfterSave(file, bodies).size).toBe(0);
    cache.written(away);
    expect(cache.siteBodiesInFileAfterSave(file, bodies).size).toBe(model.entries.length);
  });

  it.runIf(fs.existsSync('/proc/self/task'))(
    'start while the bodies render, and those a build does not use end with it',
    async () => {
      const ws = openSite();
      const builder = new SiteBuilder(ws.siteSource());
      // This process's threads: a page worker is one more while it lives.
      const threads = () => fs.readdirSync('/proc/self/task').length;
      const settled = async (count: number) => {
        for (let i = 0; i < 200 && threads() > count; i++) await new Promise((r) => setTimeout(r, 10));
        return threads();
      };
      const out = path.join(ws.root, 'prestarted');
      const stop = new AbortController();
      let stopInPosts = false;
      let before = 0;
      let during = 0;
      const build = () => {
        before = threads();
        return builder.build({
          outDir: out,
          resolver: null,
          force: true,
          pageWorkerThreshold: 1,
          signal: stop.signal,
          onProgress: (p) => {
            if (p.phase !== 'posts') return;
            during = Math.max(during, threads());
            if (stopInPosts) stop.abort();
          },
        });
      };
      // A build on this thread alone first: whatever threads a build starts for good are there.
      await builder.build({ outDir: out, resolver: null, force: true, pageWorkerThreshold: 0 });
      const built = await build();
      expect(during).toBeGreaterThan(before);
      expect(readAll(out).size).toBe(built.files);
      expect(await settled(before)).toBeLessThanOrEqual(before);
      // A build stopped while its bodies render ends the workers it started for its pages.
      during = 0;
      stopInPosts = true;
      await expect(build()).rejects.toMatchObject({ name: 'AbortError' });
      expect(during).toBeGreaterThan(before);
      expect(await settled(before)).toBeLessThanOrEqual(before);
    },
  );

  it('report a template error raised on the worker with its template file and line', async () => {
    const ws = openSite({ 'templates/list.liquid': 'Before\n{% include "no-such-part" %}\n' });
    const snapshot = ws.siteSource().snapshot();
    const model = buildSiteModel(snapshot);
    const { theme } = loadTheme('default', snapshot.paths.templates);
    const jobs = model.pages.map((page, index) => ({ index, file: page.file, oldHash: null }));
    const error = await renderPagesOnWorker({
      outDir: path.join(ws.root, 'out'),
      settings: snapshot.settings,
      model,
      bodies: new Map(),
      templates: theme.templateSources(),
      jobs,
      claim: new PageClaims(undefined, jobs.length).buffer,
    }).result.catch((e: unknown) => e);
    expect(isBdsError(error) && error.code).toBe('template-error');
    expect(isBdsError(error) && error.file).toBe('templates/list.liquid');
    expect(isBdsError(error) && error.line).toBe(2);
  });
});

describe('page claims', () => {
  it('give every job once: workers from the front, the build from the back, never meeting', () => {
    const claims = new PageClaims(undefined, 7);
    const front: number[] = [];
    const back: number[] = [];
    for (let turn = 0; turn < 10; turn++) {
      const k = turn % 3 === 0 ? claims.nextFromBack() : claims.next();
      if (k !== undefined) (turn % 3 === 0 ? back : front).push(k);
    }
    expect(front).toEqual([0, 1, 2, 3]);
    expect(back).toEqual([6, 5, 4]);
    expect(claims.next()).toBeUndefined();
    expect(claims.nextFromBack()).toBeUndefined();
  });

  it('a worker sharing the buffer takes from the front what the build leaves', () => {
    const build = new PageClaims(undefined, 4);
    const worker = new PageClaims(build.buffer, 4);
    expect([build.nextFromBack(), worker.next(), build.nextFromBack(), worker.next()]).toEqual([3, 0, 2, 1]);
    expect(worker.next()).toBeUndefined();
  });
});
