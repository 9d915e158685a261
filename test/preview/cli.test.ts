// `bds preview` as a user runs it: a real process that prints its URL, serves the site, tells open
// pages to reload when a post file changes on disk, and exits cleanly on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { samplePost, tempDir, writeProject } from '../helpers/project.js';

const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function startCli(
  root: string,
  args: string[],
): { child: ChildProcess; firstLine: Promise<string>; stderr: () => string } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve('src/cli/main.ts'), '--project', root, ...args],
    { env: { ...process.env, BDS_HOME: tempDir('bds-home-') }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      // --json prints one pretty JSON object: it is complete at its closing brace.
      if (/^\}$/m.test(out)) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`bds preview exited (${code}) before printing: ${err}`)));
  });
  firstLine.catch(() => undefined); // Awaited by the tests that expect output; the others look at the exit.
  return { child, firstLine, stderr: () => err };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Reads the live-reload stream until an event named `name` arrives. */
function nextEvent(url: string, name: string, onOpen: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        if (buf.includes('event: hello')) {
          onOpen();
          buf = buf.replace(/event: hello[^]*?\n\n/, '');
        }
        const m = new RegExp(`event: ${name}\\ndata: (.*)\\n\\n`).exec(buf);
        if (m) {
          req.destroy();
          resolve(m[1]!);
        }
      });
    });
    req.on('error', reject);
  });
}

describe('bds preview', () => {
  it('--port 0 --json prints the URL, serves drafts and posts, streams reloads for files edited on disk, exits 0 on SIGTERM', async () => {
    const root = writeProject({
      'posts/2026/01/hello.md': samplePost({ slug: 'hello', title: 'Hello from the CLI' }, 'First words.\n'),
      'posts/2026/01/plan.md': samplePost(
        { slug: 'plan', title: 'A plan', status: 'draft' },
        'Draft words.\n',
      ),
    });
    const { child, firstLine, stderr } = startCli(root, ['--json', 'preview', '--port', '0']);
    const { url } = JSON.parse(await firstLine) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    const home = await fetch(url);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Hello from the CLI');
    const draft = await (await fetch(new URL('/2026/01/15/plan/', url))).text();
    expect(draft).toContain('bds-draft-banner');

    const file = path.join(root, 'posts/2026/01/hello.md');
    const reload = await nextEvent(new URL('/_bds/events', url).href, 'reload', () =>
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('First words.', 'Changed words.')),
    );
    expect(JSON.parse(reload)).toMatchObject({ reason: 'posts', paths: ['posts/2026/01/hello.md'] });
    expect(await (await fetch(new URL('/2026/01/15/hello/', url))).text()).toContain('Changed words.');

    child.kill('SIGTERM');
    expect(await exited(child)).toEqual({ code: 0, signal: null });
    expect(stderr()).toBe('');
    await expect(fetch(url)).rejects.toThrow();
  });

  it('a port already taken is a clear error and exit code 1', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as net.AddressInfo).port);
    try {
      const second = startCli(writeProject({}), ['preview', '--port', port]);
      expect((await exited(second.child)).code).toBe(1);
      expect(second.stderr()).toContain(`Port ${port} on 127.0.0.1 is already in use`);
    } finally {
      taken.close();
    }
  });

  it('a bad --port is refused before anything starts', async () => {
    const { child, stderr } = startCli(writeProject({}), ['preview', '--port', 'eighty']);
    expect((await exited(child)).code).not.toBe(0);
    expect(stderr()).toContain('must be a port number, not "eighty"');
  });
});
