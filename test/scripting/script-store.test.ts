import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { parseScriptText, serializeScript } from '../../src/scripting/scripts/script-file.js';
import { ScriptStore } from '../../src/scripting/scripts/script-store.js';
import { TrustStore } from '../../src/scripting/scripts/trust.js';
import { ProblemIndex, ScriptIndex } from '../../src/store/index.js';
import { cleanupTempDirs, readText, samplePost, tempDir, writeProject } from '../helpers/project.js';
import { describeWith } from '../helpers/system.js';

const open: Workspace[] = [];
function openWs(root: string, opts: { watch?: boolean; home?: string } = {}): Workspace {
  const ws = Workspace.open(root, { home: opts.home ?? tempHome(root), watch: opts.watch });
  open.push(ws);
  return ws;
}
const homes = new Map<string, string>();
function tempHome(root: string): string {
  if (!homes.has(root)) homes.set(root, tempDir('bds-home-'));
  return homes.get(root)!;
}
afterEach(async () => {
  for (const ws of open.splice(0)) await ws.close();
  cleanupTempDirs();
});

/** The script store over a workspace's index, for what the use cases do not expose (run order, lookups). */
const storeOf = (ws: Workspace) =>
  new ScriptStore(
    ws.project,
    new ScriptIndex(ws.db.sqlite),
    new ProblemIndex(ws.db.orm),
    new TrustStore(ws.home),
  );

const script = (fm: string, code = 'def render(context, post):\n    return "<b>hi</b>"\n') =>
  `"""\n---\n${fm}\n---\n"""\n${code}`;

describe('script files', () => {
  it('round-trips frontmatter and code, keeping unknown keys', () => {
    const text = script(
      'id: abc\nslug: hello\ntitle: "Say \\"\\"\\" hello"\nkind: macro\nentrypoint: render\nenabled: true\nversion: 3\ncreatedAt: 2026-01-01T00:00:00Z\nupdatedAt: 2026-01-02T00:00:00Z\nauthor: me',
    );
    const doc = parseScriptText(text, { path: 'scripts/hello.py', mtimeMs: 0, timezone: 'UTC' });
    expect(doc.notices).toEqual([]);
    expect(doc.meta).toMatchObject({
      id: 'abc',
      slug: 'hello',
      title: 'Say """ hello',
      kind: 'macro',
      version: 3,
    });
    expect(doc.codeLine).toBe(15);
    const again = serializeScript(doc.meta, doc.extra, doc.code);
    expect(again.split('"""').length).toBe(3); // the title's quotes never close the docstring
    const back = parseScriptText(again, { path: 'scripts/hello.py', mtimeMs: 0, timezone: 'UTC' });
    expect(back.meta).toEqual(doc.meta);
    expect(back.extra).toEqual({ author: 'me' });
    expect(back.code).toBe(doc.code);
  });

  it('keeps a description written in the docstring after the frontmatter, through saves', async () => {
    const root = writeProject({
      'scripts/shout.py':
        '"""\n---\nid: s1\nslug: shout\nkind: macro\n---\nShouts its text.\n\nUse [[shout text="hi"]].\n"""\ndef render(context, post):\n    return context["params"]["text"].upper()\n',
    });
    const ws = openWs(root);
    const s = await ws.call('scripts.get', { ref: 'shout' });
    expect(s).toMatchObject({ kind: 'macro', entrypoint: 'render', codeLine: 11 });
    expect((await ws.call('project.problems', {})).filter((p) => p.file === 'scripts/shout.py')).toEqual([]);
    await ws.call('scripts.update', { ref: 'shout', ...{ title: 'Shout' } });
    const text = readText(root, 'scripts/shout.py');
    expect(text).toContain('---\nShouts its text.\n\nUse [[shout text="hi"]].\n"""\ndef render');
    const doc = parseScriptText(text, { path: 'scripts/shout.py', mtimeMs: 0, timezone: 'UTC' });
    expect(doc.meta).toMatchObject({ title: 'Shout', kind: 'macro', version: 2 });
    const quoted = serializeScript(doc.meta, {}, doc.code, 'Ends """ early?');
    expect(quoted.split('"""').length).toBe(3);
    expect(parseScriptText(quoted, { path: 'scripts/shout.py', mtimeMs: 0, timezone: 'UTC' }).meta.kind).toBe(
      'macro',
    );
  });

  it('falls back to safe defaults and reports each fallback', () => {
    const doc = parseScriptText(script('slug: "Not Valid!"\nkind: gadget\nentrypoint: "2bad"\nversion: -1'), {
      path: 'scripts/my_tool.py',
      mtimeMs: Date.UTC(2026, 0, 1),
      timezone: 'UTC',
    });
    expect(doc.meta).toMatchObject({
      slug: 'my_tool',
      kind: 'utility',
      enabled: false,
      entrypoint: 'main',
      version: 1,
    });
    expect(doc.notices.map((n) => n.field).sort()).toEqual(['entrypoint', 'id', 'kind', 'slug', 'version']);
    expect(doc.notices.find((n) => n.field === 'kind')?.line).toBe(4);
  });

  it('adopts a file without frontmatter', () => {
    const doc = parseScriptText('def main(context):\n    return 1\n', {
      path: 'scripts/plain.py',
      mtimeMs: 0,
      timezone: 'UTC',
    });
    expect(doc.meta).toMatchObject({ slug: 'plain', kind: 'utility', entrypoint: 'main', enabled: true });
    expect(doc.hasFrontmatter).toBe(false);
    expect(doc.notices).toMatchObject([{ field: 'frontmatter' }]);
  });
});

