// The preview serves what `bds build` writes, rendered on demand from the current files: the same
// pages, feeds and media, plus drafts (with a banner) and macro failures as visible boxes. Real
// workspace, real Pyodide for the Python macros.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, startPreviewServer } from '../helpers/site.js';
import { Workspace } from '../../src/app/workspace.js';
import { RELOAD_SCRIPT } from '../../src/site/preview/reload.js';
import type { PreviewServer } from '../../src/site/index.js';
import { samplePost } from '../helpers/project.js';
import {
  openSampleBlog,
  PUBLIC_URL,
  rawRequest,
  routeOfFile,
  siteFiles,
  type SampleBlog,
} from './fixture.js';

let blog: SampleBlog;
let server: PreviewServer;
let htmlDir: string;

beforeAll(async () => {
  blog = await openSampleBlog({ python: true });
  htmlDir = path.join(blog.root, 'html');
  server = await startPreviewServer(blog.ws, { port: 0 });
  await server.watching;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await blog?.ws.close();
});

const get = (rawPath: string) => rawRequest(server.port, rawPath);

/** The page as the preview sends it, without the live-reload script it adds. */
function withoutReload(html: string): string {
  return html.replace(`${RELOAD_SCRIPT}\n`, '');
}

/** Every text file of the built site, concatenated: what a reader of the published site could see. */
function everythingBuilt(): string {
  return siteFiles(htmlDir)
    .filter((f) => /\.(html|xml|json)$/.test(f))
    .map((f) => fs.readFileSync(path.join(htmlDir, f), 'utf8'))
    .join('\n');
}

