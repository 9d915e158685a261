// Acceptance: the built site and the preview show the same HTML for the same post. A real project on disk
// (the welcome project a new user gets, with its Python macro scripts/greeting.py run by real Pyodide,
// plus posts written as files), a real SQLite index, a real build into html/ and the preview server on a
// free port. The preview may add only what it documents: the live-reload script and the framing parent's
// draft script before `</body>`, and on a draft the draft banner and the `is-draft` class. Everything
// else must be byte-identical. (The preview serves at the host's root, so a publicUrl with a path, whose
// prefix the build writes into links, is a documented difference this test stays clear of.) The greeting
// names today's weekday: a run across midnight could see two days.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { createDefaultProject } from '../../src/cli/welcome.js';
import { draftScript, RELOAD_SCRIPT } from '../../src/site/preview/reload.js';
import type { PreviewServer } from '../../src/site/index.js';
import { postRoute } from '../../src/site/routes.js';
import { samplePost, tempDir } from '../helpers/project.js';
import { buildSite, startPreviewServer } from '../helpers/site.js';
import { rawRequest, routeOfFile, siteFiles } from './fixture.js';

/** The app's origin, allowed to frame the preview: the preview then adds the draft script too. */
const APP_ORIGIN = 'http://127.0.0.1:4567';
/** Exactly what the preview puts before the last `</body>` of a page. */
const PREVIEW_ADDITION = `${RELOAD_SCRIPT}\n${draftScript([APP_ORIGIN])}\n`;
/** The workspace's clock: a new draft and its publication get the same date, as in one sitting. */
const NOW = new Date('2026-02-01T12:00:00.000Z');

let root: string;
let ws: Workspace;
let server: PreviewServer;
let htmlDir: string;
let imagePath: string;

/** The preview's page with its documented additions taken out; fails unless they are there, once, in place. */
function withoutPreviewAdditions(html: string, route: string): string {
  const end = html.toLowerCase().lastIndexOf('</body>');
  expect(end, `${route}: </body>`).toBeGreaterThan(0);
  const before = html.slice(0, end);
  expect(before.endsWith(PREVIEW_ADDITION), `${route}: reload and draft scripts before </body>`).toBe(true);
  const stripped = before.slice(0, -PREVIEW_ADDITION.length) + html.slice(end);
  expect(stripped, `${route}: the scripts are added once`).not.toContain('EventSource(');
  return stripped;
}

/** A draft page without the banner block and the `is-draft` body class (both only for drafts). */
function withoutDraftMarks(html: string): string {
  // The theme's `{%- if post.is_draft %}\n  {% include 'draft-banner' %}\n  {%- endif %}`: the banner file
  // ends with a newline.
  const banner = /\n {2}<div class="bds-draft-banner" role="status">[^]*?<\/div>\n/g;
  expect(html.match(banner), 'one draft banner').toHaveLength(1);
  expect(html.match(/<body class="bds-page-post is-draft">/g), 'the is-draft body class').toHaveLength(1);
  return html
    .replace(banner, '')
    .replace('<body class="bds-page-post is-draft">', '<body class="bds-page-post">');
}

async function preview(route: string): Promise<string> {
  const res = await rawRequest(server.port, route);
  expect({ route, status: res.status, type: res.headers['content-type'] }).toEqual({
    route,
    status: 200,
    type: 'text/html; charset=utf-8',
  });
  return res.text;
}

function built(route: string): string {
  const rel = route === '/' ? 'index.html' : `${decodeURIComponent(route.slice(1))}index.html`;
  return fs.readFileSync(path.join(htmlDir, rel), 'utf8');
}

async function buildClean(): Promise<void> {
  const summary = await buildSite(ws);
  expect(summary.failures).toEqual([]);
  expect(summary.warnings).toEqual([]);
}

/** The preview's page and the built file, the preview's additions taken out. */
async function bothAt(route: string): Promise<{ preview: string; built: string }> {
  return { preview: withoutPreviewAdditions(await preview(route), route), built: built(route) };
}

async function urlOf(slug: string): Promise<string> {
  const p = await ws.call('posts.get', { ref: slug });
  return postRoute(p.dateKey, p.slug);
}

