// The Templates section in real Chromium through a real `bds serve`: the theme's post template overridden
// (copied to templates/), edited with a Liquid error shown at its line, fixed, the preview of a post
// showing the edit before it is saved, then saved with Ctrl+S, and the built site using it.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import type { ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { openApp, saveScreenshots, type OpenApp } from '../helpers/web.js';

describeWith(['chromium'], 'the templates section in Chromium', () => {
  let app: OpenApp;
  let s: ServedProject;
  let page: Page;
  const userFile = () => path.join(s.root, 'templates', 'post.liquid');
  const editor = () => page.getByRole('textbox', { name: 'Template post (Liquid)' });
  const problems = () => page.getByLabel('Problems in the template');
  const preview = () => page.frameLocator('iframe[title="Preview with the template"]');

  /** Replaces the editor's whole text, as a person selecting all and pasting. */
  const replaceText = async (text: string) => {
    await editor().click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(text);
  };

  beforeAll(async () => {
    app = await openApp(
      { 'posts/2026/01/hello.md': samplePost({ slug: 'hello', title: 'Hello' }, 'The body.\n') },
      { timeoutMs: 20_000 },
    );
    ({ s, page } = app);
    await page.getByRole('listbox', { name: 'Posts' }).getByRole('option').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('overrides the post template, shows a Liquid error at its line, previews the fix, saves it, and the build uses it', async () => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Templates' }).click();
    const list = page.getByRole('listbox', { name: 'Templates' });
    await list
      .getByRole('group', { name: 'Theme templates' })
      .getByRole('option', { name: /^post / })
      .click();
    await page.getByText('Theme template, read only').waitFor();
    const builtin = (await s.client.call('templates.get', { name: 'post' })).content;
    expect(fs.existsSync(userFile())).toBe(false);

    // Override: the theme's text is copied to templates/post.liquid, and the template is now the user's.
    await page.getByRole('button', { name: 'Override this template' }).click();
    await expect.poll(() => fs.existsSync(userFile()) && fs.readFileSync(userFile(), 'utf8')).toBe(builtin);
    await list
      .getByRole('group', { name: 'Your templates' })
      .getByRole('option', { name: /^post / })
      .waitFor();
    await problems().getByText('No problems').waitFor();

    // A filter that does not exist, on the title's line, is reported at that line and underlined.
    const lines = builtin.split('\n');
    const titleLine = lines.findIndex((l) => l.includes('{{ post.title | escape }}'));
    expect(titleLine).toBeGreaterThan(0);
    const broken = [...lines];
    broken[titleLine] = broken[titleLine]!.replace('post.title | escape', 'post.title | shout');
    await replaceText(broken.join('\n'));
    await expect
      .poll(() => problems().textContent())
      .toMatch(new RegExp(`Line ${titleLine + 1}:\\d+: .*shout`));
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);

    // Fixed: no problems, and the preview of the post shows the edit while the file is unchanged.
    const edited = [...lines];
    edited[titleLine] = edited[titleLine]!.replace('{{ post.title', 'Edited: {{ post.title');
    await replaceText(edited.join('\n'));
    await problems().getByText('No problems').waitFor();
    await preview().getByRole('heading', { name: 'Edited: Hello' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'With your unsaved edits' }).waitFor();
    expect(fs.readFileSync(userFile(), 'utf8')).toBe(builtin);

    // Saved with Ctrl+S; the site built from it uses it.
    await editor().press('Control+s');
    await expect.poll(() => fs.readFileSync(userFile(), 'utf8')).toBe(edited.join('\n'));
    await page.getByRole('toolbar', { name: 'Template actions' }).getByText('Saved').waitFor();
    await s.client.call('site.build', {});
    const built = fs.readFileSync(
      path.join(s.root, 'html', '2026', '01', '15', 'hello', 'index.html'),
      'utf8',
    );
    expect(built).toContain('Edited: Hello');
    // After the save, the frame reloads and shows the saved template itself.
    await preview().getByRole('heading', { name: 'Edited: Hello' }).waitFor();
  }, 120_000);

  it("goes back to the theme's template after confirmation: the file is removed", async () => {
    await page.goto(`${s.server.url}#template/post`);
    await page.getByRole('button', { name: "Use the theme's" }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove my template' }).click();
    await expect.poll(() => fs.existsSync(userFile())).toBe(false);
    await page.getByText('Theme template, read only').waitFor();
    await page
      .getByRole('listbox', { name: 'Templates' })
      .getByRole('group', { name: 'Theme templates' })
      .getByRole('option', { name: /^post / })
      .waitFor();
    await page.getByRole('button', { name: 'Override this template' }).waitFor();
  });

  it('on a phone, the editor and the preview take turns', async () => {
    const phone = await app.browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const p = await phone.newPage();
      await p.goto(s.server.loginUrl);
      await p.goto(`${s.server.url}#template/post`);
      await p.getByText('Theme template, read only').waitFor();
      const frame = p.locator('iframe[title="Preview with the template"]');
      expect(await frame.isVisible()).toBe(false);
      await p.getByRole('button', { name: 'Preview' }).click();
      await p
        .frameLocator('iframe[title="Preview with the template"]')
        .getByRole('heading', { name: 'Hello' })
        .waitFor();
      await p.getByRole('button', { name: 'Edit' }).click();
      await p.getByRole('textbox', { name: 'Template post (Liquid)' }).waitFor();
    } finally {
      await phone.close();
    }
  });

  it('saves screenshots of the section in light and dark', async () => {
    const { content } = await s.client.call('templates.get', { name: 'post' });
    await s.client.call('templates.save', {
      name: 'post',
      content: content.replace('{{ post.title | escape }}', 'Edited: {{ post.title | escape }}'),
    });
    const files = await saveScreenshots(app, 'templates', '#template/post', (shot, desktop) =>
      desktop
        ? shot
            .frameLocator('iframe[title="Preview with the template"]')
            .getByRole('heading', { name: 'Edited: Hello' })
            .waitFor()
        : shot.getByLabel('Problems in the template').getByText('No problems').waitFor(),
    );
    for (const file of files) expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });
});
