// The batcher gathers a build's waiting macros for the workers: full batches go at once, the rest when
// the host has nothing else to do, and a batch that fails runs its macros one by one. The workers are
// fakes here; test/site/documents-on-workers.test.ts builds with real ones.
import { describe, expect, it } from 'vitest';
import { MacroBatcher } from '../../src/app/python.js';
import type { BatchMacroCall, PythonMacroCall, PythonMacroOutcome } from '../../src/render/types.js';

const call = (n: number): PythonMacroCall =>
  ({
    slug: 'echo',
    context: {
      params: { n },
      language: 'en',
      post_slug: 'p',
      env: { isPreview: false, mainLanguage: 'en', source: { kind: 'macro', id: 'x' } },
    },
    post: null,
    postJson: 'null',
    macro: { name: 'echo', params: { n }, raw: '', start: 0, end: 0, file: 'p.md', line: 1, column: 1 },
  }) as PythonMacroCall;

const html = (c: BatchMacroCall | PythonMacroCall): PythonMacroOutcome => ({
  ok: true,
  html: `<b>${String(c.context.params.n)}</b>`,
});

describe('MacroBatcher', () => {
  it('sends full batches at once and the rest when the host is idle, each outcome to its call', async () => {
    const sent: number[][] = [];
    const batcher = new MacroBatcher(
      (calls) => {
        sent.push(calls.map((c) => c.context.params.n as number));
        // Only what a worker needs goes: no macro position, no post JSON.
        expect(Object.keys(calls[0]!).sort()).toEqual(['context', 'post', 'slug']);
        return Promise.resolve(calls.map(html));
      },
      () => Promise.reject(new Error('not alone')),
      3,
    );
    const pending = Array.from({ length: 7 }, (_, n) => batcher.add(call(n)));
    // Two full batches went while the calls came; the seventh waits for the host to be idle.
    expect(sent).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    const outcomes = await Promise.all(pending);
    expect(sent).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(outcomes.map((o) => (o.ok ? o.html : ''))).toEqual(
      Array.from({ length: 7 }, (_, n) => `<b>${n}</b>`),
    );
  });

  it('runs the macros of a batch that failed one by one', async () => {
    const alone: number[] = [];
    const batcher = new MacroBatcher(
      (calls) =>
        calls[0]!.context.params.n === 0
          ? Promise.reject(new Error('worker gone'))
          : Promise.resolve(undefined),
      (c) => {
        alone.push(c.context.params.n as number);
        return c.context.params.n === 3 ? Promise.reject(new Error('also gone')) : Promise.resolve(html(c));
      },
      2,
    );
    const outcomes = await Promise.all([0, 1, 2, 3].map((n) => batcher.add(call(n))));
    expect(alone.sort()).toEqual([0, 1, 2, 3]);
    expect(outcomes).toEqual([
      { ok: true, html: '<b>0</b>' },
      { ok: true, html: '<b>1</b>' },
      { ok: true, html: '<b>2</b>' },
      { ok: false, reason: 'exception', message: 'also gone' },
    ]);
  });
});
