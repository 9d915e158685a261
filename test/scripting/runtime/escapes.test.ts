// Defence in depth, tried from Python the way an escaping script would: each known door must stay
// shut, and the host and the next request must be fine afterwards. Also runaway scripts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BdsError } from '../../../src/core/errors.js';
import { PythonWorkerPool } from '../../../src/scripting/index.js';
import { SNAPSHOT_DIR, utility, utilityContext } from './python-fixtures.js';

let runtime: PythonWorkerPool;
const marker = path.join(os.tmpdir(), `bds-escape-marker-${process.pid}`);

beforeAll(async () => {
  runtime = new PythonWorkerPool({
    size: 1,
    snapshotCacheDir: SNAPSHOT_DIR,
    timeouts: { utility: 1_500 },
    // Small enough that a script can exhaust it quickly in the crash test.
    resourceLimits: { maxOldGenerationSizeMb: 96 },
  });
  await runtime.start();
});

afterAll(async () => {
  await runtime.dispose();
  fs.rmSync(marker, { force: true });
});

async function runBody(body: string, timeoutMs?: number): Promise<unknown> {
  const options = timeoutMs === undefined ? {} : { timeoutMs };
  return (await runtime.runUtility(utility(body), utilityContext(), options)).value;
}

async function failure(body: string, timeoutMs?: number): Promise<BdsError> {
  try {
    const value = await runBody(body, timeoutMs);
    throw new Error(`the script was not stopped; it returned ${JSON.stringify(value)}`);
  } catch (e) {
    if (!(e instanceof BdsError)) throw e;
    return e;
  }
}

async function nextRequestWorks(): Promise<void> {
  expect(await runBody('return 6 * 7')).toBe(42);
}

describe('escapes fail and the next request works', () => {
  const escapes: [string, string, RegExp][] = [
    ['js-process', 'import js\nreturn str(js.process)', /AttributeError: process/],
    ['js-globalThis', 'import js\nreturn str(js.globalThis.process)', /AttributeError: globalThis/],
    ['js-constructor', 'import js\nreturn str(js.constructor)', /AttributeError/],
    [
      'constructor-chain-from-host-function',
      'import _bds_host\nreturn str(_bds_host._transport.constructor("return process")())',
      /code generation from strings is disabled/,
    ],
    [
      'constructor-chain-from-any-proxy',
      'from pyodide.ffi import to_js\nreturn str(to_js([1]).constructor.constructor("return process")())',
      /code generation from strings is disabled/,
    ],
    [
      'pyodide_js-module',
      'import pyodide_js\nreturn str(pyodide_js._module)',
      /ImportError: module 'pyodide_js'/,
    ],
    ['pyodide-run-js', 'from pyodide.code import run_js\nreturn str(run_js("process"))', /ImportError/],
    ['read-etc-passwd', 'return open("/etc/passwd").read()', /FileNotFoundError/],
    ['os-system', `import os\nreturn os.system("touch ${marker}")`, /PermissionError/],
    ['posix-system', `import posix\nreturn posix.system("touch ${marker}")`, /PermissionError/],
    ['os-popen', `import os\nreturn os.popen("touch ${marker}").read()`, /PermissionError/],
    ['subprocess', `import subprocess\nreturn str(subprocess.run(["touch", "${marker}"]))`, /OSError/],
    [
      'ctypes',
      `import ctypes\nreturn ctypes.CDLL(None).system(b"touch ${marker}")`,
      /ImportError: module 'ctypes'/,
    ],
    ['stdin', 'return input()', /OSError/],
  ];

  for (const [name, body, expected] of escapes) {
    it(`${name} is refused`, async () => {
      const e = await failure(body);
      expect(e.code).toBe('python-error');
      expect(e.message).toMatch(expected);
      expect(fs.existsSync(marker)).toBe(false);
      await nextRequestWorks();
    });
  }

  it('sees only the in-memory file system, not the host', async () => {
    const entries = (await runBody('import os\nreturn sorted(os.listdir("/"))')) as string[];
    expect(entries).not.toContain('etc');
    expect(entries).not.toContain('usr');
    expect(entries).not.toContain(path.basename(process.cwd()));
    expect(await runBody(`import os\nreturn os.path.exists(${JSON.stringify(process.cwd())})`)).toBe(false);
  });

  it('leaves no JavaScript proxy of the loader API reachable from module globals', async () => {
    const names = (await runBody(`
      import sys
      from pyodide.ffi import JsProxy
      found = []
      for name, module in list(sys.modules.items()):
          for key, value in list(getattr(module, "__dict__", {}).items()):
              if isinstance(value, JsProxy) and hasattr(value, "_module"):
                  found.append(name + "." + key)
      return found
    `)) as string[];
    expect(names).toEqual([]);
  });
});

