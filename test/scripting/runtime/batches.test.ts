// Macro calls waiting for a worker cross to it several per message (a build's many small calls): each
// still gets its own result, time limit and failure, and the calls a replaced worker never ran run on
// the next one. The worker side: a stop meant for the run before does not fail the next one.
import { afterAll, describe, expect, it } from 'vitest';
import type { BdsError } from '../../../src/core/errors.js';
import type { PyodideEngine } from '../../../src/scripting/runtime/engine.js';
import { DEFAULT_RESOURCE_LIMITS, engineSettings, nodeWorkers } from '../../../src/scripting/runtime/pool.js';
import {
  CONTROL_WORDS,
  INTERRUPT_INDEX,
  PROTOCOL_VERSION,
  SIGINT,
  STOP_COUNT_INDEX,
  STOP_TARGET_INDEX,
  type HostToWorker,
  type RunMessage,
  type WorkerToHost,
} from '../../../src/scripting/runtime/protocol.js';
import { INTERRUPTED_ENVELOPE_PREFIX } from '../../../src/scripting/runtime/python-source.js';
import { BriefWaits } from '../../../src/scripting/runtime/brief-waits.js';
import { runLoop } from '../../../src/scripting/runtime/run-loop.js';
import { MAX_BATCH, SlotPoolRuntime } from '../../../src/scripting/runtime/slot-pool.js';
import { SnapshotStore } from '../../../src/scripting/runtime/snapshot-store.js';
import type { PreparedCall } from '../../../src/scripting/runtime/runtime-base.js';
import { WorkerSlot, type SpawnWorker } from '../../../src/scripting/runtime/worker-slot.js';
import { SNAPSHOT_DIR, macroContext, script } from './python-fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A real pool of one worker that records every message the host sends to its workers. */
function recordingPool(
  options: {
    maxHeapMb?: number;
    graceMs?: number;
    size?: number;
    hostWaitMs?: number;
    /** The worker gets each call this long after the host sent it (a loaded machine). */
    deliveryMs?: number;
  } = {},
) {
  const sent: HostToWorker[] = [];
  /** Messages the host read from a worker while it waited for a call's end, rather than from its loop. */
  const taken: WorkerToHost[] = [];
  /** Times the host read on in the same wait after it had read a bds_api call. */
  let readPastApiCall = 0;
  let afterApiCall = false;
  const real = nodeWorkers(DEFAULT_RESOURCE_LIMITS);
  const spawn: SpawnWorker = (init, events) => {
    const worker = real(init, events);
    return {
      ...worker,
      postMessage: (message) => {
        sent.push(message);
        if (options.deliveryMs) setTimeout(() => worker.postMessage(message), options.deliveryMs);
        else worker.postMessage(message);
      },
      takeMessage: () => {
        if (afterApiCall) readPastApiCall++;
        const message = worker.takeMessage!();
        if (message) taken.push(message);
        if (message?.type === 'api-call') {
          // A wait runs without a break: until the next microtask, any read is the same wait's.
          afterApiCall = true;
          queueMicrotask(() => (afterApiCall = false));
        }
        return message;
      },
    };
  };
  const pool = new SlotPoolRuntime({
    size: options.size ?? 1,
    settings: engineSettings({}),
    spawn,
    snapshots: new SnapshotStore(SNAPSHOT_DIR),
    ...(options.maxHeapMb === undefined ? {} : { maxHeapMb: options.maxHeapMb }),
    ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
    ...(options.hostWaitMs === undefined ? {} : { hostWaitMs: options.hostWaitMs }),
  });
  cleanups.push(() => pool.dispose());
  return { pool, sent, taken, readPastApiCall: () => readPastApiCall };
}

const runsIn = (sent: HostToWorker[]) => sent.map((m) => (m.type === 'batch' ? m.runs.length : 1));

const echo = script(`
def render(context, post):
    n = context["params"]["n"]
    if n == "loop":
        while True:
            pass
    return "<b>%s</b>" % n
`);

