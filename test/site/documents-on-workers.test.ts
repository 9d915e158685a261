// A build renders the documents whose macros call scripts on the Python workers, whole (render/
// document-job.ts), or on the host with their macros sent to the workers in batches. With real Pyodide:
// either build must write exactly the site a build that renders every document on the host with one
// call per macro writes (links, media, bds_api, failures, warnings), keep each macro's time limit, and
// leave render cache entries that notice a changed script.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import type { PythonRuntimeOptions } from '../../src/scripting/index.js';
import { samplePost, tempDir, writeProject } from '../helpers/project.js';

const POSTS = 24;
/** Where media imported today goes. */
const MONTH = new Date().toISOString().slice(0, 7).replace('-', '/');

function projectFiles(): Record<string, string> {
  const files: Record<string, string> = {
    // A script written outside bds: known, not trusted.
    'scripts/stranger.py':
      '"""\n---\nid: stranger1\nslug: stranger\nkind: macro\n---\n"""\ndef render(context, post):\n    return "<i>stranger</i>"\n',
  };
  for (let i = 0; i < POSTS; i++) {
    const extra = [
      i === 0 ? 'An [[nosuch]] macro stays as written.' : '',
      i === 1 ? '[[boom]]' : '',
      i === 2 ? `A picture: ![x](media/2026/01/missing.png) and [a file](media/${MONTH}/lake.txt).` : '',
      i === 3 ? 'And [[stranger]] is not trusted.' : '',
      i === 4 ? '[[youtube id="dQw4w9WgXcQ"]]' : '',
      i === 5 ? 'Links to [a post that is not there](/posts/nowhere).' : '',
    ].join('\n\n');
    files[`posts/2026/01/p${i}.md`] = samplePost(
      { slug: `p${i}`, title: `Post "${i}" <&>`, tags: ['t'] },
      `# Heading ${i}\n\nText with a [link](/posts/p${(i + 1) % POSTS}) and [[echo n=${i} word="w${i}"]] inline.\n\n[[echo n=${i * 10}]]\n\n${extra}\n`,
    );
  }
  return files;
}

function siteFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rel of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, rel);
    if (fs.statSync(file).isFile()) out.set(rel, fs.readFileSync(file, 'utf8'));
  }
  return out;
}

