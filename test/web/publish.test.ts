// The Publish section in real Chromium through a real `bds serve`: commit from the UI and push to a bare
// repository on disk; pull what a second clone pushed (a changed script among it) and follow the link to
// the script that became untrusted; publish the built site to a real sshd on 127.0.0.1 with the uploads'
// progress, and a second publish that has nothing to upload. Screenshots in light and dark.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { samplePost, tempDir } from '../helpers/project.js';
import type { ServedProject } from '../helpers/server.js';
import { describeWith } from '../helpers/system.js';
import { openApp, saveScreenshots, SHOTS, type OpenApp } from '../helpers/web.js';
import { startSshd, type TestSshd } from '../publish/sshd.js';
import { git, GITIGNORE, identify } from '../sync/helpers.js';

describeWith(['chromium', 'git', 'ssh', 'sshd', 'rsync'], 'the publish section in Chromium', () => {
  let app: OpenApp;
  let s: ServedProject;
  let page: Page;
  let remote: string;
  let sshd: TestSshd;
  const sshOptionsBefore = process.env.BDS_SSH_OPTIONS;

  beforeAll(async () => {
    remote = path.join(tempDir('bds-remote-'), 'blog.git');
    git(path.dirname(remote), 'init', '--bare', '-b', 'main', remote);
    app = await openApp(
      {
        '.gitignore': GITIGNORE,
        'posts/2026/04/first.md': samplePost({ slug: 'first', title: 'First', status: 'published' }),
      },
      {
        timeoutMs: 20_000,
        prepare: (root) => {
          git(root, 'init', '-b', 'main');
          identify(root, 'Alice');
          git(root, 'remote', 'add', 'origin', remote);
          git(root, 'add', '-A');
          git(root, 'commit', '-m', 'First version');
          git(root, 'push', '-u', 'origin', 'main');
        },
      },
    );
    ({ s, page } = app);
    sshd = await startSshd();
    // The server's environment is the user's machine: the test's host keys stay out of ~/.ssh.
    process.env.BDS_SSH_OPTIONS = sshd.sshOptions.join(' ');
    await page.getByRole('listbox', { name: 'Posts' }).getByRole('option').first().waitFor();
  }, 120_000);

  afterAll(async () => {
    if (sshOptionsBefore === undefined) delete process.env.BDS_SSH_OPTIONS;
    else process.env.BDS_SSH_OPTIONS = sshOptionsBefore;
    sshd?.stop();
    await app?.close();
  });

  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
  const changes = () => page.getByRole('region', { name: 'Changes' });
  const history = () => page.getByRole('list', { name: 'History' });
  const said = () => page.locator('.git-done');
  /** Answers travel through git, the server and the event stream on a busy machine: wait for them. */
  const soon = { timeout: 15_000 };

  it('lists the changes by kind, commits them all with a message, and pushes to the bare repository', async () => {
    await s.client.call('scripts.create', { title: 'Greet', kind: 'macro', slug: 'greet' });
    await s.client.call('posts.create', { title: 'A new draft' });
    await nav('Publish');
    await expect.poll(() => changes().textContent(), soon).toMatch(/scripts.*\(1\)/);
    expect(
      await changes()
        .getByRole('heading', { name: /drafts|posts/ })
        .count(),
    ).toBeGreaterThan(0);
    expect(await changes().textContent()).toContain('scripts/greet.py');

    await page.getByLabel('Commit message').fill('A script and a draft');
    await page.getByRole('button', { name: 'Commit all' }).click();
    await expect.poll(() => said().textContent(), soon).toMatch(/^Committed/);
    await expect.poll(() => page.getByText('No changes: everything is in a commit.').count(), soon).toBe(1);
    const mine = history().getByRole('listitem').filter({ hasText: 'A script and a draft' });
    await expect.poll(() => mine.textContent(), soon).toContain('only here');

    await page.getByRole('button', { name: 'Push' }).click();
    await expect.poll(() => said().textContent(), soon).toBe('Pushed: the remote has your commits.');
    await expect.poll(() => mine.textContent(), soon).not.toContain('only here');
    expect(git(remote, 'log', '--format=%s', '-1', 'main').trim()).toBe('A script and a draft');
  }, 180_000);

  it('pulls a change from a second clone and points at the script that became untrusted', async () => {
    const b = path.join(tempDir('bds-clone-'), 'blog');
    git(path.dirname(b), 'clone', remote, b);
    identify(b, 'Bob');
    const script = path.join(b, 'scripts/greet.py');
    fs.writeFileSync(script, `${fs.readFileSync(script, 'utf8')}\n# Bob was here\n`);
    fs.writeFileSync(
      path.join(b, 'posts/2026/04/from-bob.md'),
      samplePost({ slug: 'from-bob', title: 'From Bob', status: 'published' }),
    );
    git(b, 'add', '-A');
    git(b, 'commit', '-m', 'Bob changes the greeting');
    git(b, 'push');

    await page.getByRole('button', { name: 'Fetch' }).click();
    await expect
      .poll(() => said().textContent(), soon)
      .toContain('the remote has 1 commit(s) you do not have');
    const bobs = history().getByRole('listitem').filter({ hasText: 'Bob changes the greeting' });
    await expect.poll(() => bobs.textContent(), soon).toContain('only on the remote');

    await page.getByRole('button', { name: 'Pull' }).click();
    const brought = page.getByRole('region', { name: 'What the pull brought' });
    await expect.poll(() => brought.textContent(), soon).toContain('Pulled 2 changed file(s)');
    expect(await brought.textContent()).toContain('posts/2026/04/from-bob.md');
    const untrusted = brought.getByRole('list', { name: 'Untrusted scripts' });
    const link = untrusted.getByRole('link', { name: 'Review and trust Greet' });
    const greet = await s.client.call('scripts.get', { ref: 'greet' });
    expect(greet.trusted).toBe(false);
    expect(await link.getAttribute('href')).toBe(`#script/${encodeURIComponent(greet.id)}`);

    // What the pull brought, on the page that pulled (a new page would not show it).
    await brought.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'publish-pulled-light-1280x800.png') });
    await saveScreenshots(app, 'publish-git', '#publish', (shot) =>
      shot.getByRole('list', { name: 'History' }).getByRole('listitem').first().waitFor(),
    );

    await link.click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'Not trusted' }).count(), soon).toBe(1);
    await expect.poll(() => page.url(), soon).toContain(`#script/${encodeURIComponent(greet.id)}`);
  }, 180_000);

  it('says where a pull fails when the remote is gone', async () => {
    git(s.root, 'remote', 'set-url', 'origin', path.join(tempDir('bds-gone-'), 'nothing.git'));
    await nav('Publish');
    await page.getByRole('button', { name: 'Pull' }).click();
    const failure = page.getByRole('alert', { name: 'Pull failed' });
    await expect.poll(() => failure.textContent(), soon).toContain('The remote was not found');
    git(s.root, 'remote', 'set-url', 'origin', remote);
  });

  it('publishes to a real sshd with the uploads’ progress, and a second publish has nothing to upload', async () => {
    await s.client.call('site.build', {});
    const target = path.join(sshd.dir, 'www');
    await nav('Publish');
    const form = page.getByRole('form', { name: 'Publishing settings' });
    // A refused value is shown at its field.
    await form.getByLabel('Host').fill('-oProxyCommand=evil');
    await form.getByLabel('User').fill(sshd.user);
    await form.getByLabel('Path').fill(target);
    await form.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => form.getByRole('alert').textContent(), soon).toContain('field "host"');

    await form.getByLabel('Host').fill('127.0.0.1');
    await form.getByLabel('Port').fill(String(sshd.port));
    await form.getByLabel('Identity file').fill(sshd.key);
    await form.getByLabel('Mode').selectOption('rsync');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => form.getByRole('alert').count(), soon).toBe(0);
    await expect.poll(() => fs.existsSync(path.join(s.root, 'meta/publishing.json')), soon).toBe(true);

    await form.getByRole('button', { name: 'Dry run' }).click();
    const dry = page.getByRole('status', { name: 'Dry run' });
    await expect.poll(() => dry.textContent(), { timeout: 30_000 }).toMatch(/A publish would send \d+ page/);
    expect(await dry.textContent()).toContain('index.html');
    expect(fs.existsSync(path.join(target, 'index.html'))).toBe(false);

    await form.getByRole('button', { name: 'Publish' }).click();
    const uploads = page.getByRole('list', { name: 'Uploads' });
    await expect.poll(() => uploads.getByRole('listitem').count(), soon).toBe(3);
    const result = page.getByRole('status', { name: 'Publish result' });
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toMatch(/^Published: sent \d+ page/);
    expect(await uploads.textContent()).toContain('Upload site pages (html/)');
    await expect.poll(() => uploads.locator('li[data-status="completed"]').count(), soon).toBe(3);
    expect(fs.existsSync(path.join(target, 'index.html'))).toBe(true);

    await saveScreenshots(app, 'publish', '#publish', async (shot) => {
      await shot.getByRole('form', { name: 'Publishing settings' }).getByLabel('Host').waitFor();
      await shot.getByRole('list', { name: 'History' }).getByRole('listitem').first().waitFor();
    });

    await form.getByRole('button', { name: 'Publish' }).click();
    await expect
      .poll(() => result.textContent(), { timeout: 30_000 })
      .toContain('Nothing to upload: the server already has this site.');
    await result.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'publish-ended-light-1280x800.png') });
  }, 180_000);
});
