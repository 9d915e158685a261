// Builds from the site plan: a new process that finds a few posts changed in place renders only the pages
// showing them, reading neither the list of every post nor their Markdown, and leaves the files a build
// from nothing leaves; any other change (a post moved, added or removed, a page's title in the menu, a
// manifest written by someone else) makes it build from the whole site.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import type { PostStore } from '../../src/content/posts/post-store.js';
import { MANIFEST_FILE, RENDER_CACHE_FILE } from '../../src/site/build.js';
import { PLAN_FILE } from '../../src/site/plan.js';
import { cleanupTempDirs, postText, tempDir, writeProject } from '../helpers/project.js';
import { buildSite } from '../helpers/site.js';
import { filesUnder, read } from './helpers.js';

const opened: Workspace[] = [];
afterAll(async () => {
  for (const ws of opened) await ws.close();
  cleanupTempDirs();
});

interface Post {
  slug: string;
  date: string;
  tags: string[];
  categories: string[];
  title?: string;
  updatedAt?: string;
  status?: string;
  body?: string;
}

const POSTS: Post[] = [
  { slug: 'a1', date: '2026-01-05', tags: ['x'], categories: ['article'] },
  { slug: 'a2', date: '2026-01-06', tags: ['y'], categories: ['article'] },
  { slug: 'a3', date: '2026-02-10', tags: ['x', 'y'], categories: ['article'] },
  { slug: 'a4', date: '2026-02-11', tags: ['x'], categories: ['article'], body: 'See [[post a1]].\n' },
  { slug: 'a5', date: '2026-03-01', tags: ['y'], categories: ['article'], body: 'A [[mystery]] macro.\n' },
  { slug: 'a6', date: '2026-03-02', tags: [], categories: ['article'] },
  { slug: 'about', date: '2026-01-01', tags: [], categories: ['page'], title: 'About me' },
];

const file = (p: Post) => `posts/${p.date.slice(0, 4)}/${p.date.slice(5, 7)}/${p.slug}.md`;

function text(p: Post): string {
  const at = `${p.date}T10:00:00Z`;
  return postText(
    {
      id: `20000000-0000-4000-8000-${p.slug.padStart(12, '0')}`,
      slug: p.slug,
      title: p.title ?? `Title ${p.slug}`,
      status: p.status ?? 'published',
      createdAt: at,
      updatedAt: p.updatedAt ?? at,
      publishedAt: at,
      tags: p.tags,
      categories: p.categories,
    },
    p.body ?? `Body of ${p.slug}.\n`,
  );
}

/** A project of seven posts (two a page) built once; then, per step, a new process that builds again. */
function makeSite() {
  const files: Record<string, string> = {};
  for (const p of POSTS) files[file(p)] = text(p);
  const root = writeProject(files, { settings: { maxPostsPerPage: 2, publicUrl: 'https://example.org' } });
  const out = path.join(root, 'html');
  const open = () => {
    const ws = Workspace.open(root, { home: tempDir('bds-home-') });
    opened.push(ws);
    return ws;
  };
  /** Builds in a new process (a new workspace), counting the reads of every post. */
  const build = async () => {
    const ws = open();
    const posts = (ws as unknown as { posts: PostStore }).posts;
    let lists = 0;
    const siteList = posts.siteList.bind(posts);
    posts.siteList = () => (lists++, siteList());
    const summary = await buildSite(ws, { resolver: null, planThreshold: 0 });
    await ws.close();
    return { summary, fromPlan: lists === 0 };
  };
  const write = (p: Post) => fs.writeFileSync(path.join(root, file(p)), text(p));
  /** The site as a build from nothing makes it, file by file, equal to ours. */
  const same = async (step: string) => {
    // A copy of the project (its sources only), so the plan and caches here stay as they are.
    const copy = tempDir('bds-copy-');
    fs.cpSync(root, copy, {
      recursive: true,
      filter: (src) => !['.bds', 'html'].includes(path.relative(root, src).split(path.sep)[0]!),
    });
    const ws = Workspace.open(copy, { home: tempDir('bds-home-') });
    opened.push(ws);
    const fresh = path.join(copy, 'html');
    await buildSite(ws, { resolver: null });
    await ws.close();
    const ours = filesUnder(out);
    expect(ours, step).toEqual(filesUnder(fresh));
    for (const f of ours) expect(read(out, f), `${step}: ${f}`).toBe(read(fresh, f));
  };
  return { root, out, build, write, same };
}

const post = (slug: string, over: Partial<Post> = {}): Post => ({
  ...POSTS.find((p) => p.slug === slug)!,
  ...over,
});

