// What bds cannot read is reported with its path and the rest of the project loads (issue 19, item 4):
// unreadable folders and files, a broken meta/tags.json, symbolic links, empty posts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { walkFiles, isMarkdownFile } from '../../src/core/walk.js';
import type { Problem } from '../../src/core/errors.js';
import { cleanupTempDirs, readText, samplePost, tempDir, writeProject } from '../helpers/project.js';
import { hasProgram } from '../helpers/system.js';

const open: Workspace[] = [];
function openWs(root: string, watch = false): Workspace {
  const ws = Workspace.open(root, { watch, home: tempDir('bds-home-') });
  open.push(ws);
  return ws;
}
afterEach(async () => {
  vi.restoreAllMocks();
  for (const ws of open.splice(0)) await ws.close();
  cleanupTempDirs();
});

function eacces(syscall: string, p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EACCES: permission denied, ${syscall} '${p}'`), {
    code: 'EACCES',
    errno: -13,
    syscall,
    path: p,
  });
}

/** Every file's bytes, to check that reporting a problem changed nothing on disk. */
function filesOf(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    const abs = path.join(e.parentPath, e.name);
    const rel = path.relative(root, abs).split(path.sep).join('/');
    if (rel.startsWith('.bds') || !e.isFile()) continue;
    out[rel] = fs.readFileSync(abs).toString('base64');
  }
  return out;
}

const slugs = async (ws: Workspace) => (await ws.call('posts.list', {})).map((p) => p.slug).sort();

describe('a folder or file that cannot be read is a problem, not a failure of every command', () => {
  it('an unreadable folder under posts/ is reported with its path; open, problems and rebuild work', async () => {
    const root = writeProject({
      'posts/2026/01/good.md': samplePost({ slug: 'good' }),
      'posts/2026/02/hidden.md': samplePost({ slug: 'hidden' }),
    });
    const before = filesOf(root);
    const bad = path.join(root, 'posts/2026/02');
    const readdir = fs.readdirSync.bind(fs);
    // As a user without the folder's permission meets it (tests run as root, which ignores modes).
    vi.spyOn(fs, 'readdirSync').mockImplementation(((p: fs.PathLike, o?: { recursive?: boolean }) => {
      const dir = String(p);
      if (dir === bad || (o?.recursive && bad.startsWith(`${dir}${path.sep}`))) throw eacces('scandir', dir);
      return readdir(p, o as never);
    }) as typeof fs.readdirSync);
    const ws = openWs(root);
    expect(await slugs(ws)).toEqual(['good']);
    const expected = [
      {
        code: 'file-unreadable',
        file: 'posts/2026/02',
        message: 'posts/2026/02 cannot be read (EACCES: permission denied)',
      },
    ];
    expect(await ws.call('project.problems', {})).toMatchObject(expected);
    const rebuilt = await ws.call('project.rebuild', {});
    expect(rebuilt.posts?.problems).toMatchObject(expected);
    expect(await ws.call('project.problems', {})).toMatchObject(expected);
    vi.restoreAllMocks();
    expect(filesOf(root)).toEqual(before);
  });

  it('an unreadable post file is file-unreadable (not internal) with its path', async () => {
    const root = writeProject({
      'posts/2026/01/good.md': samplePost({ slug: 'good' }),
      'posts/2026/01/secret.md': samplePost({ slug: 'secret' }),
    });
    const bad = path.join(root, 'posts/2026/01/secret.md');
    const read = fs.readFileSync.bind(fs);
    vi.spyOn(fs, 'readFileSync').mockImplementation(((p: fs.PathOrFileDescriptor, o?: never) => {
      if (String(p) === bad) throw eacces('open', bad);
      return read(p, o);
    }) as typeof fs.readFileSync);
    const ws = openWs(root);
    expect(await slugs(ws)).toEqual(['good']);
    expect(await ws.call('project.problems', {})).toEqual([
      {
        code: 'file-unreadable',
        file: 'posts/2026/01/secret.md',
        message: 'posts/2026/01/secret.md cannot be read (EACCES: permission denied)',
      },
    ]);
  });

  it('walkFiles reports a folder it cannot read instead of returning without it', () => {
    const root = writeProject({ 'scripts/a.py': '', 'scripts/deep/b.py': '' });
    const bad = path.join(root, 'scripts/deep');
    const readdir = fs.readdirSync.bind(fs);
    vi.spyOn(fs, 'readdirSync').mockImplementation(((p: fs.PathLike, o?: never) => {
      if (String(p) === bad) throw eacces('scandir', bad);
      return readdir(p, o);
    }) as typeof fs.readdirSync);
    const problems: Problem[] = [];
    expect(walkFiles(root, 'scripts', (n) => n.endsWith('.py'), problems)).toEqual(['scripts/a.py']);
    expect(problems).toMatchObject([{ code: 'file-unreadable', file: 'scripts/deep' }]);
    // A folder that does not exist is empty, not a problem.
    expect(walkFiles(root, 'drafts', isMarkdownFile, problems)).toEqual([]);
    expect(problems).toHaveLength(1);
  });

  it('a named pipe where a post should be is reported and never read (a read would block)', async () => {
    const root = writeProject({ 'posts/2026/01/good.md': samplePost({ slug: 'good' }) });
    const made = spawnSync('mkfifo', [path.join(root, 'posts/2026/01/pipe.md')]);
    if (made.status !== 0) return; // No mkfifo on this system: the injected cases above cover the path.
    const ws = openWs(root);
    expect(await slugs(ws)).toEqual(['good']);
    expect(await ws.call('project.problems', {})).toMatchObject([
      {
        code: 'file-unreadable',
        file: 'posts/2026/01/pipe.md',
        message: expect.stringMatching(/named pipe/),
      },
    ]);
  });

  // The real thing: a user who may not read a folder and a file. Root ignores permissions, so as root
  // the CLI runs with dropped privileges (setpriv, as nobody); as anyone else it runs as is.
  const asRoot = process.getuid?.() === 0;
  const canDrop = !asRoot || hasProgram('setpriv');
  it.runIf(process.platform !== 'win32' && canDrop)(
    'with real permissions: problems, rebuild and post list all work and name both paths',
    () => {
      const root = writeProject({
        'posts/2026/01/good.md': samplePost({ slug: 'good' }),
        'posts/2026/01/secret.md': samplePost({ slug: 'secret' }),
        'posts/2026/02/hidden.md': samplePost({ slug: 'hidden' }),
      });
      const home = tempDir('bds-home-');
      const nobody = 65534;
      if (asRoot) {
        for (const dir of [root, home]) {
          fs.chownSync(dir, nobody, nobody);
          for (const e of fs.readdirSync(dir, { recursive: true }))
            fs.chownSync(path.join(dir, String(e)), nobody, nobody);
        }
      }
      fs.chmodSync(path.join(root, 'posts/2026/02'), 0o000);
      fs.chmodSync(path.join(root, 'posts/2026/01/secret.md'), 0o000);
      const bds = (...args: string[]) => {
        const cli = ['node', '--import', 'tsx', path.resolve('src/cli/main.ts'), '--project', root, ...args];
        const cmd = asRoot
          ? ['setpriv', `--reuid=${nobody}`, `--regid=${nobody}`, '--clear-groups', ...cli]
          : cli;
        return spawnSync(cmd[0]!, cmd.slice(1), {
          cwd: process.cwd(),
          env: { ...process.env, BDS_HOME: home },
          encoding: 'utf8',
        });
      };
      try {
        const problems = bds('--json', 'problems');
        expect(problems.stderr).not.toMatch(/EACCES.*scandir|internal/);
        expect(JSON.parse(problems.stdout)).toEqual([
          expect.objectContaining({ code: 'file-unreadable', file: 'posts/2026/01/secret.md' }),
          expect.objectContaining({ code: 'file-unreadable', file: 'posts/2026/02' }),
        ]);
        const rebuild = bds('rebuild');
        expect(rebuild.stdout).toMatch(/Indexed 1 posts/);
        expect(rebuild.stdout).toMatch(/posts\/2026\/02 cannot be read \(EACCES/);
        const list = bds('--json', 'post', 'list');
        expect(list.status).toBe(0);
        expect((JSON.parse(list.stdout) as { slug: string }[]).map((p) => p.slug)).toEqual(['good']);
      } finally {
        fs.chmodSync(path.join(root, 'posts/2026/02'), 0o755);
        fs.chmodSync(path.join(root, 'posts/2026/01/secret.md'), 0o644);
      }
    },
    60_000,
  );
});

describe('a broken meta/tags.json is reported and read as no tag metadata', () => {
  const broken = '[\n  { "name": "travel", "color": "#00aa00" },\n  { "name": "food", }\n]\n';

  it('it is in `bds problems` with its line; tag list, build and rename still work; the file is unchanged', async () => {
    const root = writeProject({
      'posts/2026/01/good.md': samplePost({ slug: 'good', tags: ['travel'] }),
      'meta/tags.json': broken,
    });
    const ws = openWs(root);
    expect(await ws.call('project.problems', {})).toEqual([
      {
        code: 'meta-invalid',
        file: 'meta/tags.json',
        line: 3,
        column: expect.any(Number),
        message: expect.stringMatching(/^meta\/tags\.json:3: not valid JSON/),
      },
    ]);
    expect(await ws.call('tags.list', {})).toEqual([{ name: 'travel', count: 1, publishedCount: 1 }]);
    await ws.call('site.build', {});
    expect(fs.existsSync(path.join(root, 'html/index.html'))).toBe(true);
    // Setting a colour would write over the user's file: refused, naming the file and line.
    await expect(ws.call('tags.setColor', { name: 'travel', color: '#112233' })).rejects.toMatchObject({
      code: 'meta-invalid',
      file: 'meta/tags.json',
      line: 3,
    });
    // A rename rewrites the posts; the broken file is left for the user and still reported.
    await ws.call('tags.rename', { name: 'travel', newName: 'trips' });
    expect((await ws.call('posts.get', { ref: 'good' })).tags).toEqual(['trips']);
    expect(readText(root, 'meta/tags.json')).toBe(broken);
    expect(await ws.call('project.problems', {})).toMatchObject([{ file: 'meta/tags.json', line: 3 }]);
  });

  it('a value that does not fit names its line; fixing the file clears the problem', async () => {
    const text = '[\n  { "name": "travel" },\n  {\n    "name": "food",\n    "color": "red"\n  }\n]\n';
    const root = writeProject({
      'posts/2026/01/good.md': samplePost({ slug: 'good' }),
      'meta/tags.json': text,
    });
    let ws = openWs(root);
    expect(await ws.call('project.problems', {})).toMatchObject([
      { code: 'meta-invalid', file: 'meta/tags.json', line: 5, message: expect.stringMatching(/"1\.color"/) },
    ]);
    expect(await ws.call('tags.list', {})).toEqual([]);
    expect(readText(root, 'meta/tags.json')).toBe(text);
    await ws.close();
    open.length = 0;
    fs.writeFileSync(path.join(root, 'meta/tags.json'), '[{ "name": "food", "color": "#ff0000" }]\n');
    ws = openWs(root);
    expect(await ws.call('project.problems', {})).toEqual([]);
    expect(await ws.call('tags.list', {})).toEqual([
      { name: 'food', color: '#ff0000', count: 0, publishedCount: 0 },
    ]);
  });

  it('a broken meta/categories.json is reported the same way, and categories still list', async () => {
    const root = writeProject({
      'posts/2026/01/good.md': samplePost({ slug: 'good' }),
      'meta/categories.json': '{ "article": { "title": 5 } }',
    });
    const ws = openWs(root);
    expect(await ws.call('project.problems', {})).toMatchObject([
      { code: 'meta-invalid', file: 'meta/categories.json', line: 1 },
    ]);
    expect((await ws.call('categories.list', {})).map((c) => c.name)).toEqual(['article']);
  });

  it('the watcher reports a tags.json broken while bds runs', async () => {
    const root = writeProject({ 'posts/2026/01/good.md': samplePost({ slug: 'good' }) });
    const ws = openWs(root, true);
    await ws.watching();
    const problem = new Promise<{ code: string; file: string; line?: number }>((resolve) => {
      const off = ws.events.on('problem', (p) => {
        off();
        resolve(p);
      });
    });
    fs.writeFileSync(path.join(root, 'meta/tags.json'), '{ nope');
    expect(await problem).toMatchObject({ code: 'meta-invalid', file: 'meta/tags.json', line: 1 });
    await ws.settled();
    expect(await ws.call('project.problems', {})).toMatchObject([{ file: 'meta/tags.json' }]);
  });
});

describe('a symbolic link under posts/ is reported and not followed, by a rebuild and the watcher alike', () => {
  function withLinks() {
    const root = writeProject({
      'posts/2026/01/good.md': samplePost({ slug: 'good' }),
      'elsewhere/linked.md': samplePost({ slug: 'linked' }),
      'elsewhere/folder/inside.md': samplePost({ slug: 'inside' }),
    });
    fs.symlinkSync(path.join(root, 'elsewhere/linked.md'), path.join(root, 'posts/2026/01/linked.md'));
    fs.symlinkSync(path.join(root, 'elsewhere/folder'), path.join(root, 'posts/2026/03'));
    return root;
  }
  const linkProblems = [
    { code: 'file-symlink', file: 'posts/2026/01/linked.md' },
    { code: 'file-symlink', file: 'posts/2026/03' },
  ];

  it('a rebuild names each link (to a post or to a folder) and loads the rest', async () => {
    const root = withLinks();
    const ws = openWs(root);
    expect(await slugs(ws)).toEqual(['good']);
    expect(await ws.call('project.problems', {})).toMatchObject(linkProblems);
    expect((await ws.call('project.rebuild', {})).posts?.problems).toMatchObject(linkProblems);
    expect(fs.lstatSync(path.join(root, 'posts/2026/01/linked.md')).isSymbolicLink()).toBe(true);
  });

  it('links made while bds runs give the same index as a rebuild; removing them clears the problems', async () => {
    const root = writeProject({
      'posts/2026/01/good.md': samplePost({ slug: 'good' }),
      'elsewhere/linked.md': samplePost({ slug: 'linked' }),
      'elsewhere/folder/inside.md': samplePost({ slug: 'inside' }),
    });
    const ws = openWs(root, true);
    await ws.watching();
    const seen: string[] = [];
    ws.events.on('problem', (p) => seen.push(p.file));
    fs.symlinkSync(path.join(root, 'elsewhere/linked.md'), path.join(root, 'posts/2026/01/linked.md'));
    fs.symlinkSync(path.join(root, 'elsewhere/folder'), path.join(root, 'posts/2026/03'));
    await until(() => seen.length >= 2);
    await ws.settled();
    const live = { posts: await slugs(ws), problems: await ws.call('project.problems', {}) };
    expect(live.posts).toEqual(['good']);
    expect(live.problems).toMatchObject(linkProblems);
    await ws.call('project.rebuild', {});
    expect({ posts: await slugs(ws), problems: await ws.call('project.problems', {}) }).toEqual(live);
    fs.rmSync(path.join(root, 'posts/2026/01/linked.md'));
    fs.rmSync(path.join(root, 'posts/2026/03'));
    await until(async () => (await ws.call('project.problems', {})).length === 0);
  });

  it('a link removed while bds was closed is forgotten at the next opening', async () => {
    const root = withLinks();
    let ws = openWs(root);
    expect(await ws.call('project.problems', {})).toHaveLength(2);
    await ws.close();
    open.length = 0;
    fs.rmSync(path.join(root, 'posts/2026/03'));
    ws = openWs(root);
    expect(ws.openReport.mode).toBe('reconcile');
    expect(await ws.call('project.problems', {})).toMatchObject([linkProblems[0]]);
  });
});

describe('scripts are walked the same way', () => {
  it('a linked script is reported and not loaded, at opening and by the watcher', async () => {
    const script = (id: string, slug: string) =>
      `"""\n---\nid: ${id}\nslug: ${slug}\ntitle: Hello\nkind: utility\n---\n"""\ndef main(context):\n    return 1\n`;
    const root = writeProject({
      'scripts/hello.py': script('s1', 'hello'),
      'elsewhere/other.py': script('s2', 'other'),
    });
    fs.symlinkSync(path.join(root, 'elsewhere/other.py'), path.join(root, 'scripts/linked.py'));
    const ws = openWs(root, true);
    expect((await ws.call('scripts.list', {})).map((s) => s.slug)).toEqual(['hello']);
    expect(await ws.call('project.problems', {})).toMatchObject([
      { code: 'file-symlink', file: 'scripts/linked.py' },
    ]);
    await ws.watching();
    fs.symlinkSync(path.join(root, 'elsewhere/other.py'), path.join(root, 'scripts/live.py'));
    await until(async () => (await ws.call('project.problems', {})).length === 2);
    expect(await ws.call('project.problems', {})).toMatchObject([
      { code: 'file-symlink', file: 'scripts/linked.py' },
      { code: 'file-symlink', file: 'scripts/live.py' },
    ]);
    expect((await ws.call('scripts.list', {})).map((s) => s.slug)).toEqual(['hello']);
  });
});

describe('an empty post file is reported, not adopted as a draft dated by its mtime', () => {
  it('is post-empty with its path, and stays empty', async () => {
    const root = writeProject({
      'posts/2026/01/good.md': samplePost({ slug: 'good' }),
      'posts/2026/01/empty.md': '',
      'posts/2026/01/blank.md': '\n  \n',
    });
    const ws = openWs(root);
    expect(await slugs(ws)).toEqual(['good']);
    expect(await ws.call('project.problems', {})).toMatchObject([
      { code: 'post-empty', file: 'posts/2026/01/blank.md' },
      { code: 'post-empty', file: 'posts/2026/01/empty.md' },
    ]);
    expect(readText(root, 'posts/2026/01/empty.md')).toBe('');
    expect(readText(root, 'posts/2026/01/blank.md')).toBe('\n  \n');
  });
});

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