describe('macro calls in batches, real Pyodide', () => {
  it('calls that wait cross several per message, and each gets its own result', async () => {
    const { pool, sent } = recordingPool();
    await pool.start();
    const count = 20;
    const results = await Promise.all(
      Array.from({ length: count }, (_, n) => pool.renderMacro(echo, macroContext({ n }), null)),
    );
    expect(results.map((r) => r.html)).toEqual(Array.from({ length: count }, (_, n) => `<b>${n}</b>`));
    const runs = runsIn(sent);
    expect(runs.reduce((a, b) => a + b, 0)).toBe(count);
    expect(Math.max(...runs)).toBeGreaterThan(1);
    expect(Math.max(...runs)).toBeLessThanOrEqual(MAX_BATCH);
    expect(sent.length).toBeLessThan(count);
  });

  it('a runaway inside a batch times out alone; the calls after it in the batch run', async () => {
    const { pool, sent } = recordingPool({ graceMs: 10_000 });
    await pool.start();
    const params: (number | string)[] = [1, 2, 'loop', 4, 5];
    const settled = await Promise.allSettled(
      params.map((n) => pool.renderMacro(echo, macroContext({ n }), null, { timeoutMs: 1000 })),
    );
    // The first call went alone to the idle worker; the four behind it went together. A worker that does
    // not see the stop within the grace (CI's machine, loaded by the whole suite, twice went 10 s
    // without) is replaced, and the two calls behind the runaway cross again, to the new one.
    const { replacements: replaced, lastReplacement } = pool.stats().workers[0]!;
    expect(replaced).toBeLessThanOrEqual(1);
    // (Why, for the log of a machine where it happens: which run the worker was at, and whether Python
    // ever took the interrupt.)
    if (replaced > 0) console.warn(`the batch's worker was replaced: ${lastReplacement}`);
    expect(runsIn(sent)).toEqual(replaced === 0 ? [1, 4] : [1, 4, 2]);
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect(((settled[2] as PromiseRejectedResult).reason as BdsError).code).toBe('python-timeout');
    expect((settled[4] as PromiseFulfilledResult<{ html: string }>).value.html).toBe('<b>5</b>');
  });

  it('a call the worker takes up late still gets its whole time limit', async () => {
    const { pool } = recordingPool({ deliveryMs: 600 });
    await pool.start();
    const started = performance.now();
    const result = await pool.renderMacro(echo, macroContext({ n: 7 }), null, { timeoutMs: 300 });
    expect(result.html).toBe('<b>7</b>');
    expect(performance.now() - started).toBeGreaterThanOrEqual(600);
    // A runaway taken up late is still stopped, a limit after it began.
    await expect(
      pool.renderMacro(echo, macroContext({ n: 'loop' }), null, { timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'python-timeout' });
    expect(pool.stats().workers[0]!.replacements).toBe(0);
  });

  it('calls a replaced worker never ran run on the next one', async () => {
    // Any heap is too large: the worker is replaced after every call, with calls still waiting in it.
    const { pool, sent } = recordingPool({ maxHeapMb: 1 });
    await pool.start();
    const results = await Promise.all(
      [1, 2, 3].map((n) => pool.renderMacro(echo, macroContext({ n }), null)),
    );
    expect(results.map((r) => r.html)).toEqual(['<b>1</b>', '<b>2</b>', '<b>3</b>']);
    expect(runsIn(sent)).toEqual([1, 2, 1]);
    expect(pool.stats().workers[0]!.replacements).toBe(3);
    expect(pool.stats().workers[0]!.lastReplacement).toMatch(/^its heap grew to \d+ bytes$/);
  }, 60_000);
});

describe('the host waiting a moment for a lone call', () => {
  it('reads the end of calls made one after another as they come, output first', async () => {
    // A wait long enough for a loaded machine: the default is a fraction of a millisecond.
    const { pool, taken } = recordingPool({ size: 2, hostWaitMs: 50 });
    await pool.start();
    const chatty = script(`
    def render(context, post):
        print("n =", context["params"]["n"])
        return "<i>%s</i>" % context["params"]["n"]
    `);
    for (let n = 0; n < 200; n++) {
      const result = await pool.renderMacro(chatty, macroContext({ n }), null);
      expect([result.html, result.stdout]).toEqual([`<i>${n}</i>`, `n = ${n}\n`]);
    }
    // Some ends arrive before the host starts to wait (then it does not); every wait finds its end.
    // Each call's output came before its end, or the output checked above would miss it.
    expect(taken.filter((m) => m.type === 'result').length).toBeGreaterThan(20);
  });

  it('does not wait while other calls are under way', async () => {
    const { pool, taken } = recordingPool({ size: 2, hostWaitMs: 50 });
    await pool.start(2);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, n) => pool.renderMacro(echo, macroContext({ n }), null)),
    );
    expect(results.map((r) => r.html)).toEqual(Array.from({ length: 40 }, (_, n) => `<b>${n}</b>`));
    expect(taken).toEqual([]);
  });

  it('stops waiting at a bds_api call, which its loop answers', async () => {
    const { pool, taken, readPastApiCall } = recordingPool({ hostWaitMs: 50 });
    await pool.start();
    const asks = script(`
    import _bds_host
    def render(context, post):
        return "<p>%s</p>" % _bds_host.call("posts.get", {"slug": str(context["params"]["n"])})["slug"]
    `);
    const apiHandler = (_method: string, args: unknown) => Promise.resolve(args);
    for (let n = 0; n < 20; n++) {
      const result = await pool.renderMacro(asks, macroContext({ n }), null, { apiHandler });
      expect(result.html).toBe(`<p>${n}</p>`);
    }
    expect(taken.filter((m) => m.type === 'api-call').length).toBeGreaterThan(0);
    expect(readPastApiCall()).toBe(0);
  });
});

