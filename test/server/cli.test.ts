// `bds serve` as a user runs it: a real process that prints the app address (with the token, once) and
// the preview address, leaves a 0600 file in BDS_HOME for other bds commands, serves the API, and
// removes that file when it stops on SIGTERM. On first run it creates the default project, whose
// welcome post shows a Python macro at work.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BdsClient } from '../../src/client/index.js';
import { readServerFile, serverFilePath } from '../../src/server/index.js';
import { samplePost, tempDir, TEST_PROJECT_ID, writeProject } from '../helpers/project.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function serve(
  args: string[],
  home: string,
): { child: ChildProcess; output: Promise<string>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/cli/main.ts'), ...args], {
    env: { ...process.env, BDS_HOME: home, DISPLAY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const output = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^\}$/m.test(out) || /Ctrl-C stops it/.test(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`bds serve exited (${code}): ${err}`)));
  });
  output.catch(() => undefined);
  return { child, output, stderr: () => err };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

describe('bds serve', () => {
  it('prints the addresses, leaves a private server file, serves the API and cleans up on SIGTERM', async () => {
    const home = tempDir('bds-home-');
    const root = writeProject({ 'posts/2026/01/first.md': samplePost({ slug: 'first' }) });
    const { child, output } = serve(['--project', root, '--json', 'serve', '--port', '0', '--no-open'], home);
    const printed = JSON.parse(await output) as { url: string; previewUrl: string; opened: boolean };
    expect(printed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    expect(printed.opened).toBe(false);

    const file = serverFilePath(home, TEST_PROJECT_ID);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const found = readServerFile(home, TEST_PROJECT_ID)!;
    expect(printed.url).toBe(`${found.url}?token=${found.token}`);
    // Another bds command finds the server and its token there.
    const client = new BdsClient({ baseUrl: found.url, token: found.token });
    expect((await client.call('posts.list', {})).map((p) => p.slug)).toEqual(['first']);
    const preview = await fetch(new URL('2026/01/15/first/', found.previewUrl));
    expect(preview.status).toBe(200);

    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('first run: the default project opens with a welcome post rendered by a trusted Python macro', async () => {
    const home = tempDir('bds-home-');
    const { child, output } = serve(['serve', '--port', '0', '--no-open'], home);
    const text = await output;
    expect(text).toContain('My blog');
    const previewUrl = /preview: (\S+)/.exec(text)![1]!;
    const root = /\(([^)]+)\)/.exec(text)![1]!;
    const rel = fs
      .readdirSync(path.join(root, 'posts'), { recursive: true })
      .map(String)
      .find((f) => f.endsWith('welcome-to-bds.md'))!;
    const [year, month] = rel.split(path.sep);
    const html = await (await fetch(new URL(`${year}/${month}/`, previewUrl))).text();
    expect(html).toContain('Welcome to bds');
    const post = /href="(\/\d{4}\/\d{2}\/\d{2}\/welcome-to-bds\/)"/.exec(html)![1]!;
    const page = await (await fetch(new URL(post, previewUrl))).text();
    expect(page).toMatch(/<p class="greeting">Hello, writer! This line was written by Python/);
    expect(page).not.toContain('bds-macro-error');
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('warns when asked to listen beyond this machine', async () => {
    const home = tempDir('bds-home-');
    const root = writeProject({});
    const { child, output, stderr } = serve(
      ['--project', root, 'serve', '--port', '0', '--no-open', '--host', '0.0.0.0'],
      home,
    );
    await output;
    expect(stderr()).toMatch(/warning: listening on 0\.0\.0\.0/);
    child.kill('SIGTERM');
    await exited(child);
  });
});
