// ABI v1 through a real worker: macros, transforms, utilities, script checks, module caching,
// isolation, captured output and bds_api calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BdsError } from '../../../src/core/errors.js';
import {
  PythonWorkerPool,
  type PythonRunResult,
  type PythonRuntime,
  type PythonScriptRef,
} from '../../../src/scripting/index.js';
import { POST, SNAPSHOT_DIR, macroContext, script, utility, utilityContext } from './python-fixtures.js';

let runtime: PythonWorkerPool;

beforeAll(async () => {
  runtime = new PythonWorkerPool({ size: 1, snapshotCacheDir: SNAPSHOT_DIR });
  await runtime.start();
});

afterAll(async () => {
  await runtime.dispose();
});

async function failure(promise: Promise<unknown>): Promise<BdsError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(BdsError);
    return e as BdsError;
  }
  throw new Error('expected the call to fail');
}

/** `render(context, None)` of a script through `run`, which says whether its module was cached. */
function runRender(ref: PythonScriptRef): Promise<PythonRunResult> {
  return runtime.run({
    kind: 'macro',
    cacheKey: `${ref.id}:${ref.version}`,
    source: ref.source,
    entrypoint: 'render',
    args: [macroContext(), null],
  });
}

describe('macros: render(context, post)', () => {
  it('renders a bare HTML string with the context and post it was given', async () => {
    const macro = script(`
      def render(context, post):
          return f"<p>{context['params']['who']} on {post['title']} ({context['post_slug']}, {context['env']['mainLanguage']})</p>"
    `);
    const out = await runtime.renderMacro(macro, macroContext({ who: 'Ann' }), POST);
    expect(out.html).toBe('<p>Ann on Spring trip (spring-trip, en)</p>');
    expect(out.warnings).toEqual([]);
  });

  it('hands Python the whole post, serialised by the worker or sent as the caller’s JSON', async () => {
    const macro = script(`
      import json
      def render(context, post):
          return json.dumps(post, sort_keys=True, ensure_ascii=False)
    `);
    const post = {
      ...POST,
      content: 'Line "one"\\\\n\nline two: ünïcødé, 😀, </script>, \u2028 and a tab\t.',
      extra: { nested: [1, 2.5, null, true, 'x'] },
    };
    const sorted = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
    // Without postJson the checked post crosses to the worker as data and the worker makes its JSON.
    const byWorker = await runtime.renderMacro(macro, macroContext(), post);
    expect(JSON.parse(byWorker.html)).toEqual(sorted(post));
    // With postJson (made once for a page's macros) that text is what Python reads.
    const given = await runtime.renderMacro(macro, macroContext(), post, { postJson: JSON.stringify(post) });
    expect(JSON.parse(given.html)).toEqual(sorted(post));
    // A post that does not match ABI v1 fails before anything runs, whichever way it would go.
    const bad = { ...post, tags: 'not a list' } as never;
    expect((await failure(runtime.renderMacro(macro, macroContext(), bad))).code).toBe(
      'python-invalid-input',
    );
  });

  it('hands Python a long body (sent as bytes) whole and in its place among the keys', async () => {
    const macro = script(`
      def render(context, post):
          return "|".join(post.keys()) + "\\n" + post["content"]
    `);
    const body = 'Ünïcødé 😀 "quoted" \\ back\nslash, </script>\u2028 '.repeat(40);
    const out = await runtime.renderMacro(macro, macroContext(), { ...POST, content: body });
    expect(out.html).toBe(`${Object.keys(POST).join('|')}\n${body}`);
    // A lone surrogate, which UTF-8 cannot carry, reaches Python as it does inside JSON.
    const lone = `${body}\ud800 end`;
    const odd = await runtime.renderMacro(macro, macroContext(), { ...POST, content: lone });
    expect(odd.html).toBe(`${Object.keys(POST).join('|')}\n${lone}`);
  });

  it('fails a call whose arguments cannot reach the worker, and the worker takes the next call', async () => {
    const macro = script(`
      def render(context, post):
          return "ran"
    `);
    const e = await failure(
      runtime.run({
        kind: 'macro',
        cacheKey: `${macro.id}:1`,
        source: macro.source,
        entrypoint: 'render',
        args: [macroContext(), () => 'not data'],
        argsChecked: true,
      }),
    );
    expect(e.code).toBe('python-invalid-input');
    expect((await runtime.renderMacro(macro, macroContext(), null)).html).toBe('ran');
  });

  it('accepts a dict with html, warnings and data', async () => {
    const macro = script(`
      def render(context, post):
          return {"html": "<b>x</b>", "warnings": ["width ignored"], "data": {"n": 2}}
    `);
    const out = await runtime.renderMacro(macro, macroContext(), null);
    expect(out).toMatchObject({ html: '<b>x</b>', warnings: ['width ignored'], data: { n: 2 } });
  });

  it('passes None as post when there is none', async () => {
    const macro = script(`
      def render(context, post):
          return "none" if post is None else "post"
    `);
    expect((await runtime.renderMacro(macro, macroContext(), null)).html).toBe('none');
  });

  it('awaits an async def entrypoint', async () => {
    const macro = script(`
      import asyncio

      async def render(context, post):
          await asyncio.sleep(0.01)
          return "<i>later</i>"
    `);
    expect((await runtime.renderMacro(macro, macroContext(), null)).html).toBe('<i>later</i>');
  });

  it('rejects a result without html and names the field', async () => {
    const macro = script(`
      def render(context, post):
          return {"warnings": []}
    `);
    const e = await failure(runtime.renderMacro(macro, macroContext(), null));
    expect(e.code).toBe('python-invalid-result');
    expect(e.message).toContain('result.html');
  });

  it('rejects a warning that is not a string and names its index', async () => {
    const macro = script(`
      def render(context, post):
          return {"html": "", "warnings": ["ok", 3]}
    `);
    const e = await failure(runtime.renderMacro(macro, macroContext(), null));
    expect(e.message).toContain('result.warnings[1]');
  });

  it('rejects an unknown key in the result dict', async () => {
    const macro = script(`
      def render(context, post):
          return {"html": "", "warning": "typo"}
    `);
    const e = await failure(runtime.renderMacro(macro, macroContext(), null));
    expect(e.message).toContain('result.warning');
  });

  it('rejects a result of the wrong type and says which type it got', async () => {
    const macro = script(`
      def render(context, post):
          return ["<p>"]
    `);
    const e = await failure(runtime.renderMacro(macro, macroContext(), null));
    expect(e.code).toBe('python-invalid-result');
    expect(e.message).toMatch(/result must be an HTML string .* got list/);
  });

  it('names the field of a value Python cannot turn into JSON', async () => {
    const macro = script(`
      import datetime

      def render(context, post):
          return {"html": "", "data": {"when": datetime.date(2024, 1, 1)}}
    `);
    const e = await failure(runtime.renderMacro(macro, macroContext(), null));
    expect(e.code).toBe('python-invalid-result');
    expect(e.message).toContain('result.data.when');
    expect(e.message).toContain('date');
  });

  it('refuses a context that does not match ABI v1 before running anything, naming the field', async () => {
    const macro = script('def render(context, post):\n    return ""\n');
    const bad = { ...macroContext(), env: { ...macroContext().env, isPreview: 'no' } };
    const e = await failure(runtime.renderMacro(macro, bad as never, null));
    expect(e.code).toBe('python-invalid-input');
    expect(e.message).toContain('context.env.isPreview');
    const extra = { ...macroContext(), theme: 'dark' };
    expect((await failure(runtime.renderMacro(macro, extra as never, null))).message).toContain(
      'context.theme',
    );
  });

  it('reports a Python exception with its last traceback line and the script line', async () => {
    const macro = script(
      `
      def render(context, post):
          x = 1
          return str(x / 0)
    `,
      { filename: 'scripts/divide.py', lineOffset: 5 },
    );
    const e = await failure(runtime.renderMacro(macro, macroContext(), null));
    expect(e.code).toBe('python-error');
    expect(e.message).toContain('ZeroDivisionError: division by zero');
    expect(e.file).toBe('scripts/divide.py');
    expect(e.line).toBe(8);
    expect(String(e.details?.traceback)).toContain('File "scripts/divide.py", line 8, in render');
    expect(String(e.details?.traceback)).not.toContain('<bds-runtime>');
  });

  it('reports a syntax error with line and column', async () => {
    const macro = script('def render(context, post):\n    return (1 +\n', { filename: 'scripts/broken.py' });
    const e = await failure(runtime.renderMacro(macro, macroContext(), null));
    expect(e.code).toBe('python-syntax');
    expect(e.line).toBe(2);
    expect(e.column).toBeGreaterThan(0);
  });

  it('names the missing entrypoint and lists the functions that exist', async () => {
    const macro = script('def draw(context, post):\n    return ""\n');
    const e = await failure(runtime.renderMacro(macro, macroContext(), null));
    expect(e.code).toBe('python-entrypoint');
    expect(e.message).toContain('render()');
    expect(e.message).toContain('draw');
  });
});