describe('runaway scripts', () => {
  it('an infinite loop is stopped at its limit, counted, and the worker keeps serving', async () => {
    runtime.resetCounters();
    const started = performance.now();
    const e = await failure('while True:\n    pass');
    expect(e.code).toBe('python-timeout');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(runtime.counters.timeoutCount).toBe(1);
    await nextRequestWorks();
  });

  it('a loop that swallows KeyboardInterrupt is terminated and replaced', async () => {
    const before = runtime.stats().workers[0]!.replacements;
    const e = await failure(
      'while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass',
    );
    expect(e.code).toBe('python-timeout');
    await nextRequestWorks();
    const worker = runtime.stats().workers[0]!;
    expect(worker.replacements).toBe(before + 1);
    // The report tells a run that went on after Python took the stop from a worker that never ran.
    expect(worker.lastReplacement).toMatch(
      /^run \d+ did not end within \d+ ms of its stop \(.*Python took the interrupt\)$/,
    );
  });

  it('a call blocked in a bds_api call is stopped at its limit', async () => {
    const u = utility('import _bds_host\nreturn _bds_host.call("app.wait", {})');
    const e = await runtime
      .runUtility(u, utilityContext(), { apiHandler: () => new Promise(() => {}), timeoutMs: 300 })
      .then(
        () => null,
        (err: unknown) => err as BdsError,
      );
    expect(e?.code).toBe('python-timeout');
    await nextRequestWorks();
  });

  it('sys.exit() is an error, not an exit', async () => {
    const e = await failure('import sys\nsys.exit(3)');
    expect(e.message).toContain('sys.exit(3)');
    await nextRequestWorks();
  });

  it('deep recursion raises RecursionError', async () => {
    const e = await failure('def f(n):\n    return f(n + 1)\nreturn f(0)');
    expect(e.message).toContain('RecursionError');
    await nextRequestWorks();
  });

  it('a 2 GB allocation raises MemoryError', async () => {
    const e = await failure('return len(bytearray(2 ** 31 - 1))');
    expect(e.message).toContain('MemoryError');
    await nextRequestWorks();
  });

  it('printing 100 MB is cut at the output limit with a marker', async () => {
    const out = await runtime.runUtility(
      utility('print("x" * 100_000_000)\nreturn "done"'),
      utilityContext(),
      // Building and cutting 100 MB takes more than this file's short limit on a busy machine.
      { timeoutMs: 30_000 },
    );
    expect(out.value).toBe('done');
    expect(out.stdout.length).toBeLessThan(1_100_000);
    expect(out.stdout).toContain('[bds: output truncated after 1048576 bytes]');
    await nextRequestWorks();
  });

  it('a script that exhausts the worker heap crashes only its worker; the call fails clearly', async () => {
    const e = await failure(
      'from pyodide.ffi import to_js\nx = to_js(["x%d" % i for i in range(3_000_000)])\nreturn 1',
      30_000,
    );
    expect(e.code).toBe('python-crashed');
    expect(e.message).toContain('out of memory');
    await nextRequestWorks();
  });
});
