// Starting, sharing and stopping runtimes: calls that arrive while loading, load failures, two
// workers in parallel, snapshot starts, dispose.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BdsError } from '../../../src/core/errors.js';
import { PythonWorkerPool, createPythonRuntime } from '../../../src/scripting/index.js';
import { SNAPSHOT_DIR, macroContext, script, utility, utilityContext } from './python-fixtures.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(condition()).toBe(true);
}

const snapshotFiles = (dir: string): string[] => fs.readdirSync(dir).filter((f) => f.endsWith('.snapshot'));

function pool(options: ConstructorParameters<typeof PythonWorkerPool>[0]): PythonWorkerPool {
  const p = new PythonWorkerPool(options);
  cleanups.push(() => p.dispose());
  return p;
}

describe('start-up', () => {
  it('answers every call made before the runtime is ready, each with its own result', async () => {
    const p = pool({ size: 2, snapshotCacheDir: SNAPSHOT_DIR });
    const macro = script('def render(context, post):\n    return "n=" + str(context["params"]["n"])\n');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, n) => p.renderMacro(macro, macroContext({ n }), null)),
    );
    expect(results.map((r) => r.html)).toEqual(['n=0', 'n=1', 'n=2', 'n=3', 'n=4', 'n=5']);
  });

  it('fails every waiting call with the load error when Pyodide cannot load, and never hangs', async () => {
    const p = pool({
      size: 2,
      snapshot: false,
      indexURL: path.join(os.tmpdir(), 'no-pyodide-here') + path.sep,
    });
    const macro = script('def render(context, post):\n    return ""\n');
    const outcomes = await Promise.allSettled([
      p.renderMacro(macro, macroContext(), null),
      p.renderMacro(macro, macroContext(), null),
      p.renderMacro(macro, macroContext(), null),
    ]);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect((outcome as PromiseRejectedResult).reason).toBeInstanceOf(BdsError);
      expect(((outcome as PromiseRejectedResult).reason as BdsError).code).toBe('python-load-failed');
    }
  });

  it('fails waiting calls when a worker does not become ready in time', async () => {
    const p = pool({ size: 1, snapshot: false, startTimeoutMs: 1 });
    await expect(p.runUtility(utility('return 1'), utilityContext())).rejects.toMatchObject({
      code: 'python-load-failed',
      message: expect.stringContaining('did not start within 1 ms') as unknown,
    });
  });

  it('the first worker makes a memory snapshot and later workers start from it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-snapshot-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const p = pool({ size: 2, snapshotCacheDir: dir });
    await p.start(1);
    expect(p.stats().workers[0]!.info?.start).toBe('full');
    expect(p.stats().snapshotAvailable).toBe(true);
    await p.start(2);
    expect(p.stats().workers[1]!.info?.start).toBe('snapshot');
    // The snapshot is written for the next process.
    await waitFor(() => snapshotFiles(dir).length === 1);
    // A worker started from it is hardened like one that loaded fully.
    const u = utility(
      'import js\ntry:\n    js.process\n    return "open"\nexcept AttributeError:\n    return "closed"',
    );
    const both = await Promise.all([p.runUtility(u, utilityContext()), p.runUtility(u, utilityContext())]);
    expect(both.map((r) => r.value)).toEqual(['closed', 'closed']);
  });

  it('a snapshot file that cannot be used is replaced by a full load', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-snapshot-bad-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const probe = pool({ size: 1, snapshotCacheDir: dir });
    await probe.start();
    await waitFor(() => snapshotFiles(dir).length === 1);
    await probe.dispose();
    const file = snapshotFiles(dir)[0]!;
    fs.writeFileSync(path.join(dir, file), 'not a snapshot');
    const p = pool({ size: 1, snapshotCacheDir: dir });
    expect((await p.runUtility(utility('return 1'), utilityContext())).value).toBe(1);
    expect(p.stats().workers[0]!.info?.start).toBe('full');
  });
});

describe('pool', () => {
  it('two workers run two calls at the same time', async () => {
    const p = pool({ size: 2, snapshotCacheDir: SNAPSHOT_DIR });
    await p.start(2);
    // Each call records when it started and ended (wall clock in ms) and busy-waits in between.
    const u = utility(`
      import time
      start = time.time()
      while time.time() - start < 0.4:
          pass
      return [start, time.time()]
    `);
    const [a, b] = await Promise.all([p.runUtility(u, utilityContext()), p.runUtility(u, utilityContext())]);
    const [aStart, aEnd] = a!.value as [number, number];
    const [bStart, bEnd] = b!.value as [number, number];
    expect(aStart < bEnd && bStart < aEnd).toBe(true);
  });

  it('serialises calls on one worker in arrival order', async () => {
    const p = pool({ size: 1, snapshotCacheDir: SNAPSHOT_DIR });
    const u = script(`
      seen = []

      def main(context):
          seen.append(context["params"]["n"])
          return list(seen)
    `);
    const results = await Promise.all([1, 2, 3].map((n) => p.runUtility(u, utilityContext({ n }))));
    expect(results.map((r) => r.value)).toEqual([[1], [1, 2], [1, 2, 3]]);
  });

  it('a timeout does not touch the calls queued behind it', async () => {
    const p = pool({ size: 1, snapshotCacheDir: SNAPSHOT_DIR });
    const slow = utility('while True:\n    pass');
    const quick = utility('return "after"');
    const [first, second] = await Promise.allSettled([
      p.runUtility(slow, utilityContext(), { timeoutMs: 300 }),
      p.runUtility(quick, utilityContext()),
    ]);
    expect(first.status).toBe('rejected');
    expect(((first as PromiseRejectedResult).reason as BdsError).code).toBe('python-timeout');
    expect(second).toMatchObject({ status: 'fulfilled', value: { value: 'after' } });
  });

  it('dispose fails waiting calls with python-runtime-closed', async () => {
    const p = pool({ size: 1, snapshotCacheDir: SNAPSHOT_DIR });
    const pending = p.runUtility(utility('return 1'), utilityContext());
    await p.dispose();
    await expect(pending).rejects.toMatchObject({ code: 'python-runtime-closed' });
    await expect(p.runUtility(utility('return 1'), utilityContext())).rejects.toMatchObject({
      code: 'python-runtime-closed',
    });
  });
});

