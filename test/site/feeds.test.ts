// Feeds and sitemap checked with a real XML parser (xmllint): atom.xml against the RELAX NG grammar of
// RFC 4287 plus the RFC's two Schematron rules, rss.xml for the elements RSS 2.0 requires, and the
// sitemap against the HTML files the build wrote.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSite } from '../helpers/site.js';
import { Workspace } from '../../src/app/workspace.js';
import type { BuildSummary } from '../../src/site/index.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';
import { describeWith } from '../helpers/system.js';
import { filesUnder, read, SITE_FIXTURES } from './helpers.js';

const ATOM_RNG = path.join(SITE_FIXTURES, 'atom.rng');
const RFC822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|[+-]\d{4})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function xmllint(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('xmllint', args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The string value of an XPath expression (names by local-name(), so namespaces do not matter). */
function xpath(file: string, expr: string): string {
  const r = xmllint('--xpath', `string(${expr})`, file);
  // xmllint exits 10 when the expression selects nothing; that is an empty string here.
  if (r.status !== 0 && r.status !== 10) throw new Error(`xmllint ${expr}: ${r.stderr}`);
  // It prints the value and a newline.
  return r.stdout.replace(/\n$/, '');
}

function count(file: string, expr: string): number {
  return Number(xmllint('--xpath', `count(${expr})`, file).stdout);
}

const el = (...names: string[]) => names.map((n) => `*[local-name()='${n}']`).join('/');

interface Built {
  ws: Workspace;
  out: string;
  summary: BuildSummary;
}

const built: Built[] = [];

async function build(settings: Record<string, unknown>): Promise<Built> {
  const root = writeProject(
    {
      'posts/2026/02/tides.md': samplePost(
        {
          slug: 'tides',
          title: 'Tides & <currents>',
          author: 'Ben Quay',
          createdAt: '2026-02-01T08:00:00+01:00',
          updatedAt: '2026-02-03T09:30:00Z',
          publishedAt: '2026-02-01T08:00:00+01:00',
          tags: ['sea'],
        },
        'High water at **noon**. See [the pier](/post/pier) and ![a map](/images/map.png).\n',
      ),
      'posts/2026/01/pier.md': samplePost(
        {
          slug: 'pier',
          title: 'Pier',
          publishedAt: '2026-01-20T10:00:00Z',
          createdAt: '2026-01-20T10:00:00Z',
        },
        'Wooden, 300 m long. Ünïcödé ✓.\n',
      ),
      'posts/2026/01/about.md': samplePost({ slug: 'about', title: 'About', categories: ['page'] }),
    },
    { settings: { name: 'Tide tables', description: 'Notes on water', ...settings } },
  );
  const ws = Workspace.open(root, { home: tempDir('bds-home-') });
  const b = { ws, out: path.join(root, 'html'), summary: await buildSite(ws, { resolver: null }) };
  built.push(b);
  return b;
}

afterAll(async () => {
  for (const b of built) await b.ws.close();
  cleanupTempDirs();
});

/** `/a/b/` for `a/b/index.html`; every HTML page of the site except 404.html. */
function htmlRoutes(out: string): string[] {
  return filesUnder(out)
    .filter((f) => f.endsWith('index.html'))
    .map((f) => `/${f.slice(0, -'index.html'.length)}`)
    .sort();
}

describeWith(['xmllint'], 'feeds and sitemap (xmllint)', () => {
  let site: Built;
  let rss: string;
  let atom: string;
  let sitemap: string;

  beforeAll(async () => {
    site = await build({ publicUrl: 'https://tides.example.org/' });
    rss = path.join(site.out, 'rss.xml');
    atom = path.join(site.out, 'atom.xml');
    sitemap = path.join(site.out, 'sitemap.xml');
  }, 60_000);

  it('atom.xml is valid Atom 1.0 by the RELAX NG grammar of RFC 4287', () => {
    const r = xmllint('--noout', '--relaxng', ATOM_RNG, atom);
    expect(r.stderr).toContain('validates');
    expect(r.status).toBe(0);
  });

  it('the grammar rejects a feed without <updated>, so the check above can fail', () => {
    const broken = path.join(tempDir(), 'atom.xml');
    fs.writeFileSync(broken, fs.readFileSync(atom, 'utf8').replace(/<updated>[^<]*<\/updated>/, ''));
    expect(xmllint('--noout', '--relaxng', ATOM_RNG, broken).status).not.toBe(0);
  });

  it('atom.xml has the feed and entry elements, RFC 3339 dates and HTML content', () => {
    const feed = `/${el('feed')}`;
    expect(xpath(atom, `${feed}/${el('id')}`)).toBe(`urn:uuid:0b0e8f5e-6a43-4d2a-9a55-5d0c6a1f0001`);
    expect(xpath(atom, `${feed}/${el('title')}`)).toBe('Tide tables');
    expect(xpath(atom, `${feed}/${el('updated')}`)).toBe('2026-02-03T09:30:00Z');
    // RFC 4287 4.1.1: a feed without an author needs one in every entry.
    expect(xpath(atom, `${feed}/${el('author', 'name')}`)).toBe('Tide tables');
    expect(count(atom, `${feed}/${el('entry')}`)).toBe(2);
    for (const i of [1, 2]) {
      const entry = `${feed}/*[local-name()='entry'][${i}]`;
      expect(xpath(atom, `${entry}/${el('id')}`)).toMatch(/^urn:uuid:/);
      expect(xpath(atom, `${entry}/${el('title')}`)).not.toBe('');
      expect(xpath(atom, `${entry}/${el('updated')}`)).toMatch(RFC3339);
      expect(xpath(atom, `${entry}/${el('published')}`)).toMatch(RFC3339);
      expect(xpath(atom, `${entry}/*[local-name()='link'][@rel='alternate']/@href`)).toMatch(
        /^https:\/\/tides\.example\.org\/2026\/0[12]\/\d\d\/[a-z]+\/$/,
      );
      expect(xpath(atom, `${entry}/${el('content')}/@type`)).toBe('html');
    }
    const first = `${feed}/*[local-name()='entry'][1]`;
    expect(xpath(atom, `${first}/${el('title')}`)).toBe('Tides & <currents>');
    expect(xpath(atom, `${first}/${el('author', 'name')}`)).toBe('Ben Quay');
    // +01:00 in the file, UTC in the feed.
    expect(xpath(atom, `${first}/${el('published')}`)).toBe('2026-02-01T07:00:00Z');
    expect(xpath(atom, `${first}/${el('updated')}`)).toBe('2026-02-03T09:30:00Z');
    const content = xpath(atom, `${first}/${el('content')}`);
    expect(content).toContain('<p>High water at <strong>noon</strong>.');
    // Links inside the content carry the site's address: feed readers show them away from the site.
    expect(content).toContain('href="https://tides.example.org/2026/01/20/pier/"');
    expect(content).toContain('src="https://tides.example.org/images/map.png"');
  });

  it('rss.xml is well-formed RSS 2.0 with the channel and item elements, RFC 822 dates and HTML', () => {
    expect(xmllint('--noout', rss).status).toBe(0);
    expect(xpath(rss, '/rss/@version')).toBe('2.0');
    expect(xpath(rss, '/rss/channel/title')).toBe('Tide tables');
    expect(xpath(rss, '/rss/channel/link')).toBe('https://tides.example.org/');
    expect(xpath(rss, '/rss/channel/description')).toBe('Notes on water');
    expect(xpath(rss, '/rss/channel/lastBuildDate')).toMatch(RFC822);
    expect(count(rss, '/rss/channel/item')).toBe(2);
    for (const i of [1, 2]) {
      const item = `/rss/channel/item[${i}]`;
      for (const name of ['title', 'link', 'guid', 'pubDate', 'description']) {
        expect(count(rss, `${item}/${name}`), `${item}/${name}`).toBe(1);
      }
      expect(xpath(rss, `${item}/link`)).toMatch(/^https:\/\/tides\.example\.org\//);
      expect(xpath(rss, `${item}/guid`)).toBe(xpath(rss, `${item}/link`));
      expect(xpath(rss, `${item}/pubDate`)).toMatch(RFC822);
    }
    expect(xpath(rss, '/rss/channel/item[1]/title')).toBe('Tides & <currents>');
    expect(xpath(rss, '/rss/channel/item[1]/pubDate')).toBe('Sun, 01 Feb 2026 07:00:00 GMT');
    expect(xpath(rss, '/rss/channel/item[1]/description')).toContain(
      '<p>High water at <strong>noon</strong>.',
    );
    expect(xpath(rss, '/rss/channel/item[2]/description')).toContain('Ünïcödé ✓');
  });

  it('sitemap.xml lists every HTML page exactly once, with absolute URLs', () => {
    expect(xmllint('--noout', sitemap).status).toBe(0);
    const n = count(sitemap, `/${el('urlset', 'url')}`);
    const locs = Array.from({ length: n }, (_, i) =>
      xpath(sitemap, `/${el('urlset')}/*[local-name()='url'][${i + 1}]/${el('loc')}`),
    );
    expect(locs.every((l) => l.startsWith('https://tides.example.org/'))).toBe(true);
    const routes = locs.map((l) => l.slice('https://tides.example.org'.length));
    expect(new Set(routes).size).toBe(routes.length);
    expect([...routes].sort()).toEqual(htmlRoutes(site.out));
    expect(routes).toContain('/about/');
  });

  it('a site under a path (publicUrl https://host/blog) links its pages, assets and feeds under that path', async () => {
    const sub = await build({ publicUrl: 'https://tides.example.org/blog/' });
    const home = read(sub.out, 'index.html');
    expect(home).toContain('href="/blog/assets/bds-theme.css"');
    expect(home).toContain('href="/blog/2026/02/01/tides/"');
    expect(home).not.toMatch(/(?:href|src)="\/(?!blog\/|\/)/);
    const post = read(sub.out, '2026/02/01/tides/index.html');
    expect(post).toContain('href="/blog/2026/01/20/pier/"');
    expect(post).toContain('<link rel="canonical" href="https://tides.example.org/blog/2026/02/01/tides/">');
    expect(read(sub.out, '404.html')).toContain('href="/blog/"');
    const rssFile = path.join(sub.out, 'rss.xml');
    expect(xpath(rssFile, '/rss/channel/item[1]/link')).toBe(
      'https://tides.example.org/blog/2026/02/01/tides/',
    );
    const map = path.join(sub.out, 'sitemap.xml');
    expect(xpath(map, `/${el('urlset')}/*[local-name()='url'][1]/${el('loc')}`)).toMatch(
      /^https:\/\/tides\.example\.org\/blog\//,
    );
  }, 60_000);

  it('without publicUrl, the sitemap and feeds carry site-relative links, and the build says so', async () => {
    const bare = await build({});
    expect(bare.summary.warnings.map((w) => w.code)).toContain('site-no-public-url');
    const map = path.join(bare.out, 'sitemap.xml');
    const n = count(map, `/${el('urlset', 'url')}`);
    const locs = Array.from({ length: n }, (_, i) =>
      xpath(map, `/${el('urlset')}/*[local-name()='url'][${i + 1}]/${el('loc')}`),
    );
    expect([...locs].sort()).toEqual(htmlRoutes(bare.out));
    expect(xmllint('--noout', '--relaxng', ATOM_RNG, path.join(bare.out, 'atom.xml')).status).toBe(0);
    const rssFile = path.join(bare.out, 'rss.xml');
    expect(xpath(rssFile, '/rss/channel/item[1]/link')).toBe('/2026/02/01/tides/');
    expect(xpath(rssFile, '/rss/channel/item[1]/guid/@isPermaLink')).toBe('false');
  }, 60_000);
});
