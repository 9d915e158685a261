// A blog of ten thousand posts in the app: the list shows its first rows, scrolls to the end from the
// keyboard, and keeps only the visible rows in the page (a virtual list), whatever the count.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateCorpus, writeBdsPosts } from '../../bench/corpus.js';
import { serveProject, type ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { buildWebUi } from '../helpers/web.js';
import { launchChromium } from '../preview/fixture.js';

const COUNT = 10_000;

describeWith(['chromium'], 'ten thousand posts in Chromium', () => {
  let s: ServedProject;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const webRoot = await buildWebUi();
    s = await serveProject({}, { webRoot, prepare: (root) => writeBdsPosts(root, generateCorpus(COUNT)) });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(30_000);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('shows the first rows, scrolls to the last from the keyboard, and keeps few rows in the page', async () => {
    const t0 = Date.now();
    await page.goto(s.server.loginUrl);
    const list = page.getByRole('listbox', { name: 'Posts' });
    await list.getByRole('option').first().waitFor();
    const mark = await page.evaluate(() => performance.getEntriesByName('bds:first-rows')[0]?.startTime);
    process.stderr.write(
      `10,000 posts: first rows ${Date.now() - t0} ms after the login URL, ${mark} ms after the page's start\n`,
    );
    await expect
      .poll(() => page.getByRole('button', { name: /^All/ }).textContent())
      .toContain(String(COUNT));
    const rendered = await list.getByRole('option').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(100);

    await list.focus();
    await page.keyboard.press('End');
    // The oldest post of the corpus is at the end; its row comes into the page.
    const all = await s.client.call('posts.list', {});
    const when = (p: (typeof all)[number]) => p.publishedAt ?? p.createdAt;
    const last = all.reduce((a, b) => (when(b) < when(a) ? b : a)).title;
    await expect.poll(() => list.getByRole('option').last().textContent()).toContain(last);
    expect(await list.getByRole('option').count()).toBeLessThan(100);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe(last);
  });
});
