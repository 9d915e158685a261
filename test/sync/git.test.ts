import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { BdsError } from '../../src/core/errors.js';
import { ProblemIndex } from '../../src/store/index.js';
import { GitSync, pullAndReconcile, type ReconcileTarget } from '../../src/sync/index.js';
import { cleanupTempDirs, writeProject } from '../helpers/project.js';
import { describeWith } from '../helpers/system.js';
import { closedPort, git, GITIGNORE, identify, post, twoWriters, write } from './helpers.js';

const open: Workspace[] = [];
function openWs(root: string): Workspace {
  const ws = Workspace.open(root);
  open.push(ws);
  return ws;
}
afterEach(async () => {
  for (const ws of open.splice(0)) await ws.close();
  cleanupTempDirs();
});

/** A body long enough that git tells the files apart (rename detection compares content). */
const long = (sentence: string) => `${sentence}\n`.repeat(30);

/** The sync layer's view of an open project (the app's git.pull use case gives it the same). */
const target = (ws: Workspace): ReconcileTarget => ({
  applyExternalChange: (rel) => ws.applyExternalChange(rel),
  transaction: (fn) => ws.db.sqlite.transaction(fn)(),
  problems: () => new ProblemIndex(ws.db.orm).list(),
});

const byPath = async (ws: Workspace) =>
  Object.fromEntries(
    (await ws.call('posts.list', {}))
      .map((p) => [p.path, p.title] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

describeWith(['git'], 'git sync between two writers', () => {
  it('a pull applies new, edited, deleted and renamed posts to the other index', async () => {
    const { a, b } = twoWriters({
      'posts/2026/01/first.md': post('first', 'First', long('A walk along the river in winter.')),
      'posts/2026/01/second.md': post('second', 'Second', long('Bread with rye, seeds and patience.')),
      'posts/2026/01/third.md': post('third', 'Third', long('Notes from a train between two cities.')),
    });
    const wsB = openWs(b);
    expect(await byPath(wsB)).toEqual({
      'posts/2026/01/first.md': 'First',
      'posts/2026/01/second.md': 'Second',
      'posts/2026/01/third.md': 'Third',
    });

    write(a, 'posts/2026/01/fourth.md', post('fourth', 'Fourth', long('Completely different words here.')));
    write(
      a,
      'posts/2026/01/second.md',
      post('second', 'Second, edited', long('Bread with rye, seeds and patience.')),
    );
    fs.rmSync(path.join(a, 'posts/2026/01/third.md'));
    fs.renameSync(path.join(a, 'posts/2026/01/first.md'), path.join(a, 'posts/2026/01/first-moved.md'));
    const gitA = new GitSync(a);
    expect(await gitA.commitAll('Four kinds of change')).toMatchObject({ success: true });
    expect(await gitA.push()).toEqual({ success: true });

    const result = await pullAndReconcile(target(wsB), new GitSync(b));
    expect(result.success).toBe(true);
    expect(result.headMoved).toBe(true);
    expect(result.changes).toEqual(
      expect.arrayContaining([
        { status: 'added', path: 'posts/2026/01/fourth.md' },
        { status: 'modified', path: 'posts/2026/01/second.md' },
        { status: 'deleted', path: 'posts/2026/01/third.md' },
        {
          status: 'renamed',
          path: 'posts/2026/01/first-moved.md',
          previousPath: 'posts/2026/01/first.md',
        },
      ]),
    );
    expect(result.reconcile).toMatchObject({ applied: 5, byArea: { posts: 5 }, errors: [], problems: [] });
    expect(await byPath(wsB)).toEqual({
      'posts/2026/01/first-moved.md': 'First',
      'posts/2026/01/fourth.md': 'Fourth',
      'posts/2026/01/second.md': 'Second, edited',
    });
    expect(await wsB.call('project.problems', {})).toEqual([]);
  });

  it('changes flow both ways, and a second pull with nothing new reports no changes', async () => {
    const { a, b } = twoWriters({ 'posts/2026/01/first.md': post('first', 'First') });
    const wsA = openWs(a);
    const wsB = openWs(b);
    const gitA = new GitSync(a);
    const gitB = new GitSync(b);

    await wsB.call('posts.create', { title: 'From Bob', body: 'Written in the second clone.\n' });
    expect(await gitB.commitAll('Bob writes')).toMatchObject({ success: true });
    expect(await gitB.push()).toEqual({ success: true });

    const pulled = await pullAndReconcile(target(wsA), gitA);
    expect(pulled).toMatchObject({ success: true, headMoved: true });
    expect((await wsA.call('posts.list', {})).map((p) => p.title)).toContain('From Bob');

    const again = await pullAndReconcile(target(wsA), gitA);
    expect(again).toEqual({ success: true, headMoved: false, changes: [] });
  });

  it('pulled scripts, meta files and media sidecars reach the index; a changed script is untrusted', async () => {
    const { a, b } = twoWriters({ 'posts/2026/01/first.md': post('first', 'First') });
    const wsA = openWs(a);
    const wsB = openWs(b);
    const script = await wsA.call('scripts.create', { title: 'Shout', slug: 'shout', kind: 'macro' });
    await wsA.call('tags.setColor', { name: 'travel', color: '#00aa00' });
    write(a, 'media/2026/01/cat.jpg', 'not really a jpeg');
    write(a, 'media/2026/01/cat.jpg.meta.yaml', 'id: cat\nalt: A cat\n');
    write(a, 'templates/plain.liquid', '---\ntitle: Plain\n---\n{{ content }}\n');
    const gitA = new GitSync(a);
    const gitB = new GitSync(b);
    expect(await gitA.commitAll('Script, tags, media, template')).toMatchObject({ success: true });
    expect(await gitA.push()).toEqual({ success: true });

    const result = await pullAndReconcile(target(wsB), gitB);
    expect(result.success).toBe(true);
    // The binary itself is not indexed: its sidecar describes it.
    expect(result.reconcile?.byArea).toEqual({ scripts: 1, meta: 1, media: 1, templates: 1 });
    // The same user trusted this exact content when creating it.
    expect((await wsB.call('scripts.list', {})).map((s) => [s.slug, s.trusted])).toEqual([['shout', true]]);

    // Someone changes the code: the pulled version is not trusted until the user reads it.
    fs.appendFileSync(path.join(a, script.path), '\nimport os\n');
    await gitA.commitAll('Change the script');
    await gitA.push();
    const second = await pullAndReconcile(target(wsB), gitB);
    expect(second.changes).toEqual([{ status: 'modified', path: script.path }]);
    expect((await wsB.call('scripts.list', {})).map((s) => [s.slug, s.trusted])).toEqual([['shout', false]]);
  });

  it('a content problem in a pulled post is reported, and the pull still succeeds', async () => {
    const { a, b } = twoWriters({ 'posts/2026/01/first.md': post('first', 'First') });
    const wsB = openWs(b);
    write(a, 'posts/2026/01/broken.md', '---\ntitle: [\n---\nBody\n');
    const gitA = new GitSync(a);
    await gitA.commitAll('Broken post');
    await gitA.push();
    const result = await pullAndReconcile(target(wsB), new GitSync(b));
    expect(result.success).toBe(true);
    expect(result.reconcile?.problems.map((p) => [p.file, p.code])).toEqual([
      ['posts/2026/01/broken.md', 'frontmatter-yaml'],
    ]);
  });

  it('a pull whose index update fails reports failure with the reason', async () => {
    const { a, b } = twoWriters({ 'posts/2026/01/first.md': post('first', 'First') });
    write(a, 'posts/2026/01/second.md', post('second', 'Second'));
    const gitA = new GitSync(a);
    await gitA.commitAll('Second');
    await gitA.push();
    const wsB = Workspace.open(b);
    await wsB.close(); // its index can no longer be written
    const result = await pullAndReconcile(target(wsB), new GitSync(b));
    expect(result).toMatchObject({ success: false, code: 'action-failed', headMoved: true });
    expect(result.error).toMatch(
      /The pull succeeded but updating the index failed: .*database connection is not open/,
    );
    expect(result.guidance).toEqual(['Run `bds rebuild` to recreate the index from the files.']);
    // The files did arrive; reopening reconciles them.
    const again = openWs(b);
    expect((await again.call('posts.list', {})).map((p) => p.slug).sort()).toEqual(['first', 'second']);
  });

  it('a conflict is reported with its files and leaves a merge the user can finish', async () => {
    const { a, b } = twoWriters({ 'posts/2026/01/first.md': post('first', 'First', 'Original line.\n') });
    const gitA = new GitSync(a);
    const gitB = new GitSync(b);
    write(a, 'posts/2026/01/first.md', post('first', 'First', 'Alice line.\n'));
    await gitA.commitAll('Alice edits');
    expect(await gitA.push()).toEqual({ success: true });
    write(b, 'posts/2026/01/first.md', post('first', 'First', 'Bob line.\n'));
    await gitB.commitAll('Bob edits');

    // Pushing first is refused: the remote moved on. No file is in conflict yet: it is its own code.
    const pushed = await gitB.push();
    expect(pushed).toMatchObject({ success: false, code: 'push-rejected' });
    expect(pushed.guidance?.join(' ')).toMatch(/pull first/);

    const wsB = openWs(b);
    const pulled = await pullAndReconcile(target(wsB), gitB);
    expect(pulled).toMatchObject({
      success: false,
      code: 'conflict',
      conflicts: ['posts/2026/01/first.md'],
      headMoved: false,
      changes: [],
    });
    expect(pulled.guidance?.join(' ')).toMatch(/<<<<<<</);
    // The state git leaves: a merge in progress, markers in the file, the status says so.
    const text = fs.readFileSync(path.join(b, 'posts/2026/01/first.md'), 'utf8');
    expect(text).toMatch(/^<<<<<<< /m);
    const status = await gitB.getStatus();
    expect(status.files).toEqual([{ path: 'posts/2026/01/first.md', status: 'conflicted', staged: false }]);
    expect(status.counts.conflicted).toBe(1);

    // Committing with markers still in the file is refused.
    expect(await gitB.commitAll('Merge')).toMatchObject({ success: false, code: 'conflict' });
    write(b, 'posts/2026/01/first.md', post('first', 'First', 'Alice line.\nBob line.\n'));
    expect(await gitB.commitAll('Merge Alice and Bob')).toMatchObject({ success: true });
    expect(await gitB.push()).toEqual({ success: true });
    expect(await gitA.pull()).toMatchObject({ success: true, headMoved: true });
    expect(fs.readFileSync(path.join(a, 'posts/2026/01/first.md'), 'utf8')).toContain(
      'Alice line.\nBob line.',
    );
  });

  it('a pull over uncommitted edits to the same file is a conflict that asks to commit first', async () => {
    const { a, b } = twoWriters({ 'posts/2026/01/first.md': post('first', 'First') });
    const gitA = new GitSync(a);
    write(a, 'posts/2026/01/first.md', post('first', 'First', 'Alice.\n'));
    await gitA.commitAll('Alice edits');
    await gitA.push();
    write(b, 'posts/2026/01/first.md', post('first', 'First', 'Bob, not committed.\n'));
    const pulled = await new GitSync(b).pull();
    expect(pulled).toMatchObject({ success: false, code: 'conflict' });
    expect(pulled.guidance?.join(' ')).toMatch(/Commit your local changes first/);
    expect(fs.readFileSync(path.join(b, 'posts/2026/01/first.md'), 'utf8')).toContain('Bob, not committed.');
  });
});

describeWith(['git'], 'git status, history and remote state', () => {
  it('status lists untracked, modified, deleted, renamed and staged files', async () => {
    const { a } = twoWriters({
      'posts/2026/01/one.md': post('one', 'One'),
      'posts/2026/01/two.md': post('two', 'Two'),
      'posts/2026/01/three.md': post('three', 'Three'),
    });
    write(a, 'posts/2026/01/new.md', post('new', 'New'));
    write(a, 'posts/2026/01/one.md', post('one', 'One, edited'));
    fs.rmSync(path.join(a, 'posts/2026/01/two.md'));
    git(a, 'mv', 'posts/2026/01/three.md', 'posts/2026/01/three-b.md');
    const status = await new GitSync(a).getStatus();
    expect(status.files).toEqual(
      expect.arrayContaining([
        { path: 'posts/2026/01/new.md', status: 'untracked', staged: false },
        { path: 'posts/2026/01/one.md', status: 'modified', staged: false },
        { path: 'posts/2026/01/two.md', status: 'deleted', staged: false },
        {
          path: 'posts/2026/01/three-b.md',
          status: 'renamed',
          previousPath: 'posts/2026/01/three.md',
          staged: true,
        },
      ]),
    );
    expect(status.counts).toMatchObject({
      untracked: 1,
      modified: 1,
      deleted: 1,
      renamed: 1,
      staged: 1,
      total: 4,
    });
  });

  it('history marks commits as on both sides, local only or remote only; remote state counts them', async () => {
    const { a, b } = twoWriters({ 'posts/2026/01/one.md': post('one', 'One') });
    const gitA = new GitSync(a);
    const gitB = new GitSync(b);
    write(a, 'posts/2026/01/two.md', post('two', 'Two'));
    await gitA.commitAll('Add two');
    await gitA.push();
    write(a, 'posts/2026/01/three.md', post('three', 'Three'));
    await gitA.commitAll('Add three, not pushed');

    const historyA = await gitA.getHistory();
    expect(historyA.map((c) => [c.subject, c.syncStatus])).toEqual([
      ['Add three, not pushed', 'local-only'],
      ['Add two', 'both'],
      ['First version', 'both'],
    ]);
    expect(historyA[0]).toMatchObject({ author: 'Alice' });
    expect(historyA[0]!.hash).toMatch(/^[0-9a-f]{40}$/);
    expect(historyA[0]!.hash.startsWith(historyA[0]!.shortHash)).toBe(true);
    expect(historyA[0]!.date).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await gitA.getRemoteState()).toEqual({
      localBranch: 'main',
      upstreamBranch: 'origin/main',
      hasUpstream: true,
      ahead: 1,
      behind: 0,
    });

    expect(await gitB.fetch()).toEqual({ success: true });
    const historyB = await gitB.getHistory(2);
    expect(historyB.map((c) => [c.subject, c.syncStatus])).toEqual([
      ['Add two', 'remote-only'],
      ['First version', 'both'],
    ]);
    expect(await gitB.getRemoteState()).toMatchObject({ ahead: 0, behind: 1 });
    expect(await gitB.getRepoState()).toEqual({
      isRepo: true,
      rootPath: fs.realpathSync(b),
      currentBranch: 'main',
      hasRemote: true,
      hasUpstream: true,
    });
  });

  it('a clean tree has nothing to commit, and an empty message is refused', async () => {
    const { a } = twoWriters({ 'posts/2026/01/one.md': post('one', 'One') });
    const gitA = new GitSync(a);
    expect(await gitA.commitAll('Nothing')).toEqual({ success: true, nothingToCommit: true });
    write(a, 'posts/2026/01/two.md', post('two', 'Two'));
    const empty = await gitA.commitAll('   ');
    expect(empty).toMatchObject({ success: false, code: 'action-failed' });
    expect(empty.error).toMatch(/commit message is required/);
    expect((await gitA.getStatus()).counts.untracked).toBe(1);
  });

  it('the index folder and the built site never get committed', async () => {
    const root = writeProject({ 'posts/2026/01/one.md': post('one', 'One') });
    openWs(root);
    write(root, 'html/index.html', '<p>built</p>');
    const g = new GitSync(root);
    expect(await g.initRepo()).toMatchObject({ success: true });
    identify(root, 'Alice');
    expect(await g.commitAll('First')).toMatchObject({ success: true });
    const tracked = git(root, 'ls-files').split('\n').filter(Boolean).sort();
    expect(tracked).toEqual(['bds.json', 'meta/categories.json', 'meta/tags.json', 'posts/2026/01/one.md']);
  });
});

describeWith(['git'], 'git init and failures', () => {
  it('reports the git version, and a machine without git gets a failure, not an exception', async () => {
    const root = writeProject({});
    expect(await new GitSync(root).checkAvailability()).toMatchObject({
      gitFound: true,
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
    const noGit = new GitSync(root, { env: { PATH: path.join(root, 'no-bin'), HOME: root } });
    expect(await noGit.checkAvailability()).toEqual({ gitFound: false });
    expect(await noGit.pull()).toMatchObject({
      success: false,
      code: 'action-failed',
      error: expect.stringMatching(/git was not found/),
    });
  });

  it('a project inside a larger repository sees and commits only its own files', async () => {
    const outer = writeProject({ 'notes.txt': 'not the blog\n' });
    const blog = path.join(outer, 'blog');
    fs.mkdirSync(blog);
    for (const [rel, text] of Object.entries({
      'bds.json': fs.readFileSync(path.join(outer, 'bds.json'), 'utf8'),
      '.gitignore': GITIGNORE,
      'posts/2026/01/one.md': post('one', 'One'),
    })) {
      write(blog, rel, text);
    }
    git(outer, 'init', '-b', 'main');
    identify(outer, 'Alice');
    const g = new GitSync(blog);
    expect(await g.getRepoState()).toMatchObject({ isRepo: true, rootPath: fs.realpathSync(outer) });
    expect((await g.getStatus()).files.map((f) => f.path).sort()).toEqual([
      '.gitignore',
      'bds.json',
      'posts/2026/01/one.md',
    ]);
    expect(await g.commitAll('Blog only')).toMatchObject({ success: true });
    expect(git(outer, 'ls-files').split('\n').filter(Boolean).sort()).toEqual([
      'blog/.gitignore',
      'blog/bds.json',
      'blog/posts/2026/01/one.md',
    ]);
  });

  it('init makes a repository on main with origin set, writing no project file', async () => {
    const root = writeProject({ '.gitignore': GITIGNORE });
    const before = fs.readdirSync(root).sort();
    const g = new GitSync(root);
    expect(await g.getRepoState()).toEqual({ isRepo: false, hasRemote: false, hasUpstream: false });
    const r = await g.initRepo({ remote: 'git@example.com:me/blog.git' });
    expect(r).toMatchObject({ success: true });
    expect(fs.readdirSync(root).sort()).toEqual([...before, '.git'].sort());
    expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8')).toBe(GITIGNORE);
    expect(await g.getRepoState()).toMatchObject({ isRepo: true, currentBranch: 'main', hasRemote: true });
    expect(git(root, 'remote', 'get-url', 'origin').trim()).toBe('git@example.com:me/blog.git');
    expect(await g.initRepo()).toMatchObject({ success: false, code: 'action-failed' });
    expect(await g.getHistory()).toEqual([]);
  });

  it('a folder that is not a repository says so for every action', async () => {
    const root = writeProject({});
    const g = new GitSync(root);
    for (const r of [await g.pull(), await g.push(), await g.fetch(), await g.commitAll('x')]) {
      expect(r).toMatchObject({ success: false, code: 'not-a-repo' });
      expect(r.guidance?.[0]).toMatch(/bds git init/);
    }
    await expect(g.getStatus()).rejects.toSatisfy(
      (e: unknown) => e instanceof BdsError && e.code === 'git-not-a-repo',
    );
  });

  it('the first push sets the upstream; pushing to a closed port is a network failure', async () => {
    const remote = path.join(writeProject({}), 'remote.git');
    git(path.dirname(remote), 'init', '--bare', '-b', 'main', remote);
    const root = writeProject({ '.gitignore': GITIGNORE, 'posts/2026/01/one.md': post('one', 'One') });
    const g = new GitSync(root);
    await g.initRepo({ remote });
    identify(root, 'Alice');
    expect(await g.push()).toMatchObject({ success: false, code: 'action-failed' });
    await g.commitAll('First');
    expect(await g.getRemoteState()).toMatchObject({ hasUpstream: false });
    expect(await g.push()).toEqual({ success: true });
    expect(await g.getRemoteState()).toMatchObject({ hasUpstream: true, upstreamBranch: 'origin/main' });

    const port = await closedPort();
    git(root, 'remote', 'set-url', 'origin', `ssh://git@127.0.0.1:${port}/blog.git`);
    const r = await g.fetch();
    expect(r).toMatchObject({ success: false, code: 'network' });
    expect(r.error).toMatch(/Connection refused/);
  });

  it('a remote path that does not exist is reported as a wrong remote', async () => {
    const root = writeProject({ '.gitignore': GITIGNORE });
    const g = new GitSync(root);
    await g.initRepo({ remote: path.join(root, 'no-such-remote.git') });
    const r = await g.fetch();
    expect(r).toMatchObject({ success: false, code: 'remote-unreachable' });
    expect(r.guidance?.[0]).toMatch(/remote URL/);
  });

  it('a remote that wants a password gives auth-required instead of prompting', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="blog"' });
      res.end('sign in');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const root = writeProject({ '.gitignore': GITIGNORE });
      const g = new GitSync(root, { env: { ...process.env, HOME: path.dirname(root) } });
      await g.initRepo({ remote: `http://127.0.0.1:${port}/me/blog.git` });
      const r = await g.fetch();
      expect(r).toMatchObject({ success: false, code: 'auth-required' });
      expect(r.guidance?.join(' ')).toMatch(/credential helper/);
      expect(r.guidance?.join(' ')).toContain('127.0.0.1');
    } finally {
      server.close();
    }
  });
});
