// The bookmarklet in real Chromium through the real server: taken from Settings → Project, run on a page
// of another site (another local port), it opens the confirm page; Save makes the draft (the transforms
// ran), an open app lists it at once, and the report's link opens the draft in the app. A page of another site that posts to the capture route
// itself is refused.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { openApp, SHOTS, type OpenApp } from '../helpers/web.js';

/** A site elsewhere: a page with a title, a paragraph to select, and the bookmarklet as a link. */
function startOtherSite(bookmarklet: string): Promise<{ url: string; close(): Promise<void> }> {
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>A page elsewhere</title></head><body>
<h1>Elsewhere</h1><p id="quote">Words worth keeping.</p>
<a id="bookmarklet" href="${attr(bookmarklet)}">Blogmark</a></body></html>`);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        // `localhost`, not 127.0.0.1: another site as the browser sees it, not only another port.
        url: `http://localhost:${port}/article?x=1#comments`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

describeWith(['chromium'], 'blogmarks in Chromium', () => {
  let app: OpenApp;
  let s: ServedProject;
  let context: BrowserContext;
  let page: Page;
  let other: { url: string; close(): Promise<void> };
  let bookmarklet: string;

  beforeAll(async () => {
    app = await openApp({}, { timeoutMs: 30_000 });
    s = app.s;
    // A context of its own (the helper's page has none that takes more pages), signed in as a user is.
    context = await app.browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
    await page.goto(s.server.loginUrl);
    await s.client.call('scripts.create', {
      title: 'Tag from domain',
      slug: 'tag_from_domain',
      kind: 'transform',
      code: [
        'from urllib.parse import urlparse',
        'import bds_api',
        'def transform(post, context):',
        '    post["tags"].append(urlparse(context["url"]).hostname)',
        '    bds_api.toast("tagged from " + context["via"])',
        '    return post',
      ].join('\n'),
    });
  }, 120_000);

  afterAll(async () => {
    await other?.close();
    await app?.close();
  });

  it('Settings → Project shows the bookmarklet, with no secret in it', async () => {
    await page.goto(`${s.server.url}#settings`);
    const link = page.getByRole('link', { name: 'Blogmark to Test blog' });
    await expect.poll(() => link.getAttribute('href')).toMatch(/^javascript:/);
    bookmarklet = (await link.getAttribute('href'))!;
    expect(bookmarklet).toContain(`"${s.server.url}blogmark"`);
    expect(bookmarklet).not.toContain(s.server.token);
    expect(await page.getByLabel('bookmarklet', { exact: true }).inputValue()).toBe(bookmarklet);
  });

  it('run on a page of another site, it opens the confirm page; Save makes the draft, the open app lists it, the link opens it', async () => {
    other = await startOtherSite(bookmarklet);
    // The app stays open on its posts: the new draft shows there as soon as it is made.
    await page.goto(s.server.url);
    const drafts = page.getByRole('listbox', { name: 'Posts' }).getByRole('option');
    await page.getByRole('listbox', { name: 'Posts' }).waitFor();
    expect(await drafts.count()).toBe(0);
    const elsewhere = await context.newPage();
    await elsewhere.goto(other.url);
    await elsewhere.evaluate(() => {
      const range = document.createRange();
      range.selectNodeContents(document.getElementById('quote')!);
      getSelection()!.removeAllRanges();
      getSelection()!.addRange(range);
    });
    const opened = context.waitForEvent('page');
    await elsewhere.click('#bookmarklet');
    const confirm = await opened;
    await confirm.waitForLoadState();
    expect(new URL(confirm.url()).pathname).toBe('/blogmark');
    expect(await confirm.getByLabel('Title').inputValue()).toBe('A page elsewhere');
    expect(await confirm.getByLabel('Address').inputValue()).toBe(other.url);
    expect(await confirm.getByLabel(/Selection/).inputValue()).toBe('Words worth keeping.');
    expect(await confirm.getByRole('listitem').filter({ hasText: 'tag_from_domain' }).count()).toBe(1);
    // The page wrote nothing.
    expect(await s.client.call('posts.list', {})).toEqual([]);
    fs.mkdirSync(SHOTS, { recursive: true });
    await confirm.screenshot({ path: path.join(SHOTS, 'blogmark-confirm.png') });

    await confirm.getByRole('button', { name: 'Save draft' }).click();
    await confirm.getByRole('heading', { name: /Saved as a draft/ }).waitFor();
    expect(await confirm.getByText('tagged from bookmarklet').count()).toBe(1);
    await confirm.screenshot({ path: path.join(SHOTS, 'blogmark-saved.png') });
    const [post] = await s.client.call('posts.list', {});
    expect(post).toMatchObject({ title: 'A page elsewhere', status: 'draft', tags: ['localhost'] });
    const full = await s.client.call('posts.get', { ref: post!.id });
    const address = other.url.replace('#comments', '');
    expect(full.body).toBe(`[A page elsewhere](<${address}>)\n\n> Words worth keeping.\n`);
    expect(fs.readFileSync(path.join(s.root, full.path), 'utf8')).toContain('title: A page elsewhere');

    await expect.poll(() => drafts.filter({ hasText: 'A page elsewhere' }).count()).toBe(1);

    await confirm.getByRole('link', { name: 'Open the draft in bds' }).click();
    await expect
      .poll(() => confirm.getByLabel('Title', { exact: true }).inputValue())
      .toBe('A page elsewhere');
    expect(new URL(confirm.url()).hash).toBe(`#post/${post!.id}`);
    await elsewhere.close();
    await confirm.close();
  }, 120_000);

  it('a page of another site that posts to the capture route itself is refused, and nothing is made', async () => {
    const elsewhere = await context.newPage();
    await elsewhere.goto(other.url);
    const before = (await s.client.call('posts.list', {})).length;
    // A form on the other site, submitted to the app (the cookie would ride along with it).
    const answer = elsewhere.waitForResponse((r) => r.url().startsWith(`${s.server.url}blogmark`));
    await elsewhere.evaluate((target) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = target;
      for (const [name, value] of [
        ['url', 'https://evil.example/'],
        ['title', 'Forged'],
      ]) {
        const input = document.createElement('input');
        input.name = name!;
        input.value = value!;
        form.append(input);
      }
      document.body.append(form);
      form.submit();
    }, `${s.server.url}blogmark`);
    expect((await answer).status()).toBe(403);
    await elsewhere.waitForURL(`${s.server.url}blogmark`);
    // And a script of the other site, which cannot read the answer but could cause the write.
    const script = await context.newPage();
    await script.goto(other.url);
    const status = await script.evaluate(async (target) => {
      const r = await fetch(target, {
        method: 'POST',
        mode: 'no-cors',
        credentials: 'include',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'url=https%3A%2F%2Fevil.example%2F2&title=Forged',
      });
      return r.type;
    }, `${s.server.url}blogmark`);
    expect(status).toBe('opaque');
    expect((await s.client.call('posts.list', {})).length).toBe(before);
    await elsewhere.close();
    await script.close();
  }, 60_000);
});
