// The macros of documents the host renders go to a worker in batches (DocumentJob.macros), run in one
// call into Python. With real Pyodide: each call gets the outcome a call of its own would get, in order,
// with its own post and its own time limit; calls Python does not make in a batch (an async entrypoint)
// are made alone; a runaway macro stops the batch, and the worker goes on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchMacroCall, DocumentJob, DocumentScript } from '../../../src/render/types.js';
import type { PythonWorkerPool } from '../../../src/scripting/index.js';
import { runDocumentJob } from '../../../src/scripting/runtime/document-runner.js';
import { documentContext, macroContext, POST, startedWorker } from './python-fixtures.js';

const code: Record<string, string> = {
  echo: [
    'def render(context, post):',
    '    return "<b>%s %s %d %s</b>" % (context["params"]["n"], post["slug"], len(post["content"]), context["env"]["source"]["id"])',
  ].join('\n'),
  shout:
    'def render(context, post):\n    return {"html": post["content"][-3:].upper(), "warnings": ["loud"]}\n',
  boom: 'x = 1\ndef render(context, post):\n    raise ValueError("boom " + post["slug"])\n',
  bad: 'def render(context, post):\n    return 42\n',
  later: 'async def render(context, post):\n    return "<i>later</i>"\n',
  busy: 'import time\ndef render(context, post):\n    t = time.time()\n    while time.time() - t < 0.15:\n        pass\n    return "<i>busy</i>"\n',
  spin: 'def render(context, post):\n    while True:\n        pass\n',
  swap: 'import io, sys\ndef render(context, post):\n    sys.stdout = io.StringIO()\n    return "<i>swapped</i>"\n',
  stream: 'import sys\ndef render(context, post):\n    return type(sys.stdout).__name__\n',
};

const scripts: DocumentScript[] = [
  ...Object.entries(code).map(([slug, source]) => ({
    slug,
    id: `${slug}-id`,
    cacheKey: `${slug}:1`,
    source,
    entrypoint: 'render',
    filename: `scripts/${slug}.py`,
    lineOffset: 2,
  })),
  {
    slug: 'stranger',
    id: 'stranger-id',
    cacheKey: 'stranger:1',
    source: '',
    entrypoint: 'render',
    filename: 'scripts/stranger.py',
    lineOffset: 0,
    untrusted: 'untrusted: scripts/stranger.py changed outside bds',
  },
];

const context = documentContext(scripts);

/** A call of `slug` for a post whose body is `content` (a long one goes to Python as bytes). */
const call = (slug: string, n: number, content = 'Short body.'): BatchMacroCall => ({
  slug,
  context: macroContext({ n }, 'caller'),
  post: { ...POST, slug: `post-${n}`, content },
});

const batch = (calls: BatchMacroCall[]): DocumentJob => ({
  contextId: 'macro-batches',
  context,
  macros: calls,
});

let runtime: PythonWorkerPool;

beforeAll(async () => {
  runtime = await startedWorker(400);
});

afterAll(async () => {
  await runtime.dispose();
});

