// The Scripts section in real Chromium through a real `bds serve` (Python on the server's workers): make a
// macro, see a syntax error underlined as it is typed and go away when fixed, save it and use it in a
// post's preview; run a utility and read its output and result; trust a script that came from outside;
// rename and delete with confirmation. Screenshots in light and dark, desktop and phone.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import type { ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { openApp, saveScreenshots, type OpenApp } from '../helpers/web.js';

describeWith(['chromium'], 'the scripts section in Chromium', () => {
  let app: OpenApp;
  let s: ServedProject;
  let page: Page;

  beforeAll(async () => {
    app = await openApp(
      {
        'posts/2026/04/shouting.md': samplePost(
          { slug: 'shouting', title: 'Shouting', status: 'draft' },
          'Before.\n\n[[shout text="hello"]]\n\nAfter.\n',
        ),
      },
      { timeoutMs: 20_000 },
    );
    ({ s, page } = app);
    await page.getByRole('listbox', { name: 'Posts' }).getByRole('option').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
  const editor = () => page.getByRole('textbox', { name: 'Script code (Python)' });
  const problems = () => page.getByLabel('Problems in the script');

  /** A new script from the Scripts section, its code typed over the starter and saved. */
  const newScript = async (title: string, kind: 'macro' | 'utility', code: string) => {
    await page.getByLabel('New script title').fill(title);
    await page.getByLabel('Kind of the new script').selectOption(kind);
    await page.getByRole('button', { name: '+ New' }).click();
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe(title);
    await editor().click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(code);
    await page.keyboard.press('Control+s');
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Saved$/ })
          .count(),
      )
      .toBe(1);
  };

  it('makes a macro from the starter, underlines a syntax error as it is typed, and clears it when fixed', async () => {
    await nav('Scripts');
    await page.getByLabel('New script title').fill('Shout');
    await page.getByLabel('Kind of the new script').selectOption('macro');
    await page.getByRole('button', { name: '+ New' }).click();
    await expect.poll(() => page.getByLabel('Title', { exact: true }).inputValue()).toBe('Shout');
    // The first check waits for the server's Python to start.
    await expect.poll(() => problems().textContent(), { timeout: 30_000 }).toContain('No problems');

    await editor().click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(
      'def render(context, post):\n    return "<b>" + (context["params"].get("text", "")\n',
    );
    await expect.poll(() => problems().textContent(), { timeout: 10_000 }).toMatch(/Line \d+:\d+/);
    await expect.poll(() => page.locator('.cm-lintRange-error').count()).toBeGreaterThan(0);
    // Fix it: close the parenthesis and upper-case the text.
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText(
      'def render(context, post):\n    return "<b>" + context["params"].get("text", "").upper() + "</b>"\n',
    );
    await expect.poll(() => problems().textContent(), { timeout: 10_000 }).toContain('No problems');
    expect(await page.locator('.cm-lintRange-error').count()).toBe(0);

    await page.keyboard.press('Control+s');
    await expect
      .poll(() =>
        page
          .getByRole('status')
          .filter({ hasText: /^Saved$/ })
          .count(),
      )
      .toBe(1);
    const file = fs.readFileSync(path.join(s.root, 'scripts/shout.py'), 'utf8');
    expect(file).toContain('.upper()');

    // The bds_api reference beside it: a macro may call only what reads.
    await page.getByRole('button', { name: 'API' }).click();
    const reference = page.getByRole('complementary', { name: 'bds_api reference' });
    await reference.getByLabel('Search the API').fill('slug');
    await expect.poll(() => reference.textContent()).toContain('get_by_slug(slug)');
    await reference.getByLabel('Search the API').fill('posts.create');
    await expect.poll(() => reference.locator('li.unavailable').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Close the reference' }).click();
  });

  it('the saved macro renders in the post preview', async () => {
    const post = await s.client.call('posts.get', { ref: 'shouting' });
    await page.goto(`${s.server.url}#post/${encodeURIComponent(post.id)}`);
    const preview = page.frameLocator('iframe[title="Preview of the post"]');
    await expect
      .poll(() => preview.locator('main').innerHTML(), { timeout: 20_000 })
      .toContain('<b>HELLO</b>');
  });

  it('marks macros in the post editor by what runs them, not inside code, and completes their names', async () => {
    // The post of the test before is open.
    const marked = page.locator('.cm-content [data-macro]');
    await expect.poll(() => marked.getAttribute('data-macro')).toBe('python');
    expect(await marked.getAttribute('title')).toContain('scripts/shout.py');
    expect(await marked.getAttribute('title')).toContain('text="hello"');
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.insertText('\n`[[shout]]` and [[nothing_here]] and ');
    await expect
      .poll(() =>
        page
          .locator('.cm-content [data-macro]')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-macro'))),
      )
      .toEqual(['python', 'unknown']);
    await page.keyboard.type('[[yout');
    const option = page.getByRole('option', { name: /youtube/ });
    await option.waitFor();
    // CodeMirror takes Enter for a completion only once its list has been open a moment (75 ms).
    await page.waitForTimeout(150);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.cm-content').textContent()).toContain('[[youtube');
  });

  it('runs a utility and shows its output and result', async () => {
    await nav('Scripts');
    await newScript(
      'Count posts',
      'utility',
      'import bds_api\n\ndef main(context):\n    posts = bds_api.posts.list()\n    print("counted", len(posts))\n    return {"posts": len(posts), "who": context["params"].get("who")}\n',
    );
    await page.getByLabel('Parameters (JSON)').fill('{"who": "me"}');
    await page.getByRole('button', { name: 'Run' }).click();
    const result = page.getByRole('region', { name: 'Run' });
    await expect.poll(() => result.textContent(), { timeout: 20_000 }).toContain('Done');
    expect(await result.getByLabel('Output').textContent()).toContain('counted 1');
    expect(JSON.parse((await result.getByLabel('Result').textContent())!)).toEqual({ posts: 1, who: 'me' });
  });

  it("shows a run's output as it comes and stops a runaway utility", async () => {
    await newScript(
      'Spin',
      'utility',
      'def main(context):\n    i = 0\n    while True:\n        i += 1\n        if i % 200000 == 0:\n            print("still going", i)\n',
    );
    await page.getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => page.getByLabel('Output so far').textContent(), { timeout: 20_000 })
      .toContain('still going');
    await page.getByRole('button', { name: 'Stop' }).click();
    const result = page.getByRole('region', { name: 'Run' });
    await expect.poll(() => result.textContent(), { timeout: 10_000 }).toContain('Stopped');
    expect(await page.getByRole('button', { name: 'Run' }).isEnabled()).toBe(true);
  });

  it('a script from outside is marked untrusted and runs once trusted', async () => {
    fs.writeFileSync(path.join(s.root, 'scripts/stranger.py'), 'def main(context):\n    return 7\n');
    const list = page.getByRole('listbox', { name: 'Scripts' });
    await expect
      .poll(() => list.getByRole('option', { name: /stranger/ }).textContent())
      .toContain('untrusted');
    await list.getByRole('option', { name: /stranger/ }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Not trusted' }).count()).toBe(1);
    // Not trusted: it runs only in the browser's sandbox (python-browser.test.ts tries that), never here.
    await expect
      .poll(() => page.getByRole('region', { name: 'Run' }).textContent())
      .toContain("runs only in the browser's sandbox, without bds_api");
    await page.getByRole('button', { name: 'Trust this version' }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Not trusted' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Run' }).getByLabel('Result').textContent(), {
        timeout: 20_000,
      })
      .toBe('7');
    expect(await page.getByRole('region', { name: 'Run' }).getByRole('status').textContent()).toContain(
      'on the server, with bds_api',
    );
  });

  it('saves screenshots of the scripts screen in light and dark, desktop and phone', async () => {
    const shout = await s.client.call('scripts.get', { ref: 'shout' });
    const files = await saveScreenshots(app, 'scripts', `#script/${encodeURIComponent(shout.id)}`, (shot) =>
      shot.getByLabel('Problems in the script').filter({ hasText: 'No problems' }).waitFor(),
    );
    for (const file of files) expect(fs.statSync(file).size).toBeGreaterThan(10_000);
  });

  it('renames (naming the posts still using the old name) and deletes after confirmation', async () => {
    await page.goto(`${s.server.url}#scripts`);
    await page.getByRole('listbox', { name: 'Scripts' }).getByRole('option', { name: /Shout/ }).click();
    await page.getByRole('button', { name: 'Rename…' }).click();
    await page.getByLabel('New macro name').fill('yell');
    await page.getByRole('button', { name: 'Rename', exact: true }).click();
    await expect
      .poll(() => page.locator('.toast').allTextContents())
      .toContainEqual(expect.stringContaining('Still using the old name: shouting'));
    expect(fs.existsSync(path.join(s.root, 'scripts/yell.py'))).toBe(true);
    await page.getByRole('button', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: /Delete/ })
      .getByRole('button', { name: 'Delete' })
      .click();
    await expect.poll(() => fs.existsSync(path.join(s.root, 'scripts/yell.py'))).toBe(false);
  });
});
