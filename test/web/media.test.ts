// The media library in real Chromium through a real `bds serve`: the empty state, uploads from the file
// picker with their sidecars on disk, the grid from the keyboard, metadata saved to the sidecar, where
// an item is used, linking it to the open post, replacing its file, deleting it after confirmation.
// Also the post editor's tag completion with colours, and the compare view of pending edits.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import type { ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { openApp, saveScreenshots, type OpenApp } from '../helpers/web.js';

const png = (w: number, h: number, background: string) =>
  sharp({ create: { width: w, height: h, channels: 3, background } })
    .png()
    .toBuffer();

describeWith(['chromium'], 'the media library in Chromium', () => {
  let app: OpenApp;
  let s: ServedProject;
  let page: Page;

  beforeAll(async () => {
    app = await openApp(
      {
        'posts/2026/02/harbour.md': samplePost({ slug: 'harbour', title: 'Harbour at dawn', tags: ['sea'] }),
        'posts/2026/02/quay.md': samplePost({ slug: 'quay', title: 'The old quay', tags: ['sea', 'stone'] }),
        'meta/tags.json': JSON.stringify([
          { name: 'sea', color: '#1f6feb' },
          { name: 'stone', color: '#f2cc60' },
        ]),
      },
      { timeoutMs: 15_000 },
    );
    ({ s, page } = app);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  const grid = () => page.getByRole('listbox', { name: 'Media' });
  /** The item whose metadata the tests edit (the first in the grid), and the other one. */
  let first = '';
  let other = '';
  const sidecar = async (id: string) => {
    const m = await s.client.call('media.get', { id });
    return fs.readFileSync(path.join(s.root, `${m.path}.meta.yaml`), 'utf8');
  };

  it('opens empty with a word on what media is, and uploads from the file picker', async () => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Media' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'No media yet' }).isVisible()).toBe(true);
    await page.getByLabel('Files to upload').setInputFiles([
      { name: 'blue.png', mimeType: 'image/png', buffer: await png(64, 48, '#3366cc') },
      { name: 'green.png', mimeType: 'image/png', buffer: await png(32, 32, '#33aa55') },
    ]);
    await expect.poll(() => grid().getByRole('option').count()).toBe(2);
    const items = await s.client.call('media.list', {});
    expect(items.map((m) => m.originalName).sort()).toEqual(['blue.png', 'green.png']);
    for (const m of items) expect(fs.existsSync(path.join(s.root, m.path))).toBe(true);
    // The last upload is chosen: its details are open.
    await expect
      .poll(() => page.getByRole('complementary', { name: /Details of/ }).getAttribute('aria-label'))
      .toBe('Details of green.png');
    await expect
      .poll(() =>
        grid()
          .locator('img')
          .first()
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(0);
  });

  it('moves in the grid with the arrows and saves alt text and tags to the sidecar', async () => {
    await grid().focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    // The first cell of the grid (items added in the same second may come in either order).
    const details = page.getByRole('complementary', { name: /Details of/ });
    await details.waitFor();
    first = (await details.getAttribute('aria-label'))!.replace('Details of ', '');
    other = first === 'blue.png' ? 'green.png' : 'blue.png';
    expect(await grid().getByRole('option').first().getAttribute('aria-label')).toBe(first);
    await page.getByLabel('Alt text').fill('A calm blue square');
    await page.getByLabel('Tags', { exact: true }).fill('colour, test');
    await page.getByLabel('Tags', { exact: true }).press('Enter');
    const id = (await s.client.call('media.list', {})).find((m) => m.originalName === first)!.id;
    await expect.poll(() => sidecar(id)).toContain('alt: A calm blue square');
    expect(await sidecar(id)).toMatch(/tags:\n\s+- colour\n\s+- test/);
  });

  it('shows where an item is used, links it to the open post and unlinks it', async () => {
    const item = (await s.client.call('media.list', {})).find((m) => m.originalName === first)!;
    const quay = await s.client.call('posts.get', { ref: 'quay' });
    // A post that mentions the file in its text.
    await s.client.call('posts.update', { ref: 'quay', body: `${quay.body}\n![blue](/${item.path})\n` });
    // Open the harbour post, then come back to the library: "link to the open post" is offered.
    await page.goto(
      `${s.server.url}#post/${encodeURIComponent((await s.client.call('posts.get', { ref: 'harbour' })).id)}`,
    );
    await page.getByLabel('Title', { exact: true }).waitFor();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Media' }).click();
    await grid().getByRole('option', { name: first, exact: true }).click();
    const usage = page.getByRole('region', { name: 'Used in' });
    await expect.poll(() => usage.textContent()).toContain('The old quay');
    expect(await usage.textContent()).toContain('in the text');
    await page.getByRole('button', { name: 'Link to “Harbour at dawn”' }).click();
    // The harbour post is published: its links change in its pending edits.
    const links = async () => {
      const p = await s.client.call('posts.get', { ref: 'harbour' });
      return (p.pending?.data.media as string[] | undefined) ?? p.media;
    };
    await expect.poll(links).toEqual([item.id]);
    await expect.poll(() => usage.textContent()).toContain('Harbour at dawn');
    await page.getByRole('button', { name: 'Unlink from “Harbour at dawn”' }).click();
    await expect.poll(links).toEqual([]);
  });

  it('replaces the file in place: same id and name, new pixels, links kept', async () => {
    const item = (await s.client.call('media.list', {})).find((m) => m.originalName === first)!;
    await page.getByLabel('New file for this item').setInputFiles({
      name: 'bigger.png',
      mimeType: 'image/png',
      buffer: await png(120, 90, '#cc3333'),
    });
    await expect.poll(async () => (await s.client.call('media.get', { id: item.id })).width).toBe(120);
    const after = await s.client.call('media.get', { id: item.id });
    expect(after.path).toBe(item.path);
    expect(after.alt).toBe('A calm blue square');
    // A file of another kind is refused with the reason, and nothing changes.
    await page.getByLabel('New file for this item').setInputFiles({
      name: 'photo.jpg',
      mimeType: 'image/jpeg',
      buffer: await sharp({ create: { width: 10, height: 10, channels: 3, background: '#000' } })
        .jpeg()
        .toBuffer(),
    });
    await expect
      .poll(() =>
        page
          .getByRole('alert')
          .filter({ hasText: /Replacing/ })
          .count(),
      )
      .toBeGreaterThan(0);
    expect((await s.client.call('media.get', { id: item.id })).width).toBe(120);
  });

  it('saves screenshots of the media library in light and dark, desktop and phone', async () => {
    const item = (await s.client.call('media.list', {}))[0]!;
    const files = await saveScreenshots(
      app,
      'media',
      `#media/${encodeURIComponent(item.id)}`,
      async (shot) => {
        await shot.getByRole('complementary', { name: /Details of/ }).waitFor();
        await shot.waitForTimeout(400);
      },
    );
    for (const file of files) expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });

  it('deletes an item after confirmation; its files go', async () => {
    const item = (await s.client.call('media.list', {})).find((m) => m.originalName === other)!;
    await grid().getByRole('option', { name: other, exact: true }).click();
    await page.getByRole('button', { name: 'Delete…' }).click();
    const dialog = page.getByRole('dialog', { name: `Delete ${other}?` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(fs.existsSync(path.join(s.root, item.path))).toBe(true);
    await page.getByRole('button', { name: 'Delete…' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => fs.existsSync(path.join(s.root, item.path))).toBe(false);
    expect(fs.existsSync(path.join(s.root, `${item.path}.meta.yaml`))).toBe(false);
    await expect.poll(() => grid().getByRole('option').count()).toBe(1);
  });

  it('completes tags in the post editor and shows them in their colours', async () => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Posts' }).click();
    await page
      .getByRole('listbox', { name: 'Posts' })
      .getByRole('option', { name: /Harbour at dawn/ })
      .click();
    const tags = page.getByRole('combobox', { name: 'Tags' });
    await tags.fill('sea, st');
    const suggestions = page.getByRole('listbox', { name: 'Tag suggestions' });
    await expect.poll(() => suggestions.getByRole('option').allTextContents()).toEqual(['stone1']);
    await tags.press('Enter');
    expect(await tags.inputValue()).toBe('sea, stone, ');
    const chip = page.getByLabel('Tags of this post').getByText('stone', { exact: true });
    const background = await chip.evaluate(
      (el) =>
        (
          globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }
        ).getComputedStyle(el).backgroundColor,
    );
    expect(background).toBe('rgb(242, 204, 96)');
    // A published post: the edit waits in its pending edits.
    await expect
      .poll(async () => (await s.client.call('posts.get', { ref: 'harbour' })).pending?.data.tags)
      .toEqual(['sea', 'stone']);
  });

  it('compares the pending edits of a published post with the published text', async () => {
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\nA line only in the edits.');
    await expect.poll(async () => (await s.client.call('posts.get', { ref: 'harbour' })).hasDraft).toBe(true);
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect.poll(() => page.locator('.cm-changedLine').count()).toBeGreaterThan(0);
    expect((await page.locator('.cm-changedLine').allTextContents()).join('\n')).toContain(
      'A line only in the edits.',
    );
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect.poll(() => page.locator('.cm-changedLine').count()).toBe(0);
  });
});
