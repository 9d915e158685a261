// The web UI as a writer uses it, in real Chromium through a real `bds serve`: open the app, start a
// post, type, see it saved and in the preview, add tags, publish it into the built site, take an edit
// made on disk, choose between versions when both changed, and walk it with the keyboard. Screenshots of
// the main screens (light and dark, desktop and phone) go to test-output/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import type { ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { openApp, saveScreenshots, type OpenApp } from '../helpers/web.js';

describeWith(['chromium'], 'the posts screen in Chromium', () => {
  let app: OpenApp;
  let s: ServedProject;
  let page: Page;

  beforeAll(async () => {
    app = await openApp(
      {
        'posts/2026/01/harbour.md': samplePost({ slug: 'harbour', title: 'Harbour at dawn', tags: ['sea'] }),
        'posts/2026/01/ferry.md': samplePost(
          { slug: 'ferry', title: 'Night ferry', status: 'draft' },
          'The ferry leaves at ten.\n',
        ),
      },
      { timeoutMs: 15_000 },
    );
    ({ s, page } = app);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  const postFile = async (slug: string) => {
    const p = await s.client.call('posts.get', { ref: slug });
    return fs.readFileSync(path.join(s.root, p.pending?.path ?? p.path), 'utf8');
  };

  it('lists the posts and opens one from the list', async () => {
    const list = page.getByRole('listbox', { name: 'Posts' });
    await expect.poll(() => list.getByRole('option').count()).toBe(2);
    await list.getByRole('option', { name: /Night ferry/ }).click();
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe('Night ferry');
    await expect.poll(() => page.locator('.cm-content').textContent()).toContain('The ferry leaves at ten.');
  });

  it('a new post: type, autosave to its file, see it in the preview, add tags', async () => {
    await page.getByRole('button', { name: 'New post' }).click();
    const title = page.getByLabel('Title', { exact: true });
    await expect.poll(() => title.inputValue()).toBe('Untitled');
    await title.fill('Lighthouse keepers');
    await page.locator('.cm-content').click();
    await page.keyboard.type('They keep the light burning through the storm.');
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Saved$/ })
          .count(),
      )
      .toBe(1);
    const created = (await s.client.call('posts.list', {})).find((p) => p.title === 'Lighthouse keepers')!;
    expect(created).toBeDefined();
    expect(await postFile(created.id)).toContain('They keep the light burning through the storm.');

    const preview = page.frameLocator('iframe[title="Preview of the post"]');
    await expect
      .poll(() => preview.locator('body').textContent(), { timeout: 20_000 })
      .toContain('They keep the light burning');

    await page.getByLabel('Tags').fill('sea, night');
    await expect
      .poll(async () => (await s.client.call('posts.get', { ref: created.id })).tags)
      .toEqual(['sea', 'night']);
  });

  it('the preview shows unsaved text in place as it is typed (no save, no reload)', async () => {
    // Let the reload of the last save settle first.
    await page.waitForTimeout(1500);
    const frame = page.frames().find((f) => f.url().includes('/_draft/'))!;
    await frame.evaluate(() => {
      (globalThis as unknown as { bdsMarker: boolean }).bdsMarker = true;
    });
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    const t0 = Date.now();
    await page.keyboard.type(' Zephyrwords.');
    await expect
      .poll(() => frame.locator('main').textContent(), { timeout: 10_000 })
      .toContain('Zephyrwords');
    const ms = Date.now() - t0;
    // Still the same document: the text came by the live path, not by a reload after the save.
    expect(await frame.evaluate(() => (globalThis as unknown as { bdsMarker?: boolean }).bdsMarker)).toBe(
      true,
    );
    process.stderr.write(`live preview: typed text shown ${ms} ms after typing began\n`);
  });

  it('pasting an image imports it into the media library, links it and inserts it', async () => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3366cc' } })
      .png()
      .toBuffer();
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    // A paste as the browser makes it (the test compiles without the DOM types, so they are named here).
    await page.locator('.cm-content').evaluate((el, b64) => {
      const w = globalThis as unknown as {
        DataTransfer: new () => { items: { add(f: File): void } };
        ClipboardEvent: new (type: string, init: object) => Event;
      };
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new w.DataTransfer();
      dt.items.add(new File([bytes], 'harbour sketch.png', { type: 'image/png' }));
      el.dispatchEvent(new w.ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, png.toString('base64'));
    await expect
      .poll(() => page.locator('.cm-content').textContent())
      .toMatch(/!\[harbour sketch\.png\]\(\/media\//);
    const media = await s.client.call('media.list', {});
    expect(media.map((m) => m.originalName)).toContain('harbour sketch.png');
    const id = (await s.client.call('posts.list', {})).find((x) => x.title === 'Lighthouse keepers')!.id;
    await expect
      .poll(async () => (await s.client.call('posts.get', { ref: id })).media)
      .toEqual([media[0]!.id]);
    // Saved with the post, and shown by the preview as an image.
    await expect.poll(() => postFile(id)).toMatch(/!\[harbour sketch\.png\]\(\/media\/\d{4}\/\d{2}\//);
  });

  it('publishing puts the post into the built site', async () => {
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect.poll(() => page.locator('.status-word').textContent()).toBe('published');
    const summary = await s.client.call('site.build', {});
    expect(summary.failures).toEqual([]);
    const id = (await s.client.call('posts.list', {})).find((x) => x.title === 'Lighthouse keepers')!.id;
    const p = await s.client.call('posts.get', { ref: id });
    const html = fs.readFileSync(
      path.join(s.root, 'html', ...p.dateKey.split('-'), p.slug, 'index.html'),
      'utf8',
    );
    expect(html).toContain('They keep the light burning through the storm.');
  });

  it('an edit made on disk reaches the open editor', async () => {
    await page
      .getByRole('listbox', { name: 'Posts' })
      .getByRole('option', { name: /Night ferry/ })
      .click();
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe('Night ferry');
    const p = await s.client.call('posts.get', { ref: 'ferry' });
    const file = path.join(s.root, p.path);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('leaves at ten', 'leaves at eleven'));
    await expect.poll(() => page.locator('.cm-content').textContent()).toContain('leaves at eleven');
  });

  it('when the file changed on disk under unsaved edits, both versions are offered and nothing is lost', async () => {
    const p = await s.client.call('posts.get', { ref: 'ferry' });
    const file = path.join(s.root, p.path);
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' Mine, typed in the app.');
    // Before the autosave: another editor writes the file.
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('leaves at eleven', 'leaves at noon'));
    const alert = page.getByRole('alert').filter({ hasText: 'changed on disk' });
    await alert.waitFor();
    await alert.getByText('Show the version on disk').click();
    expect(await alert.textContent()).toContain('leaves at noon');
    await alert.getByRole('button', { name: 'Keep mine' }).click();
    await expect.poll(() => fs.readFileSync(file, 'utf8')).toContain('Mine, typed in the app.');
  });

  it('keyboard: Ctrl+K opens a post by title; the search box, arrows and Enter open one from the list', async () => {
    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog', { name: 'Command palette' });
    await palette.waitFor();
    await page.keyboard.type('dawn');
    await expect.poll(() => palette.getByRole('option').first().textContent()).toContain('Harbour at dawn');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe('Harbour at dawn');
    expect(await palette.isVisible()).toBe(false);

    await page.getByLabel('Search posts').focus();
    await page.keyboard.type('ferry');
    await expect.poll(() => page.getByRole('listbox', { name: 'Posts' }).getByRole('option').count()).toBe(1);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe('Night ferry');
    await page.getByLabel('Search posts').fill('');

    // A command from the palette: the theme.
    await page.keyboard.press('Control+k');
    await page.keyboard.type('theme dark');
    await page.keyboard.press('Enter');
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } })
              .document.documentElement.dataset.theme,
        ),
      )
      .toBe('dark');
    await page.keyboard.press('Control+k');
    await page.keyboard.type('theme system');
    await page.keyboard.press('Enter');
    await expect.poll(() => palette.isVisible()).toBe(false);
  });

  it('filters the list by tag, category, year and month', async () => {
    const list = page.getByRole('listbox', { name: 'Posts' });
    await page.getByLabel('Tag', { exact: true }).selectOption('sea');
    await expect
      .poll(async () =>
        (await list.getByRole('option').allTextContents()).map((t) => t.replace(/\d{4}-.*/, '')).sort(),
      )
      .toEqual(['Harbour at dawn', 'Lighthouse keepers']);
    // A whole year keeps all of its posts, a month only its own.
    const of2026 = (await s.client.call('posts.list', {})).filter(
      (p) => p.tags.includes('sea') && p.dateKey.startsWith('2026'),
    ).length;
    await page.getByLabel('Month', { exact: true }).selectOption('2026');
    await expect.poll(() => list.getByRole('option').count()).toBe(of2026);
    await page.getByLabel('Month', { exact: true }).selectOption('2026-01');
    await expect.poll(() => list.getByRole('option').count()).toBe(1);
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => list.getByRole('option').count()).toBe(3);
  });

  it('saves screenshots of the posts screen in light and dark, desktop and phone', async () => {
    const id = (await s.client.call('posts.get', { ref: 'harbour' })).id;
    const files = await saveScreenshots(
      app,
      'posts',
      `#post/${encodeURIComponent(id)}`,
      async (shot, desktop) => {
        await shot.getByLabel('Title', { exact: true }).waitFor();
        await shot.waitForTimeout(desktop ? 1500 : 300);
      },
    );
    for (const file of files) expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });
});
