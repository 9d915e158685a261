import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { GitSync } from '../../src/sync/index.js';
import { cleanupTempDirs, tempDir, writeProject } from '../helpers/project.js';
import { describeWith } from '../helpers/system.js';
import { startSshd, type TestSshd } from '../publish/sshd.js';
import { git, GITIGNORE, identify, post } from './helpers.js';

describeWith(['git', 'ssh', 'sshd'], 'git over a real ssh server', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(() => sshd?.stop());
  afterEach(() => cleanupTempDirs());

  async function project() {
    const remote = path.join(tempDir('bds-remote-'), 'blog.git');
    git(path.dirname(remote), 'init', '--bare', '-b', 'main', remote);
    const root = writeProject({ '.gitignore': GITIGNORE, 'posts/2026/01/one.md': post('one', 'One') });
    const url = `ssh://${sshd.user}@127.0.0.1:${sshd.port}${remote}`;
    await new GitSync(root).initRepo({ remote: url });
    identify(root, 'Alice');
    return { root, remote };
  }

  const sshWith = (key: string) => ({
    ...process.env,
    GIT_SSH_COMMAND: [
      'ssh',
      '-oBatchMode=yes',
      '-oStrictHostKeyChecking=accept-new',
      '-oIdentitiesOnly=yes',
      '-i',
      key,
      ...sshd.sshOptions,
    ].join(' '),
  });

  it('push and fetch work with the right key', async () => {
    const { root, remote } = await project();
    const g = new GitSync(root, { env: sshWith(sshd.key) });
    await g.commitAll('First');
    expect(await g.push()).toEqual({ success: true });
    expect(git(remote, 'log', '--format=%s').trim()).toBe('First');
    expect(await g.fetch()).toEqual({ success: true });
  });

  it('a key the server refuses gives auth-required with ssh guidance', async () => {
    const { root } = await project();
    const g = new GitSync(root, { env: sshWith(sshd.wrongKey) });
    await g.commitAll('First');
    const r = await g.push();
    expect(r).toMatchObject({ success: false, code: 'auth-required' });
    expect(r.error).toMatch(/Permission denied \(publickey\)/);
    expect(r.guidance?.join(' ')).toMatch(/ssh-add/);
    expect(r.guidance?.join(' ')).toContain('127.0.0.1');
  });

  it('with the default ssh command an unknown host key fails at once instead of asking', async () => {
    const { root } = await project();
    const { GIT_SSH_COMMAND: _drop, ...env } = process.env;
    const r = await new GitSync(root, { env }).fetch();
    expect(r).toMatchObject({ success: false, code: 'auth-required' });
    expect(r.guidance?.join(' ')).toMatch(/host key/);
  });
});