describe('a worker given several calls at once', () => {
  it('a call stopped while it waits behind another fails as stopped; the one after it runs', async () => {
    const slot = new WorkerSlot({
      settings: engineSettings({}),
      spawn: nodeWorkers(DEFAULT_RESOURCE_LIMITS),
      graceMs: 100,
      maxHeapBytes: 1024 * 1024 * 1024,
      snapshots: new SnapshotStore(SNAPSHOT_DIR),
      startTimeoutMs: 60_000,
      onChange: () => {},
    });
    cleanups.push(() => slot.dispose());
    await slot.start();
    const call = (code: string, signal?: AbortSignal): PreparedCall => ({
      kind: 'utility',
      cacheKey: `u-${code.length}-${Math.random()}`,
      source: `def main(context):\n${code}\n`,
      entrypoint: 'main',
      argsJson: '[{}]',
      filename: 'u.py',
      lineOffset: 0,
      timeoutMs: 10_000,
      ...(signal ? { signal } : {}),
    });
    const stop = new AbortController();
    const [first, second, third] = slot.executeMany([
      call('    import time\n    time.sleep(0.3)\n    return 1'),
      call('    while True:\n        pass', stop.signal),
      call('    return 3'),
    ]);
    stop.abort();
    const settled = await Promise.allSettled([first!, second!, third!]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((settled[1] as PromiseRejectedResult).reason as BdsError).code).toBe('task-cancelled');
    expect((settled[2] as PromiseFulfilledResult<{ value: unknown }>).value.value).toBe(3);
  });
});

