// End to end with real Pyodide: scripts written through bds, bds_api calls back into the workspace,
// trust, checks, and Python macros in the render pipeline.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { renderMarkdownDocument } from '../../src/render/index.js';
import { samplePost, tempDir, writeProject } from '../helpers/project.js';
import { describeWith } from '../helpers/system.js';

let ws: Workspace;
let root: string;

beforeAll(async () => {
  root = writeProject({
    'posts/2026/01/first.md': samplePost(
      { slug: 'first', title: 'First post', tags: ['hello'] },
      'Hello [[shout text="hi"]] and [[writer]] and [[outsider]].\n',
    ),
    'scripts/outsider.py':
      '"""\n---\nid: out1\nslug: outsider\nkind: macro\n---\n"""\ndef render(context, post):\n    return "<i>outside</i>"\n',
  });
  ws = Workspace.open(root, { home: tempDir('bds-home-'), python: { size: 1 } });
  await ws.python().start();
}, 120_000);

afterAll(async () => {
  await ws.close();
});

async function renderFirst() {
  const post = await ws.call('posts.get', { ref: 'first' });
  return renderMarkdownDocument({
    source: post.body,
    file: post.path,
    lineOffset: post.bodyLine - 1,
    post: {
      id: post.id,
      title: post.title,
      slug: post.slug,
      content: post.body,
      tags: post.tags,
      categories: post.categories,
      createdAt: post.createdAt,
      updatedAt: post.updatedAt,
    },
    mode: 'site',
    resolver: ws.macroResolver(),
    mainLanguage: 'en',
  });
}

