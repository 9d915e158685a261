// Settings in real Chromium through a real `bds serve`: a machine setting refused with the reason at the
// field and nothing saved, then a good value saved; the Python runtime mode switched (and a macro still
// renders in it); the scripts rebuilt from Data with what the rebuild found; tags renamed, merged and
// coloured.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import type { ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { openApp, saveScreenshots, type OpenApp } from '../helpers/web.js';

describeWith(['chromium'], 'settings in Chromium', () => {
  let app: OpenApp;
  let s: ServedProject;
  let page: Page;

  beforeAll(async () => {
    app = await openApp(
      {
        'posts/2026/05/a.md': samplePost({ slug: 'a', title: 'A', tags: ['travel'] }),
        'posts/2026/05/b.md': samplePost({ slug: 'b', title: 'B', tags: ['trips', 'food'] }),
      },
      { timeoutMs: 20_000 },
    );
    ({ s, page } = app);
    await page.getByRole('listbox', { name: 'Posts' }).getByRole('option').first().waitFor();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Settings' }).click();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('refuses a bad value at its field, saves a good one', async () => {
    const field = page.getByLabel('macroTimeoutMs');
    await field.fill('5');
    await field.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('macroTimeoutMs');
    expect((await s.client.call('settings.get', { key: 'macroTimeoutMs' })).value).toBe(5000);
    await field.fill('2500');
    await field.press('Enter');
    await expect
      .poll(async () => (await s.client.call('settings.get', { key: 'macroTimeoutMs' })).value)
      .toBe(2500);
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);
  });

  it('switches the Python runtime mode, explains it, and a macro still runs', async () => {
    await page.getByLabel('pythonRuntimeMode').selectOption('main-thread');
    await expect
      .poll(async () => (await s.client.call('settings.get', { key: 'pythonRuntimeMode' })).value)
      .toBe('main-thread');
    await expect
      .poll(() => page.getByText(/The fallback: Python runs inside the server process/).count())
      .toBe(1);
    await s.client.call('scripts.create', {
      title: 'stamp',
      kind: 'macro',
      code: 'def render(context, post):\n    return "<i>stamped</i>"\n',
      enabled: true,
    });
    await s.client.call('posts.update', { ref: 'a', body: 'x [[stamp]] y\n' });
    const html = await (
      await fetch(
        new URL('_draft/' + (await s.client.call('posts.get', { ref: 'a' })).id + '/', s.server.previewUrl),
      )
    ).text();
    expect(html).toContain('<i>stamped</i>');
    await page.getByLabel('pythonRuntimeMode').selectOption('worker');
    await expect
      .poll(async () => (await s.client.call('settings.get', { key: 'pythonRuntimeMode' })).value)
      .toBe('worker');
  });

  it('rebuilds the scripts from Data and says what it found', async () => {
    fs.writeFileSync(
      path.join(s.root, 'scripts/broken.py'),
      '"""\ntitle: [unclosed\n"""\ndef main(context):\n    return 1\n',
    );
    await page.getByRole('button', { name: 'Rebuild scripts' }).click();
    const report = page.getByRole('status').filter({ hasText: 'Rebuild scripts: done' });
    await expect.poll(() => report.textContent()).toMatch(/Scripts: \d+ read/);
    expect(await report.textContent()).toContain('scripts/broken.py');
    // Posts alone, as a task of its own: only posts are read again.
    await page.getByRole('button', { name: 'Rebuild posts' }).click();
    const posts = page.getByRole('status').filter({ hasText: 'Rebuild posts: done' });
    await expect.poll(() => posts.textContent()).toMatch(/Posts: \d+ read/);
    expect(await posts.textContent()).not.toContain('Scripts:');
  });

  it('renames a tag, merges another into it and sets its colour, in every post', async () => {
    const tags = page.getByRole('list', { name: 'Tags' });
    const row = (name: string) => tags.getByRole('listitem').filter({ hasText: name });
    await row('travel').getByRole('button', { name: 'Rename…' }).click();
    await page.getByLabel('New name for travel').fill('voyage');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await expect.poll(async () => (await s.client.call('posts.get', { ref: 'a' })).tags).toEqual(['voyage']);
    await expect.poll(() => row('voyage').count()).toBe(1);
    await row('trips').getByRole('button', { name: 'Merge into…' }).click();
    await page.getByLabel('Merge trips into').fill('voyage');
    await page.getByRole('button', { name: 'Merge', exact: true }).click();
    await expect
      .poll(async () => (await s.client.call('posts.get', { ref: 'b' })).tags.sort())
      .toEqual(['food', 'voyage']);
    await expect.poll(() => row('voyage').textContent()).toContain('2 posts');
    await row('voyage').getByLabel('Colour of voyage').fill('#3366cc');
    await expect
      .poll(async () => (await s.client.call('tags.list', {})).find((t) => t.name === 'voyage')?.color)
      .toBe('#3366cc');
  });

  it('saves screenshots of the settings in light and dark, desktop and phone', async () => {
    const files = await saveScreenshots(app, 'settings', '#settings', (shot) =>
      shot.getByLabel('pythonRuntimeMode').waitFor(),
    );
    for (const file of files) expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });
});
