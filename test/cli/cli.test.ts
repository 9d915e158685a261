import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bds } from '../helpers/cli.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';

afterEach(() => cleanupTempDirs());

const sha256File = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('bds CLI', () => {
  it('with no arguments prints help and creates the default project with a welcome post', async () => {
    const home = tempDir();
    const cwd = tempDir();
    const r = await bds([], { cwd, home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: bds');
    expect(r.stdout).toMatch(/posts: +1 published/);
    const list = await bds(['--json', 'post', 'list'], { cwd, home });
    expect((list.json() as { slug: string }[]).map((p) => p.slug)).toEqual(['welcome-to-bds']);
    expect(fs.existsSync(path.join(home, 'projects', 'my-blog', 'bds.json'))).toBe(true);
  });

  it('init, new, list, show, edit, publish, search, delete end to end', async () => {
    const home = tempDir();
    const cwd = tempDir();
    expect((await bds(['init', 'blog', '--name', 'Field notes'], { cwd, home })).code).toBe(0);
    const dir = path.join(cwd, 'blog');
    const gi = fs.readFileSync(path.join(dir, '.gitignore'), 'utf8');
    expect(gi).toContain('html/');
    expect(gi).toContain('.bds/');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'meta/categories.json'), 'utf8'))).toHaveProperty(
      'aside',
    );
    fs.writeFileSync(path.join(cwd, 'body.md'), 'Trains across the Alps.\n');
    const created = await bds(
      [
        '--project',
        'blog',
        '--json',
        'post',
        'new',
        '--title',
        'By rail',
        '--body-file',
        'body.md',
        '--tag',
        'travel',
        '--tag',
        'rail',
        '--category',
        'article',
      ],
      { cwd, home },
    );
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ slug: 'by-rail', status: 'draft', tags: ['travel', 'rail'] });
    // Inside the project folder, --project is not needed.
    const list = await bds(['post', 'list'], { cwd: dir, home });
    expect(list.stdout).toMatch(/draft\s+by-rail\s+By rail/);
    expect((await bds(['post', 'publish', 'by-rail'], { cwd: dir, home })).stdout).toContain(
      'Published by-rail',
    );
    const edit = await bds(['post', 'edit', 'by-rail', '--body', 'Night trains too.'], { cwd: dir, home });
    expect(edit.stdout).toContain('pending edits');
    const show = await bds(['--json', 'post', 'show', 'by-rail'], { cwd: dir, home });
    expect(show.json()).toMatchObject({
      body: 'Trains across the Alps.\n',
      pending: { body: 'Night trains too.\n' },
    });
    await bds(['post', 'publish', 'by-rail'], { cwd: dir, home });
    const search = await bds(['--json', 'search', 'night'], { cwd: dir, home });
    expect((search.json() as { slug: string }[]).map((h) => h.slug)).toEqual(['by-rail']);
    expect((await bds(['post', 'delete', 'by-rail'], { cwd: dir, home })).code).toBe(0);
    expect((await bds(['--json', 'post', 'list'], { cwd: dir, home })).json()).toEqual([]);
  });

  it('fails with a non-zero exit code and a clear message', async () => {
    const home = tempDir();
    const root = writeProject({
      'posts/2026/01/bad.md': '---\ntitle: [\n---\n',
      'posts/2026/01/ok.md': samplePost({ slug: 'ok' }),
    });
    const missing = await bds(['post', 'show', 'nope'], { cwd: root, home });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No post with id or slug "nope"');
    const json = await bds(['--json', 'post', 'show', 'nope'], { cwd: root, home });
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'post-not-found' } });
    const usage = await bds(['post', 'list', '--limit', 'x'], { cwd: root, home });
    expect(usage.code).toBe(2);
    const problems = await bds(['problems'], { cwd: root, home });
    expect(problems.code).toBe(1);
    expect(problems.stdout).toMatch(/posts\/2026\/01\/bad\.md:2:\d+: .*\[frontmatter-yaml\]/);
    const rebuild = await bds(['--json', 'rebuild'], { cwd: root, home });
    expect(rebuild.json()).toMatchObject({ posts: 1 });
    expect(rebuild.code).toBe(1);
  });

  it('tags and categories from the command line', async () => {
    const home = tempDir();
    const root = writeProject({ 'posts/2026/01/a.md': samplePost({ slug: 'a', tags: ['old'] }) });
    expect((await bds(['tag', 'rename', 'old', 'new'], { cwd: root, home })).stdout).toContain('in 1 file');
    expect((await bds(['tag', 'color', 'new', '#123456'], { cwd: root, home })).code).toBe(0);
    expect((await bds(['--json', 'tag', 'list'], { cwd: root, home })).json()).toEqual([
      { name: 'new', color: '#123456', count: 1, publishedCount: 1 },
    ]);
    await bds(['category', 'set', 'notes', '--title', 'Notes', '--render-in-lists', 'false'], {
      cwd: root,
      home,
    });
    const cats = (await bds(['--json', 'category', 'list'], { cwd: root, home })).json() as {
      name: string;
    }[];
    expect(cats.find((c) => c.name === 'notes')).toMatchObject({
      title: 'Notes',
      renderInLists: false,
    });
  });

  it('the real command runs as a process and sets its exit code', () => {
    const home = tempDir();
    const root = writeProject({ 'posts/2026/01/a.md': samplePost({ slug: 'a', title: 'From a process' }) });
    const tsx = path.resolve('node_modules/.bin/tsx');
    const cli = path.resolve('src/cli/main.ts');
    const ok = spawnSync(tsx, [cli, '--project', root, '--json', 'post', 'list'], {
      env: { ...process.env, BDS_HOME: home },
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)[0].title).toBe('From a process');
    const bad = spawnSync(tsx, [cli, '--project', root, 'post', 'show', 'zzz'], {
      env: { ...process.env, BDS_HOME: home },
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('zzz');
  });
});

