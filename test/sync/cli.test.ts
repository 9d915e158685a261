import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { bds } from '../helpers/cli.js';
import { cleanupTempDirs, tempDir, writeProject } from '../helpers/project.js';
import { describeWith } from '../helpers/system.js';
import { git, GITIGNORE, identify } from './helpers.js';

afterEach(() => cleanupTempDirs());

describeWith(['git'], 'bds git', () => {
  it('init, commit and push from one folder; pull in a clone prints the changes and updates its index', async () => {
    const home = tempDir('bds-home-');
    const remote = path.join(tempDir('bds-remote-'), 'blog.git');
    git(path.dirname(remote), 'init', '--bare', '-b', 'main', remote);
    const a = writeProject({ '.gitignore': GITIGNORE });
    const inA = (...args: string[]) => bds(['--project', a, ...args], { cwd: a, home });

    const init = await inA('git', 'init', '--remote', remote);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('branch main');
    identify(a, 'Alice');
    await inA('post', 'new', '--title', 'Hello from Alice', '--publish');
    const status = await inA('git', 'status');
    expect(status.stdout).toMatch(/no upstream yet/);
    expect(status.stdout).toMatch(/untracked\s+posts\/\d{4}\/\d\d\/hello-from-alice\.md/);
    expect((await inA('git', 'commit', '-m', 'First post')).stdout).toMatch(
      /^Committed [0-9a-f]{7}: First post/,
    );
    expect((await inA('git', 'push')).stdout).toContain('Pushed.');

    const b = path.join(tempDir('bds-clone-'), 'blog');
    git(path.dirname(b), 'clone', remote, b);
    identify(b, 'Bob');
    const inB = (...args: string[]) => bds(['--project', b, ...args], { cwd: b, home });
    expect((await inB('post', 'list')).stdout).toContain('Hello from Alice');

    await inA('post', 'new', '--title', 'Second from Alice', '--publish');
    await inA('git', 'commit', '-m', 'Second post');
    await inA('git', 'push');
    const pulled = await inB('git', 'pull');
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toMatch(
      /Pulled 1 changed file\(s\):\n {2}added {4}posts\/\d{4}\/\d\d\/second-from-alice\.md/,
    );
    expect(pulled.stdout).toContain('Index updated: 1 file(s) (posts 1)');
    expect((await inB('post', 'list')).stdout).toContain('Second from Alice');
    expect((await inB('git', 'pull')).stdout).toContain('Already up to date.');

    const log = await inB('--json', 'git', 'log', '--limit', '5');
    expect(
      (log.json() as { subject: string; syncStatus: string }[]).map((c) => [c.subject, c.syncStatus]),
    ).toEqual([
      ['Second post', 'both'],
      ['First post', 'both'],
    ]);
    const fetched = await inB('git', 'fetch');
    expect(fetched.stdout).toContain('0 to push, 0 to pull');
  });

  it('failures exit non-zero with the error and guidance', async () => {
    const home = tempDir('bds-home-');
    const root = writeProject({ '.gitignore': GITIGNORE });
    const run = (...args: string[]) => bds(['--project', root, ...args], { cwd: root, home });

    const notRepo = await run('git', 'pull');
    expect(notRepo.code).toBe(1);
    expect(notRepo.stderr).toMatch(/is not a git repository\./);
    expect(notRepo.stderr).toMatch(/hint: Run `bds git init`/);
    const status = await run('git', 'status');
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/bds git init/);

    await run('git', 'init');
    const empty = await run('git', 'commit', '-m', '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('A commit message is required.');
    const push = await run('--json', 'git', 'push');
    expect(push.code).toBe(1);
    expect(JSON.parse(push.stderr)).toMatchObject({ error: { code: 'git-failed' } });
    expect(fs.existsSync(path.join(root, '.git'))).toBe(true);
  });

  it('a rejected push and a remote that is not there have codes and hints of their own', async () => {
    const home = tempDir('bds-home-');
    const remote = path.join(tempDir('bds-remote-'), 'blog.git');
    git(path.dirname(remote), 'init', '--bare', '-b', 'main', remote);
    const a = writeProject({ '.gitignore': GITIGNORE });
    const inA = (...args: string[]) => bds(['--project', a, ...args], { cwd: a, home });
    await inA('git', 'init', '--remote', remote);
    identify(a, 'Alice');
    await inA('git', 'commit', '-m', 'First');
    await inA('git', 'push');
    const b = path.join(tempDir('bds-clone-'), 'blog');
    git(path.dirname(b), 'clone', remote, b);
    identify(b, 'Bob');
    const inB = (...args: string[]) => bds(['--project', b, ...args], { cwd: b, home });
    await inA('post', 'new', '--title', 'Alice moves on');
    await inA('git', 'commit', '-m', 'Second');
    await inA('git', 'push');
    await inB('post', 'new', '--title', 'Bob too');
    await inB('git', 'commit', '-m', 'Bob');

    const rejected = await inB('--json', 'git', 'push');
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.stderr)).toMatchObject({
      error: { code: 'push-rejected', hint: expect.stringMatching(/pull first/) },
    });
    const human = await inB('git', 'push');
    expect(human.stderr).toMatch(/hint: The remote has commits you do not have: pull first/);

    git(b, 'remote', 'set-url', 'origin', path.join(tempDir('bds-gone-'), 'nothing-here.git'));
    const gone = await inB('--json', 'git', 'fetch');
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stderr)).toMatchObject({
      error: { code: 'remote-unreachable', hint: expect.stringMatching(/remote URL/) },
    });
  });
});
