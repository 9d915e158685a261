// End to end with real Pyodide: scripts written through bds, bds_api calls back into the workspace,
// trust, checks, and Python macros in the render pipeline. What depends on how Python runs (bds_api
// answers, calls that wait on git, ssh or a build, time limits) runs in both modes of the machine
// setting pythonRuntimeMode, and both must answer the same.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { renderMarkdownDocument } from '../../src/render/index.js';
import { PYTHON_RUNTIME_MODES, type PythonRuntimeMode } from '../../src/scripting/index.js';
import type { ProjectWriteLock } from '../../src/store/index.js';
import { samplePost, tempDir, writeProject } from '../helpers/project.js';
import { describeWith } from '../helpers/system.js';
import { startSshd, type TestSshd } from '../publish/sshd.js';

/** What utilities got from a build, git status and an upload, per mode: both modes must agree. */
const answers: Record<PythonRuntimeMode, Record<string, unknown>> = { worker: {}, 'main-thread': {} };

function projectFiles(): Record<string, string> {
  return {
    'posts/2026/01/first.md': samplePost(
      { slug: 'first', title: 'First post', tags: ['hello'] },
      'Hello [[shout text="hi"]] and [[writer]] and [[outsider]].\n',
    ),
    'scripts/outsider.py':
      '"""\n---\nid: out1\nslug: outsider\nkind: macro\n---\n"""\ndef render(context, post):\n    return "<i>outside</i>"\n',
  };
}