describe('the worker run loop', () => {
  const OK = '{"ok":true,"value":"<b>ok</b>","cached":true}';
  const INTERRUPTED = `${INTERRUPTED_ENVELOPE_PREFIX},"message":"KeyboardInterrupt"}}`;

  function loop(run: (message: RunMessage, attempt: number) => string) {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    const posted: WorkerToHost[] = [];
    const attempts = new Map<number, number>();
    const engine = {
      capture: { begin: () => {}, end: () => ({ truncated: false }) },
      heapBytes: 0,
      run: (message: RunMessage) => {
        const attempt = attempts.get(message.id) ?? 0;
        attempts.set(message.id, attempt + 1);
        return run(message, attempt);
      },
    } as unknown as PyodideEngine;
    const handle = runLoop(engine, { post: (m) => posted.push(m), fatal: () => {}, control });
    const message = (id: number): RunMessage => ({
      v: PROTOCOL_VERSION,
      type: 'run',
      id,
      kind: 'macro',
      cacheKey: 'a:1',
      source: '',
      entrypoint: 'render',
      argsJson: '[]',
      filename: 'a.py',
      lineOffset: 0,
    });
    const done = async (count: number) => {
      for (let i = 0; i < 100 && posted.filter((m) => m.type !== 'stdout').length < count; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return posted;
    };
    return { control, handle, message, attempts, done };
  }

  it('runs a batch in order, one result each', async () => {
    const l = loop(() => OK);
    l.handle({ v: PROTOCOL_VERSION, type: 'batch', runs: [l.message(1), l.message(2), l.message(3)] });
    const posted = await l.done(3);
    expect(posted.map((m) => [m.type, 'id' in m ? m.id : undefined])).toEqual([
      ['result', 1],
      ['result', 2],
      ['result', 3],
    ]);
  });

  it('runs again a run that a stop meant for the run before interrupted', async () => {
    const l = loop((message, attempt) => {
      if (message.id === 2 && attempt === 0) {
        // The host stops run 1 at its time limit just as it ends: the interrupt lands in run 2.
        Atomics.store(l.control, STOP_TARGET_INDEX, 1);
        Atomics.add(l.control, STOP_COUNT_INDEX, 1);
        return INTERRUPTED;
      }
      return OK;
    });
    l.handle({ v: PROTOCOL_VERSION, type: 'batch', runs: [l.message(1), l.message(2)] });
    const posted = await l.done(2);
    expect(posted.map((m) => m.type)).toEqual(['result', 'result']);
    expect(l.attempts.get(2)).toBe(2);
  });

  it('reports a run stopped by its own stop, or that raised KeyboardInterrupt itself, as interrupted', async () => {
    const l = loop((message) => {
      if (message.id === 1) {
        Atomics.store(l.control, STOP_TARGET_INDEX, 1);
        Atomics.add(l.control, STOP_COUNT_INDEX, 1);
      }
      return INTERRUPTED;
    });
    l.handle({ v: PROTOCOL_VERSION, type: 'batch', runs: [l.message(1), l.message(2)] });
    const posted = await l.done(2);
    expect(posted.map((m) => m.type)).toEqual(['interrupted', 'interrupted']);
    expect([l.attempts.get(1), l.attempts.get(2)]).toEqual([1, 1]);
  });

  it('drops a stop left over for an earlier run before the next run starts', async () => {
    let seen = -1;
    const l = loop(() => {
      seen = Atomics.load(l.control, INTERRUPT_INDEX);
      return OK;
    });
    Atomics.store(l.control, STOP_TARGET_INDEX, 1);
    Atomics.store(l.control, INTERRUPT_INDEX, SIGINT);
    l.handle(l.message(2));
    await l.done(1);
    expect(seen).toBe(0);
  });
});

describe('brief waits for the next call', () => {
  it('wait while they find calls, rest after misses and probe now and then', () => {
    const waits = new BriefWaits(2, 4);
    expect(waits.shouldWait()).toBe(true);
    waits.record(false);
    expect(waits.shouldWait()).toBe(true);
    waits.record(false);
    // Resting: three skips, then a probe.
    expect([waits.shouldWait(), waits.shouldWait(), waits.shouldWait(), waits.shouldWait()]).toEqual([
      false,
      false,
      false,
      true,
    ]);
    waits.record(true);
    expect(waits.shouldWait()).toBe(true);
  });
});
