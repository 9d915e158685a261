// Real git repositories for sync tests: a bare remote on disk and clones of a bds project, each
// with its own committer identity (CI has no global one).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { samplePost, tempDir, writeProject } from '../helpers/project.js';

const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

/** Run git in `cwd` and return its stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function identify(repo: string, name: string): void {
  git(repo, 'config', 'user.name', name);
  git(repo, 'config', 'user.email', `${name.toLowerCase()}@example.com`);
}

export const GITIGNORE = 'html/\nthumbnails/\n.bds/\n';

export interface TwoWriters {
  remote: string;
  /** The first writer's project folder. */
  a: string;
  /** The second writer's project folder, cloned after the first push. */
  b: string;
}

/**
 * A bare remote holding a small bds project, cloned twice. `files` are the project's first commit
 * (a .gitignore for generated folders is added).
 */
export function twoWriters(files: Record<string, string>): TwoWriters {
  const remote = path.join(tempDir('bds-remote-'), 'blog.git');
  git(path.dirname(remote), 'init', '--bare', '-b', 'main', remote);
  const a = writeProject({ '.gitignore': GITIGNORE, ...files });
  git(a, 'init', '-b', 'main');
  identify(a, 'Alice');
  git(a, 'remote', 'add', 'origin', remote);
  git(a, 'add', '-A');
  git(a, 'commit', '-m', 'First version');
  git(a, 'push', '-u', 'origin', 'main');
  const b = path.join(tempDir('bds-clone-'), 'blog');
  git(path.dirname(b), 'clone', remote, b);
  identify(b, 'Bob');
  return { remote, a, b };
}

export function write(root: string, rel: string, text: string): void {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, text);
}

export function post(
  slug: string,
  title: string,
  body = 'Hello.\n',
  over: Record<string, unknown> = {},
): string {
  return samplePost({ slug, title, ...over }, body);
}

/** A TCP port nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
