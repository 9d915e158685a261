import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { BdsError } from '../../src/core/errors.js';
import {
  parsePublishSettings,
  readPublishSettings,
  TaskRunner,
  uploadSite,
  type PublishSettings,
} from '../../src/publish/index.js';
import { cleanupTempDirs, tempDir, writeProject } from '../helpers/project.js';
import { describeWith } from '../helpers/system.js';
import { closedPort } from '../sync/helpers.js';
import { startSshd, type TestSshd } from './sshd.js';

/** Every file under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** A project with a built site, media with their sidecars, and thumbnails. */
function builtSite(): string {
  return writeProject({
    'html/index.html': '<h1>Home</h1>',
    'html/.htaccess': 'Options -Indexes\n',
    'html/2026/01/hello/index.html': '<h1>Hello</h1>',
    'html/about/index.html': '<h1>About</h1>',
    'media/2026/01/cat.jpg': 'jpeg bytes',
    'media/2026/01/cat.jpg.meta.yaml': 'id: cat\nalt: A cat\n',
    'thumbnails/2026/01/cat-300.jpg': 'small jpeg',
  });
}

function pgrep(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

describeWith(['rsync', 'ssh', 'sshd'], 'publishing to a real sshd', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(() => sshd?.stop());
  afterEach(() => cleanupTempDirs());

  const settings = (remotePath: string, over: Partial<PublishSettings> = {}): PublishSettings => ({
    host: '127.0.0.1',
    port: sshd.port,
    user: sshd.user,
    remotePath,
    mode: 'rsync',
    identityFile: sshd.key,
    ...over,
  });
  const opts = () => ({ sshOptions: sshd.sshOptions });

  it('rsync uploads pages, thumbnails and media without sidecars, then nothing the second time', async () => {
    const root = builtSite();
    const remote = path.join(tempDir('bds-remote-site-'), 'www', 'blog');
    const runner = new TaskRunner();
    const groups = new Set<string | undefined>();
    runner.on('task-started', (t) => groups.add(t.groupId));
    const first = await uploadSite({ project: { paths: paths(root) } }, settings(remote), {
      ...opts(),
      runner,
    });
    expect(first).toMatchObject({
      htmlFilesUploaded: 4,
      thumbnailFilesUploaded: 1,
      mediaFilesUploaded: 1,
      filesDeleted: 0,
      dryRun: false,
      mode: 'rsync',
    });
    expect(groups).toEqual(new Set([first.groupId]));
    expect(runner.getAll().map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
    expect(tree(remote)).toEqual([
      '.htaccess',
      '2026/01/hello/index.html',
      'about/index.html',
      'index.html',
      'media/2026/01/cat.jpg',
      'thumbnails/2026/01/cat-300.jpg',
    ]);
    expect(fs.readFileSync(path.join(remote, 'media/2026/01/cat.jpg'), 'utf8')).toBe('jpeg bytes');

    const second = await uploadSite(paths(root), settings(remote), opts());
    expect(second).toMatchObject({ htmlFilesUploaded: 0, thumbnailFilesUploaded: 0, mediaFilesUploaded: 0 });
  });

  it('--delete removes a page deleted locally and keeps thumbnails and media', async () => {
    const root = builtSite();
    const remote = path.join(tempDir('bds-remote-site-'), 'blog');
    await uploadSite(paths(root), settings(remote), opts());
    fs.rmSync(path.join(root, 'html/about'), { recursive: true });

    const dry = await uploadSite(paths(root), settings(remote), { ...opts(), delete: true, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, filesDeleted: 1 });
    expect(fs.existsSync(path.join(remote, 'about/index.html'))).toBe(true);

    const without = await uploadSite(paths(root), settings(remote), opts());
    expect(without.filesDeleted).toBe(0);
    expect(fs.existsSync(path.join(remote, 'about/index.html'))).toBe(true);

    const r = await uploadSite(paths(root), settings(remote), { ...opts(), delete: true });
    expect(r.filesDeleted).toBe(1);
    expect(r.parts.find((p) => p.part === 'html')?.deleted).toEqual(['about/index.html']);
    expect(tree(remote)).toEqual([
      '.htaccess',
      '2026/01/hello/index.html',
      'index.html',
      'media/2026/01/cat.jpg',
      'thumbnails/2026/01/cat-300.jpg',
    ]);
  });

  it('a dry run lists what would be sent and sends nothing', async () => {
    const root = builtSite();
    const remote = path.join(tempDir('bds-remote-site-'), 'blog');
    const r = await uploadSite(paths(root), settings(remote), { ...opts(), dryRun: true });
    expect(r).toMatchObject({ dryRun: true, htmlFilesUploaded: 4, mediaFilesUploaded: 1 });
    expect(r.parts.find((p) => p.part === 'media')?.files).toEqual(['2026/01/cat.jpg']);
    expect(tree(remote)).toEqual([]);
  });

  it('scp mode uploads the same tree, without sidecars', async () => {
    const root = builtSite();
    const remote = path.join(tempDir('bds-remote-site-'), 'blog');
    const dry = await uploadSite(paths(root), settings(remote, { mode: 'scp' }), { ...opts(), dryRun: true });
    expect(dry).toMatchObject({
      mode: 'scp',
      htmlFilesUploaded: 4,
      thumbnailFilesUploaded: 1,
      mediaFilesUploaded: 1,
    });
    expect(tree(remote)).toEqual([]);
    const r = await uploadSite(paths(root), settings(remote, { mode: 'scp' }), opts());
    expect(r).toMatchObject({
      mode: 'scp',
      htmlFilesUploaded: 4,
      thumbnailFilesUploaded: 1,
      mediaFilesUploaded: 1,
    });
    expect(tree(remote)).toEqual([
      '.htaccess',
      '2026/01/hello/index.html',
      'about/index.html',
      'index.html',
      'media/2026/01/cat.jpg',
      'thumbnails/2026/01/cat-300.jpg',
    ]);
    // The staging copy used to leave the sidecars out is gone.
    expect(fs.readdirSync(path.join(root, '.bds'))).toEqual([]);
    await expect(
      uploadSite(paths(root), settings(remote, { mode: 'scp' }), { ...opts(), delete: true }),
    ).rejects.toThrow(/--mode rsync/);
  });

  for (const mode of ['rsync', 'scp'] as const) {
    it(`a key the server does not know gives auth-required (${mode}), not a prompt`, async () => {
      const root = builtSite();
      const remote = path.join(tempDir('bds-remote-site-'), 'blog');
      const err = await uploadSite(
        paths(root),
        settings(remote, { mode, identityFile: sshd.wrongKey }),
        opts(),
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BdsError);
      expect((err as BdsError).code).toBe('auth-required');
      expect((err as BdsError).message).toMatch(/refused the ssh key/);
      expect((err as BdsError).hint).toContain(sshd.wrongKey);
      expect(tree(remote)).toEqual([]);
    });
  }

  it('a closed port is a network failure', async () => {
    const root = builtSite();
    const port = await closedPort();
    const err = await uploadSite(paths(root), settings('/tmp/nowhere', { port }), opts()).catch(
      (e: unknown) => e,
    );
    expect((err as BdsError).code).toBe('network');
  });

  it('without a built site the error says to build first', async () => {
    const root = writeProject({});
    await expect(uploadSite(paths(root), settings('/tmp/x'), opts())).rejects.toMatchObject({
      code: 'site-not-built',
      message: expect.stringMatching(/build the site first/),
    });
  });

  it('cancelling the group kills the running rsync and reports cancellation', async () => {
    const root = builtSite();
    const big = path.join(root, 'media/2026/01/big.bin');
    fs.writeFileSync(big, randomBytes(4 * 1024 * 1024));
    const remote = path.join(tempDir('bds-remote-site-'), 'blog');
    const controller = new AbortController();
    const runner = new TaskRunner();
    const upload = uploadSite(paths(root), settings(remote), {
      ...opts(),
      runner,
      signal: controller.signal,
      // 200 KB/s: the 4 MB file takes about 20 s, so it is surely still running when cancelled.
      rsyncOptions: ['--bwlimit=200'],
    }).catch((e: unknown) => e);
    // Wait until rsync writes the big file's temporary copy on the server.
    const remoteDir = path.join(remote, 'media/2026/01');
    for (let i = 0; i < 400; i++) {
      if (fs.existsSync(remoteDir) && fs.readdirSync(remoteDir).some((n) => n.startsWith('.big.bin'))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const localRsync = `${path.join(root, 'media')}/`;
    expect(pgrep(localRsync)).not.toBe('');
    controller.abort();
    const err = await upload;
    expect((err as BdsError).code).toBe('task-cancelled');
    expect(runner.getAll().find((t) => t.name.includes('media'))?.status).toBe('cancelled');
    // By the time the upload reports, the local rsync (and the ssh it started) is gone.
    expect(pgrep(localRsync)).toBe('');
    // The server's rsync ends when the connection drops.
    for (let i = 0; i < 200 && pgrep(`${remote}/media/`) !== ''; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(pgrep(`${remote}/media/`)).toBe('');
    expect(fs.existsSync(path.join(remote, 'media/2026/01/big.bin'))).toBe(false);
  });

  for (const mode of ['rsync', 'scp'] as const) {
    it(`command injection through the remote path is refused (${mode}, old-style rsync argument splitting)`, async () => {
      const root = builtSite();
      const pwned = path.join(tempDir('bds-pwned-'), 'pwned');
      const evil = `/tmp/x/$(touch ${pwned})`;
      // As a pulled meta/publishing.json would hold it.
      fs.writeFileSync(path.join(root, 'meta/publishing.json'), JSON.stringify(settings(evil, { mode })));
      const before = process.env.RSYNC_OLD_ARGS;
      process.env.RSYNC_OLD_ARGS = '1';
      try {
        for (const attempt of [
          () => uploadSite(paths(root), settings(evil, { mode }), opts()),
          () => uploadSite(paths(root), readPublishSettings(root), opts()),
        ]) {
          const err = await Promise.resolve()
            .then(attempt)
            .catch((e: unknown) => e);
          expect(err).toMatchObject({ code: 'publish-config-invalid' });
          expect((err as BdsError).message).toContain('"remotePath"');
        }
        for (const bad of [
          '/srv/a b',
          '/srv/`id`',
          '/srv/a;b',
          '/srv/a|b',
          "/srv/'q'",
          '/srv/a&b',
          '/srv/*',
        ]) {
          expect(() => parsePublishSettings(settings(bad))).toThrow(/remotePath/);
        }
      } finally {
        if (before === undefined) delete process.env.RSYNC_OLD_ARGS;
        else process.env.RSYNC_OLD_ARGS = before;
      }
      expect(fs.existsSync(pwned)).toBe(false);
    });
  }

  it('with RSYNC_OLD_ARGS=1 a path of every allowed character still lands exactly where it says', async () => {
    const root = builtSite();
    const remote = path.join(tempDir('bds-remote-site-'), 'site+v1@x=1,2~_.-');
    const before = process.env.RSYNC_OLD_ARGS;
    process.env.RSYNC_OLD_ARGS = '1';
    try {
      const r = await uploadSite(paths(root), settings(remote), opts());
      expect(r.htmlFilesUploaded).toBe(4);
    } finally {
      if (before === undefined) delete process.env.RSYNC_OLD_ARGS;
      else process.env.RSYNC_OLD_ARGS = before;
    }
    expect(tree(remote)).toContain('about/index.html');
  });
});

function paths(root: string) {
  return {
    root,
    html: path.join(root, 'html'),
    media: path.join(root, 'media'),
    thumbnails: path.join(root, 'thumbnails'),
    cache: path.join(root, '.bds'),
  };
}
