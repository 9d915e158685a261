import { describe, expect, it } from 'vitest';
import {
  MacroDispatcher,
  formatMacroFailure,
  parseMacros,
  type MacroDocument,
  type PostData,
  type PythonMacroCall,
  type PythonMacroOutcome,
} from '../../src/render/index.js';
import { FakePythonResolver, greet } from './fake-python.js';
import { FixtureData, GALLERY_IMAGES, POST } from './render-data.js';

const FILE = 'posts/2024/05/spring-trip.md';
const data = new FixtureData({ 'post-1': GALLERY_IMAGES });

function doc(mode: 'site' | 'preview' = 'site', post: PostData | null = POST): MacroDocument {
  return { file: FILE, post, mode, language: post?.language ?? 'de', mainLanguage: 'de' };
}

async function dispatch(source: string, resolver: FakePythonResolver | null, d = doc()) {
  const dispatcher = new MacroDispatcher({ data, resolver });
  return dispatcher.render(parseMacros(source, { file: FILE }).macros, d);
}

describe('precedence', () => {
  it('a Python script named like a built-in never overrides it', async () => {
    const shadow = () => ({ ok: true as const, html: '<b>python</b>' });
    const resolver = new FakePythonResolver({
      youtube: shadow,
      gallery: shadow,
      tag_cloud: shadow,
      photo_album: shadow,
    });
    const result = await dispatch(
      '[[youtube id=dQw4w9WgXcQ]] [[gallery]] [[tag_cloud]] [[photo_album]] [[vimeo id=1]]',
      resolver,
    );
    expect(result.renderings.join('')).not.toContain('python');
    expect(result.renderings[0]).toContain('macro-youtube');
    expect(result.renderings[1]).toContain('macro-gallery');
    expect(resolver.calls).toEqual([]);
    expect(result.counters).toEqual({ builtin: 5, python: 0, unknown: 0, failed: 0 });
  });

  it('looks scripts up only when the document holds a macro that is not built in, and once per document', async () => {
    const resolver = new FakePythonResolver({ greet });
    await dispatch('[[youtube id=dQw4w9WgXcQ]] and [[gallery]]', resolver);
    expect(resolver.lookups).toBe(0);
    const result = await dispatch(
      '[[greet name=a]] [[youtube id=dQw4w9WgXcQ]] [[greet name=b]] [[nope]]',
      resolver,
    );
    expect(resolver.lookups).toBe(1);
    expect(result.renderings).toEqual([
      '<span class="greet">Hello a</span>',
      expect.stringContaining('macro-youtube'),
      '<span class="greet">Hello b</span>',
      null,
    ]);
    expect(result.counters).toEqual({ builtin: 1, python: 2, unknown: 1, failed: 0 });
  });
});

describe('Python macros of one document', () => {
  it('all go to the resolver before any answers, and come back in document order', async () => {
    // Each script answers only when told to; they are told in reverse order.
    const pending: (() => void)[] = [];
    const slow = (call: PythonMacroCall) =>
      new Promise<PythonMacroOutcome>((resolve) => {
        pending.push(() => resolve({ ok: true, html: `<i>${String(call.context.params.n)}</i>` }));
      });
    const resolver = new FakePythonResolver({ slow });
    const dispatcher = new MacroDispatcher({ data, resolver });
    const done = dispatcher.render(
      parseMacros('[[slow n=1]] [[youtube id=dQw4w9WgXcQ]] [[slow n=2]] [[slow n=3]]').macros,
      doc(),
    );
    for (let turn = 0; turn < 50 && pending.length < 3; turn++) await new Promise((r) => setImmediate(r));
    expect(resolver.calls.map((c) => c.context.params.n)).toEqual([1, 2, 3]);
    for (const answer of pending.reverse()) answer();
    const result = await done;
    expect(result.renderings).toEqual([
      '<i>1</i>',
      expect.stringContaining('macro-youtube'),
      '<i>2</i>',
      '<i>3</i>',
    ]);
    expect(resolver.lookups).toBe(1);
  });

  it('use the script names the caller looked up instead of asking again', async () => {
    const resolver = new FakePythonResolver({ greet });
    const dispatcher = new MacroDispatcher({ data, resolver });
    const result = await dispatcher.render(parseMacros('[[greet]] [[other]]').macros, doc(), {
      scripts: new Set(['greet']),
    });
    expect(resolver.lookups).toBe(0);
    expect(result.counters).toEqual({ builtin: 0, python: 1, unknown: 1, failed: 0 });
  });
});

describe('unknown macros', () => {
  it('are kept as written and reported with their line and column', async () => {
    const result = await dispatch(
      'Imported text\nwith [[Wiki Page]] in it',
      new FakePythonResolver({ greet }),
    );
    expect(result.renderings).toEqual([null]);
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: 'macro-unknown',
        file: FILE,
        line: 2,
        column: 6,
        text: '[[Wiki Page]]',
      }),
    ]);
    expect(result.failures).toEqual([]);
  });

  it('are every non-built-in name when there is no resolver', async () => {
    const result = await dispatch('[[greet]]', null);
    expect(result.renderings).toEqual([null]);
    expect(result.counters.unknown).toBe(1);
  });
});

