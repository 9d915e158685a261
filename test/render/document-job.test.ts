// renderDocumentJob renders as the host would and records what it looked at; what it cannot answer
// (data a worker is not given) sends the document back. The Python side is a fake here; the end-to-end
// test with real workers is test/site/documents-on-workers.test.ts.
import { describe, expect, it } from 'vitest';
import { isPlainMacroContext, MacroContextSchema } from '../../src/core/abi.js';
import { withSource } from '../../src/render/document-job.js';
import {
  renderDocumentJob,
  rendersElsewhere,
  type DocumentContext,
  type DocumentScript,
} from '../../src/render/index.js';

const script: DocumentScript = {
  slug: 'hello',
  id: 'h1',
  cacheKey: 'h1:1',
  source: '',
  entrypoint: 'render',
  filename: 'scripts/hello.py',
  lineOffset: 0,
};

const context = (over: Partial<DocumentContext> = {}): DocumentContext => ({
  mode: 'site',
  mainLanguage: 'en',
  postUrls: new Map([['other', '/2026/01/02/other/']]),
  slugs: ['hello'],
  scripts: [script],
  versions: new Map([['hello', 'v1']]),
  slugsFp: 'fp',
  macroTimeoutMs: 0,
  ...over,
});

const scripts = new Map([[script.slug, script]]);
const post = {
  id: 'p1',
  title: 'A',
  slug: 'a',
  content: '',
  tags: [],
  categories: [],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};
const doc = (source: string) => ({
  source,
  file: 'posts/a.md',
  lineOffset: 5,
  post: { ...post, content: source },
});

describe('renderDocumentJob', () => {
  it('renders with the scripts and records the post links, scripts and script list it looked at', async () => {
    const seen: string[] = [];
    const out = await renderDocumentJob(
      context(),
      scripts,
      doc('See [it](/posts/other) and [gone](/posts/gone).\n\n[[hello n=2]]\n'),
      (s, ctx) => {
        seen.push(`${s.slug} ${JSON.stringify(ctx.params)} ${ctx.env.source.id}`);
        return Promise.resolve({ ok: true, html: '<b>hi</b>' });
      },
    );
    expect(seen).toEqual(['hello {"n":2} h1']);
    expect(out).toMatchObject({ kind: 'rendered', pythonCalls: 1, pythonFailures: 0 });
    if (out?.kind !== 'rendered') throw new Error('not rendered');
    expect(out.html).toContain('<a href="/2026/01/02/other/">it</a>');
    expect(out.html).toContain('<b>hi</b>');
    expect(out.warnings.map((w) => [w.code, w.line])).toEqual([['link-unresolved', 6]]);
    expect(out.deps).toEqual(
      expect.arrayContaining([
        ['post', 'other', '/2026/01/02/other/'],
        ['post', 'gone', null],
        ['slugs', 'fp'],
        ['script', 'hello', 'v1'],
      ]),
    );
  });

  it('sends a document back when it reads data the worker was not given', async () => {
    const run = () => Promise.resolve({ ok: true as const, html: 'x' });
    for (const source of [
      '[[hello]] ![p](media/2026/01/a.png)',
      '[[hello]]\n\n[[gallery]]',
      '[[tag_cloud]] [[hello]]',
    ]) {
      expect(await renderDocumentJob(context(), scripts, doc(source), run)).toMatchObject({ kind: 'host' });
    }
    // With the media table, media links resolve where the document renders.
    const withMedia = context({ mediaUrls: new Map([['2026/01/a.png', '/media/2026/01/id.png']]) });
    const out = await renderDocumentJob(withMedia, scripts, doc('[[hello]] ![p](media/2026/01/a.png)'), run);
    expect(out).toMatchObject({ kind: 'rendered' });
    if (out?.kind === 'rendered')
      expect(out.deps).toContainEqual(['media', '2026/01/a.png', '/media/2026/01/id.png']);
  });

  it('gives up when the runner says so, and fails untrusted scripts without running them', async () => {
    const stopped = await renderDocumentJob(context(), scripts, doc('[[hello]] [[hello]]'), () =>
      Promise.resolve(null),
    );
    expect(stopped).toBeNull();
    const untrusted = new Map([['hello', { ...script, untrusted: 'untrusted: run bds script trust hello' }]]);
    const out = await renderDocumentJob(context(), untrusted, doc('[[hello]]'), () => {
      throw new Error('ran');
    });
    if (out?.kind !== 'rendered') throw new Error('not rendered');
    expect(out.failures.map((f) => f.reason)).toEqual(['untrusted']);
    expect(out.pythonCalls).toBe(0);
  });
});

describe('rendersElsewhere', () => {
  const renderer = { slugs: new Set(['hello']), media: false };
  it('picks documents that name a script and read nothing a worker lacks', () => {
    expect(rendersElsewhere('text [[hello]]', renderer)).toBe(true);
    expect(rendersElsewhere('text [[HELLO x=1]]', renderer)).toBe(true);
    expect(rendersElsewhere('text [[youtube id=x]]', renderer)).toBe(false);
    expect(rendersElsewhere('no macro', renderer)).toBe(false);
    expect(rendersElsewhere('[[hello]] [[gallery]]', renderer)).toBe(false);
    expect(rendersElsewhere('[[hello]] media/2026/01/a.png', renderer)).toBe(false);
    expect(rendersElsewhere('[[hello]] media/2026/01/a.png', { ...renderer, media: true })).toBe(true);
  });
  it('gives a macro its script as the source of an otherwise equal, valid context', () => {
    const call = {
      params: { n: 1, label: 'x' },
      language: 'en',
      post_slug: 'a-post',
      env: { isPreview: true, mainLanguage: 'en', source: { kind: 'macro' as const, id: 'other' } },
    };
    const made = withSource(call, { id: 'h1' });
    expect(made).toEqual({ ...call, env: { ...call.env, source: { kind: 'macro', id: 'h1' } } });
    expect(isPlainMacroContext(made)).toBe(true);
    expect(MacroContextSchema.safeParse(made).success).toBe(true);
    // The call's own context is left as it was.
    expect(call.env.source.id).toBe('other');
  });
});
