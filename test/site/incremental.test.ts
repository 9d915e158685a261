// Incremental builds, scenario by scenario: a build writes a file only when its content changed, renders a
// post again only when it (or what it shows) changed, removes what is gone, survives an interrupted build,
// and follows user templates.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDefaults, buildSite } from '../helpers/site.js';
import { Workspace } from '../../src/app/workspace.js';
import type { PostStore } from '../../src/content/posts/post-store.js';
import { BUILD_MARKER_FILE, MANIFEST_FILE, RENDER_CACHE_FILE } from '../../src/site/build.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';
import { ageFiles, changedFiles, filesUnder, foldersUnder, mtimes, read } from './helpers.js';

const opened: Workspace[] = [];

/** The workspace's post store, whose reads some tests count. */
const postsOf = (ws: Workspace) => (ws as unknown as { posts: PostStore }).posts;

afterAll(async () => {
  for (const ws of opened) await ws.close();
  cleanupTempDirs();
});

const POSTS: [slug: string, date: string, tag: string][] = [
  ['p1', '2026-01-05', 'x'],
  ['p2', '2026-01-06', 'y'],
  ['p3', '2026-02-10', 'x'],
  ['p4', '2026-02-11', 'x'],
  ['p5', '2026-03-01', 'y'],
];

const postFile = (slug: string, date: string) => `posts/${date.slice(0, 4)}/${date.slice(5, 7)}/${slug}.md`;

function postText(slug: string, date: string, tag: string, over: Record<string, unknown> = {}, body = '') {
  const at = `${date}T10:00:00Z`;
  return samplePost(
    {
      id: `10000000-0000-4000-8000-0000000000${slug.slice(1).padStart(2, '0')}`,
      slug,
      title: `Title ${slug}`,
      createdAt: at,
      updatedAt: at,
      publishedAt: at,
      tags: [tag],
      ...over,
    },
    body || `Body of ${slug}.\n`,
  );
}

/** Five posts, two per page; home: p5 p4 | p3 p2 | p1. Feeds show the newest two (p5, p4). */
function makeSite(extra: Record<string, string> = {}, settings: Record<string, unknown> = {}) {
  const files: Record<string, string> = { ...extra };
  for (const [slug, date, tag] of POSTS) files[postFile(slug, date)] = postText(slug, date, tag);
  const root = writeProject(files, { settings: { maxPostsPerPage: 2, ...settings } });
  const ws = Workspace.open(root, { home: tempDir('bds-home-') });
  opened.push(ws);
  const out = path.join(root, 'html');
  return {
    ws,
    root,
    out,
    build: () => buildSite(ws, { resolver: null }),
    /** Rewrites a post file as an editor would, and tells the workspace. */
    edit(slug: string, over: Record<string, unknown>, body = '') {
      const [, date, tag] = POSTS.find((p) => p[0] === slug)!;
      const rel = postFile(slug, date);
      fs.writeFileSync(path.join(root, rel), postText(slug, date, tag, over, body));
      ws.applyExternalChange(rel);
    },
  };
}

