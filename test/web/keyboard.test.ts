// The app from the keyboard alone, in real Chromium through a real `bds serve`: the palette to move
// between sections, the media grid and its details, the posts list, the editor, the preview toggle and
// the column handles; the focus is visible at every stop. Also: the preview follows the editor's
// scrolling.
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import type { ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { openApp, type OpenApp } from '../helpers/web.js';

const longBody = Array.from(
  { length: 120 },
  (_, i) => `## Part ${i}\n\nThe tide came in over the stones for the ${i}th time that evening.\n`,
).join('\n');

describeWith(['chromium'], 'the app from the keyboard in Chromium', () => {
  let app: OpenApp;
  let s: ServedProject;
  let page: Page;

  beforeAll(async () => {
    app = await openApp(
      {
        'posts/2026/03/tides.md': samplePost({ slug: 'tides', title: 'Tides' }, longBody),
        'posts/2026/03/harbour.md': samplePost({ slug: 'harbour', title: 'Harbour at dawn' }),
      },
      { timeoutMs: 15_000 },
    );
    ({ s, page } = app);
    const file = `${s.root}/shell.png`;
    await sharp({ create: { width: 20, height: 20, channels: 3, background: '#888' } })
      .png()
      .toFile(file);
    await s.client.call('media.import', { files: [file], title: 'Shell' });
    await page.getByRole('listbox', { name: 'Posts' }).getByRole('option').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  /** What has the focus: its role or tag, its accessible name, and whether a focus ring is drawn. */
  const focused = () =>
    page.evaluate(() => {
      const d = globalThis as unknown as {
        document: { activeElement: { tagName: string; getAttribute(n: string): string | null } | null };
        getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string };
      };
      const el = d.document.activeElement!;
      const style = d.getComputedStyle(el);
      return {
        what: el.getAttribute('role') ?? el.tagName.toLowerCase(),
        name: el.getAttribute('aria-label') ?? '',
        ring: style.outlineStyle !== 'none' && style.outlineWidth !== '0px',
      };
    });

  const palette = async (command: string) => {
    await page.keyboard.press('Control+k');
    await page.keyboard.type(command);
    await page.keyboard.press('Enter');
  };

  it('walks the media library: palette, grid, details, back', async () => {
    await palette('go to media');
    const grid = page.getByRole('listbox', { name: 'Media' });
    await grid.getByRole('option').first().waitFor();
    // Tab along (the sections, the search box, the Upload button...) until the grid has the focus.
    for (let i = 0; i < 20 && (await focused()).name !== 'Media'; i++) await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ what: 'listbox', name: 'Media', ring: true });
    await page.keyboard.press('Enter');
    const details = page.getByRole('complementary', { name: 'Details of shell.png' });
    await details.waitFor();
    await page.keyboard.press('Tab');
    expect((await focused()).ring).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => details.count()).toBe(0);
    expect(await focused()).toMatchObject({ what: 'listbox', name: 'Media' });
  });

  it('walks the posts: search, list, editor, preview toggle, column handle', async () => {
    await palette('go to posts');
    await palette('search posts');
    await page.keyboard.type('tides');
    await expect.poll(() => page.getByRole('listbox', { name: 'Posts' }).getByRole('option').count()).toBe(1);
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toMatchObject({ what: 'listbox', name: 'Posts', ring: true });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe('Tides');
    const frame = page.locator('iframe[title="Preview of the post"]');
    await frame.waitFor();
    await page.keyboard.press('Control+p');
    await expect.poll(() => frame.count()).toBe(0);
    await page.keyboard.press('Control+p');
    await expect.poll(() => frame.count()).toBe(1);

    // The list column's handle: focus it, make the column narrower with the arrows, hide it with Enter.
    const handle = page.getByRole('separator', { name: 'List column' });
    await handle.focus();
    expect((await focused()).ring).toBe(true);
    const before = Number(await handle.getAttribute('aria-valuenow'));
    await page.keyboard.press('ArrowLeft');
    expect(Number(await handle.getAttribute('aria-valuenow'))).toBe(before - 12);
    await page.keyboard.press('Enter');
    expect(await handle.getAttribute('aria-valuenow')).toBe('0');
    await page.keyboard.press('Enter');
    expect(Number(await handle.getAttribute('aria-valuenow'))).toBe(before - 12);
  });

  it('the preview follows the editor as it scrolls', async () => {
    const frame = page.frames().find((f) => f.url().includes('/_draft/'))!;
    await frame.locator('h2').first().waitFor();
    const scrollY = () => frame.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY);
    expect(await scrollY()).toBe(0);
    await page.locator('.cm-content').hover();
    await page.mouse.wheel(0, 4000);
    await expect.poll(scrollY).toBeGreaterThan(500);
    await page.mouse.wheel(0, -100_000);
    await expect.poll(scrollY).toBe(0);
  });
});
