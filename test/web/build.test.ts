// Build and tasks in real Chromium through a real `bds serve`: Ctrl-B opens the build panel, the build's
// summary lists a macro failure as a link that opens the post at its line and column, and a long build
// (a post whose Python macro works for seconds) is cancelled from the panel and shows as cancelled.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import type { ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { openApp, saveScreenshots, type OpenApp } from '../helpers/web.js';

const MANY = 200;

describeWith(['chromium'], 'build and tasks in Chromium', () => {
  let app: OpenApp;
  let s: ServedProject;
  let page: Page;

  beforeAll(async () => {
    const files: Record<string, string> = {
      'posts/2026/04/broken.md': samplePost(
        { slug: 'broken', title: 'Broken macro', createdAt: '2026-04-02T10:00:00Z' },
        'First line.\n\nSecond paragraph with [[boom size=2]] inside.\n',
      ),
    };
    for (let i = 0; i < MANY; i++) {
      files[`posts/2025/${String((i % 12) + 1).padStart(2, '0')}/p${i}.md`] = samplePost(
        { slug: `p${i}`, title: `Post ${i}`, tags: [`t${i % 30}`] },
        `Body ${i}.\n\n${'Some words to render. '.repeat(30)}\n`,
      );
    }
    app = await openApp(files, { timeoutMs: 30_000 });
    ({ s, page } = app);
    await s.client.call('scripts.create', {
      title: 'Boom',
      kind: 'macro',
      slug: 'boom',
      code: 'def render(context, post):\n    raise ValueError("boom goes the macro")\n',
    });
    await page.getByRole('listbox', { name: 'Posts' }).getByRole('option').first().waitFor();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  const panel = () => page.getByRole('dialog', { name: 'Build and tasks' });

  it('Ctrl-B builds; a macro failure is a link that opens the post at its line and column', async () => {
    await page.keyboard.press('Control+b');
    await expect.poll(() => panel().isVisible()).toBe(true);
    const findings = panel().getByRole('list', { name: 'Macro failures and warnings' });
    await expect.poll(() => findings.textContent(), { timeout: 120_000 }).toContain('boom goes the macro');
    expect(await panel().getByRole('status').textContent()).toMatch(/Built in .*pages written/);
    const link = findings.getByRole('button', { name: /posts\/2026\/04\/broken\.md:\d+:\d+/ });
    const [, line, column] = /:(\d+):(\d+)$/.exec((await link.textContent()) ?? '')!;
    const fileLines = fs.readFileSync(`${s.root}/posts/2026/04/broken.md`, 'utf8').split('\n');
    expect(fileLines[Number(line) - 1]!.slice(Number(column) - 1)).toMatch(/^\[\[boom/);
    await link.click();
    await expect.poll(() => panel().isVisible()).toBe(false);
    await expect.poll(() => page.locator('.cm-activeLine').textContent()).toContain('[[boom size=2]]');
  }, 180_000);

  it('a long build is cancelled from the panel and shows as cancelled among the tasks', async () => {
    // A macro that works for a few seconds keeps the build busy long enough to cancel it.
    await s.client.call('scripts.create', {
      title: 'Slowpoke',
      kind: 'macro',
      slug: 'slowpoke',
      code: 'import time\n\ndef render(context, post):\n    end = time.time() + 3\n    while time.time() < end:\n        pass\n    return "<i>slow</i>"\n',
    });
    fs.writeFileSync(
      `${s.root}/posts/2026/04/slow.md`,
      samplePost({ slug: 'slow', title: 'Slow' }, 'Wait [[slowpoke]].\n'),
    );
    await expect
      .poll(async () => (await s.client.call('posts.list', {})).some((p) => p.slug === 'slow'))
      .toBe(true);
    await page.getByRole('contentinfo').getByRole('button', { name: 'Build', exact: true }).click();
    await panel().getByRole('button', { name: 'Strict build' }).waitFor();
    void s.client.call('site.build', { force: true }).catch(() => {});
    const tasks = panel().getByRole('list', { name: 'Tasks' });
    const running = tasks.getByRole('listitem').filter({ hasText: /Build site\s*\d+%/ });
    await running.getByRole('button', { name: 'Cancel' }).click({ timeout: 60_000 });
    await expect.poll(() => tasks.textContent(), { timeout: 60_000 }).toMatch(/Build site\s*cancelled/);
    // The next build is whole. While it runs (the slow macro takes seconds) the panel shows its progress,
    // not the summary of the build before.
    await panel().getByRole('button', { name: 'Build', exact: true }).click();
    expect(await panel().getByRole('status').textContent()).not.toMatch(/Built in/);
    await expect.poll(() => panel().getByRole('status').textContent()).toMatch(/\d+%/);
    await expect
      .poll(() => panel().getByRole('status').textContent(), { timeout: 120_000 })
      .toMatch(/Built in .*pages written/);
    expect(fs.existsSync(`${s.root}/html/index.html`)).toBe(true);
    expect(fs.readFileSync(`${s.root}/html/2026/01/15/slow/index.html`, 'utf8')).toContain('<i>slow</i>');
    await page.keyboard.press('Escape');
  }, 240_000);

  it('saves screenshots of the build panel in light and dark, desktop and phone', async () => {
    const files = await saveScreenshots(app, 'build', '', async (shot) => {
      await shot
        .getByRole('listbox', { name: 'Posts' })
        .getByRole('option')
        .first()
        .waitFor({ timeout: 30_000 });
      await shot.getByRole('contentinfo').getByRole('button', { name: 'Build', exact: true }).click();
      const dialog = shot.getByRole('dialog', { name: 'Build and tasks' });
      await dialog.getByRole('button', { name: 'Build', exact: true }).click();
      await dialog.getByText(/Built in .*pages written/).waitFor({ timeout: 120_000 });
    });
    for (const f of files) expect(fs.statSync(f).size).toBeGreaterThan(10_000);
  }, 300_000);

  it('a build with nothing changed since the last one says the site is up to date', async () => {
    // Without the failing macro's post, a build leaves its stamp; the next one finds nothing to do.
    fs.rmSync(`${s.root}/posts/2026/04/broken.md`);
    await expect
      .poll(async () => (await s.client.call('posts.list', {})).some((p) => p.slug === 'broken'))
      .toBe(false);
    await page.getByRole('contentinfo').getByRole('button', { name: 'Build', exact: true }).click();
    const status = () => panel().getByRole('status').textContent();
    await panel().getByRole('button', { name: 'Build', exact: true }).click();
    await expect.poll(status, { timeout: 120_000 }).toMatch(/Built in .*pages written/);
    await panel().getByRole('button', { name: 'Build', exact: true }).click();
    await expect
      .poll(status, { timeout: 120_000 })
      .toMatch(/Up to date: nothing changed since the last build/);
    await page.keyboard.press('Escape');
  }, 240_000);
});