describe('module cache and isolation', () => {
  it('runs module code once per version and again when the version changes', async () => {
    const code = `
      loads = []
      loads.append(1)

      def render(context, post):
          return str(len(loads))
    `;
    const v1 = script(code);
    expect((await runtime.renderMacro(v1, macroContext(), null)).html).toBe('1');
    expect((await runtime.renderMacro(v1, macroContext(), null)).html).toBe('1');
    expect((await runRender(v1)).cached).toBe(true);
    const v2 = { ...v1, version: 2, source: v1.source.replace('str(len(loads))', '"v2:" + str(len(loads))') };
    expect((await runtime.renderMacro(v2, macroContext(), null)).html).toBe('v2:1');
    expect((await runRender(v2)).cached).toBe(true);
  });

  it('sends a script its source again once Python has let its module go', async () => {
    // A script's source crosses into Python once; later calls go without it. Python keeps 256 modules:
    // after 256 other scripts the first one's module is gone, and its next call must still run it.
    const first = script(`
      loads = []
      loads.append(1)

      def render(context, post):
          return "first:" + str(len(loads))
    `);
    expect((await runtime.renderMacro(first, macroContext(), null)).html).toBe('first:1');
    expect((await runtime.renderMacro(first, macroContext(), null)).html).toBe('first:1');
    const others = Array.from({ length: 256 }, (_, i) =>
      script(`
        def render(context, post):
            return "${i}"
      `),
    );
    for (const [i, other] of others.entries()) {
      expect((await runtime.renderMacro(other, macroContext(), null)).html).toBe(String(i));
    }
    // Loaded afresh (its module code ran again), from the source the engine sent once more.
    expect((await runtime.renderMacro(first, macroContext(), null)).html).toBe('first:1');
    expect((await runRender(first)).cached).toBe(true);
  });

  it('keeps the globals of one script invisible to another', async () => {
    const a = script(`
      SECRET = "from a"
      import builtins
      __builtins__["leak"] = "builtins of a"

      def render(context, post):
          return SECRET
    `);
    const b = script(`
      def render(context, post):
          seen = [name for name in ("SECRET", "leak") if name in globals() or name in dir(__builtins__)]
          try:
              seen.append(SECRET)
          except NameError:
              pass
          return ",".join(seen) or "nothing"
    `);
    expect((await runtime.renderMacro(a, macroContext(), null)).html).toBe('from a');
    expect((await runtime.renderMacro(b, macroContext(), null)).html).toBe('nothing');
  });
});

