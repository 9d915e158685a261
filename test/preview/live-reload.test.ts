// Live reload as a user sees it: a post open in Chromium reloads by itself when a file changes on disk
// (edited outside bds), for posts, templates, scripts and media, and after the server restarts.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startPreviewServer } from '../helpers/site.js';
import type { PreviewServer } from '../../src/site/index.js';
import { describeWith } from '../helpers/system.js';
import { launchChromium, openSampleBlog, type SampleBlog } from './fixture.js';

let blog: SampleBlog;
let server: PreviewServer;
let browser: Browser;
let page: Page;
/** Milliseconds from the file write to the reloaded page's `load`, by change (reported, never asserted). */
const latencies: Record<string, number> = {};

describeWith(['chromium'], 'live reload in Chromium', () => {
  beforeAll(async () => {
    blog = await openSampleBlog({ python: true });
    // As `bds preview` runs it: the workspace is not watching, the preview watches the content itself.
    server = await startPreviewServer(blog.ws, { port: 0, watchContent: true });
    await server.watching;
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await blog?.ws.close();
    if (Object.keys(latencies).length > 0) {
      const list = Object.entries(latencies).map(([k, ms]) => `${k} ${Math.round(ms)} ms`);
      process.stderr.write(`preview reload latency (write → load): ${list.join(', ')}\n`);
    }
  });

  /** Opens a page and waits until its live-reload stream is connected. */
  async function open(url: string): Promise<void> {
    const live = page.waitForResponse((r) => r.url().endsWith('/_bds/events'));
    await page.goto(new URL(url, server.url).href);
    await live;
  }

  /**
   * Runs `change` and waits until the page has reloaded by itself (a flag set in the old page is gone)
   * and its new stream is connected. Returns the time from the change to the new page's load.
   */
  async function reloadAfter(name: string, change: () => unknown): Promise<void> {
    await page.evaluate(() => {
      (globalThis as unknown as { staleMarker: boolean }).staleMarker = true;
    });
    const loaded = page.waitForEvent('load', { timeout: 20_000 });
    const live = page.waitForResponse((r) => r.url().endsWith('/_bds/events'), { timeout: 20_000 });
    const t0 = performance.now();
    await change();
    await loaded;
    latencies[name] = performance.now() - t0;
    await live;
    // One change may reload the page twice (a media file, then its thumbnails): the marker is gone either way.
    await expect
      .poll(() => settled(() => (globalThis as unknown as { staleMarker?: boolean }).staleMarker ?? 'gone'))
      .toBe('gone');
  }

  /** `page.evaluate`, again after a reload that lands in the middle of it. */
  async function settled<T>(fn: () => T): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await page.evaluate(fn);
      } catch (e) {
        if (i >= 20 || !/Execution context was destroyed|navigat/i.test(String(e))) throw e;
        await page.waitForLoadState();
      }
    }
  }

  const text = () => page.locator('main').innerText();

  it('a post edited on disk reloads its page with the new text', async () => {
    await open(blog.url('first-steps'));
    expect(await text()).toContain('Welcome to this blog.');
    const file = path.join(blog.root, (await blog.ws.call('posts.get', { ref: 'first-steps' })).path);
    await reloadAfter('post', () =>
      fs.writeFileSync(
        file,
        fs.readFileSync(file, 'utf8').replace('Welcome to', 'Edited in another editor:'),
      ),
    );
    expect(await text()).toContain('Edited in another editor: this blog.');
  });

  it('a template added to templates/ replaces the theme’s part at once', async () => {
    await reloadAfter('template', () =>
      fs.writeFileSync(
        path.join(blog.root, 'templates/footer.liquid'),
        '<footer class="bds-footer"><p>A footer of my own for {{ site.name }}</p></footer>\n',
      ),
    );
    expect(await page.locator('footer').innerText()).toBe('A footer of my own for Test blog');
  });

  it('a macro script edited on disk changes the output: untrusted first, its new output once trusted', async () => {
    expect(await page.locator('main b').first().innerText()).toBe('HELLO THERE');
    const script = path.join(blog.root, 'scripts/shout.py');
    await reloadAfter('script', () =>
      fs.writeFileSync(script, fs.readFileSync(script, 'utf8').replace('.upper()', '.lower() + "!"')),
    );
    // A script changed outside bds does not run until the user trusts it again: the box says so.
    const box = page.locator('.bds-macro-error');
    await expect.poll(() => box.count()).toBe(1);
    expect(await box.innerText()).toContain('bds script trust shout');
    await reloadAfter('trust', async () => await blog.ws.call('scripts.trust', { ref: 'shout' }));
    expect(await page.locator('main b').first().innerText()).toBe('hello there!');
  });

  it('a media sidecar edited on disk updates the gallery; a replaced media file reloads the page', async () => {
    await open(blog.url('holidays'));
    const media = await blog.ws.call('media.get', { id: blog.mediaIds[0]! });
    const img = page.locator(`.macro-gallery a[href="/${media.path}"] img`);
    expect(await img.getAttribute('alt')).toBe('The sea');
    const sidecar = path.join(blog.root, `${media.path}.meta.yaml`);
    await reloadAfter('media sidecar', () =>
      fs.writeFileSync(
        sidecar,
        fs.readFileSync(sidecar, 'utf8').replace('alt: The sea', 'alt: A stormy sea'),
      ),
    );
    expect(await img.getAttribute('alt')).toBe('A stormy sea');

    const other = await blog.ws.call('media.get', { id: blog.mediaIds[1]! });
    const replacement = fs.readFileSync(path.join(blog.root, other.path));
    await reloadAfter('media file', () => fs.writeFileSync(path.join(blog.root, media.path), replacement));
    const url = `/${media.path}`;
    let served: number | undefined;
    for (let i = 0; ; i++) {
      try {
        await page.waitForLoadState();
        served = await page.evaluate(async (u) => (await (await fetch(u)).arrayBuffer()).byteLength, url);
        break;
      } catch (e) {
        if (i >= 20 || !/Execution context was destroyed|navigat/i.test(String(e))) throw e;
      }
    }
    expect(served).toBe(replacement.length);
  });

  it('a page reloads by itself when the preview restarts (a new boot id)', async () => {
    const port = server.port;
    await reloadAfter('server restart', async () => {
      await server.close();
      server = await startPreviewServer(blog.ws, { port, watchContent: true });
    });
    expect(await page.locator('.macro-gallery').count()).toBe(1);
  });
});