describe('main-thread mode', () => {
  const runtime = createPythonRuntime({
    mode: 'main-thread',
    timeouts: { utility: 500 },
    snapshotCacheDir: SNAPSHOT_DIR,
  });
  cleanups.push(() => runtime.dispose());

  it('runs macros behind the same interface', async () => {
    expect(runtime.mode).toBe('main-thread');
    const macro = script('def render(context, post):\n    print("hi")\n    return {"html": "<b>main</b>"}\n');
    const out = await runtime.renderMacro(macro, macroContext(), null);
    expect(out).toMatchObject({ html: '<b>main</b>', stdout: 'hi\n' });
  });

  it('stops an infinite loop that is the first call of a new runtime (the watchdog listens before Python runs)', async () => {
    const fresh = createPythonRuntime({
      mode: 'main-thread',
      timeouts: { utility: 500 },
      snapshotCacheDir: SNAPSHOT_DIR,
    });
    cleanups.push(() => fresh.dispose());
    const e = await fresh.runUtility(utility('while True:\n    pass'), utilityContext()).then(
      () => null,
      (err: unknown) => err as BdsError,
    );
    expect(e?.code).toBe('python-timeout');
  });

  it('stops a script that catches the first interrupt and loops again (the watchdog sets it again)', async () => {
    const code =
      'try:\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    pass\nwhile True:\n    pass';
    const own = createPythonRuntime({
      mode: 'main-thread',
      timeouts: { utility: 500 },
      snapshotCacheDir: SNAPSHOT_DIR,
    });
    cleanups.push(() => own.dispose());
    const e = await own.runUtility(utility(code), utilityContext()).then(
      () => null,
      (err: unknown) => err as BdsError,
    );
    expect(e?.code).toBe('python-timeout');
  });

  it('stops an infinite loop with the watchdog thread, then keeps serving', async () => {
    const e = await runtime.runUtility(utility('while True:\n    pass'), utilityContext()).then(
      () => null,
      (err: unknown) => err as BdsError,
    );
    expect(e?.code).toBe('python-timeout');
    expect(runtime.counters.timeoutCount).toBe(1);
    expect((await runtime.runUtility(utility('return "next"'), utilityContext())).value).toBe('next');
  });

  it('answers synchronous bds_api handlers and refuses a Promise, which nothing would run', async () => {
    const u = utility(`
      import _bds_host
      out = [_bds_host.call("app.version", {})]
      try:
          _bds_host.call("app.slow", {})
      except _bds_host.BdsApiError as e:
          out.append(e.code)
      return out
    `);
    const out = await runtime.runUtility(u, utilityContext(), {
      apiHandler: (method) => (method === 'app.version' ? '1.0' : Promise.resolve('late')),
    });
    expect(out.value).toEqual(['1.0', 'internal']);
  });

  it('a handler that blocks sees the time limit through its host; the call fails with python-timeout', async () => {
    const u = utility(`
      import _bds_host
      _bds_host.call("app.wait", {})
      return "not reached"
    `);
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    let looked = 0;
    const e = await runtime
      .runUtility(u, utilityContext(), {
        timeoutMs: 300,
        apiHandler: (_method, _args, blocking) => {
          // Waits for an answer that never comes, as for a helper thread still working.
          while (!blocking?.interrupted()) {
            looked++;
            Atomics.wait(sleep, 0, 0, 10);
          }
          throw new BdsError('task-cancelled', 'stopped waiting');
        },
      })
      .catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'python-timeout' });
    expect(looked).toBeGreaterThan(0);
    expect((await runtime.runUtility(utility('return "next"'), utilityContext())).value).toBe('next');
  });

  it('a Stop seen at a bds_api call ends the run with task-cancelled', async () => {
    const stop = new AbortController();
    const u = utility(`
      import _bds_host
      _bds_host.call("app.stop", {})
      return "not reached"
    `);
    const e = await runtime
      .runUtility(u, utilityContext(), {
        signal: stop.signal,
        // The user's Stop arrives while the handler works.
        apiHandler: () => {
          stop.abort();
          return 'done';
        },
      })
      .catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'task-cancelled' });
  });

  it('still blocks js, pyodide_js and os.system', async () => {
    const u = utility(`
      out = []
      for attempt in ("import js; js.process", "import pyodide_js", "import os; os.system('true')"):
          try:
              exec(attempt)
              out.append("open")
          except Exception as e:
              out.append(type(e).__name__)
      return out
    `);
    expect((await runtime.runUtility(u, utilityContext())).value).toEqual([
      'AttributeError',
      'ImportError',
      'PermissionError',
    ]);
  });
});