describe('captured output', () => {
  it('returns stdout and stderr of the call and streams them to onOutput', async () => {
    const macro = script(`
      import sys

      def render(context, post):
          print("hello", 1)
          print("careful", file=sys.stderr)
          return "ok"
    `);
    const seen: string[] = [];
    const out = await runtime.renderMacro(macro, macroContext(), null, {
      onOutput: (stream, text) => seen.push(`${stream}:${text}`),
    });
    expect(out.stdout).toBe('hello 1\n');
    expect(out.stderr).toBe('careful\n');
    expect(seen.join('')).toContain('stdout:hello 1');
  });

  it('keeps output of one call out of the next', async () => {
    const noisy = script(`
      def render(context, post):
          print("noise", end="")
          return ""
    `);
    const quiet = script('def render(context, post):\n    return ""\n');
    await runtime.renderMacro(noisy, macroContext(), null);
    expect((await runtime.renderMacro(quiet, macroContext(), null)).stdout).toBe('');
  });

  it('attaches the output so far to a failure', async () => {
    const e = await failure(
      runtime.runUtility(utility('print("step 1")\nraise ValueError("bad")'), utilityContext()),
    );
    expect(e.details?.stdout).toBe('step 1\n');
  });
});

describe('transforms: transform(post, context)', () => {
  const post = {
    title: 'A link',
    content: '[A link](<https://example.com>)',
    tags: [],
    categories: ['links'],
  };
  const context = { source: 'blogmark', url: 'https://example.com' };

  it('returns the changed post', async () => {
    const t = script(`
      def transform(post, context):
          post["tags"].append("from-" + context["source"])
          return post
    `);
    const out = await runtime.runTransform(t, post, context);
    expect(out.post.tags).toEqual(['from-blogmark']);
    expect(out.changed).toBe(true);
  });

  it('keeps the post, with its in-place changes, when the transform returns None', async () => {
    const t = script(`
      def transform(post, context):
          post["title"] = post["title"].upper()
    `);
    const out = await runtime.runTransform(t, post, context);
    expect(out.post.title).toBe('A LINK');
    const untouched = script('def transform(post, context):\n    return None\n');
    expect((await runtime.runTransform(untouched, post, context)).changed).toBe(false);
  });

  it('calls transform(post) when the function takes one positional parameter', async () => {
    const t = script(`
      def transform(post):
          post["title"] = "one arg"
          return post
    `);
    expect((await runtime.runTransform(t, post, context)).post.title).toBe('one arg');
  });

  it('does not retry with one argument when a two-argument transform raises TypeError', async () => {
    const t = script(`
      calls = []

      def transform(post, context=None):
          calls.append(1)
          raise TypeError("calls=%d" % len(calls))
    `);
    const e = await failure(runtime.runTransform(t, post, context));
    expect(e.message).toContain('TypeError: calls=1');
  });

  it('validates the returned post and names the field', async () => {
    const t = script(`
      def transform(post, context):
          post["title"] = "   "
          return post
    `);
    const e = await failure(runtime.runTransform(t, post, context));
    expect(e.code).toBe('python-invalid-result');
    expect(e.message).toContain('result.title');
  });
});