beforeAll(async () => {
  const home = tempDir('bds-home-');
  root = path.join(tempDir(), 'my-blog');
  await createDefaultProject(root, home);
  // A site at a host's root, as most are; set in bds.json by hand.
  const settingsFile = path.join(root, 'bds.json');
  const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(
    settingsFile,
    JSON.stringify({ ...settings, publicUrl: 'https://blog.example.org', description: 'Same in both' }),
  );
  fs.mkdirSync(path.join(root, 'posts/2026/01'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'posts/2026/01/second-post.md'),
    samplePost(
      {
        slug: 'second-post',
        title: 'Second post',
        tags: ['Long Walks'],
        createdAt: '2026-01-12T08:00:00Z',
        publishedAt: '2026-01-12T08:00:00Z',
      },
      'A walk by the river, ~~quickly~~ slowly. Back to [the tour](/posts/markdown-tour/).\n\nNot a macro: \\[[youtube id="x"]]\n',
    ),
  );
  fs.writeFileSync(
    path.join(root, 'posts/2026/01/about.md'),
    samplePost({ slug: 'about', title: 'About', categories: ['page'] }, 'About this blog & its author.\n'),
  );
  ws = Workspace.open(root, { home, python: { size: 1 }, now: () => NOW });
  await ws.python().start();

  const png = path.join(tempDir(), 'square.png');
  await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2b6f9e' } })
    .png()
    .toFile(png);
  const [imported] = (await ws.call('media.import', { files: [png], alt: 'A blue square' })).results;
  if (!imported?.record) throw new Error(`import failed: ${JSON.stringify(imported)}`);
  imagePath = (await ws.call('media.get', { id: imported.record.id })).path;
  expect(imagePath).toMatch(/^media\/\d{4}\/\d{2}\/.+\.png$/);

  // Written after the import, as a user who links a picture they just added.
  const tour = 'posts/2026/01/markdown-tour.md';
  fs.writeFileSync(
    path.join(root, tour),
    samplePost(
      {
        slug: 'markdown-tour',
        title: 'A Markdown tour',
        tags: ['Markdown', 'Long Walks'],
        categories: ['article', 'notes'],
        author: 'Ada',
        createdAt: '2026-01-10T09:30:00Z',
        publishedAt: '2026-01-10T09:30:00Z',
      },
      [
        '[[greeting name="reader"]]',
        '',
        '## Headings and text',
        '',
        'Some *emphasis*, **strength**, `inline <code>` and a [link to the second post](/posts/second-post/).',
        '',
        '### Code',
        '',
        '```python',
        'def f(x):',
        '    return x < 3 and "<b>"',
        '```',
        '',
        '| fruit | count |',
        '|:------|------:|',
        '| apple | 3 |',
        '| pear & fig | 10 |',
        '',
        '<div class="aside" data-x="1">Raw <em>HTML</em> block</div>',
        '',
        `A picture: ![A blue square](${imagePath}) and inline <kbd>Ctrl</kbd>.`,
        '',
        '[[youtube id="dQw4w9WgXcQ" title="A film"]]',
        '',
        '> A quote.',
        '',
        '1. one',
        '2. two',
        '',
      ].join('\n'),
    ),
  );
  ws.applyExternalChange(tour);

  htmlDir = path.join(root, 'html');
  server = await startPreviewServer(ws, { port: 0, frameAncestors: [APP_ORIGIN] });
  await server.watching;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await ws?.close();
});