describe('the call a Python macro receives', () => {
  it('holds typed params, language, post slug and env, and the post serialised once per document', async () => {
    const resolver = new FakePythonResolver({ greet });
    await dispatch('[[greet name="Ann" n=3 loud]] [[greet]]', resolver, doc('preview'));
    const [first, second] = resolver.calls;
    expect(first!.context).toEqual({
      params: { name: 'Ann', n: 3, loud: true },
      language: 'en',
      post_slug: 'spring-trip',
      env: { isPreview: true, mainLanguage: 'de', source: { kind: 'macro', id: 'greet' } },
    });
    expect(first!.post).toBe(POST);
    expect(JSON.parse(first!.postJson)).toEqual(POST);
    expect(second!.postJson).toBe(first!.postJson);
    expect(first!.macro).toMatchObject({ name: 'greet', line: 1, column: 1 });
  });

  it('passes null without a post', async () => {
    const resolver = new FakePythonResolver({ greet });
    await dispatch('[[greet]]', resolver, doc('site', null));
    expect(resolver.calls[0]!.post).toBeNull();
    expect(resolver.calls[0]!.postJson).toBe('null');
    expect(resolver.calls[0]!.context.post_slug).toBeNull();
    expect(resolver.calls[0]!.context.language).toBe('de');
  });

  it('surfaces the warnings a script returns, with the macro position', async () => {
    const resolver = new FakePythonResolver({
      warn: () => ({ ok: true, html: 'x', warnings: ['slow data'] }),
    });
    const result = await dispatch('\n  [[warn]]', resolver);
    expect(result.renderings).toEqual(['x']);
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: 'macro-warning',
        message: 'macro "warn": slow data',
        line: 2,
        column: 3,
      }),
    ]);
  });
});

describe('failures of a known macro', () => {
  const failing = new FakePythonResolver({
    boom: () => ({ ok: false, reason: 'exception', message: 'ZeroDivisionError: division by zero <line 3>' }),
    slow: () => ({ ok: false, reason: 'timeout', message: 'timed out after 10000 ms' }),
    stranger: () => ({ ok: false, reason: 'untrusted', message: 'the script is not trusted yet' }),
    bad: () => ({ ok: true, html: 42 as unknown as string }),
    thrower: () => {
      throw new Error('worker crashed');
    },
  });
  const source = 'a [[boom]]\nb [[slow]]\nc [[stranger]]\nd [[bad]]\ne [[thrower]]\nf [[youtube id=nope]]';

  it('render empty in the site and are all listed with script, file, line, column and reason', async () => {
    const result = await dispatch(source, failing, doc('site'));
    expect(result.renderings).toEqual(['', '', '', '', '', '']);
    expect(result.counters.failed).toBe(6);
    expect(result.failures.map((f) => [f.macro, f.script, f.line, f.column, f.reason])).toEqual([
      ['boom', 'boom', 1, 3, 'exception'],
      ['slow', 'slow', 2, 3, 'timeout'],
      ['stranger', 'stranger', 3, 3, 'untrusted'],
      ['bad', 'bad', 4, 3, 'invalid-result'],
      ['thrower', 'thrower', 5, 3, 'exception'],
      ['youtube', undefined, 6, 3, 'invalid-params'],
    ]);
    expect(result.failures.every((f) => f.file === FILE)).toBe(true);
    expect(formatMacroFailure(result.failures[0]!)).toBe(
      `${FILE}:1:3: macro "boom" (script boom) failed (exception): ZeroDivisionError: division by zero <line 3>`,
    );
  });

  it('render a visible, escaped error box in preview', async () => {
    const result = await dispatch(source, failing, doc('preview'));
    const box = result.renderings[0]!;
    expect(box).toContain('<div class="bds-macro-error"');
    expect(box).toContain('script “boom”');
    expect(box).toContain(`${FILE}:1:3`);
    expect(box).toContain('ZeroDivisionError: division by zero &lt;line 3&gt;');
    expect(result.renderings[5]).toContain('built-in macro “youtube”');
    expect(result.renderings.every((r) => r!.startsWith('<div class="bds-macro-error"'))).toBe(true);
    expect(result.failures).toHaveLength(6);
  });

  it('when scripts cannot be listed: kept as written in the site, an error box in preview, always recorded', async () => {
    const broken = new FakePythonResolver({ greet }, new Error('index is locked'));
    const site = await dispatch('[[greet]] [[other]] [[youtube id=dQw4w9WgXcQ]]', broken, doc('site'));
    expect(site.renderings.slice(0, 2)).toEqual([null, null]);
    expect(site.renderings[2]).toContain('macro-youtube');
    expect(site.failures.map((f) => [f.macro, f.reason])).toEqual([
      ['greet', 'lookup-failed'],
      ['other', 'lookup-failed'],
    ]);
    const preview = await dispatch('[[greet]]', broken, doc('preview'));
    expect(preview.renderings[0]).toContain('Could not list macro scripts: index is locked');
  });
});