describe('script store', () => {
  it('creates, updates (bumping version), enables and deletes scripts through files', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const s = await ws.call('scripts.create', { title: 'Render Hero', kind: 'macro' });
    expect(s).toMatchObject({
      slug: 'render_hero',
      kind: 'macro',
      entrypoint: 'render',
      enabled: true,
      version: 1,
      trusted: true,
    });
    expect(readText(root, 'scripts/render_hero.py')).toMatch(/^"""\n---\nid: /);
    const u = await ws.call('scripts.update', {
      ref: 'render_hero',
      ...{
        title: 'Hero banner',
        code: 'def render(c, p):\n    return "x"\n',
      },
    });
    expect(u).toMatchObject({ slug: 'render_hero', title: 'Hero banner', version: 2, trusted: true });
    expect((await ws.call('scripts.setEnabled', { ref: 'render_hero', enabled: false })).enabled).toBe(false);
    expect(ws.macroResolver().macroSlugs()).toEqual(new Set());
    expect((await ws.call('scripts.create', { title: 'Render Hero', kind: 'utility' })).slug).toBe(
      'render_hero_2',
    );
    await ws.call('scripts.delete', { ref: 'render_hero' });
    expect(fs.existsSync(path.join(root, 'scripts/render_hero.py'))).toBe(false);
    expect((await ws.call('scripts.list', {})).map((x) => x.slug)).toEqual(['render_hero_2']);
  });

  it('orders transforms by order then slug and emits scripts-changed with macro slugs', async () => {
    const ws = openWs(writeProject({}));
    const seen: string[][] = [];
    ws.events.on('scripts-changed', (e) => seen.push(e.macroSlugs));
    await ws.call('scripts.create', { title: 'b', kind: 'transform', order: 1 });
    await ws.call('scripts.create', { title: 'a', kind: 'transform', order: 1 });
    await ws.call('scripts.create', { title: 'z', kind: 'transform', order: 0 });
    await ws.call('scripts.create', { title: 'm', kind: 'macro' });
    expect(
      storeOf(ws)
        .enabledTransforms()
        .map((s) => s.slug),
    ).toEqual(['z', 'a', 'b']);
    expect(seen.at(-1)).toEqual(['m']);
    expect(storeOf(ws).macroBySlug('M')?.slug).toBe('m');
  });

  it('renaming moves the file and lists posts that still use the old name', async () => {
    const root = writeProject({
      'posts/2026/01/uses.md': samplePost({ slug: 'uses' }, 'Before [[hero title="x"]] after\n'),
    });
    const ws = openWs(root);
    await ws.call('scripts.create', { title: 'hero', kind: 'macro' });
    const { script, stillUsedBy } = await ws.call('scripts.rename', { ref: 'hero', newSlug: 'banner' });
    expect(script.slug).toBe('banner');
    expect(stillUsedBy).toEqual(['uses']);
    expect(fs.existsSync(path.join(root, 'scripts/hero.py'))).toBe(false);
    expect(readText(root, 'scripts/banner.py')).toContain('slug: banner');
    expect(script.trusted).toBe(true);
  });

  it('duplicate slugs across files: both stay readable and the second is reported', async () => {
    const root = writeProject({
      'scripts/a.py': script('id: one\nslug: same\nkind: macro'),
      'scripts/b.py': script('id: two\nslug: same\nkind: macro'),
      'scripts/c.py': script('id: one\nslug: other\nkind: macro'),
    });
    const ws = openWs(root);
    const slugs = (await ws.call('scripts.list', {})).map((s) => [s.path, s.slug]);
    expect(slugs).toEqual([
      ['scripts/c.py', 'other'],
      ['scripts/a.py', 'same'],
      ['scripts/b.py', 'same_2'],
    ]);
    const codes = (await ws.call('project.problems', {}))
      .filter((p) => p.file.startsWith('scripts/'))
      .map((p) => [p.file, p.code]);
    expect(codes).toContainEqual(['scripts/b.py', 'duplicate-slug']);
    expect(codes).toContainEqual(['scripts/c.py', 'duplicate-id']);
  });

  it('scripts that arrive from outside are untrusted until the user trusts them', async () => {
    const root = writeProject({ 'scripts/outside.py': script('id: o1\nslug: outside\nkind: macro') });
    const ws = openWs(root);
    expect((await ws.call('scripts.get', { ref: 'outside' })).trusted).toBe(false);
    expect((await ws.call('scripts.trust', { ref: 'outside' })).trusted).toBe(true);
    // Another user (another BDS_HOME) does not share that trust: it is not in the project folder.
    const other = openWs(root, { home: tempDir('bds-home-') });
    expect((await other.call('scripts.get', { ref: 'outside' })).trusted).toBe(false);
    expect(fs.readdirSync(root).some((f) => f.includes('trust'))).toBe(false);
  });

  it('external edits while closed: create, edit, delete, rename', async () => {
    const root = writeProject({
      'scripts/keep.py': script('id: k\nslug: keep\nkind: macro\nversion: 1'),
      'scripts/gone.py': script('id: g\nslug: gone\nkind: macro'),
      'scripts/move.py': script('id: mv\nslug: move\nkind: utility'),
    });
    const home = tempDir('bds-home-');
    let ws = openWs(root, { home });
    await ws.call('scripts.trust', { ref: 'keep' });
    await ws.close();
    open.length = 0;
    fs.writeFileSync(
      path.join(root, 'scripts/keep.py'),
      script('id: k\nslug: keep\nkind: macro\nversion: 2', 'def render(c, p):\n    return "changed"\n'),
    );
    fs.rmSync(path.join(root, 'scripts/gone.py'));
    fs.writeFileSync(path.join(root, 'scripts/new_one.py'), 'def main(context):\n    return 2\n');
    fs.renameSync(path.join(root, 'scripts/move.py'), path.join(root, 'scripts/moved.py'));
    ws = openWs(root, { home });
    const list = (await ws.call('scripts.list', {})).map((s) => [s.slug, s.path, s.version, s.trusted]);
    expect(list).toEqual([
      ['keep', 'scripts/keep.py', 2, false],
      ['move', 'scripts/moved.py', 1, false],
      ['new_one', 'scripts/new_one.py', 1, false],
    ]);
  });

  it('external edits while open are applied by the watcher and emit scripts-changed', async () => {
    const root = writeProject({});
    const ws = openWs(root, { watch: true });
    await ws.watching();
    const changed = () =>
      new Promise<string[]>((resolve) => {
        const off = ws.events.on('scripts-changed', (e) => {
          off();
          resolve(e.macroSlugs);
        });
      });
    let wait = changed();
    fs.writeFileSync(path.join(root, 'scripts/live.py'), script('id: l\nslug: live\nkind: macro'));
    expect(await wait).toEqual(['live']);
    expect((await ws.call('scripts.get', { ref: 'live' })).trusted).toBe(false);
    wait = changed();
    fs.renameSync(path.join(root, 'scripts/live.py'), path.join(root, 'scripts/live2.py'));
    await wait;
    await new Promise((r) => setTimeout(r, 200)); // the unlink and the add arrive as two events
    expect((await ws.call('scripts.list', {})).map((s) => s.path)).toEqual(['scripts/live2.py']);
    wait = changed();
    fs.rmSync(path.join(root, 'scripts/live2.py'));
    expect(await wait).toEqual([]);
  });

  it('a script can be rebuilt from files with the same result', async () => {
    const root = writeProject({
      'scripts/x.py': script('id: x\nslug: x\nkind: macro'),
      'scripts/y.py': 'print(1)\n',
    });
    const ws = openWs(root);
    const before = await ws.call('scripts.list', {});
    fs.rmSync(path.join(root, '.bds'), { recursive: true, force: true });
    const r = await ws.call('scripts.rebuild', {});
    expect(r.indexed).toBe(2);
    expect(await ws.call('scripts.list', {})).toEqual(before);
  });
});

describeWith(['git'], 'scripts and git', () => {
  it('a rename through a real git pull is reconciled and marked untrusted', async () => {
    const base = tempDir();
    const git = (cwd: string, ...args: string[]) =>
      execFileSync('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' }, encoding: 'utf8' });
    git(base, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
    const a = writeProject({ 'scripts/hello.py': script('id: h\nslug: hello\nkind: macro') });
    git(a, 'init', '-q', '-b', 'main');
    git(a, 'config', 'user.email', 'a@example.com');
    git(a, 'config', 'user.name', 'A');
    git(a, 'add', '-A');
    git(a, 'commit', '-qm', 'init');
    git(a, 'remote', 'add', 'origin', path.join(base, 'remote.git'));
    git(a, 'push', '-q', '-u', 'origin', 'main');
    const b = path.join(base, 'b');
    git(base, 'clone', '-q', path.join(base, 'remote.git'), 'b');
    const wsB = openWs(b);
    await wsB.call('scripts.trust', { ref: 'hello' });
    expect((await wsB.call('scripts.get', { ref: 'hello' })).trusted).toBe(true);
    // A renames and edits the script and pushes.
    git(a, 'mv', 'scripts/hello.py', 'scripts/greet.py');
    fs.writeFileSync(path.join(a, 'scripts/greet.py'), script('id: h\nslug: greet\nkind: macro'));
    git(a, 'commit', '-qam', 'rename');
    git(a, 'push', '-q');
    const pulled = await wsB.call('git.pull', {});
    expect(pulled.changes).toContainEqual({
      status: 'renamed',
      previousPath: 'scripts/hello.py',
      path: 'scripts/greet.py',
    });
    // The old path left the index and the new one came in.
    expect(pulled.reconcile).toMatchObject({ applied: 2, byArea: { scripts: 2 }, errors: [] });
    expect((await wsB.call('scripts.list', {})).map((s) => [s.slug, s.path, s.trusted])).toEqual([
      ['greet', 'scripts/greet.py', false],
    ]);
  });
});
