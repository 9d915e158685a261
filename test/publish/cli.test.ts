import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/output.js';
import { runCli } from '../../src/cli/program.js';
import { cleanupTempDirs, tempDir, writeProject } from '../helpers/project.js';
import { describeWith } from '../helpers/system.js';
import { startSshd, type TestSshd } from './sshd.js';

/** Run `bds` in-process with extra environment (BDS_SSH_OPTIONS). */
async function bds(root: string, args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    out: (t) => (stdout += t.endsWith('\n') ? t : `${t}\n`),
    err: (t) => (stderr += t.endsWith('\n') ? t : `${t}\n`),
    env: { BDS_HOME: process.env.BDS_HOME, ...env },
    cwd: root,
    isTTY: false,
  };
  const code = await runCli(['--project', root, ...args], io);
  return { code, stdout, stderr };
}

afterEach(() => cleanupTempDirs());

describe('bds publish config', () => {
  it('writes meta/publishing.json, and later calls change only the fields given', async () => {
    const root = writeProject({});
    const r = await bds(root, [
      'publish',
      'config',
      '--host',
      'example.com',
      '--user',
      'me',
      '--path',
      '/var/www',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('me@example.com:/var/www (rsync, ssh agent)');
    await bds(root, [
      'publish',
      'config',
      '--port',
      '2222',
      '--identity-file',
      '~/.ssh/blog',
      '--mode',
      'scp',
    ]);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'meta/publishing.json'), 'utf8'))).toEqual({
      host: 'example.com',
      port: 2222,
      user: 'me',
      remotePath: '/var/www',
      mode: 'scp',
      identityFile: '~/.ssh/blog',
    });
    const shown = await bds(root, ['--json', 'publish', 'config']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ host: 'example.com', mode: 'scp' });
  });

  it('refuses values that would read as ssh options, naming the file and field', async () => {
    const root = writeProject({});
    const r = await bds(root, [
      'publish',
      'config',
      '--host',
      '-oProxyCommand=sh',
      '--user',
      'me',
      '--path',
      '/x',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/meta\/publishing\.json: field "host" must be a host name/);
    expect(fs.existsSync(path.join(root, 'meta/publishing.json'))).toBe(false);
    const missing = await bds(root, ['publish', 'config', '--host', 'example.com', '--user', 'me']);
    expect(missing.stderr).toContain('field "remotePath" is required');
  });

  it('a settings file holding a password is refused, not used', async () => {
    const root = writeProject({
      'meta/publishing.json': JSON.stringify({ host: 'h', user: 'u', remotePath: '/p', password: 'hunter2' }),
      'html/index.html': 'x',
    });
    const r = await bds(root, ['publish', '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown field\(s\) "password"/);
    expect(r.stderr).not.toContain('hunter2');
  });

  it('publishing before configuring or building says what to do', async () => {
    const root = writeProject({});
    const r1 = await bds(root, ['publish']);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('bds publish config --host HOST');
    await bds(root, ['publish', 'config', '--host', 'example.com', '--user', 'me', '--path', '/var/www']);
    const r2 = await bds(root, ['publish']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('build the site first');
  });
});

describeWith(['rsync', 'ssh', 'sshd'], 'bds publish to a real sshd', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(() => sshd?.stop());

  it('dry run, publish, publish again, scp, and a refused key', async () => {
    const root = writeProject({
      'html/index.html': '<h1>Home</h1>',
      'html/about/index.html': '<h1>About</h1>',
      'media/2026/01/cat.jpg': 'jpeg',
      'media/2026/01/cat.jpg.meta.yaml': 'id: cat\n',
    });
    const remote = path.join(tempDir('bds-remote-site-'), 'blog');
    const env = { BDS_SSH_OPTIONS: sshd.sshOptions.join(' ') };
    const config = [
      'publish',
      'config',
      '--host',
      '127.0.0.1',
      '--port',
      String(sshd.port),
      '--user',
      sshd.user,
    ];
    await bds(root, [...config, '--path', remote, '--identity-file', sshd.key]);

    const dry = await bds(root, ['publish', '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(
      'Dry run: nothing was sent. 2 page file(s), 0 thumbnail(s), 1 media file(s) to upload',
    );
    expect(dry.stdout).toContain(`send   ${remote}/media/2026/01/cat.jpg`);
    expect(fs.existsSync(remote)).toBe(false);

    const first = await bds(root, ['publish'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('Published. 2 page file(s), 0 thumbnail(s), 1 media file(s) uploaded');
    expect(fs.existsSync(path.join(remote, 'media/2026/01/cat.jpg.meta.yaml'))).toBe(false);
    const again = await bds(root, ['--json', 'publish'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({
      htmlFilesUploaded: 0,
      thumbnailFilesUploaded: 0,
      mediaFilesUploaded: 0,
      dryRun: false,
    });

    const scp = await bds(root, ['--json', 'publish', '--mode', 'scp'], env);
    expect(JSON.parse(scp.stdout)).toMatchObject({
      mode: 'scp',
      htmlFilesUploaded: 2,
      mediaFilesUploaded: 1,
    });

    await bds(root, [...config, '--path', remote, '--identity-file', sshd.wrongKey]);
    const refused = await bds(root, ['--json', 'publish'], env);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr)).toMatchObject({ error: { code: 'auth-required' } });
  });
});