describe('bds script', () => {
  it('new, list, disable, trust, rename, delete from the command line', async () => {
    const home = tempDir();
    const root = writeProject({
      'posts/2026/01/a.md': samplePost({ slug: 'a' }, 'Uses [[hello]].\n'),
      'scripts/outside.py': 'def main(context):\n    return 1\n',
    });
    const created = await bds(['--json', 'script', 'new', 'hello', '--kind', 'macro'], { cwd: root, home });
    expect(created.json()).toMatchObject({
      slug: 'hello',
      kind: 'macro',
      trusted: true,
      entrypoint: 'render',
    });
    const list = await bds(['script', 'list'], { cwd: root, home });
    expect(list.stdout).toMatch(/hello\s+macro\s+enabled\s+trusted/);
    expect(list.stdout).toMatch(/outside\s+utility\s+enabled\s+UNTRUSTED/);
    expect((await bds(['script', 'disable', 'hello'], { cwd: root, home })).stdout).toContain('disabled');
    expect((await bds(['script', 'diff', 'outside'], { cwd: root, home })).stdout).toContain(
      'bds has no version of it that you trusted before',
    );
    expect((await bds(['script', 'trust', 'outside'], { cwd: root, home })).stdout).toContain(
      'Trusted outside',
    );
    // Changed outside bds after it was trusted: the diff shows what changed since.
    fs.writeFileSync(path.join(root, 'scripts/outside.py'), 'def main(context):\n    return 2\n');
    expect((await bds(['script', 'diff', 'outside'], { cwd: root, home })).stdout).toContain(
      '--- scripts/outside.py (last trusted)\n+++ scripts/outside.py (now)\n def main(context):\n-    return 1\n+    return 2\n',
    );
    expect((await bds(['script', 'trust', 'outside'], { cwd: root, home })).stdout).toContain(
      'Trusted outside',
    );
    // Trust goes to the BDS_HOME the command was given, and only there.
    const trust = JSON.parse(fs.readFileSync(path.join(home, 'trust.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(JSON.stringify(trust)).toContain(sha256File(path.join(root, 'scripts/outside.py')));
    const otherHome = tempDir();
    const elsewhere = await bds(['script', 'list'], { cwd: root, home: otherHome });
    expect(elsewhere.stdout).toMatch(/outside\s+utility\s+enabled\s+UNTRUSTED/);
    const renamed = await bds(['script', 'rename', 'hello', 'greet'], { cwd: root, home });
    expect(renamed.stdout).toContain('These posts still use [[hello]]: a');
    expect((await bds(['script', 'delete', 'greet'], { cwd: root, home })).code).toBe(0);
    const bad = await bds(['script', 'new', 'Bad-Name', '--kind', 'macro'], { cwd: root, home });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('not a valid script name');
    expect((await bds(['script', 'new', 'x', '--kind', 'gadget'], { cwd: root, home })).code).toBe(2);
  });
});