describe('utilities: main(context)', () => {
  it('returns any JSON value', async () => {
    const u = utility('return {"sum": sum(context["params"]["n"]), "ok": True, "none": None}');
    const out = await runtime.runUtility(u, utilityContext({ n: [1, 2, 3] }));
    expect(out.value).toEqual({ sum: 6, ok: true, none: null });
  });
});

describe('bds_api calls from Python', () => {
  it('round-trips a synchronous call through the handler of the request', async () => {
    const calls: unknown[] = [];
    const u = utility(`
      import _bds_host
      post = _bds_host.call("posts.get", {"slug": "spring-trip"})
      return post["title"] + "/" + str(len(_bds_host.call("tags.list")))
    `);
    const out = await runtime.runUtility(u, utilityContext(), {
      apiHandler: async (method, args) => {
        calls.push([method, args]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return method === 'posts.get' ? { title: 'Spring trip' } : ['a', 'b'];
      },
    });
    expect(out.value).toBe('Spring trip/2');
    expect(calls).toEqual([
      ['posts.get', { slug: 'spring-trip' }],
      ['tags.list', {}],
    ]);
  });

  it('raises BdsApiError with the code and message of a failed call', async () => {
    const u = utility(`
      import _bds_host
      try:
          _bds_host.call("posts.get", {"slug": "nope"})
      except _bds_host.BdsApiError as e:
          return [e.code, e.message]
    `);
    const out = await runtime.runUtility(u, utilityContext(), {
      apiHandler: () => {
        throw new BdsError('post-not-found', 'no post "nope"');
      },
    });
    expect(out.value).toEqual(['post-not-found', 'no post "nope"']);
  });

  it('refuses calls when the request has no handler, and malformed method names', async () => {
    const u = utility(`
      import _bds_host
      out = []
      for method in ("posts.get", "no-dots"):
          try:
              _bds_host.call(method, {})
          except _bds_host.BdsApiError as e:
              out.append(e.code)
      return out
    `);
    expect((await runtime.runUtility(u, utilityContext())).value).toEqual([
      'api-unavailable',
      'invalid-call',
    ]);
  });

  it('installs prelude modules at start, so a generated module can build on the transport', async () => {
    const pool = new PythonWorkerPool({
      size: 1,
      snapshotCacheDir: SNAPSHOT_DIR,
      preludeModules: {
        bds_api_demo:
          'import _bds_host\n\ndef echo(text):\n    return _bds_host.call("app.echo", {"text": text})\n',
      },
    });
    try {
      const u = utility('import bds_api_demo\nreturn bds_api_demo.echo("hi")');
      const out = await pool.runUtility(u, utilityContext(), {
        apiHandler: (_m, args) => `echo:${args.text}`,
      });
      expect(out.value).toBe('echo:hi');
    } finally {
      await pool.dispose();
    }
  });
});

describe('script check with Python ast', () => {
  it('lists top-level functions with parameters and async-ness', async () => {
    const check = await runtime.checkScript(
      'def render(context, post=None, *rest, flag, **more):\n    pass\n\nasync def main(context):\n    pass\n\nclass A:\n    def inner(self):\n        pass\n',
    );
    expect(check.ok).toBe(true);
    expect(check.errors).toEqual([]);
    expect(check.functions).toEqual([
      { name: 'render', params: ['context', 'post', '*rest', 'flag', '**more'], isAsync: false, line: 1 },
      { name: 'main', params: ['context'], isAsync: true, line: 4 },
    ]);
  });

  it('reports the first error with its span, and errors in later blocks too', async () => {
    const source = [
      'def first(:', // 1
      '    pass', // 2
      '', // 3
      'def second():', // 4
      '    return 1 +', // 5
      '', // 6
      'def fine(a):', // 7
      '    return a', // 8
      '', // 9
      'x = = 2', // 10
    ].join('\n');
    const check = await runtime.checkScript(source);
    expect(check.ok).toBe(false);
    expect(check.errors[0]).toMatchObject({ line: 1, column: 11, endLine: 1 });
    expect(check.errors.map((e) => e.line)).toEqual([1, 5, 10]);
    expect(check.functions.map((f) => f.name)).toEqual(['fine']);
  });

  it('reports errors the compiler finds after parsing, and shifts lines by the frontmatter offset', async () => {
    const check = await runtime.checkScript('def f():\n    pass\nreturn 1\n', { lineOffset: 10 });
    expect(check.errors).toHaveLength(1);
    expect(check.errors[0]).toMatchObject({ line: 13, message: "'return' outside function" });
  });
});

describe('counters', () => {
  it('counts macros, errors and resets', async () => {
    const rt: PythonRuntime = runtime;
    rt.resetCounters();
    const ok = script('def render(context, post):\n    return ""\n');
    const bad = script('def render(context, post):\n    raise RuntimeError("no")\n');
    await rt.renderMacro(ok, macroContext(), null);
    await rt.renderMacro(bad, macroContext(), null).catch(() => {});
    await rt.renderMacro(ok, { nope: 1 } as never, null).catch(() => {});
    expect(rt.counters).toEqual({ macroCount: 2, errorCount: 2, timeoutCount: 0 });
    rt.resetCounters();
    expect(rt.counters).toEqual({ macroCount: 0, errorCount: 0, timeoutCount: 0 });
  });
});