describe('Python scripts end to end', () => {
  it('a utility script uses bds_api to list and create posts; errors arrive as ApiError', async () => {
    await ws.call('scripts.create', {
      title: 'maker',
      kind: 'utility',
      code: [
        'import bds_api',
        'from bds_api import bds',
        'def main(context):',
        '    before = len(bds_api.posts.list())',
        '    p = bds.posts.create({"title": context["params"]["title"], "content": "From Python", "tags": ["py"]})',
        '    try:',
        '        bds_api.posts.get_by_slug("missing")',
        '    except bds_api.ApiError as e:',
        '        print("error", e.code)',
        '    return {"before": before, "after": len(bds_api.posts.list()), "slug": p["slug"]}',
      ].join('\n'),
    });
    const out: string[] = [];
    const r = await ws.call(
      'scripts.run',
      { ref: 'maker', params: { title: 'Made by Python' } },
      { onOutput: (_s, t) => out.push(t) },
    );
    expect(r.status).toBe('ok');
    expect(r.value).toEqual({ before: 1, after: 2, slug: 'made-by-python' });
    expect(out.join('')).toContain('error post-not-found');
    expect((await ws.call('posts.get', { ref: 'made-by-python' })).tags).toEqual(['py']);
    expect((await ws.call('scripts.runs', { ref: 'maker' }))[0]).toMatchObject({ status: 'ok' });
  });

  it('macros render through the pipeline; a macro that writes gets the read-only error; untrusted fails', async () => {
    await ws.call('scripts.create', {
      title: 'shout',
      kind: 'macro',
      code: 'def render(context, post):\n    return "<b>" + context["params"]["text"].upper() + " " + post["title"] + "</b>"\n',
    });
    await ws.call('scripts.create', {
      title: 'writer',
      kind: 'macro',
      code: 'import bds_api\ndef render(context, post):\n    bds_api.posts.create({"title": "nope"})\n    return "written"\n',
    });
    const doc = await renderFirst();
    expect(doc.html).toContain('<b>HI First post</b>');
    expect(doc.html).not.toContain('outside');
    const byMacro = Object.fromEntries(doc.failures.map((f) => [f.macro, f]));
    expect(byMacro.writer).toMatchObject({
      reason: 'exception',
      line: (await ws.call('posts.get', { ref: 'first' })).bodyLine,
    });
    expect(byMacro.writer!.message).toContain('read-only in macros');
    expect(byMacro.outsider).toMatchObject({ reason: 'untrusted' });
    expect((await ws.call('posts.list', {})).some((p) => p.title === 'nope')).toBe(false);
    await ws.call('scripts.trust', { ref: 'outsider' });
    expect((await renderFirst()).html).toContain('<i>outside</i>');
  });

  it('an untrusted utility does not run until trusted', async () => {
    fs.writeFileSync(path.join(root, 'scripts/stranger.py'), 'def main(context):\n    return 42\n');
    ws.applyExternalChange('scripts/stranger.py');
    await expect(ws.call('scripts.run', { ref: 'stranger' })).rejects.toMatchObject({
      code: 'script-untrusted',
    });
    await ws.call('scripts.trust', { ref: 'stranger' });
    expect((await ws.call('scripts.run', { ref: 'stranger' })).value).toBe(42);
  });

  it('check reports syntax errors at file positions and entrypoint problems', async () => {
    await ws.call('scripts.create', {
      title: 'broken',
      kind: 'utility',
      code: 'def main(context):\n    x = (1,\n',
    });
    const s = await ws.call('scripts.get', { ref: 'broken' });
    const r = await ws.call('scripts.check', { ref: 'broken' });
    expect(r.errors[0]).toMatchObject({ line: s.codeLine + 1, column: 9 });
    await ws.call('scripts.create', {
      title: 'wrong',
      kind: 'macro',
      code: 'def render(only_one):\n    return ""\n',
    });
    const w = await ws.call('scripts.check', { ref: 'wrong' });
    expect(w.errors).toEqual([]);
    expect(w.warnings[0]).toMatch(/takes 1 parameter/);
    await ws.call('scripts.create', {
      title: 'noentry',
      kind: 'transform',
      code: 'def other(post):\n    return post\n',
    });
    expect((await ws.call('scripts.check', { ref: 'noentry' })).warnings[0]).toMatch(
      /not a top-level function/,
    );
    // Unsaved text from an editor is checked as it is, at the same file positions, and nothing is saved.
    const unsaved = await ws.call('scripts.check', {
      ref: 'noentry',
      code: 'def transform(post):\n    return post +\n',
    });
    const noentry = await ws.call('scripts.get', { ref: 'noentry' });
    expect(unsaved.errors[0]).toMatchObject({ line: noentry.codeLine + 1 });
    const fixed = await ws.call('scripts.check', {
      ref: 'noentry',
      code: 'def transform(post):\n    return post\n',
      entrypoint: 'transform',
    });
    expect(fixed).toMatchObject({ ok: true, warnings: [] });
    expect(fixed.functions.map((f) => f.name)).toEqual(['transform']);
    expect((await ws.call('scripts.get', { ref: 'noentry' })).code).toBe(
      'def other(post):\n    return post\n',
    );
  });

  it('a utility edits templates and builds the site; its macros run although the script holds the only worker', async () => {
    await ws.call('scripts.create', {
      title: 'site builder',
      kind: 'utility',
      code: [
        'import bds_api',
        'def main(context):',
        '    names = [t["name"] for t in bds_api.templates.list()]',
        '    try:',
        '        bds_api.templates.save("post", "<h1>{{ post.title }</h1>")',
        '    except bds_api.ApiError as e:',
        '        print("bad", e.code)',
        '    post = bds_api.templates.get("post")',
        '    head = bds_api.templates.get("head")["content"]',
        '    saved = bds_api.templates.save("post", post["content"].replace("</article>", "<p>from python</p></article>"))',
        '    summary = bds_api.site.build(strict=False)',
        '    return {"names": names, "builtin": post["source"], "saved": saved, "head": len(head) > 0,',
        '            "summary": summary}',
      ].join('\n'),
    });
    const out: string[] = [];
    const r = await ws.call(
      'scripts.run',
      { ref: 'site_builder', params: {} },
      { onOutput: (_s, t) => out.push(t) },
    );
    expect(r.status).toBe('ok');
    const v = r.value as {
      names: string[];
      builtin: string;
      saved: Record<string, unknown>;
      summary: { posts: number; pagesWritten: number; macroCounters: { python: number } };
    };
    expect(v.names).toEqual(expect.arrayContaining(['post', 'list', 'not-found', 'head']));
    expect(v.builtin).toBe('builtin');
    expect(v.saved).toMatchObject({ name: 'post', source: 'user', overridesBuiltin: true });
    expect(out.join('')).toContain('bad template-error');
    expect(v.summary.posts).toBeGreaterThan(0);
    expect(v.summary.macroCounters.python).toBeGreaterThan(0);
    const page = fs.readFileSync(
      path.join(
        root,
        'html',
        (await ws.call('posts.get', { ref: 'first' })).publishedAt!.slice(0, 10).replace(/-/g, '/'),
        'first',
        'index.html',
      ),
      'utf8',
    );
    expect(page).toContain('<p>from python</p>');
    expect(page).toContain('<b>HI First post</b>');
    expect(fs.readFileSync(path.join(root, 'templates/post.liquid'), 'utf8')).toContain('from python');
  });

  it('a runaway utility times out and the next run works', async () => {
    await ws.call('scripts.create', {
      title: 'spin',
      kind: 'utility',
      code: 'def main(context):\n    while True:\n        pass\n',
    });
    const slow = await ws
      .python()
      .runUtility(
        { id: 'spin', version: 1, source: 'def main(context):\n    while True:\n        pass\n' },
        { params: {}, env: { mainLanguage: 'en', source: { kind: 'script', id: 'spin' } } },
        { timeoutMs: 300 },
      )
      .catch((e: unknown) => e);
    expect(slow).toMatchObject({ code: 'python-timeout' });
    expect((await ws.call('scripts.run', { ref: 'stranger' })).value).toBe(42);
  });
});