// Every scenario runs twice: as a small site builds (from the whole site each time), and with a site plan
// kept however small the site (a new process then builds from the plan when it can): the files must agree.
describe.each([
  { name: 'incremental builds', planThreshold: undefined },
  { name: 'incremental builds from the site plan', planThreshold: 0 },
])('$name', ({ planThreshold }) => {
  beforeAll(() => {
    buildDefaults.planThreshold = planThreshold;
  });
  afterAll(() => {
    buildDefaults.planThreshold = undefined;
  });

  it('a second build writes nothing and renders nothing', async () => {
    const site = makeSite();
    const first = await site.build();
    expect(first.pagesWritten).toBe(first.files);
    expect(first.postsRendered).toBe(5);
    ageFiles(site.out);
    const before = mtimes(site.out);
    const second = await site.build();
    expect(second).toMatchObject({ pagesWritten: 0, pagesRemoved: 0, postsRendered: 0, postsCached: 5 });
    expect(second.pagesUnchanged).toBe(first.files);
    expect(changedFiles(before, mtimes(site.out))).toEqual([]);
  });

  it('a build with nothing changed since the last one looks at no page, in a new process too; anything a build reads makes the next one look again', async () => {
    const site = makeSite({ 'templates/list-tag.liquid': '<body>{{ page.title }}</body>\n' });
    const first = await site.build();
    expect(first.upToDate).toBe(false);
    const same = await site.build();
    expect(same).toMatchObject({ upToDate: true, pagesWritten: 0, postsRendered: 0, postsCached: 5 });
    expect(same.pagesUnchanged).toBe(first.files);
    // A new process (the CLI) finds the stamp the last build left.
    const ws2 = Workspace.open(site.root, { home: tempDir('bds-home-') });
    opened.push(ws2);
    const build2 = () => buildSite(ws2, { resolver: null });
    expect((await build2()).upToDate).toBe(true);
    // Strict or with Python, or elsewhere: another build.
    expect((await buildSite(ws2, { resolver: null, strict: true })).upToDate).toBe(false);
    expect((await build2()).upToDate).toBe(false);
    expect((await build2()).upToDate).toBe(true);

    const changes: [string, () => void | Promise<unknown>, (out: string) => void][] = [
      [
        'a post',
        () => {
          fs.writeFileSync(
            path.join(site.root, postFile('p2', '2026-01-06')),
            postText('p2', '2026-01-06', 'y', { title: 'Changed p2' }),
          );
          ws2.applyExternalChange(postFile('p2', '2026-01-06'));
        },
        (out) => expect(read(out, '2026/01/06/p2/index.html')).toContain('Changed p2'),
      ],
      [
        'a tag colour',
        () =>
          fs.writeFileSync(
            path.join(site.root, 'meta/tags.json'),
            JSON.stringify([{ name: 'x', color: '#123456' }]),
          ),
        () => {},
      ],
      [
        'a template',
        () =>
          fs.writeFileSync(
            path.join(site.root, 'templates/list-tag.liquid'),
            '<body>v2 {{ page.title }}</body>\n',
          ),
        (out) => expect(read(out, 'tag/x/index.html')).toContain('v2'),
      ],
      [
        'a setting',
        () => ws2.call('settings.set', { key: 'name', value: 'Renamed blog' }),
        (out) => expect(read(out, 'index.html')).toContain('Renamed blog'),
      ],
      [
        'a post deleted outside bds',
        () => {
          fs.rmSync(path.join(site.root, postFile('p1', '2026-01-05')));
          ws2.applyExternalChange(postFile('p1', '2026-01-05'));
        },
        (out) => expect(fs.existsSync(path.join(out, '2026/01/05/p1/index.html'))).toBe(false),
      ],
    ];
    for (const [what, change, check] of changes) {
      await change();
      const built = await build2();
      expect(built.upToDate, what).toBe(false);
      check(site.out);
      expect((await build2()).upToDate, what).toBe(true);
    }
    // An interrupted build (its marker left behind) or a removed site: everything is looked at again.
    fs.writeFileSync(path.join(site.root, '.bds', BUILD_MARKER_FILE), '1\n');
    expect((await build2()).upToDate).toBe(false);
    fs.rmSync(site.out, { recursive: true });
    const rebuilt = await build2();
    expect(rebuilt.upToDate).toBe(false);
    expect(rebuilt.pagesWritten).toBe(rebuilt.files);
  });

  it('editing one post body rewrites its page, the lists that show it and the feeds, nothing else', async () => {
    const site = makeSite();
    await site.build();
    ageFiles(site.out);
    const before = mtimes(site.out);
    site.edit('p4', {}, 'A new body for p4.\n');
    const summary = await site.build();
    expect(summary).toMatchObject({ postsRendered: 1, postsCached: 4 });
    const changed = changedFiles(before, mtimes(site.out));
    expect(changed).toEqual(
      [
        '2026/02/11/p4/index.html',
        'index.html',
        '2026/index.html',
        '2026/02/index.html',
        '2026/02/11/index.html',
        'category/article/index.html',
        'tag/x/index.html',
        'rss.xml',
        'atom.xml',
      ].sort(),
    );
    expect(summary.pagesWritten).toBe(changed.length);
    expect(read(site.out, 'index.html')).toContain('A new body for p4.');
    // Its neighbours show only its title and URL, which did not change.
    expect(changed).not.toContain('2026/02/10/p3/index.html');
    expect(changed).not.toContain('2026/03/01/p5/index.html');
  });

  it('renaming a post also rewrites its neighbours, whose links show its title', async () => {
    const site = makeSite();
    await site.build();
    ageFiles(site.out);
    const before = mtimes(site.out);
    site.edit('p2', { title: 'Renamed p2' });
    await site.build();
    const changed = changedFiles(before, mtimes(site.out));
    expect(changed).toEqual(
      [
        '2026/01/06/p2/index.html',
        '2026/01/05/p1/index.html',
        '2026/02/10/p3/index.html',
        'page/2/index.html',
        '2026/page/2/index.html',
        '2026/01/index.html',
        '2026/01/06/index.html',
        'category/article/page/2/index.html',
        'tag/y/index.html',
      ].sort(),
    );
    expect(read(site.out, '2026/02/10/p3/index.html')).toContain('<span>Older</span> Renamed p2');
  });

  it('deleting or unpublishing a post removes its files and the folders left empty', async () => {
    const site = makeSite();
    await site.build();
    expect(foldersUnder(site.out)).toEqual(expect.arrayContaining(['2026/01/05', 'page/3', '2026/01']));
    await site.ws.call('posts.delete', { ref: 'p1' });
    const afterDelete = await site.build();
    expect(filesUnder(site.out).filter((f) => f.includes('p1') || f.startsWith('2026/01/05/'))).toEqual([]);
    // p1 alone made the last page of several lists, and its day archive.
    for (const gone of ['page/3', '2026/page/3', 'category/article/page/3', 'tag/x/page/2']) {
      expect(foldersUnder(site.out)).not.toContain(gone);
    }
    expect(foldersUnder(site.out)).not.toContain('2026/01/05');
    // Its page, its day, and the third pages of home, 2026, category article; the second of tag x.
    expect(afterDelete.pagesRemoved).toBe(6);
    expect(read(site.out, 'sitemap.xml')).not.toContain('/p1/');

    await site.ws.call('posts.unpublish', { ref: 'p2' });
    const afterUnpublish = await site.build();
    // January has no post left: the month, the day and the post's folders are all gone.
    expect(foldersUnder(site.out).filter((d) => d.startsWith('2026/01'))).toEqual([]);
    expect(afterUnpublish.pagesRemoved).toBeGreaterThan(0);
    expect(read(site.out, 'rss.xml')).not.toContain('p2');
    expect(JSON.parse(read(site.out, 'calendar.json'))).toEqual({
      days: { '2026-02-10': 1, '2026-02-11': 1, '2026-03-01': 1 },
    });
  });

  it('a build interrupted half-way leaves its marker, and the next build writes every file again', async () => {
    // Enough posts that pages are written in several steps, so the build can stop between two of them.
    const extra: Record<string, string> = {};
    for (let i = 0; i < 120; i++) {
      const day = new Date(Date.UTC(2025, 0, 1) + i * 86_400_000).toISOString().slice(0, 10);
      extra[postFile(`bulk-${i}`, day)] = samplePost({
        id: `20000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        slug: `bulk-${i}`,
        title: `Bulk ${i}`,
        createdAt: `${day}T08:00:00Z`,
        updatedAt: `${day}T08:00:00Z`,
        publishedAt: `${day}T08:00:00Z`,
      });
    }
    const site = makeSite(extra);
    expect(await site.ws.call('project.problems', {})).toEqual([]);
    const first = await site.build();
    expect(first.files).toBeGreaterThan(400);
    const page = '2026/03/01/p5/index.html';
    const original = read(site.out, page);

    site.edit('p5', {}, 'An edit that is taken back.\n');
    const stop = new Error('stopped half-way');
    await expect(
      buildSite(site.ws, {
        resolver: null,
        onProgress: (p) => {
          // (After an edit of one post, the pages showing it are the last ones looked at.)
          if (p.phase === 'pages' && p.done >= 200) throw stop;
        },
      }),
    ).rejects.toBe(stop);
    const marker = path.join(site.root, '.bds', BUILD_MARKER_FILE);
    expect(fs.existsSync(marker)).toBe(true);
    // The newest post's page came first and was written before the stop.
    expect(read(site.out, page)).toContain('An edit that is taken back.');

    // Taking the edit back gives the content the last complete build recorded; only the marker tells the
    // next build that the file on disk is not that content.
    site.edit('p5', {});
    const next = await site.build();
    expect(next.pagesWritten).toBe(next.files);
    expect(read(site.out, page)).toBe(original);
    expect(fs.existsSync(marker)).toBe(false);
    expect((await site.build()).pagesWritten).toBe(0);
  }, 60_000);

  it('a post with [[tag_cloud]] renders again when another post changes its tags', async () => {
    const at = '2026-03-05T10:00:00Z';
    const site = makeSite({
      'meta/categories.json': JSON.stringify({
        article: { title: 'Article' },
        notes: { title: 'Notes', renderInLists: false },
      }),
      'posts/2026/03/cloud.md': samplePost(
        { id: '30000000-0000-4000-8000-000000000001', slug: 'cloud', createdAt: at, publishedAt: at },
        'All tags: [[tag_cloud]]\n',
      ),
      // An unlisted post: its tag has no tag page, so the cloud must not link to one.
      'posts/2026/03/note.md': samplePost(
        { id: '30000000-0000-4000-8000-000000000002', slug: 'note', tags: ['secret'], categories: ['notes'] },
        'A note.\n',
      ),
    });
    const cloudPage = '2026/03/05/cloud/index.html';
    await site.build();
    const links = () =>
      [...read(site.out, cloudPage).matchAll(/class="tag-cloud-tag[^"]*" href="([^"]+)"/g)].map((m) => m[1]);
    expect(links()).toEqual(['/tag/x/', '/tag/y/']);
    expect(filesUnder(site.out).filter((f) => f.startsWith('tag/secret'))).toEqual([]);
    site.edit('p1', { tags: ['x', 'z'] });
    const summary = await site.build();
    expect(summary.postsRendered).toBe(2);
    expect(links()).toEqual(['/tag/x/', '/tag/y/', '/tag/z/']);
    expect(fs.existsSync(path.join(site.out, 'tag/z/index.html'))).toBe(true);
  });

  it('a changed user template rewrites the pages that use it, and only those', async () => {
    const listTag = (mark: string) =>
      `{% include 'head' %}\n<body class="${mark}">\n{% for post in posts %}<a href="{{ post.url }}">{{ post.title | escape }}</a>\n{% endfor %}\n{% include 'pagination' %}\n</body>\n</html>\n`;
    const site = makeSite({ 'templates/list-tag.liquid': listTag('tags-v1') });
    await site.build();
    expect(read(site.out, 'tag/x/index.html')).toContain('<body class="tags-v1">');
    ageFiles(site.out);
    const before = mtimes(site.out);
    fs.writeFileSync(path.join(site.root, 'templates/list-tag.liquid'), listTag('tags-version-2'));
    const summary = await site.build();
    const changed = changedFiles(before, mtimes(site.out));
    expect(changed).toEqual(['tag/x/index.html', 'tag/x/page/2/index.html', 'tag/y/index.html']);
    expect(summary.pagesWritten).toBe(3);
    expect(summary.postsRendered).toBe(0);
    expect(read(site.out, 'tag/y/index.html')).toContain('<body class="tags-version-2">');
  });

  it('a new process takes list summaries from the render cache, and renders them again when the theme changes', async () => {
    const site = makeSite();
    await site.build();
    await site.ws.close();
    // Mark p3's cached summary, so a page built from the cache can be told from one rendered again.
    const db = new Database(path.join(site.root, '.bds', RENDER_CACHE_FILE));
    const id = '10000000-0000-4000-8000-000000000003';
    const changed = db
      .prepare("UPDATE summary_html SET html = '<p>from the cache</p>' WHERE post_id = ?")
      .run(id).changes;
    db.close();
    expect(changed).toBe(1);
    const again = Workspace.open(site.root, { home: tempDir('bds-home-') });
    opened.push(again);
    // p4's edit rewrites page 1 of the home list (p5 p4) and 2026/02/ (p4 p3): p3's summary comes from the cache.
    const rel = postFile('p4', '2026-02-11');
    fs.writeFileSync(path.join(site.root, rel), postText('p4', '2026-02-11', 'x', {}, 'Edited p4.\n'));
    again.applyExternalChange(rel);
    await buildSite(again, { resolver: null });
    expect(read(site.out, '2026/02/index.html')).toContain('<p>from the cache</p>');
    // A user template changes the theme: every summary is rendered again.
    fs.mkdirSync(path.join(site.root, 'templates'), { recursive: true });
    fs.writeFileSync(path.join(site.root, 'templates/footer.liquid'), '<footer>new footer</footer>\n');
    await buildSite(again, { resolver: null });
    expect(read(site.out, '2026/02/index.html')).not.toContain('<p>from the cache</p>');
    expect(read(site.out, '2026/02/index.html')).toContain('Title p3');
  });
  it('a new process reads only the Markdown it renders and the HTML its changed pages show', async () => {
    const site = makeSite();
    await site.build();
    await site.ws.close();
    const id = (n: number) => `10000000-0000-4000-8000-00000000000${n}`;
    const cache = path.join(site.root, '.bds', RENDER_CACHE_FILE);
    const dropHtml = (n: number) => {
      const db = new Database(cache);
      const gone = db.prepare('DELETE FROM body_html WHERE slot = ?').run(`site:${id(n)}`).changes;
      db.close();
      expect(gone).toBe(1);
    };
    // p1's page shows p1 (and p2's title): with its HTML gone from the cache, a build that reads it fails.
    dropHtml(1);
    const again = Workspace.open(site.root, { home: tempDir('bds-home-') });
    opened.push(again);
    const textsRead: string[] = [];
    let bulk = 0;
    const posts = postsOf(again);
    const text = posts.text.bind(posts);
    posts.text = (postId) => (textsRead.push(postId), text(postId));
    const texts = posts.texts.bind(posts);
    posts.texts = () => (bulk++, texts());
    // p4's edit: its page, its neighbours', the lists and feeds holding it; never p1's.
    const rel = postFile('p4', '2026-02-11');
    fs.writeFileSync(path.join(site.root, rel), postText('p4', '2026-02-11', 'x', {}, 'Edited p4.\n'));
    again.applyExternalChange(rel);
    const summary = await buildSite(again, { resolver: null });
    expect(summary).toMatchObject({ postsRendered: 1, postsCached: 4 });
    expect(textsRead).toEqual([id(4)]);
    expect(bulk).toBe(0);
    expect(read(site.out, '2026/02/11/p4/index.html')).toContain('Edited p4.');
    // The feeds show p5's body: with its HTML gone too, the next build says so instead of an empty post.
    dropHtml(5);
    const third = Workspace.open(site.root, { home: tempDir('bds-home-') });
    opened.push(third);
    fs.writeFileSync(path.join(site.root, rel), postText('p4', '2026-02-11', 'x', {}, 'Edited p4 again.\n'));
    third.applyExternalChange(rel);
    await expect(buildSite(third, { resolver: null })).rejects.toMatchObject({ code: 'site-cache-changed' });
    // Without the cache every body renders again.
    fs.rmSync(cache);
    const whole = await buildSite(third, { resolver: null, force: true });
    expect(whole).toMatchObject({ postsRendered: 5, postsCached: 0 });
    expect(read(site.out, 'rss.xml')).toContain('Body of p5.');
  });
  it('a build rendering many posts reads their Markdown from the index in one pass', async () => {
    const files: Record<string, string> = {};
    for (let n = 1; n <= 70; n++) {
      const date = `2025-03-${String((n % 28) + 1).padStart(2, '0')}`;
      files[postFile(`m${n}`, date)] = postText(`m${n}`, date, 'x', {}, `Body of m${n}.\n`);
    }
    const root = writeProject(files);
    const ws = Workspace.open(root, { home: tempDir('bds-home-') });
    opened.push(ws);
    let one = 0;
    let bulk = 0;
    const posts = postsOf(ws);
    const text = posts.text.bind(posts);
    posts.text = (postId) => (one++, text(postId));
    const texts = posts.texts.bind(posts);
    posts.texts = () => (bulk++, texts());
    const summary = await buildSite(ws, { resolver: null });
    expect(summary.postsRendered).toBe(70);
    expect({ one, bulk }).toEqual({ one: 0, bulk: 1 });
    expect(read(path.join(root, 'html'), '2025/03/08/m7/index.html')).toContain('Body of m7.');
  });
  it('a build that changed a few files appends them to the manifest, and a new process reads both', async () => {
    const site = makeSite();
    await site.build();
    const manifest = path.join(site.root, '.bds', MANIFEST_FILE);
    const changes = `${manifest}.changes`;
    const whole = fs.readFileSync(manifest, 'utf8');
    expect(fs.existsSync(changes)).toBe(false);
    site.edit('p4', {}, 'Edited p4.\n');
    const edited = await site.build();
    expect(fs.readFileSync(manifest, 'utf8')).toBe(whole);
    const lines = fs.readFileSync(changes, 'utf8').trim().split('\n');
    expect(lines.length).toBe(edited.pagesWritten);
    expect(lines.map((l) => (JSON.parse(l) as string[])[0])).toContain('2026/02/11/p4/index.html');
    // A post gone: its page's line says so.
    fs.rmSync(path.join(site.root, postFile('p1', '2026-01-05')));
    site.ws.applyExternalChange(postFile('p1', '2026-01-05'));
    const removed = await site.build();
    expect(removed.pagesRemoved).toBeGreaterThan(0);
    expect(fs.readFileSync(changes, 'utf8')).toContain('["2026/01/05/p1/index.html"]');
    await site.ws.close();
    // A new process reads the manifest and its changes: nothing to render, nothing to write.
    const again = Workspace.open(site.root, { home: tempDir('bds-home-') });
    opened.push(again);
    fs.rmSync(path.join(site.root, '.bds', 'site-stamp.json'));
    ageFiles(site.out);
    const before = mtimes(site.out);
    const next = await buildSite(again, { resolver: null });
    expect(next).toMatchObject({ pagesWritten: 0, pagesRemoved: 0, postsRendered: 0 });
    expect(changedFiles(before, mtimes(site.out))).toEqual([]);
    // A forced build writes the manifest whole again, and the changes go.
    await buildSite(again, { resolver: null, force: true });
    expect(fs.existsSync(changes)).toBe(false);
    expect(fs.readFileSync(manifest, 'utf8')).not.toBe(whole);
  });
  it('builds after edits in one process give the files a build from nothing gives', async () => {
    const site = makeSite();
    await site.build();
    const src = path.join(tempDir('bds-src-'), 'pier.png');
    await sharp({ create: { width: 60, height: 40, channels: 3, background: '#446688' } })
      .png()
      .toFile(src);
    /** Every file of the site, as a fresh workspace builds it into another folder. */
    const fresh = async () => {
      const ws = Workspace.open(site.root, { home: tempDir('bds-home-') });
      try {
        const out = tempDir('bds-fresh-');
        await buildSite(ws, { resolver: null, outDir: out, force: true });
        return out;
      } finally {
        await ws.close();
      }
    };
    const same = async (step: string) => {
      const out = await fresh();
      const ours = filesUnder(site.out);
      expect(ours, step).toEqual(filesUnder(out));
      for (const f of ours) expect(read(site.out, f), `${step}: ${f}`).toBe(read(out, f));
    };
    site.edit('p3', {}, 'A new text for p3.\n');
    expect((await site.build()).postsRendered).toBe(1);
    await same('text of p3');
    // Neighbours show a post's title.
    site.edit('p2', { title: 'A new title for p2' });
    await site.build();
    await same('title of p2');
    // A body showing the media library: an import changes it though its post did not change.
    site.edit('p5', {}, 'Photos:\n\n[[photo_archive]]\n');
    await site.build();
    await same('a photo archive');
    await site.ws.call('media.import', { files: [src] });
    const imported = await site.build();
    expect(imported.postsRendered).toBe(1);
    expect(read(site.out, '2026/03/01/p5/index.html')).toContain('/media/');
    await same('a picture imported');
    site.edit('p1', { title: 'First' }, 'And p1 too.\n');
    site.edit('p4', {}, 'And p4.\n');
    await site.build();
    await same('two posts');
  }, 60_000);
  it('the render cache lets go of a deleted post, and keeps the others', async () => {
    const site = makeSite();
    await site.build();
    const cache = path.join(site.root, '.bds', RENDER_CACHE_FILE);
    const slots = () => {
      const db = new Database(cache, { readonly: true });
      try {
        return (db.prepare('SELECT slot FROM body_meta ORDER BY slot').pluck().all() as string[]).map((s) =>
          s.slice(-2),
        );
      } finally {
        db.close();
      }
    };
    expect(slots()).toEqual(['01', '02', '03', '04', '05']);
    fs.rmSync(path.join(site.root, postFile('p2', '2026-01-06')));
    site.ws.applyExternalChange(postFile('p2', '2026-01-06'));
    await site.build();
    expect(slots()).toEqual(['01', '03', '04', '05']);
  });
});
