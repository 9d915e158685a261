// Routes of the built site: home, archives, tags and categories paginated by maxPostsPerPage, pages at
// /slug/, drafts and archived posts nowhere, 404.html, calendar.json, media and thumbnails copied.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../helpers/site.js';
import { Workspace } from '../../src/app/workspace.js';
import type { BuildSummary } from '../../src/site/index.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';
import { filesUnder, read } from './helpers.js';

const post = (slug: string, at: string, tags: string[], extra: Record<string, unknown> = {}, body = '') =>
  samplePost(
    { slug, title: `Title ${slug}`, createdAt: at, updatedAt: at, publishedAt: at, tags, ...extra },
    body || `Body of ${slug}.\n`,
  );

let ws: Workspace;
let out: string;
let summary: BuildSummary;
let mediaId: string;

beforeAll(async () => {
  const root = writeProject(
    {
      'posts/2026/03/a.md': post(
        'a',
        '2026-03-10T10:00:00Z',
        ['sea'],
        {},
        'See ![it](media/2026/03/pier.png).\n',
      ),
      'posts/2026/03/b.md': post('b', '2026-03-10T11:00:00Z', ['sea']),
      'posts/2026/03/c.md': post('c', '2026-03-10T12:00:00Z', ['sea']),
      'posts/2026/02/d.md': post('d', '2026-02-05T08:00:00Z', ['sea', 'land']),
      'posts/2025/12/e.md': post('e', '2025-12-24T18:00:00Z', ['land']),
      'posts/2026/01/about.md': post('about', '2026-01-01T00:00:00Z', [], { categories: ['page'] }),
      'posts/2026/03/secret-draft.md': post('secret-draft', '2026-03-11T09:00:00Z', ['sea', 'drafty'], {
        status: 'draft',
      }),
      'posts/2026/03/old-archived.md': post('old-archived', '2026-03-09T09:00:00Z', ['gone'], {
        status: 'archived',
      }),
    },
    { settings: { maxPostsPerPage: 2 } },
  );
  ws = Workspace.open(root, { home: tempDir('bds-home-'), now: () => new Date('2026-03-10T09:00:00Z') });
  const src = path.join(tempDir('bds-src-'), 'pier.png');
  await sharp({ create: { width: 900, height: 600, channels: 3, background: '#446688' } })
    .png()
    .toFile(src);
  const [imported] = await (await ws.call('media.import', { files: [src], ...{ title: 'Pier' } })).results;
  mediaId = imported!.record!.id;
  out = path.join(root, 'html');
  summary = await buildSite(ws, { resolver: null });
}, 60_000);

afterAll(async () => {
  await ws.close();
  cleanupTempDirs();
});

/** Slugs of the posts a list page shows, in order. */
function postsOn(file: string): string[] {
  return [...read(out, file).matchAll(/<article class="bds-summary[^"]*" id="post-([^"]+)"/g)].map(
    (m) => m[1]!,
  );
}

describe('site routes', () => {
  it('writes every route as a folder with index.html, lists paginated by maxPostsPerPage', () => {
    const html = filesUnder(out).filter((f) => f.endsWith('.html'));
    expect(html).toEqual(
      [
        '404.html',
        'index.html',
        'page/2/index.html',
        'page/3/index.html',
        'about/index.html',
        '2026/03/10/a/index.html',
        '2026/03/10/b/index.html',
        '2026/03/10/c/index.html',
        '2026/02/05/d/index.html',
        '2025/12/24/e/index.html',
        '2026/index.html',
        '2026/page/2/index.html',
        '2025/index.html',
        '2026/03/index.html',
        '2026/03/page/2/index.html',
        '2026/02/index.html',
        '2025/12/index.html',
        '2026/03/10/index.html',
        '2026/03/10/page/2/index.html',
        '2026/02/05/index.html',
        '2025/12/24/index.html',
        'category/article/index.html',
        'category/article/page/2/index.html',
        'category/article/page/3/index.html',
        'tag/sea/index.html',
        'tag/sea/page/2/index.html',
        'tag/land/index.html',
      ].sort(),
    );
    expect(summary.posts).toBe(6);
  });

  it('puts the newest posts first and splits lists into pages that link to each other', () => {
    expect(postsOn('index.html')).toEqual(['c', 'b']);
    expect(postsOn('page/2/index.html')).toEqual(['a', 'd']);
    expect(postsOn('page/3/index.html')).toEqual(['e']);
    expect(postsOn('2026/03/10/page/2/index.html')).toEqual(['a']);
    expect(postsOn('tag/sea/page/2/index.html')).toEqual(['a', 'd']);
    expect(postsOn('tag/land/index.html')).toEqual(['d', 'e']);
    expect(postsOn('2025/index.html')).toEqual(['e']);
    const middle = read(out, 'page/2/index.html');
    expect(middle).toContain('rel="prev" href="/"');
    expect(middle).toContain('rel="next" href="/page/3/"');
    expect(middle).toContain('Page 2 of 3');
    expect(read(out, 'tag/sea/index.html')).toContain('rel="next" href="/tag/sea/page/2/"');
  });

  it('shows a page at /slug/ in the menu and in no list', () => {
    expect(read(out, 'about/index.html')).toContain('<h1 class="bds-post-title p-name">Title about</h1>');
    for (const f of filesUnder(out).filter((f) => f.endsWith('.html'))) {
      expect(read(out, f), f).toContain('<li><a href="/about/"');
      expect(postsOn(f), f).not.toContain('about');
    }
  });

  it('leaves drafts and archived posts out of every file', async () => {
    expect(await ws.call('project.problems', {})).toEqual([]);
    const statuses = Object.fromEntries((await ws.call('posts.list', {})).map((p) => [p.slug, p.status]));
    expect(statuses).toMatchObject({ 'secret-draft': 'draft', 'old-archived': 'archived' });
    for (const f of filesUnder(out).filter((f) => /\.(html|xml|json)$/.test(f))) {
      const text = read(out, f);
      for (const hidden of ['secret-draft', 'old-archived', 'drafty', '/tag/gone/']) {
        expect(text, `${f} mentions ${hidden}`).not.toContain(hidden);
      }
    }
  });

  it('writes 404.html and calendar.json with the listed posts per day', () => {
    expect(read(out, '404.html')).toContain('Page not found');
    expect(JSON.parse(read(out, 'calendar.json'))).toEqual({
      days: { '2025-12-24': 1, '2026-02-05': 1, '2026-03-10': 3 },
    });
  });

  it('copies imported media and their thumbnails, never the sidecars', () => {
    const media = filesUnder(path.join(out, 'media'));
    expect(media).toEqual([`2026/03/${mediaId}.png`]);
    expect(filesUnder(path.join(out, 'thumbnails'))).toEqual(
      [150, 400, 800].map((w) => `2026/03/${mediaId}-${w}.webp`),
    );
    expect(
      fs
        .readFileSync(path.join(out, 'media', media[0]!))
        .equals(fs.readFileSync(path.join(ws.root, 'media', media[0]!))),
    ).toBe(true);
    expect(summary.media).toEqual({ copied: 1, unchanged: 0, removed: 0 });
    expect(summary.thumbnails).toEqual({ copied: 3, unchanged: 0, removed: 0 });
    // The post's link to the original file name points at the stored file.
    expect(read(out, '2026/03/10/a/index.html')).toContain(
      `<img src="/media/2026/03/${mediaId}.png" alt="it">`,
    );
  });
});
