// Python in the browser, in real Chromium through a real `bds serve`: the runtime loads in a hidden frame
// of the preview origin (cross-origin isolated by its own header, so interrupts work), the live preview
// runs a post's Python macros there and gives the same HTML as the built site, a runaway is stopped
// within its deadline + 500 ms and the next call works, and a script not trusted yet runs in the sandbox
// without bds_api.
import fs from 'node:fs';
import path from 'node:path';
import type { Frame, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import type { ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { openApp, saveScreenshots, type OpenApp } from '../helpers/web.js';

const SHOUT = `import bds_api

def render(context, post):
    titles = [p["title"] for p in bds_api.posts.list()]
    return "<b class='shout'>" + context["params"].get("text", "").upper() + "</b> in " + post["slug"] + " of " + str(len(titles))
`;

describeWith(['chromium'], 'Python in the browser', () => {
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
      { timeoutMs: 30_000 },
    );
    ({ s, page } = app);
    await s.client.call('scripts.create', { title: 'Shout', kind: 'macro', slug: 'shout', code: SHOUT });
    await page.getByRole('listbox', { name: 'Posts' }).getByRole('option').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  const pythonFrame = (): Frame | undefined =>
    page.frames().find((f) => f.url().includes('/_bds/python/frame.html'));

  it('loads Pyodide in a cross-origin isolated frame of the preview origin', async () => {
    await expect.poll(() => pythonFrame() !== undefined, { timeout: 20_000 }).toBe(true);
    const frame = pythonFrame()!;
    expect(new URL(frame.url()).origin).toBe(new URL(s.server.previewUrl).origin);
    expect(await frame.evaluate(() => crossOriginIsolated)).toBe(true);
    // The app page itself stays without isolation: the preview's embeds keep working.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    await expect
      .poll(
        () =>
          page.evaluate(() =>
            document.querySelector('[data-python-runtime]')?.getAttribute('data-python-runtime'),
          ),
        {
          timeout: 60_000,
        },
      )
      .toBe('ready');
  }, 90_000);

  /** The inner HTML of the post body in a page. */
  const bodyOf = (html: string): string => {
    const m = /<div class="bds-content e-content">([\s\S]*?)<\/div>\s*(?:<footer|<\/article)/.exec(html);
    if (!m) throw new Error(`no post body in:\n${html.slice(0, 2000)}`);
    return m[1]!.trim();
  };

  it("the live preview runs the post's macro in the browser, and the page is the one the built site has", async () => {
    const post = await s.client.call('posts.get', { ref: 'shouting' });
    const rendered: { macroOutputs?: Record<string, { ok: boolean; html?: string }>; html?: string }[] = [];
    const onResponse = (res: Response) => {
      if (!res.url().endsWith('/_bds/render')) return;
      const sent = JSON.parse(res.request().postData() ?? '{}') as (typeof rendered)[number];
      // A response the page navigated away from has no body to read; this test needs only the ones it keeps.
      res.text().then(
        (html) => rendered.push({ ...sent, html }),
        () => undefined,
      );
    };
    page.on('response', onResponse);
    await page.goto(`${s.server.url}#post/${encodeURIComponent(post.id)}`);
    const preview = page.frameLocator('iframe[title="Preview of the post"]');
    await expect.poll(() => preview.locator('main').innerHTML(), { timeout: 60_000 }).toContain('HELLO');
    await expect
      .poll(() => page.locator('[data-python-runtime]').getAttribute('data-python-runtime'), {
        timeout: 60_000,
      })
      .toBe('ready');

    // Change the macro's parameter: the new output comes from the browser's Python.
    await page.locator('.cm-content').click();
    const text = page.locator('.cm-content').getByText('hello', { exact: false }).first();
    await text.click();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.type(' world');
    await expect
      .poll(() => preview.locator('main').innerHTML(), { timeout: 20_000 })
      .toContain('HELLO WORLD');
    await expect.poll(() => rendered.some((r) => r.html?.includes('HELLO WORLD'))).toBe(true);
    const live = rendered.find((r) => r.html?.includes('HELLO WORLD'))!;
    const outputs = Object.values(live.macroOutputs ?? {});
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ ok: true });
    expect(outputs[0]!.html).toContain('HELLO WORLD</b> in shouting of 1');

    // Saved (the editor autosaves), then built: the post's body is the same HTML.
    await expect
      .poll(async () => (await s.client.call('posts.get', { ref: 'shouting' })).body, { timeout: 20_000 })
      .toContain('hello world');
    await s.client.call('posts.publish', { ref: 'shouting' });
    await s.client.call('site.build', {});
    const built = fs.readFileSync(
      path.join(s.root, 'html', '2026', '01', '15', 'shouting', 'index.html'),
      'utf8',
    );
    expect(bodyOf(live.html!)).toBe(bodyOf(built));
    page.off('response', onResponse);
  }, 120_000);

  it('a macro that breaks shows the error box in the live preview (run in the browser), and the fix shows its output', async () => {
    const post = await s.client.call('posts.get', { ref: 'shouting' });
    const sentOutputs: Record<string, { ok: boolean; message?: string }>[] = [];
    const onRequest = (req: { url(): string; postData(): string | null }) => {
      if (!req.url().endsWith('/_bds/render')) return;
      const body = JSON.parse(req.postData() ?? '{}') as { macroOutputs?: (typeof sentOutputs)[number] };
      if (body.macroOutputs) sentOutputs.push(body.macroOutputs);
    };
    page.on('request', onRequest);
    await page.goto(`${s.server.url}#post/${encodeURIComponent(post.id)}`);
    await expect
      .poll(() => page.locator('[data-python-runtime]').getAttribute('data-python-runtime'), {
        timeout: 60_000,
      })
      .toBe('ready');
    const preview = page.frameLocator('iframe[title="Preview of the post"]');
    const type = async (text: string) => {
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type(text);
    };
    const shout = await s.client.call('scripts.get', { ref: 'shout' });
    await s.client.call('scripts.update', {
      ref: 'shout',
      code: 'def render(context, post):\n    raise ValueError("broken on purpose")\n',
    });
    await page.waitForTimeout(1500); // the preview reloads for the changed script
    await type(' Broken.');
    await expect
      .poll(() => preview.locator('.bds-macro-error').textContent(), { timeout: 20_000 })
      .toContain('ValueError: broken on purpose');
    expect(Object.values(sentOutputs.at(-1) ?? {})[0]).toMatchObject({ ok: false });
    await s.client.call('scripts.update', { ref: 'shout', code: shout.code });
    await page.waitForTimeout(1500);
    await type(' Fixed.');
    await expect
      .poll(() => preview.locator('main').innerHTML(), { timeout: 20_000 })
      .toContain('<b class="shout">HELLO WORLD');
    expect(await preview.locator('.bds-macro-error').count()).toBe(0);
    expect(Object.values(sentOutputs.at(-1) ?? {})[0]).toMatchObject({ ok: true });
    page.off('request', onRequest);
  }, 120_000);

  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
  const runRegion = () => page.getByRole('region', { name: 'Run' });

  it('a script not trusted yet runs in the browser sandbox without bds_api, and a runaway there is stopped', async () => {
    fs.writeFileSync(
      path.join(s.root, 'scripts/visitor.py'),
      [
        'import bds_api',
        '',
        'def main(context):',
        '    print("looking around")',
        '    try:',
        '        bds_api.posts.list()',
        '    except Exception as e:',
        '        print("no api:", e)',
        '    if context["params"].get("spin"):',
        '        while True:',
        '            pass',
        '    return {"sum": 1 + 2}',
        '',
      ].join('\n'),
    );
    await nav('Scripts');
    const list = page.getByRole('listbox', { name: 'Scripts' });
    await expect
      .poll(() => list.getByRole('option', { name: /visitor/ }).textContent())
      .toContain('untrusted');
    await list.getByRole('option', { name: /visitor/ }).click();
    await expect
      .poll(() => runRegion().textContent())
      .toContain("runs only in the browser's sandbox, without bds_api");
    await expect
      .poll(() => page.getByRole('alert').filter({ hasText: 'Not trusted' }).textContent())
      .toContain('no version of this script that you trusted before');

    await runRegion().getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => runRegion().getByLabel('Result').textContent(), { timeout: 20_000 })
      .toContain('"sum": 3');
    const result = runRegion().getByRole('status');
    expect(await result.textContent()).toContain("in the browser's sandbox, without bds_api");
    expect(await runRegion().getByLabel('Output').textContent()).toMatch(
      /looking around\s+no api: .*api-unavailable/,
    );
    // Nothing ran on the server: it has no run of this script.
    expect(await s.client.call('scripts.runs', { ref: 'visitor' })).toEqual([]);

    // A runaway in the sandbox: the output so far shows, Stop ends it, and the next run works.
    await runRegion().getByLabel('Parameters (JSON)').fill('{"spin": true}');
    await runRegion().getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => runRegion().getByLabel('Output so far').textContent())
      .toContain('looking around');
    await runRegion().getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => result.textContent(), { timeout: 10_000 }).toContain('Stopped');
    await runRegion().getByLabel('Parameters (JSON)').fill('{}');
    await runRegion().getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => runRegion().getByLabel('Result').textContent(), { timeout: 20_000 })
      .toContain('"sum": 3');
  }, 90_000);

  it('an edit made outside bds is shown as a diff against the version last trusted, then trusted', async () => {
    const shout = await s.client.call('scripts.get', { ref: 'shout' });
    const file = path.join(s.root, shout.path);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('.upper()', '.upper() + "!"'));
    await page.goto(`${s.server.url}#script/${encodeURIComponent(shout.id)}`);
    const alert = page.getByRole('alert').filter({ hasText: 'Not trusted' });
    await expect.poll(() => alert.count(), { timeout: 10_000 }).toBe(1);
    const diff = page.getByLabel('Changes since you last trusted this script');
    await expect.poll(() => diff.locator('ins').textContent()).toContain('.upper() + "!"');
    // The removed line is shown too, marked as deleted.
    await expect.poll(() => diff.locator('del').textContent()).toContain('.upper() + "</b> in "');
    await page.getByRole('button', { name: 'Trust this version' }).click();
    await expect.poll(() => alert.count()).toBe(0);
  });

  it('tries a macro on a chosen post with chosen parameters: its HTML and how it renders', async () => {
    await expect
      .poll(() => runRegion().textContent())
      .toContain("Runs in the browser's Python, with read-only bds_api");
    await runRegion().getByLabel('On the post').selectOption({ label: 'Shouting' });
    await runRegion().getByLabel('Parameters').fill('text="try me"');
    await runRegion().getByRole('button', { name: 'Try on the post' }).click();
    await expect
      .poll(() => runRegion().getByLabel('HTML').textContent(), { timeout: 20_000 })
      .toContain("<b class='shout'>TRY ME!</b> in shouting of 1");
    const rendered = runRegion().frameLocator('iframe[title="How the HTML renders"]');
    await expect.poll(() => rendered.locator('b.shout').textContent()).toBe('TRY ME!');
  });

  it('saves screenshots of a macro tried on a post and of a change waiting for trust, light and dark, desktop and phone', async () => {
    const shout = await s.client.call('scripts.get', { ref: 'shout' });
    const hash = `#script/${encodeURIComponent(shout.id)}`;
    const tried = await saveScreenshots(app, 'scripts-try', hash, async (shot) => {
      await shot.locator('[data-python-runtime="ready"]').waitFor({ timeout: 60_000 });
      const region = shot.getByRole('region', { name: 'Run' });
      await region.getByLabel('Parameters').fill('text="from the run panel"');
      await region.getByRole('button', { name: 'Try on the post' }).click();
      await region.getByLabel('HTML').waitFor({ timeout: 30_000 });
      await region.getByRole('status').scrollIntoViewIfNeeded();
    });
    const file = path.join(s.root, shout.path);
    fs.appendFileSync(file, '# Louder still?\n');
    await expect.poll(async () => (await s.client.call('scripts.get', { ref: 'shout' })).trusted).toBe(false);
    const review = await saveScreenshots(app, 'scripts-trust', hash, (shot) =>
      shot.getByLabel('Changes since you last trusted this script').waitFor(),
    );
    for (const f of [...tried, ...review]) expect(fs.statSync(f).size).toBeGreaterThan(10_000);
    await s.client.call('scripts.trust', { ref: 'shout' });
  }, 240_000);
});