async function renderFirst(ws: Workspace) {
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

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

describe.each(PYTHON_RUNTIME_MODES)('Python scripts end to end (%s mode)', (mode) => {
  let ws: Workspace;
  let root: string;

  beforeAll(async () => {
    root = writeProject(projectFiles());
    // Macros stop at 2 s here: the test of a build past the script's time limit waits for one.
    ws = Workspace.open(root, { home: tempDir('bds-home-'), python: { size: 1, timeouts: { macro: 2000 } } });
    // A machine setting (BDS_HOME), set before the runtime starts.
    await ws.call('settings.set', { key: 'pythonRuntimeMode', value: mode });
    expect(ws.python().mode).toBe(mode);
    await ws.python().start();
  }, 120_000);

  afterAll(async () => {
    await ws.close();
  });

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
    const doc = await renderFirst(ws);
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
    expect((await renderFirst(ws)).html).toContain('<i>outside</i>');
  });

  it('a utility edits templates and builds the site with its macros (worker mode: the script holds the only worker)', async () => {
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
    // Everything but the build's folder and time is the same whatever the mode.
    const { outDir: _o, ms: _m, ...summary } = v.summary as Record<string, unknown>;
    answers[mode].build = summary;
  });

  // Trust and checks are decided before a script runs: one mode is enough.
  it.runIf(mode === 'worker')('an untrusted utility does not run until trusted', async () => {
    fs.writeFileSync(path.join(root, 'scripts/stranger.py'), 'def main(context):\n    return 42\n');
    ws.applyExternalChange('scripts/stranger.py');
    await expect(ws.call('scripts.run', { ref: 'stranger' })).rejects.toMatchObject({
      code: 'script-untrusted',
    });
    await ws.call('scripts.trust', { ref: 'stranger' });
    expect((await ws.call('scripts.run', { ref: 'stranger' })).value).toBe(42);
  });

  it.runIf(mode === 'worker')(
    'check reports syntax errors at file positions and entrypoint problems',
    async () => {
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
    },
  );

  describeWith(['git'], 'bds_api and git', () => {
    it('a utility script lists posts, creates one, commits and pushes to a real remote', async () => {
      const base = tempDir();
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

  describeWith(['git', 'rsync', 'ssh', 'sshd'], 'bds_api, git and publishing to a real sshd', () => {
    let sshd: TestSshd;
    const sshOptionsBefore = process.env.BDS_SSH_OPTIONS;

    beforeAll(async () => {
      sshd = await startSshd();
      // ssh options come from the user's environment: here, to keep the test's host key to itself.
      process.env.BDS_SSH_OPTIONS = sshd.sshOptions.join(' ');
    });

    afterAll(() => {
      if (sshOptionsBefore === undefined) delete process.env.BDS_SSH_OPTIONS;
      else process.env.BDS_SSH_OPTIONS = sshOptionsBefore;
      sshd?.stop();
    });

    it('a utility reads git status and uploads the built site over ssh', async () => {
      const remote = path.join(tempDir('bds-remote-site-'), 'www');
      await ws.call('publish.setConfig', {
        host: '127.0.0.1',
        port: sshd.port,
        user: sshd.user,
        remotePath: remote,
        identityFile: sshd.key,
        mode: 'rsync',
      });
      await ws.call('scripts.create', {
        title: 'publisher run',
        slug: 'publisher_run',
        kind: 'utility',
        code: [
          'import bds_api',
          'def main(context):',
          '    status = bds_api.sync.get_status()',
          '    upload = bds_api.publish.upload_site()',
          '    return {"status": status, "upload": upload}',
        ].join('\n'),
      });
      const r = await ws.call('scripts.run', { ref: 'publisher_run' });
      expect(r.error).toBeUndefined();
      const v = r.value as {
        status: { files: { path: string; status: string }[] };
        upload: Record<string, unknown>;
      };
      expect(v.status.files).toContainEqual(
        expect.objectContaining({ path: 'meta/publishing.json', status: 'untracked' }),
      );
      expect(v.upload).toMatchObject({ mode: 'rsync', dryRun: false, filesDeleted: 0 });
      expect(v.upload.htmlFilesUploaded).toBeGreaterThan(0);
      const page = (await ws.call('posts.get', { ref: 'first' }))
        .publishedAt!.slice(0, 10)
        .replace(/-/g, '/');
      expect(fs.readFileSync(path.join(remote, page, 'first', 'index.html'), 'utf8')).toContain(
        '<b>HI First post</b>',
      );
      // An upload's group is named after the clock; the rest is the same whatever the mode.
      const { groupId: _g, ...upload } = v.upload;
      answers[mode].publish = { status: v.status, upload };
    });
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
    await ws.call('scripts.create', {
      title: 'answer',
      kind: 'utility',
      code: 'def main(context):\n    return 42\n',
    });
    expect((await ws.call('scripts.run', { ref: 'answer' })).value).toBe(42);
  });

  // Worker mode stops a worker waiting for bds_api like any other at its limit (and lets the build
  // finish); main-thread mode must stop waiting itself, and stops the build.
  it.runIf(mode === 'main-thread')(
    'a utility waiting for a build stops at its time limit, and the next run works',
    async () => {
      // The build's one macro runs until its own 2 s limit: the script's 1 s limit passes first.
      await ws.call('scripts.create', {
        title: 'stall',
        kind: 'macro',
        code: 'def render(context, post):\n    while True:\n        pass\n',
      });
      const stalled = await ws.call('posts.create', { title: 'Stalled', body: 'Wait [[stall]].\n' });
      await ws.call('posts.publish', { ref: stalled.slug });
      const code = 'import bds_api\ndef main(context):\n    return bds_api.site.build()\n';
      const waiting = await ws
        .python()
        .runUtility(
          { id: 'builder', version: 1, source: code },
          { params: {}, env: { mainLanguage: 'en', source: { kind: 'script', id: 'builder' } } },
          { timeoutMs: 1000, apiHandler: ws.apiHandler('utility') },
        )
        .catch((e: unknown) => e);
      expect(waiting).toMatchObject({ code: 'python-timeout' });
      await ws.call('posts.delete', { ref: stalled.slug });
      expect((await ws.call('scripts.run', { ref: 'answer' })).value).toBe(42);
    },
  );

  it.runIf(mode === 'main-thread')(
    'a call that waits fails at once with project-busy while a job of this process holds the write lock',
    async () => {
      // A job that holds the lock over an await (as a commit does): this thread, blocked by Python,
      // could not let it finish, and the helper thread would wait for the lock in vain.
      const lock = (ws as unknown as { lock: ProjectWriteLock }).lock;
      let release!: () => void;
      const job = lock.run(() => new Promise<void>((resolve) => (release = resolve)));
      while (!lock.held) await new Promise((resolve) => setImmediate(resolve));
      const code =
        'import bds_api\ndef main(context):\n    try:\n        bds_api.sync.get_status()\n    except bds_api.ApiError as e:\n        return e.code\n';
      const r = await ws.python().runUtility(
        { id: 'busy', version: 1, source: code },
        { params: {}, env: { mainLanguage: 'en', source: { kind: 'script', id: 'busy' } } },
        // Without the rule the helper would wait for the lock (10 s) and this limit would stop the run.
        { timeoutMs: 2000, apiHandler: ws.apiHandler('utility') },
      );
      release();
      await job;
      expect(r.value).toBe('project-busy');
    },
  );
});

describe('Python scripts end to end: both modes', () => {
  it('give the same answers from a site build, git status and an upload', () => {
    expect(answers['main-thread'].build).toBeDefined();
    expect(answers['main-thread']).toEqual(answers.worker);
  });
});
