// Two origins as a browser sees them (real Chromium): signing in with the printed address, the API from
// the app's own page, the preview in the app's frame with its video embeds still playing, and a script
// in a post (the preview origin) that tries the API and is refused.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import { serveProject, type ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { launchChromium } from '../preview/fixture.js';

/** The little of the DOM these page scripts touch (the tests compile without the DOM library). */
interface PageDom {
  cookie: string;
  body: { appendChild(node: unknown): void };
  createElement(tag: 'iframe'): { name: string; src: string; style: { width: string; height: string } };
}

describeWith(['chromium'], 'the app and the preview in Chromium', () => {
  let s: ServedProject;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    s = await serveProject({
      'posts/2026/01/video.md': samplePost(
        { slug: 'video', title: 'A video', status: 'published' },
        'Watch this:\n\n[[youtube id="dQw4w9WgXcQ" title="A song"]]\n',
      ),
    });
    browser = await launchChromium();
    context = await browser.newContext();
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    // No network here: the video host answers from the test, as a plain page with no isolation headers.
    await context.route('https://www.youtube-nocookie.com/**', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: '<!doctype html><p id="player">player</p>',
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('the printed address signs in once: the token becomes an HttpOnly cookie and leaves the address', async () => {
    await page.goto(s.server.loginUrl);
    expect(page.url()).toBe(s.server.url);
    expect(page.url()).not.toContain(s.server.token);
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: PageDom }).document.cookie),
    ).not.toContain('bds_token');
    const cookies = await context.cookies(s.server.url);
    expect(cookies.find((c) => c.name === 'bds_token')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // The app's own page reads and writes through the API with that cookie.
    const result = await page.evaluate(async () => {
      const list = await fetch('/api/posts');
      const created = await fetch('/api/posts', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ title: 'Written from the app page' }),
      });
      return { list: list.status, created: created.status };
    });
    expect(result).toEqual({ list: 200, created: 200 });
  });

  it('shows the preview in a frame, and a video in it plays after a click', async () => {
    await page.goto(s.server.url);
    const post = new URL('2026/01/15/video/', s.server.previewUrl).href;
    await page.evaluate((src) => {
      const document = (globalThis as unknown as { document: PageDom }).document;
      const frame = document.createElement('iframe');
      frame.name = 'preview';
      frame.src = src;
      frame.style.width = '900px';
      frame.style.height = '700px';
      document.body.appendChild(frame);
    }, post);
    const frame = page.frameLocator('iframe[name="preview"]');
    await frame.getByRole('heading', { name: 'A video' }).waitFor();
    await frame.getByRole('button', { name: 'Play video: A song' }).click();
    // The embed's own document loaded inside the preview inside the app: nothing isolated it away.
    await expect
      .poll(async () => {
        const embed = page.frames().find((f) => f.url().startsWith('https://www.youtube-nocookie.com/'));
        return embed ? await embed.locator('#player').textContent() : null;
      })
      .toBe('player');
  });

  it('a script in a post (the preview origin) cannot use the API, even with the cookie set', async () => {
    const before = (await s.client.call('posts.list', {})).length;
    const appOrigin = s.server.url.replace(/\/$/, '');
    const created = await s.client.call('posts.create', {
      title: 'Sneaky',
      body: `<p id="out">waiting</p>\n\n<script>
(async () => {
  const out = [];
  for (const [method, init] of [['GET', {}], ['POST', { method: 'POST', body: '{"title":"pwned"}', headers: { 'Content-Type': 'application/json' } }]]) {
    try {
      const r = await fetch('${appOrigin}/api/posts', { credentials: 'include', ...init });
      out.push(method + ':' + r.status);
    } catch (e) {
      out.push(method + ':blocked');
    }
  }
  try {
    await fetch('${appOrigin}/api/posts', { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{"title":"pwned"}' });
    out.push('no-cors:sent');
  } catch (e) {
    out.push('no-cors:blocked');
  }
  document.getElementById('out').textContent = out.join(' ');
})();
</script>
`,
    });
    await page.goto(new URL(`_draft/${created.id}/`, s.server.previewUrl).href);
    await expect.poll(() => page.locator('#out').textContent()).not.toBe('waiting');
    const text = (await page.locator('#out').textContent()) ?? '';
    process.stderr.write(`preview script against the API: ${text}\n`);
    // Whatever the browser let out, nothing came back readable and nothing was written.
    expect(text).not.toMatch(/GET:200|POST:200/);
    const titles = (await s.client.call('posts.list', {})).map((p) => p.title);
    expect(titles).not.toContain('pwned');
    expect(titles.length).toBe(before + 1);
  });
});