describeWith(['git'], 'bds_api and git', () => {
  it('a utility script lists posts, creates one, commits and pushes to a real remote', async () => {
    const base = tempDir();
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });
    git(base, 'init', '-q', '--bare', '-b', 'main', 'remote.git');
    git(root, 'init', '-q', '-b', 'main');
    git(root, 'config', 'user.email', 'py@example.com');
    git(root, 'config', 'user.name', 'Python');
    git(root, 'remote', 'add', 'origin', path.join(base, 'remote.git'));
    await ws.call('scripts.create', {
      title: 'publisher',
      kind: 'utility',
      code: [
        'import bds_api',
        'def main(context):',
        '    n = len(bds_api.posts.list())',
        '    bds_api.posts.create({"title": "Pushed from Python"})',
        '    c = bds_api.sync.commit_all(f"bds: {n + 1} posts")',
        '    p = bds_api.sync.push()',
        '    return {"commit": c["success"], "push": p["success"], "ahead": bds_api.sync.getRemoteState()["ahead"]}',
      ].join('\n'),
    });
    const r = await ws.call('scripts.run', { ref: 'publisher' });
    expect(r.error).toBeUndefined();
    expect(r.value).toEqual({ commit: true, push: true, ahead: 0 });
    const log = git(path.join(base, 'remote.git'), 'log', '--oneline', 'main');
    expect(log).toMatch(/bds: \d+ posts/);
    const files = git(path.join(base, 'remote.git'), 'ls-tree', '-r', '--name-only', 'main');
    expect(files).toContain('pushed-from-python.md');
    expect(files).not.toContain('.bds/');
  });
});

describe('main-thread mode (pythonRuntimeMode: main-thread)', () => {
  it('runs a utility with bds_api in the server thread, and macros through the same resolver', async () => {
    const r2 = writeProject({
      'posts/2026/01/a.md': samplePost({ slug: 'a', title: 'Alpha' }, 'X [[titler]] Y\n'),
    });
    const w = Workspace.open(r2, { home: tempDir('bds-home-') });
    try {
      // A machine setting (BDS_HOME), set before the runtime starts.
      await w.call('settings.set', { key: 'pythonRuntimeMode', value: 'main-thread' });
      expect(w.python().mode).toBe('main-thread');
      await w.call('scripts.create', {
        title: 'count',
        kind: 'utility',
        code: 'import bds_api\ndef main(context):\n    return len(bds_api.posts.list())\n',
      });
      expect((await w.call('scripts.run', { ref: 'count' })).value).toBe(1);
      await w.call('scripts.create', {
        title: 'titler',
        kind: 'macro',
        code: 'def render(context, post):\n    return post["title"].upper()\n',
      });
      const post = await w.call('posts.get', { ref: 'a' });
      const doc = await renderMarkdownDocument({
        source: post.body,
        file: post.path,
        post: {
          id: post.id,
          title: post.title,
          slug: post.slug,
          content: post.body,
          tags: [],
          categories: [],
          createdAt: post.createdAt,
          updatedAt: post.updatedAt,
        },
        mode: 'site',
        resolver: w.macroResolver(),
        mainLanguage: 'en',
      });
      expect(doc.html).toContain('X ALPHA Y');
    } finally {
      await w.close();
    }
  }, 60_000);
});