describe('the built site and the preview show the same HTML', () => {
  it('for each published post and page, the home page, a tag page and a category page', async () => {
    await buildClean();
    const tour = await urlOf('markdown-tour');
    const welcome = await urlOf('welcome-to-bds');
    const second = await urlOf('second-post');
    expect(tour).toBe('/2026/01/10/markdown-tour/');
    expect(second).toBe('/2026/01/12/second-post/');

    // What each page must show, so an empty or broken page on both sides cannot pass.
    const expected: Record<string, string[]> = {
      [tour]: [
        '<h1 class="bds-post-title p-name">A Markdown tour</h1>',
        '<p class="greeting">Hello, reader! This line was written by Python (scripts/greeting.py) for “A Markdown tour”',
        '<h2 id="headings-and-text">Headings and text</h2>',
        '<h3 id="code">Code</h3>',
        '<code>inline &lt;code&gt;</code>',
        `<a href="${second}">link to the second post</a>`,
        '<pre data-code-language="python"><code class="language-python">def f(x):\n    return x &lt; 3 and &quot;&lt;b&gt;&quot;\n</code></pre>',
        '<th style="text-align:left">fruit</th>',
        '<td style="text-align:right">10</td>',
        '<td style="text-align:left">pear &amp; fig</td>',
        '<div class="aside" data-x="1">Raw <em>HTML</em> block</div>',
        '<kbd>Ctrl</kbd>',
        `src="/${imagePath}" alt="A blue square"`,
        'data-bds-embed="youtube"',
        'dQw4w9WgXcQ',
        '<blockquote>',
        'href="/tag/Markdown/">#Markdown</a>',
        'href="/tag/Long%20Walks/">#Long Walks</a>',
        'href="/category/notes/"',
        '<span class="p-author">Ada</span>',
      ],
      [second]: [
        '<s>quickly</s> slowly',
        `<a href="${tour}">the tour</a>`,
        'Not a macro: [[youtube id=&quot;x&quot;]]',
      ],
      [welcome]: ['<p class="greeting">Hello, writer!', 'Welcome to <strong>bds</strong>'],
      '/about/': ['About this blog &amp; its author.'],
      '/': ['A Markdown tour', 'Second post', 'Welcome to bds', 'href="/about/"'],
      '/tag/Long%20Walks/': ['A Markdown tour', 'Second post'],
      '/category/notes/': ['A Markdown tour'],
    };
    for (const [route, snippets] of Object.entries(expected)) {
      const page = await bothAt(route);
      expect(page.built.length, route).toBeGreaterThan(1000);
      for (const s of snippets) expect(page.built, `${route} shows ${s}`).toContain(s);
      expect(page.preview, route).toBe(page.built);
    }
    // Only the built page's own text is in it: no preview marks, no macro error boxes.
    const tourHtml = built(tour);
    for (const trace of ['bds-macro-error', 'bds-draft', 'EventSource', '/_bds/']) {
      expect(tourHtml, trace).not.toContain(trace);
    }
    expect(built('/tag/Long%20Walks/')).not.toContain('Welcome to bds');

    // And every other page of the site the same way (dates, pagination, 404).
    const pages = siteFiles(htmlDir).filter((f) => f.endsWith('.html') && f !== '404.html');
    expect(pages.length).toBeGreaterThan(10);
    for (const file of pages) {
      const route = routeOfFile(file);
      expect(withoutPreviewAdditions(await preview(route), route), route).toBe(
        fs.readFileSync(path.join(htmlDir, file), 'utf8'),
      );
    }
  });

  it('a new draft at /_draft/ID/ is, but for its draft marks, what the build shows once it is published', async () => {
    // A draft made in bds, never published; its date is the workspace clock's, as its publication's will be.
    const draft = await ws.call('posts.create', {
      title: 'Fresh thoughts',
      body: 'Thinking in **public** soon. See [the tour](/posts/markdown-tour/).\n\n[[greeting name="draft"]]\n',
      tags: ['Markdown', 'new-tag'],
      categories: ['article'],
    });
    expect(draft.status).toBe('draft');
    const draftPreview = withoutPreviewAdditions(await preview(`/_draft/${draft.id}/`), 'draft');
    expect(draftPreview).toContain('This post is not published');

    await ws.call('posts.publish', { ref: draft.id });
    await buildClean();
    const url = await urlOf('fresh-thoughts');
    expect(url).toBe('/2026/02/01/fresh-thoughts/');
    const published = built(url);
    for (const s of [
      'Thinking in <strong>public</strong> soon.',
      `<a href="${await urlOf('markdown-tour')}">the tour</a>`,
      '<p class="greeting">Hello, draft!',
      'href="/tag/new-tag/">#new-tag</a>',
    ]) {
      expect(published, s).toContain(s);
    }
    expect(withoutDraftMarks(draftPreview)).toBe(published);
    // Published now: its own page in the preview, the home page and its tag page match the build.
    for (const route of [url, '/', '/tag/Markdown/', '/tag/new-tag/']) {
      const page = await bothAt(route);
      expect(page.preview, route).toBe(page.built);
    }
  });

  it('pending edits of a published post at /_draft/ID/ are, but for the draft marks, what the build shows once published', async () => {
    const second = await ws.call('posts.get', { ref: 'second-post' });
    await ws.call('posts.update', {
      ref: 'second-post',
      title: 'Second post, revised',
      body: 'A longer walk, with a [link home](/posts/welcome-to-bds/).\n',
      tags: ['Long Walks', 'rivers'],
    });
    expect(fs.existsSync(path.join(root, 'drafts', `${second.id}.md`))).toBe(true);
    const pendingPreview = withoutPreviewAdditions(await preview(`/_draft/${second.id}/`), 'pending');
    expect(pendingPreview).toContain('unpublished changes of a published post');

    await ws.call('posts.publish', { ref: second.id });
    await buildClean();
    const url = await urlOf('second-post');
    const revised = built(url);
    for (const s of [
      '<h1 class="bds-post-title p-name">Second post, revised</h1>',
      `<a href="${await urlOf('welcome-to-bds')}">link home</a>`,
      'href="/tag/rivers/">#rivers</a>',
    ]) {
      expect(revised, s).toContain(s);
    }
    expect(revised).not.toContain('quickly');
    expect(withoutDraftMarks(pendingPreview)).toBe(revised);
    for (const route of [url, '/', '/tag/rivers/']) {
      const page = await bothAt(route);
      expect(page.preview, route).toBe(page.built);
    }
  });
});