describe('a batch of macros on a worker', () => {
  it('answers each call as a call of its own would be answered, in order', async () => {
    const long = `Ünïcode ${'long body '.repeat(60)}ends abc`;
    const before = { ...runtime.counters };
    const result = await runtime.renderDocument(
      batch([
        call('echo', 1),
        call('echo', 2, long),
        call('boom', 3),
        call('shout', 4, long),
        call('bad', 5),
        call('stranger', 6),
        call('nosuch', 7),
        call('echo', 8, '😀 emoji'),
      ]),
    );
    expect(result.kind).toBe('macros');
    if (result.kind !== 'macros') return;
    expect(result.outcomes).toEqual([
      { ok: true, html: '<b>1 post-1 11 echo-id</b>', warnings: [] },
      { ok: true, html: `<b>2 post-2 ${long.length} echo-id</b>`, warnings: [] },
      { ok: false, reason: 'exception', message: 'ValueError: boom post-3 (scripts/boom.py:5)' },
      { ok: true, html: 'ABC', warnings: ['loud'] },
      {
        ok: false,
        reason: 'invalid-result',
        message: 'invalid result: result must be an HTML string or a dict with "html", got int',
      },
      { ok: false, reason: 'untrusted', message: 'untrusted: scripts/stranger.py changed outside bds' },
      { ok: false, reason: 'exception', message: 'No enabled macro script "nosuch"' },
      // (Python counts code points: the emoji is one.)
      { ok: true, html: '<b>8 post-8 7 echo-id</b>', warnings: [] },
    ]);
    // The calls that reached Python, and those of them that failed, count as single calls do.
    expect(result.pythonCalls).toBe(6);
    expect(result.pythonFailures).toBe(2);
    expect(runtime.counters.macroCount - before.macroCount).toBe(6);
    expect(runtime.counters.errorCount - before.errorCount).toBe(2);
  }, 60_000);

  it('makes a call to an async entrypoint alone, and keeps its place', async () => {
    const result = await runtime.renderDocument(batch([call('echo', 1), call('later', 2), call('echo', 3)]));
    expect(result.kind === 'macros' && result.outcomes.map((o) => (o.ok ? o.html : o.message))).toEqual([
      '<b>1 post-1 11 echo-id</b>',
      '<i>later</i>',
      '<b>3 post-3 11 echo-id</b>',
    ]);
  }, 30_000);

  it("gives the next macro the runner's streams back when a script replaced them", async () => {
    const result = await runtime.renderDocument(
      batch([call('stream', 1), call('swap', 2), call('stream', 3)]),
    );
    if (result.kind !== 'macros') throw new Error(result.kind);
    const [before, swapped, after] = result.outcomes.map((o) => (o.ok ? o.html : o.message));
    expect(swapped).toBe('<i>swapped</i>');
    expect(before).not.toBe('StringIO');
    expect(after).toBe(before);
  }, 30_000);

  it('gives each macro a time limit of its own', async () => {
    // Six macros of 0.15 s: 0.9 s in all, past the limit of 0.4 s.
    const result = await runtime.renderDocument(batch(Array.from({ length: 6 }, (_, i) => call('busy', i))));
    expect(result.kind === 'macros' && result.outcomes.every((o) => o.ok && o.html === '<i>busy</i>')).toBe(
      true,
    );
  }, 30_000);

  it('stops at a runaway macro; the worker is interrupted, not replaced, and goes on', async () => {
    await expect(
      runtime.renderDocument(batch([call('echo', 1), call('spin', 2), call('echo', 3)])),
    ).rejects.toMatchObject({ code: 'python-timeout' });
    expect(runtime.stats().workers[0]!.replacements).toBe(0);
    const after = await runtime.renderDocument(batch([call('echo', 4)]));
    expect(after.kind === 'macros' && after.outcomes[0]).toMatchObject({ ok: true });
  }, 30_000);
});

describe('a batch whose script Python no longer holds', () => {
  it('makes that call alone, with the source', async () => {
    // An engine that has forgotten the script: the batch answers "source needed" for it.
    const alone: string[] = [];
    const engine = {
      runMacros: () => '[{"ok":true,"value":"<b>a</b>","cached":true},{"ok":false,"sourceNeeded":true}]',
      run: (c: { source: string }) => {
        alone.push(c.source);
        return '{"ok":true,"value":"<b>b</b>","cached":false}';
      },
    };
    const out = await runDocumentJob(engine as never, batch([call('echo', 1), call('shout', 2)]));
    expect(typeof out !== 'string' && out.value).toMatchObject({
      kind: 'macros',
      outcomes: [
        { ok: true, html: '<b>a</b>' },
        { ok: true, html: '<b>b</b>' },
      ],
    });
    expect(alone).toEqual([code.shout]);
  });
});