describe('preview and build serve the same site', () => {
  it('every file of the build answers in preview with the same bytes (pages only add the reload script)', async () => {
    const summary = await buildSite(blog.ws);
    expect(summary.failures).toEqual([]);
    const files = siteFiles(htmlDir);
    // The sample blog has every kind of route: posts, a page, tags, a category, dates, pagination, feeds.
    for (const f of [
      'index.html',
      'page/2/index.html',
      '2026/01/15/first-steps/index.html',
      'about/index.html',
      'tag/Long Walks/index.html',
      'category/article/index.html',
      '2026/index.html',
      '2026/02/index.html',
      '2026/01/20/index.html',
      'rss.xml',
      'atom.xml',
      'sitemap.xml',
      'calendar.json',
      '404.html',
      'assets/bds-theme.css',
    ]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('media/'))).toHaveLength(2);
    const holidays = fs.readFileSync(path.join(htmlDir, '2026/01/20/holidays/index.html'), 'utf8');
    expect(holidays.match(/class="gallery-item"/g)).toHaveLength(2);
    expect(holidays).toContain('data-bds-embed="youtube"');
    expect(files.filter((f) => f.startsWith('thumbnails/')).length).toBeGreaterThan(0);

    for (const file of files) {
      const route = routeOfFile(file);
      const res = await get(route);
      const built = fs.readFileSync(path.join(htmlDir, file));
      expect({ route, status: res.status }).toEqual({ route, status: 200 });
      if (file.endsWith('.html')) {
        expect(res.text).toContain(RELOAD_SCRIPT);
        expect(withoutReload(res.text), route).toBe(built.toString('utf8'));
      } else {
        expect(res.body.equals(built), route).toBe(true);
      }
    }
  });

  it('feeds, sitemap, calendar, styles and media come with their content types', async () => {
    const media = siteFiles(htmlDir).find((f) => f.startsWith('media/') && f.endsWith('.png'))!;
    const thumb = siteFiles(htmlDir).find((f) => f.startsWith('thumbnails/') && f.endsWith('.webp'))!;
    const types: Record<string, string> = {
      '/rss.xml': 'application/rss+xml; charset=utf-8',
      '/atom.xml': 'application/atom+xml; charset=utf-8',
      '/sitemap.xml': 'application/xml; charset=utf-8',
      '/calendar.json': 'application/json; charset=utf-8',
      '/assets/bds-theme.css': 'text/css; charset=utf-8',
      '/assets/bds-macros.js': 'text/javascript; charset=utf-8',
      '/': 'text/html; charset=utf-8',
      [`/${media}`]: 'image/png',
      [`/${thumb}`]: 'image/webp',
    };
    for (const [route, type] of Object.entries(types)) {
      const res = await get(route);
      expect({ route, type: res.headers['content-type'] }).toEqual({ route, type });
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    for (const route of ['/', '/rss.xml', `/${media}`]) {
      const full = await get(route);
      const headOnly = await rawRequest(server.port, route, {}, 'HEAD');
      expect({ route, status: headOnly.status, body: headOnly.body.length }).toEqual({
        route,
        status: 200,
        body: 0,
      });
      expect(headOnly.headers['content-length']).toBe(String(full.body.length));
    }
    const rss = (await get('/rss.xml')).text;
    expect(rss).toContain(`<link>${PUBLIC_URL}/2026/02/03/notes/</link>`);
  });

  it('unknown paths get the theme’s not-found page with status 404; a folder without its slash redirects', async () => {
    for (const route of ['/nope/', '/2026/01/15/no-such-post/', '/tag/unknown/', '/media/2026/01/none.png']) {
      const res = await get(route);
      expect({ route, status: res.status }).toEqual({ route, status: 404 });
    }
    const notFound = await get('/definitely/not/here');
    expect(notFound.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(withoutReload(notFound.text)).toBe(fs.readFileSync(path.join(htmlDir, '404.html'), 'utf8'));
    const redirect = await get('/about');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.location).toBe('/about/');
  });

  it('a sidecar (media/…meta.yaml) is never served', async () => {
    const media = await blog.ws.call('media.get', { id: blog.mediaIds[0]! });
    expect(media.path).toMatch(/^media\//);
    expect(fs.existsSync(path.join(blog.root, `${media.path}.meta.yaml`))).toBe(true);
    expect((await get(`/${media.path}.meta.yaml`)).status).toBe(404);
    expect((await get(`/${media.path}`)).status).toBe(200);
  });
});

describe('drafts in preview, never in the build', () => {
  it('a draft has its page with the draft banner; the build has no trace of it', async () => {
    await blog.ws.call('posts.create', {
      title: 'Secret plan',
      body: 'Nobody reads this yet.\n',
      tags: ['secret-tag'],
    });
    const url = blog.url('secret-plan');
    const page = await get(url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('class="bds-draft-banner"');
    expect(page.text).toContain('This post is not published');
    expect(page.text).toContain('Nobody reads this yet.');
    // Drafts are listed in preview, marked.
    expect((await get('/')).text).toMatch(/class="bds-summary h-entry is-draft"[^]*Secret plan/);

    await buildSite(blog.ws);
    const built = everythingBuilt();
    expect(fs.existsSync(path.join(htmlDir, url.slice(1), 'index.html'))).toBe(false);
    for (const trace of ['Secret plan', 'secret-plan', 'Nobody reads this', 'secret-tag', 'bds-draft']) {
      expect(built, trace).not.toContain(trace);
    }
  });

  it('pending edits of a published post (drafts/ID.md) show at /_draft/ID/ with the banner; the site keeps the published text', async () => {
    const id = (await blog.ws.call('posts.get', { ref: 'notes' })).id;
    await blog.ws.call('posts.update', {
      ref: 'notes',
      ...{
        title: 'Notes, revised',
        body: 'Rewritten words in waiting.\n',
        tags: ['hello'],
      },
    });
    expect(fs.existsSync(path.join(blog.root, 'drafts', `${id}.md`))).toBe(true);

    const pending = await get(`/_draft/${id}/`);
    expect(pending.status).toBe(200);
    expect(pending.text).toContain('class="bds-draft-banner"');
    expect(pending.text).toContain('unpublished changes of a published post');
    expect(pending.text).toContain('Rewritten words in waiting.');
    expect(pending.text).toContain('Notes, revised');
    // The pending tags, not the published ones.
    expect(pending.text).toContain('href="/tag/hello/">#hello</a>');
    expect(pending.text).not.toContain('#notes');

    // The published page shows the published text, with a note that leads to the pending edits.
    const published = await get(blog.url('notes'));
    expect(published.text).toContain('Short one.');
    expect(published.text).not.toContain('Rewritten words');
    expect(published.text).toMatch(
      new RegExp(`<main[^>]*>\\s*<div class="bds-draft-banner bds-pending-note"[^]*href="/_draft/${id}/"`),
    );

    expect((await get('/_draft/no-such-id/')).status).toBe(404);

    await buildSite(blog.ws);
    const built = everythingBuilt();
    expect(built).toContain('Short one.');
    for (const trace of ['Rewritten words', 'Notes, revised', 'bds-draft', '_draft']) {
      expect(built, trace).not.toContain(trace);
    }
  });
});

describe('macro failures', () => {
  it('a failing Python macro and an untrusted one are error boxes in preview naming script, file and line; empty in the build', async () => {
    await blog.ws.call('scripts.create', {
      title: 'boom',
      kind: 'macro',
      code: 'def render(context, post):\n    x = 1\n    raise ValueError("the sea is too loud")\n',
    });
    // Written straight into scripts/ (a pull, a copy): bds runs it only once the user trusts it.
    fs.writeFileSync(
      path.join(blog.root, 'scripts/stranger.py'),
      '"""\n---\nid: stranger-1\nslug: stranger\nkind: macro\n---\n"""\ndef render(context, post):\n    return "<i>from a stranger</i>"\n',
    );
    blog.ws.applyExternalChange('scripts/stranger.py');
    const file = 'posts/2026/03/failing.md';
    fs.mkdirSync(path.join(blog.root, 'posts/2026/03'), { recursive: true });
    fs.writeFileSync(
      path.join(blog.root, file),
      samplePost(
        {
          slug: 'failing',
          title: 'Failing macros',
          createdAt: '2026-03-01T10:00:00Z',
          publishedAt: '2026-03-01T10:00:00Z',
        },
        'Before the storm.\n\n[[boom]]\n\nBetween.\n\n[[stranger]]\n\nAfter.\n',
      ),
    );
    blog.ws.applyExternalChange(file);
    const lines = fs.readFileSync(path.join(blog.root, file), 'utf8').split('\n');
    const boomLine = lines.indexOf('[[boom]]') + 1;
    const strangerLine = lines.indexOf('[[stranger]]') + 1;
    const scriptLines = fs.readFileSync(path.join(blog.root, 'scripts/boom.py'), 'utf8').split('\n');
    const raiseLine = scriptLines.findIndex((l) => l.includes('raise ValueError')) + 1;
    expect(raiseLine).toBeGreaterThan(0);

    const html = (await get(blog.url('failing'))).text;
    const boxes = html.match(/<div class="bds-macro-error"[^]*?<\/div>/g) ?? [];
    expect(boxes).toHaveLength(2);
    expect(boxes[0]).toContain('data-reason="exception"');
    expect(boxes[0]).toContain('script “boom”');
    expect(boxes[0]).toContain(`${file}:${boomLine}:1`);
    expect(boxes[0]).toContain('ValueError: the sea is too loud');
    expect(boxes[0]).toContain(`scripts/boom.py:${raiseLine}`);
    expect(boxes[1]).toContain('data-reason="untrusted"');
    expect(boxes[1]).toContain('script “stranger”');
    expect(boxes[1]).toContain(`${file}:${strangerLine}:1`);
    expect(boxes[1]).toContain('bds script trust stranger');
    expect(html).not.toContain('from a stranger');
    expect(html).toMatch(/Before the storm\.[^]*Between\.[^]*After\./);

    const summary = await buildSite(blog.ws);
    expect(summary.failures.map((f) => [f.script, f.reason, f.file, f.line])).toEqual([
      ['boom', 'exception', file, boomLine],
      ['stranger', 'untrusted', file, strangerLine],
    ]);
    const built = fs.readFileSync(path.join(htmlDir, blog.url('failing').slice(1), 'index.html'), 'utf8');
    expect(built).toMatch(/Before the storm\.[^]*Between\.[^]*After\./);
    for (const trace of ['bds-macro-error', 'the sea is too loud', 'from a stranger', 'untrusted']) {
      expect(built, trace).not.toContain(trace);
    }
  });

  it('a script trusted from another terminal (`bds script trust`) runs at the next request', async () => {
    const before = (await get(blog.url('failing'))).text;
    expect(before).toContain('data-reason="untrusted"');
    // Another process on the same project and BDS_HOME, as the CLI in a second terminal.
    const other = Workspace.open(blog.root, { home: blog.ws.home });
    try {
      await other.call('scripts.trust', { ref: 'stranger' });
    } finally {
      await other.close();
    }
    await expect
      .poll(async () => (await get(blog.url('failing'))).text, { timeout: 5_000 })
      .toContain('<i>from a stranger</i>');
  });

  it('the working Python macro renders in both', async () => {
    const html = (await get(blog.url('first-steps'))).text;
    expect(html).toContain('<b>HELLO THERE</b>');
    const built = fs.readFileSync(path.join(htmlDir, '2026/01/15/first-steps/index.html'), 'utf8');
    expect(built).toContain('<b>HELLO THERE</b>');
  });
});

describe('template errors', () => {
  it('a broken template in templates/ shows the file and line in preview, and the page comes back once fixed', async () => {
    const file = path.join(blog.root, 'templates/post-tags.liquid');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '<ul>\n{% for tag in post.tags %}\n<li>{{ tag.name }</li>\n');
    const url = blog.url('first-steps');
    await expect.poll(async () => (await get(url)).status, { timeout: 5_000 }).toBe(500);
    const broken = await get(url);
    expect(broken.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(broken.text).toContain('Template error');
    expect(broken.text).toMatch(/templates\/post-tags\.liquid:\d+/);
    expect(broken.text).toContain(RELOAD_SCRIPT);

    fs.rmSync(file);
    await expect.poll(async () => (await get(url)).status, { timeout: 5_000 }).toBe(200);
  });
});

describe('unreadable posts', () => {
  it('a post whose frontmatter breaks drops out, and its 404 names the file, line and reason; fixing it brings it back', async () => {
    const post = await blog.ws.call('posts.get', { ref: 'about' });
    const file = path.join(blog.root, post.path);
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, good.replace(/^title: .*$/m, 'title: [unclosed'));
    blog.ws.applyExternalChange(post.path);
    const problem = (await blog.ws.call('project.problems', {})).find((p) => p.file === post.path);
    expect(problem?.line).toBeGreaterThan(1);

    const res = await get('/about/');
    expect(res.status).toBe(404);
    const box = /<div class="bds-macro-error bds-unreadable-posts"[^]*?<\/div>/.exec(res.text)?.[0] ?? '';
    expect(box).toContain(`${post.path}:${problem!.line}`);
    expect(box).toMatch(/<pre class="bds-macro-error-message">[^<]*\]/);
    expect((await get('/definitely-not-here/')).text).toContain('bds-unreadable-posts');

    fs.writeFileSync(file, good);
    blog.ws.applyExternalChange(post.path);
    expect((await get('/about/')).status).toBe(200);
    expect((await get('/definitely-not-here/')).text).not.toContain('bds-unreadable-posts');
  });
});