describe('builds from the site plan', () => {
  it('a new process renders only the pages showing a post edited in place, and they match a build from nothing', async () => {
    const site = makeSite();
    const first = await site.build();
    expect(first.fromPlan).toBe(false);
    expect(fs.existsSync(path.join(site.root, '.bds', PLAN_FILE))).toBe(true);

    // The text of a3: its page, its neighbours' pages, the lists holding it (home page 2, 2026, 2026/02,
    // 2026/02/10, tags x and y, the article category's page 2).
    site.write(post('a3', { body: 'A new text for a3.\n' }));
    const edited = await site.build();
    expect(edited.fromPlan).toBe(true);
    expect(edited.summary).toMatchObject({ postsRendered: 1, posts: 7, pagesRemoved: 0 });
    expect(edited.summary.pagesWritten).toBeGreaterThan(3);
    expect(read(site.out, '2026/02/10/a3/index.html')).toContain('A new text for a3.');
    // The warnings of posts not looked at are still reported (a5's unknown macro).
    expect(edited.summary.warnings.map((w) => w.message).join('\n')).toContain('mystery');
    expect(edited.summary.macroCounters).toEqual(first.summary.macroCounters);
    expect(edited.summary.warnings).toEqual(first.summary.warnings);
    await site.same('text of a3');

    // Nothing changed since: the build's stamp says so.
    expect((await site.build()).summary.upToDate).toBe(true);

    // A title: the neighbours' pages show it. And a post of the feeds (a6).
    site.write(post('a2', { title: 'A new title for a2' }));
    site.write(post('a6', { body: 'The newest, again.\n' }));
    const titled = await site.build();
    expect(titled.fromPlan).toBe(true);
    expect(titled.summary.postsRendered).toBe(2);
    expect(read(site.out, '2026/01/05/a1/index.html')).toContain('A new title for a2');
    expect(read(site.out, 'rss.xml')).toContain('The newest, again.');
    await site.same('title of a2, text of a6');

    // The warning of a5 goes when its macro does.
    site.write(post('a5', { body: 'No macro now.\n' }));
    const fixed = await site.build();
    expect(fixed.fromPlan).toBe(true);
    expect(fixed.summary.warnings.map((w) => w.message).join('\n')).not.toContain('mystery');
    expect(fixed.summary.macroCounters.unknown).toBe(first.summary.macroCounters.unknown - 1);
    await site.same('macro of a5 gone');

    // A new draft changes nothing the site shows.
    site.write({ slug: 'd1', date: '2026-03-05', tags: ['z'], categories: ['article'], status: 'draft' });
    const drafted = await site.build();
    expect(drafted.fromPlan).toBe(true);
    expect(drafted.summary.pagesWritten).toBe(0);
    await site.same('a new draft');
  });

  it('a change that moves a post, or that every page shows, builds from the whole site', async () => {
    const site = makeSite();
    await site.build();
    const steps: [string, () => void][] = [
      ['a tag added', () => site.write(post('a1', { tags: ['x', 'z'] }))],
      ['a date changed', () => site.write(post('a6', { date: '2026-03-03' }))],
      [
        'an update date (the sitemap shows it)',
        () => site.write(post('a2', { updatedAt: '2026-04-01T00:00:00Z' })),
      ],
      ['a page title (the menu)', () => site.write(post('about', { title: 'About us' }))],
      [
        'a draft published',
        () => site.write({ slug: 'd2', date: '2026-03-06', tags: [], categories: ['article'] }),
      ],
      ['a post removed', () => fs.rmSync(path.join(site.root, file(post('a1'))))],
      [
        'a manifest written by another build',
        () => {
          site.write(post('a4', { body: 'Edited a4.\n' }));
          fs.appendFileSync(path.join(site.root, '.bds', `${MANIFEST_FILE}.changes`), '');
          fs.utimesSync(path.join(site.root, '.bds', MANIFEST_FILE), new Date(), new Date(2000, 1, 1));
        },
      ],
    ];
    for (const [step, change] of steps) {
      if (step === 'a date changed') fs.rmSync(path.join(site.root, file(post('a6'))));
      change();
      const built = await site.build();
      expect(built.fromPlan, step).toBe(false);
      await site.same(step);
      // The build left a plan the next edit builds from.
      site.write(post('a3', { body: `After: ${step}.\n` }));
      const next = await site.build();
      expect(next.fromPlan, `after ${step}`).toBe(true);
      await site.same(`after ${step}`);
    }
  });

  it('a running app builds what another process changed in the index, before its own watcher says so', async () => {
    const site = makeSite();
    const app = Workspace.open(site.root, { home: tempDir('bds-home-') });
    opened.push(app);
    // Without a plan, from the app's own list of posts.
    await buildSite(app, { resolver: null, planThreshold: Infinity });
    // The CLI (another process) indexes an edit; the app hears nothing of it.
    site.write(post('a3', { title: 'Retitled elsewhere' }));
    await Workspace.open(site.root, { home: tempDir('bds-home-') }).close();
    const built = await buildSite(app, { resolver: null, planThreshold: Infinity });
    expect(built.postsRendered).toBe(1);
    expect(read(site.out, '2026/02/10/a3/index.html')).toContain('Retitled elsewhere');
    await site.same('an edit indexed by another process');
    // With a plan: the app keeps it up to date as it builds, and it serves the next process.
    await buildSite(app, { resolver: null, planThreshold: 0 });
    site.write(post('a2', { body: 'Edited a2.\n' }));
    await Workspace.open(site.root, { home: tempDir('bds-home-') }).close();
    expect((await buildSite(app, { resolver: null, planThreshold: 0 })).postsRendered).toBe(1);
    site.write(post('a4', { body: 'Edited a4 once more.\n' }));
    const next = await site.build();
    expect(next.fromPlan).toBe(true);
    await site.same('an edit after the app built');
  });

  it('a failed macro keeps failing at every build, as a build from the whole site says', async () => {
    const site = makeSite();
    await site.build();
    site.write(post('a3', { body: 'A video: [[vimeo]]\n' }));
    const failed = await site.build();
    expect(failed.fromPlan).toBe(true);
    expect(failed.summary.failures).toHaveLength(1);
    expect(fs.existsSync(path.join(site.root, '.bds', PLAN_FILE))).toBe(false);
    const again = await site.build();
    expect(again.summary.upToDate).toBe(false);
    expect(again.summary.failures).toHaveLength(1);
    expect(again.summary.macroCounters.failed).toBe(1);
    site.write(post('a3', { body: 'A video: [[vimeo id=76979871]]\n' }));
    const fixed = await site.build();
    expect(fixed.summary.failures).toEqual([]);
    await site.same('a macro fixed');
    site.write(post('a4', { body: 'And a4.\n' }));
    expect((await site.build()).fromPlan).toBe(true);
  });

  it('a damaged plan, or a post of the pages missing from the render cache, builds from the whole site', async () => {
    const site = makeSite();
    await site.build();
    const plan = path.join(site.root, '.bds', PLAN_FILE);
    // A plan a dead process was writing is removed by the next one written.
    const leftover = `${plan}.new-99999999-dead`;
    fs.writeFileSync(leftover, 'half a plan');

    // a3's pages show a2 and a4 too: a4's body gone from the cache.
    const cache = new Database(path.join(site.root, '.bds', RENDER_CACHE_FILE));
    cache.prepare('DELETE FROM body_meta WHERE slot = ?').run('site:20000000-0000-4000-8000-0000000000a4');
    cache.close();
    site.write(post('a3', { body: 'Edited a3.\n' }));
    const uncached = await site.build();
    expect(uncached.fromPlan).toBe(false);
    await site.same('a body missing from the cache');
    expect(fs.existsSync(leftover)).toBe(false);

    // A page the plan should hold is gone from it.
    const db = new Database(plan);
    const pages = db.prepare('SELECT count(*) FROM plan_pages').pluck().get() as number;
    const gone = db.prepare('DELETE FROM plan_pages WHERE record LIKE ?').run('%"url":"/2026/02/10/a3/"%');
    expect(gone.changes).toBe(1);
    db.close();
    site.write(post('a3', { body: 'Edited a3 again.\n' }));
    const damaged = await site.build();
    expect(damaged.fromPlan).toBe(false);
    await site.same('a page missing from the plan');
    const again = new Database(plan);
    expect(again.prepare('SELECT count(*) FROM plan_pages').pluck().get()).toBe(pages);
    again.close();
  });

  it('a site below the threshold keeps no plan', async () => {
    const site = makeSite();
    const ws = Workspace.open(site.root, { home: tempDir('bds-home-') });
    opened.push(ws);
    await buildSite(ws, { resolver: null, planThreshold: 8 });
    expect(fs.existsSync(path.join(site.root, '.bds', PLAN_FILE))).toBe(false);
    await buildSite(ws, { resolver: null, planThreshold: 7, force: true });
    expect(fs.existsSync(path.join(site.root, '.bds', PLAN_FILE))).toBe(true);
  });
});