describe.each([
  ['whole on the Python workers', true],
  ['on the host, their macros batched for the Python workers', false],
])('documents rendered %s', (_, whole) => {
  /** A build of this many posts uses the workers (by default only a larger one does). */
  const WORKERS = { build: { workerDocumentsMin: 1, wholeDocuments: whole } };
  /** How many of `n` documents a build reports rendered on the workers. */
  const onWorkers = (n: number) => (whole ? n : undefined);
  let root: string;
  let home: string;
  const open = (python: PythonRuntimeOptions) => Workspace.open(root, { home, python });

  beforeAll(async () => {
    root = writeProject(projectFiles());
    home = tempDir('bds-home-');
    const ws = open({ mode: 'main-thread' });
    await ws.call('scripts.create', {
      title: 'echo',
      kind: 'macro',
      code: [
        'import bds_api',
        'def render(context, post):',
        '    p = context["params"]',
        '    print("echo", p)',
        '    if p.get("n") == 50:',
        '        return "<b>api %s</b>" % bds_api.posts.get_by_slug(post["slug"])["title"]',
        '    return {"html": "<span>%s %s %s %s</span>" % (p.get("n"), p.get("word", "-"), post["title"], context["env"]["source"]["kind"]), "warnings": ["echo %s" % p.get("n")] if p.get("n") == 30 else []}',
      ].join('\n'),
    });
    const file = path.join(tempDir(), 'lake.txt');
    fs.writeFileSync(file, 'not really a photo');
    await ws.call('media.import', { files: [file] });
    await ws.call('scripts.create', {
      title: 'boom',
      kind: 'macro',
      code: 'def render(context, post):\n    raise ValueError("boom in " + post["slug"])\n',
    });
    await ws.close();
  }, 60_000);

  afterAll(() => {});

  it('write the same site as a build that renders every document on the host', async () => {
    const host = open({ mode: 'main-thread' });
    const hostBuild = await host.call('site.build', { force: true, outDir: path.join(root, 'out-host') });
    const hostCount = host.python().counters.macroCount;
    await host.close();

    const workers = open({ mode: 'worker', size: 2 });
    const built = await workers.call(
      'site.build',
      { force: true, outDir: path.join(root, 'out-workers') },
      WORKERS,
    );
    const workerCount = workers.python().counters.macroCount;
    await workers.close();

    // Every document went to a worker (each has a script macro), or each macro in a batch.
    expect(hostBuild.postsOnWorkers).toBeUndefined();
    expect(built.postsOnWorkers).toBe(onWorkers(POSTS));
    expect(built.postsRendered).toBe(POSTS);

    const a = siteFiles(path.join(root, 'out-host'));
    const b = siteFiles(path.join(root, 'out-workers'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [file, text] of a) expect(b.get(file), file).toBe(text);
    expect(a.get('2026/01/15/p7/index.html')).toContain('<span>7 w7 Post "7" <&> macro</span>');
    // Media links resolve on a worker as on the host.
    expect(b.get('2026/01/15/p2/index.html')).toMatch(new RegExp(`href="/media/${MONTH}/[^"]+\\.txt"`));
    // A macro asks bds_api while its document renders on a worker.
    expect(b.get('2026/01/15/p5/index.html')).toContain('<b>api Post "5" <&></b>');

    expect(built.macroCounters).toEqual(hostBuild.macroCounters);
    expect(built.macroCounters).toMatchObject({ python: POSTS * 2 + 2, unknown: 1, builtin: 1, failed: 2 });
    expect(built.failures).toEqual(hostBuild.failures);
    expect(built.failures.map((f) => [f.macro, f.reason]).sort()).toEqual([
      ['boom', 'exception'],
      ['stranger', 'untrusted'],
    ]);
    expect(built.failures.find((f) => f.macro === 'boom')!.message).toContain('boom in p1');
    expect(built.warnings).toEqual(hostBuild.warnings);
    expect(built.warnings.map((w) => w.code).sort()).toEqual(
      ['link-unresolved', 'macro-unknown', 'macro-warning', 'media-unresolved', 'site-no-public-url'].sort(),
    );
    // The runtime counts the macros a worker ran inside a document like any other.
    expect(workerCount).toBe(hostCount);
  }, 120_000);

  it('a changed script renders its documents again, with the workers', async () => {
    const ws = open({ mode: 'worker', size: 2 });
    const outDir = path.join(root, 'out-again');
    // By default a build of a few posts renders them here: loading the renderer in a worker would cost more.
    const small = await ws.call('site.build', { force: true, outDir: path.join(root, 'out-small') });
    expect(small.postsOnWorkers).toBeUndefined();
    expect(small.postsRendered).toBe(POSTS);
    await ws.call('site.build', { force: true, outDir }, WORKERS);
    // Only the documents whose macros failed are looked at again.
    expect((await ws.call('site.build', { outDir }, WORKERS)).postsRendered).toBe(2);
    await ws.call('scripts.update', {
      ref: 'echo',
      code: 'def render(context, post):\n    return "<em>v2 %s</em>" % context["params"]["n"]\n',
    });
    const again = await ws.call('site.build', { outDir }, WORKERS);
    await ws.close();
    expect(again.postsRendered).toBe(POSTS);
    expect(again.postsOnWorkers).toBe(onWorkers(POSTS));
    expect(fs.readFileSync(path.join(outDir, '2026/01/15/p7/index.html'), 'utf8')).toContain(
      '<em>v2 70</em>',
    );
  }, 120_000);

  /**
   * Appends `line` to a post, builds on the workers with a macro time limit of `macroMs` after creating
   * the script `title` with `code`, then puts the post back as it was.
   */
  async function buildWith(
    post: string,
    line: string,
    script: { title: string; code: string },
    macroMs: number,
  ) {
    const file = path.join(root, 'posts/2026/01', post);
    const before = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${before}\n${line}\n`);
    const ws = open({ mode: 'worker', size: 2, timeouts: { macro: macroMs } });
    try {
      await ws.call('scripts.create', { ...script, kind: 'macro' });
      const outDir = path.join(root, `out-${script.title}`);
      const built = await ws.call('site.build', { force: true, outDir }, WORKERS);
      return {
        built,
        page: (slug: string) => fs.readFileSync(path.join(outDir, `2026/01/15/${slug}/index.html`), 'utf8'),
      };
    } finally {
      await ws.close();
      fs.writeFileSync(file, before);
    }
  }

  it('each macro has a time limit of its own, not one for its document or batch', async () => {
    // Sixteen macros of 0.25 s: 4 s in all, past a limit of 1 s and the 2 s a run has before its first.
    const { built, page } = await buildWith(
      'p11.md',
      '[[busy]] '.repeat(16),
      {
        title: 'busy',
        code: 'import time\ndef render(context, post):\n    t = time.time()\n    while time.time() - t < 0.25:\n        pass\n    return "<i>busy</i>"\n',
      },
      1000,
    );
    expect(built.failures.map((f) => f.macro).sort()).toEqual(['boom', 'stranger']);
    expect(built.postsOnWorkers).toBe(onWorkers(POSTS));
    expect(page('p11').split('<i>busy</i>').length - 1).toBe(16);
  }, 120_000);

  it('a macro past its time limit fails with "timeout" alone; the other macros still run', async () => {
    const { built, page } = await buildWith(
      'p9.md',
      '[[spin]]',
      { title: 'spin', code: 'def render(context, post):\n    while True:\n        pass\n' },
      500,
    );
    expect(built.failures.map((f) => [f.macro, f.reason]).sort()).toEqual([
      ['boom', 'exception'],
      ['spin', 'timeout'],
      ['stranger', 'untrusted'],
    ]);
    // The document with the runaway macro was handed back and rendered on the host (its batch's
    // macros ran again one by one).
    expect(built.postsOnWorkers).toBe(onWorkers(POSTS - 1));
    expect(page('p9')).toContain('<em>v2 90</em>');
  }, 120_000);
});
