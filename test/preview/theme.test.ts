// The default theme as a reader sees it in Chromium, with no setup: every main page fits a 375 px phone
// and a desktop, in light and dark, with readable contrast, and loads nothing from another host. The
// built site references no outside URL but its own public address and the click-to-load videos.
// Screenshots go to a temp folder (named on stderr) for a person to look at; they are never compared.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildSite, startPreviewServer } from '../helpers/site.js';
import type { PreviewServer } from '../../src/site/index.js';
import { describeWith } from '../helpers/system.js';
import { launchChromium, openSampleBlog, PUBLIC_URL, siteFiles, type SampleBlog } from './fixture.js';

let blog: SampleBlog;
let server: PreviewServer;
let browser: Browser;
const shots = path.join(os.tmpdir(), 'bds-theme-screenshots');

/** The main screens kept as pictures (capturing costs most of this file's time); all pages are measured. */
const SCREENSHOTS = new Set(['home', 'post', 'gallery', 'tag', 'not-found', 'error-box']);

type Rgb = [number, number, number];

function parseRgb(css: string): Rgb {
  const m = /rgba?\((\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?),\s*(\d+(?:\.\d+)?)/.exec(css);
  if (!m) throw new Error(`not an rgb() colour: ${css}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** WCAG relative luminance. */
function luminance([r, g, b]: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

function contrast(a: Rgb, b: Rgb): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

interface Layout {
  /** How far the page is wider than the window (px). */
  overflow: number;
  /** Images, code blocks, tables and videos whose right edge passes the main column. */
  sticking: { tag: string; right: number }[];
  background: string;
  text: string | null;
  muted: string | null;
  link: string | null;
}

/** Runs in the page (as source text: the tests compile without the DOM types). */
const MEASURE_LAYOUT = `(() => {
  const main = document.querySelector('main').getBoundingClientRect();
  const sticking = [...document.querySelectorAll('main img, main pre, main table, main .bds-embed')]
    .map((e) => ({ tag: e.tagName, right: e.getBoundingClientRect().right }))
    .filter((e) => e.right > main.right + 1);
  const colour = (sel) => {
    const el = document.querySelector(sel);
    return el ? getComputedStyle(el).color : null;
  };
  return {
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    sticking,
    background: getComputedStyle(document.body).backgroundColor,
    text: colour('main p'),
    muted: colour('.bds-post-meta, .bds-day-label, .bds-site-description'),
    link: colour('main a'),
  };
})()`;

describeWith(['chromium'], 'the default theme in Chromium', () => {
  beforeAll(async () => {
    blog = await openSampleBlog({ python: false });
    await blog.ws.call('posts.create', { title: 'Secret plan', body: 'Nobody reads this yet.\n' });
    // A built-in macro with a bad parameter: an error box in preview, with no Python needed.
    await blog.ws.call('posts.create', {
      title: 'Broken video',
      body: 'Before.\n\n[[youtube id="nope"]]\n\nAfter.\n',
      publish: true,
    });
    await blog.ws.call('posts.update', { ref: 'notes', ...{ body: 'A rewrite waiting to be published.\n' } });
    // A post file bds cannot read: the not-found page lists it.
    fs.mkdirSync(path.join(blog.root, 'posts/2026/04'), { recursive: true });
    fs.writeFileSync(
      path.join(blog.root, 'posts/2026/04/half-written.md'),
      '---\ntitle: [oops\nslug: half\n---\nText\n',
    );
    blog.ws.applyExternalChange('posts/2026/04/half-written.md');
    server = await startPreviewServer(blog.ws, { port: 0, resolver: null });
    browser = await launchChromium();
    fs.rmSync(shots, { recursive: true, force: true });
    fs.mkdirSync(shots, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await blog?.ws.close();
  });

  const pages = async () => ({
    home: '/',
    'home-page-2': '/page/2/',
    post: blog.url('first-steps'),
    gallery: blog.url('holidays'),
    tag: '/tag/Long%20Walks/',
    'not-found': '/no/such/page/',
    draft: blog.url('secret-plan'),
    'pending-note': blog.url('notes'),
    'pending-edits': `/_draft/${(await blog.ws.call('posts.get', { ref: 'notes' })).id}/`,
    'error-box': blog.url('broken-video'),
  });

  it('home, posts, tag list, 404, draft and error box fit 375 px and desktop, light and dark, readable, all local', async () => {
    const origin = new URL(server.url).origin;
    for (const scheme of ['light', 'dark'] as const) {
      for (const width of [375, 1280]) {
        const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme: scheme });
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        const foreign: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith(origin)) foreign.push(r.url());
        });
        for (const [name, url] of Object.entries(await pages())) {
          const where = `${name} ${width}px ${scheme}`;
          const res = await page.goto(new URL(url, server.url).href, { waitUntil: 'load' });
          expect(res?.status(), where).toBe(name === 'not-found' ? 404 : 200);
          if (SCREENSHOTS.has(name)) {
            await page.screenshot({
              path: path.join(shots, `${name}-${width}-${scheme}.png`),
              fullPage: true,
            });
          }

          const layout = await page.evaluate<Layout>(MEASURE_LAYOUT);
          expect(layout.overflow, where).toBeLessThanOrEqual(0);
          expect(layout.sticking, where).toEqual([]);
          const bg = parseRgb(layout.background);
          expect(luminance(bg), where).toSatisfy((l: number) => (scheme === 'dark' ? l < 0.05 : l > 0.85));
          for (const [role, colour] of Object.entries({
            text: layout.text,
            muted: layout.muted,
            link: layout.link,
          })) {
            if (colour === null) continue;
            expect({ where, role, ok: contrast(parseRgb(colour), bg) >= 4.5 }).toEqual({
              where,
              role,
              ok: true,
            });
          }
        }
        expect(foreign, `${width}px ${scheme}`).toEqual([]);
        await context.close();
      }
    }
    process.stderr.write(`theme screenshots: ${shots}\n`);
  });

  it('the draft banner and the macro error box are visible in the page', async () => {
    const page = await browser.newPage();
    await page.goto(new URL(blog.url('secret-plan'), server.url).href);
    await expect.poll(() => page.locator('.bds-draft-banner').isVisible()).toBe(true);
    expect(await page.locator('.bds-draft-banner').innerText()).toContain('This post is not published');
    await page.goto(new URL(blog.url('broken-video'), server.url).href);
    const box = page.locator('.bds-macro-error');
    expect(await box.isVisible()).toBe(true);
    expect(await box.innerText()).toMatch(/youtube id "nope" is not a YouTube video id/);
    expect(await box.innerText()).toContain(
      `${(await blog.ws.call('posts.get', { ref: 'broken-video' })).path}:`,
    );
    await page.close();
  });

  it('the built site references no http(s) URL but its public address and the click-to-load videos', async () => {
    await buildSite(blog.ws, { resolver: null });
    const htmlDir = path.join(blog.root, 'html');
    const found: string[] = [];
    let embeds = 0;
    for (const file of siteFiles(htmlDir).filter((f) => /\.(html|css|js)$/.test(f))) {
      let text = fs.readFileSync(path.join(htmlDir, file), 'utf8');
      // Allowed: where a video loads from once the reader clicks, and the link for readers without JavaScript.
      text = text.replace(/data-embed-src="https:\/\/www\.youtube-nocookie\.com\/embed\/[^"]*"/g, () => {
        embeds++;
        return '';
      });
      text = text.replace(
        /<noscript><a class="bds-embed-link" href="https:\/\/www\.youtube\.com\/watch\?v=[^"]*">/g,
        '',
      );
      for (const m of text.matchAll(/https?:\/\/[^\s"'<>)]+/g)) {
        if (!m[0].startsWith(`${PUBLIC_URL}/`)) found.push(`${file}: ${m[0]}`);
      }
      if (file.endsWith('.css')) expect(text, file).not.toMatch(/@import|url\(\s*['"]?\/\//);
    }
    expect(embeds).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });
});
