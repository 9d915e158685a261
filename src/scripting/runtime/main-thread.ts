// MainThreadRuntime: the legacy fallback (`pythonRuntimeMode: 'main-thread'`), one Pyodide in the
// calling thread behind the same interface. Its time limits still work: a small watchdog thread sets
// the interrupt word, because the main thread is busy running Python and cannot run its own timer.
//
// Limits of this mode, by construction:
// - The host realm's Function constructors cannot be poisoned and its child_process cannot be
//   disabled (the application needs both), so a script that reaches JavaScript has the host's power.
//   The `js` module is still empty and frozen, `pyodide_js`, ctypes and os.system are still blocked.
// - A script stuck outside the bytecode loop (a long C call) cannot be stopped: there is no thread
//   to terminate. The call fails with the timeout error once it returns.
// - bds_api handlers must answer synchronously: Python blocks the thread the handler would run on.
//   Each call gets a BlockingApiHost: a handler that waits for work done elsewhere (the application
//   runs such use cases in a helper thread) watches its `interrupted()` so the time limit still holds.
// - A Stop (the call's AbortSignal) is seen only when this thread is free to see it: while Python
//   awaits (`async def`), or at its next bds_api call.
import { Worker } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';
import { ApiCallSchema, describeAbiIssue, type ApiAnswer, type JsonValue } from '../../core/abi.js';
import { BdsError, isBdsError } from '../../core/errors.js';
import { PyodideEngine } from './engine.js';
import { closedError, failureToError, parseEnvelope, timeoutError } from './failures.js';
import { DEFAULT_MAX_HEAP_MB, engineSettings } from './pool.js';
import { INTERRUPT_INDEX, type EngineSettings } from './protocol.js';
import { INTERRUPTED_ENVELOPE_PREFIX } from './python-source.js';
import { PythonRuntimeBase, type PreparedCall } from './runtime-base.js';
import { SnapshotStore } from './snapshot-store.js';
import type { ApiHandler, BlockingApiHost, PythonRunResult, PythonRuntimeOptions } from './types.js';

const YIELD_EVERY_MS = 10;
/** Python's `_bds_host.call` raises KeyboardInterrupt for this answer, as in a worker. */
const INTERRUPTED_ANSWER = JSON.stringify({
  ok: false,
  error: { code: 'interrupted', message: 'the call was stopped before bds_api answered' },
});

// Words of the watchdog buffer: [interrupt, armed generation (negated once fired), done generation].
const ARMED = 1;
const FIRED = 2;
/** The armed word while the watchdog sets the interrupt again: disarm waits the two stores out. */
const LOCKED = -2147483648;
/** How often a fired watchdog sets the interrupt again while the call has not ended. */
const AGAIN_MS = 250;

// Runs as CommonJS in its own thread; `eval: true` keeps it working from sources and from dist/.
const WATCHDOG_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const words = new Int32Array(workerData);
let timer = null;
let again = null;
parentPort.on('message', (m) => {
  if (timer !== null) { clearTimeout(timer); timer = null; }
  if (again !== null) { clearInterval(again); again = null; }
  if (m.type !== 'arm') return;
  timer = setTimeout(() => {
    timer = null;
    if (Atomics.compareExchange(words, ${ARMED}, m.gen, -m.gen) !== m.gen) return;
    Atomics.store(words, ${INTERRUPT_INDEX}, 2);
    Atomics.store(words, ${FIRED}, m.gen);
    // An interrupt Python took but did not end the call with (caught, or taken by a bds_api wait) is
    // set again until the call is disarmed; the lock keeps it from reaching the next call.
    again = setInterval(() => {
      if (Atomics.compareExchange(words, ${ARMED}, -m.gen, ${LOCKED}) !== -m.gen) {
        clearInterval(again);
        again = null;
        return;
      }
      Atomics.store(words, ${INTERRUPT_INDEX}, 2);
      Atomics.store(words, ${ARMED}, -m.gen);
    }, ${AGAIN_MS});
  }, m.ms);
});
parentPort.postMessage('ready');
`;

/** Sets the interrupt word from another thread when a call passes its deadline. */
class Watchdog {
  private readonly worker: Worker;
  private generation = 0;

  /**
   * Resolves once the thread listens. Until then it cannot see an arm message, and a thread that starts
   * needs this one's event loop, which a call blocks: a first call that never ends would never be stopped.
   */
  readonly ready: Promise<void>;

  constructor(private readonly words: Int32Array) {
    this.worker = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: words.buffer });
    this.worker.unref();
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('error', reject);
      this.worker.once('exit', (code) =>
        reject(new Error(`the watchdog thread stopped (exit code ${code})`)),
      );
    });
  }

  arm(ms: number): number {
    const gen = ++this.generation;
    Atomics.store(this.words, ARMED, gen);
    this.worker.postMessage({ type: 'arm', gen, ms });
    return gen;
  }

  /** Stop the timer; true when it fired for this generation. The interrupt word is cleared. */
  disarm(gen: number): boolean {
    // No message to the watchdog: its timer, if it fires later, finds the generation gone.
    let previous: number;
    for (;;) {
      previous = Atomics.load(this.words, ARMED);
      // The watchdog is setting the interrupt again: two stores, then it unlocks.
      if (previous === LOCKED) continue;
      if (Atomics.compareExchange(this.words, ARMED, previous, 0) === previous) break;
    }
    const fired = previous === -gen;
    if (fired) {
      // The watchdog claimed the generation; wait the few instructions until its stores are done.
      while (Atomics.load(this.words, FIRED) !== gen) {
        // spin
      }
    }
    Atomics.store(this.words, INTERRUPT_INDEX, 0);
    return fired;
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

export class MainThreadRuntime extends PythonRuntimeBase {
  readonly mode = 'main-thread' as const;
  private readonly settings: EngineSettings;
  private readonly words = new Int32Array(new SharedArrayBuffer(4 * 3));
  private readonly snapshots: SnapshotStore | null;
  private readonly maxHeapBytes: number;
  private watchdog: Watchdog | null = null;
  private engine: Promise<PyodideEngine> | null = null;
  private tail: Promise<unknown> = Promise.resolve();
  private apiHandler: ApiHandler | null = null;
  private signal: AbortSignal | null = null;
  /** What a handler that blocks this thread watches: the interrupt word, or the call's Stop. */
  private readonly blockingHost: BlockingApiHost = {
    interrupted: () => Atomics.load(this.words, INTERRUPT_INDEX) !== 0 || this.signal?.aborted === true,
  };
  private closed = false;
  private lastYield = 0;

  constructor(options: PythonRuntimeOptions = {}) {
    super(options.timeouts);
    this.settings = engineSettings(options);
    this.snapshots =
      options.snapshot === false || !options.snapshotCacheDir
        ? null
        : new SnapshotStore(options.snapshotCacheDir);
    this.maxHeapBytes = (options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB) * 1024 * 1024;
  }

  async start(): Promise<void> {
    if (this.closed) throw closedError();
    await this.load();
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.watchdog?.dispose();
    this.watchdog = null;
    this.engine = null;
  }

  protected execute(call: PreparedCall): Promise<PythonRunResult> {
    const job = this.tail.then(() => this.executeNow(call));
    this.tail = job.catch(() => {});
    return job;
  }

  private load(): Promise<PyodideEngine> {
    if (this.engine) return this.engine;
    const promise = this.loadEngine();
    this.engine = promise;
    promise.catch(() => {
      if (this.engine === promise) this.engine = null; // the next call tries again
    });
    return promise;
  }

  private async loadEngine(): Promise<PyodideEngine> {
    try {
      const claim = this.snapshots ? await this.snapshots.claim() : { snapshot: null, makeSnapshot: false };
      const loaded = await PyodideEngine.load({
        ...this.settings,
        snapshot: claim.snapshot ? new Uint8Array(claim.snapshot) : null,
        makeSnapshot: claim.makeSnapshot,
        interruptBuffer: this.words.subarray(INTERRUPT_INDEX, INTERRUPT_INDEX + 1),
        loadPyodide,
        hostCall: (method, argsJson) => this.hostCall(method, argsJson),
      });
      if (this.snapshots) {
        if (loaded.snapshot) {
          const shared = new SharedArrayBuffer(loaded.snapshot.byteLength);
          new Uint8Array(shared).set(loaded.snapshot);
          this.snapshots.offer(shared);
        } else if (claim.makeSnapshot) this.snapshots.release();
        if (loaded.snapshotError && claim.snapshot) this.snapshots.reject(claim.snapshot);
      }
      return loaded.engine;
    } catch (e) {
      throw new BdsError(
        'python-load-failed',
        `Python failed to start: ${e instanceof Error ? e.message : e}`,
        {
          cause: e,
        },
      );
    }
  }

  private async executeNow(call: PreparedCall): Promise<PythonRunResult> {
    // Python blocks this thread while it runs: let timers and I/O through between calls at least
    // every few ms, or a build rendering macro after macro would starve the rest of the server.
    // (Not before every call: a turn of the event loop costs as much as a warm call.)
    if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      this.lastYield = performance.now();
    }
    if (this.closed) throw closedError();
    const engine = await this.load();
    // Re-check after the await: disposed while loading.
    if (this.closed) throw closedError();
    this.watchdog ??= new Watchdog(this.words);
    await this.watchdog.ready;
    if (this.closed) throw closedError();
    const stdout: string[] = [];
    const stderr: string[] = [];
    engine.capture.begin((stream, text) => {
      (stream === 'stdout' ? stdout : stderr).push(text);
      call.onOutput?.(stream, text);
    });
    this.apiHandler = call.apiHandler ?? null;
    this.signal = call.signal ?? null;
    // A Stop sets the interrupt word like the watchdog; this thread sees it when Python lets it run.
    const words = this.words;
    const stop = () => Atomics.store(words, INTERRUPT_INDEX, 2);
    call.signal?.addEventListener('abort', stop, { once: true });
    if (call.signal?.aborted) stop();
    const started = performance.now();
    const gen = call.timeoutMs > 0 ? this.watchdog.arm(call.timeoutMs) : 0;
    let envelopeJson: string | null = null;
    let crashed: unknown = null;
    try {
      const out = engine.run(call);
      envelopeJson = typeof out === 'string' ? out : await this.awaitWithDeadline(out, call.timeoutMs);
    } catch (e) {
      crashed = e;
    }
    const fired = gen !== 0 && this.watchdog.disarm(gen);
    call.signal?.removeEventListener('abort', stop);
    if (gen === 0) Atomics.store(this.words, INTERRUPT_INDEX, 0);
    this.apiHandler = null;
    this.signal = null;
    const { truncated } = engine.capture.end();
    const identity = {
      filename: call.filename,
      cacheKey: call.cacheKey,
      stdout: stdout.join(''),
      stderr: stderr.join(''),
    };
    if (crashed !== null || engine.isBroken) {
      this.engine = null; // a fresh interpreter for the next call
      throw new BdsError('python-crashed', `the Python runtime failed during the call: ${String(crashed)}`, {
        file: call.filename,
        cause: crashed,
      });
    }
    if (engine.heapBytes > this.maxHeapBytes) this.engine = null;
    if (fired || envelopeJson === null) throw timeoutError(identity, call.timeoutMs);
    if (envelopeJson.startsWith(INTERRUPTED_ENVELOPE_PREFIX)) {
      if (call.signal?.aborted) {
        throw new BdsError('task-cancelled', `${call.filename}: stopped before it finished`, {
          file: call.filename,
        });
      }
      throw new BdsError('python-error', 'KeyboardInterrupt', {
        file: call.filename,
        details: { pythonType: 'KeyboardInterrupt', cacheKey: call.cacheKey },
      });
    }
    const envelope = parseEnvelope(envelopeJson);
    if (!envelope.ok) throw failureToError(envelope.error, identity);
    return {
      value: envelope.value,
      stdout: identity.stdout,
      stderr: identity.stderr,
      outputTruncated: truncated,
      durationMs: performance.now() - started,
      cached: envelope.cached,
    };
  }

  /**
   * An `async def` entrypoint lets the thread go between steps, so a plain timer works here; a
   * coroutine that never yields is stopped by the watchdog like any other call. Null on timeout.
   */
  private awaitWithDeadline(out: Promise<string>, timeoutMs: number): Promise<string | null> {
    if (timeoutMs <= 0) return out;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), timeoutMs);
    });
    return Promise.race([out, deadline]).finally(() => clearTimeout(timer));
  }

  private hostCall(method: string, argsJson: string): string {
    let answer: ApiAnswer;
    try {
      const parsed = ApiCallSchema.safeParse({ method, args: JSON.parse(argsJson) });
      const handler = this.apiHandler;
      if (!parsed.success) {
        const { field, message } = describeAbiIssue('call', parsed.error);
        answer = { ok: false, error: { code: 'invalid-call', message: `${field} ${message}` } };
      } else if (!handler) {
        answer = {
          ok: false,
          error: { code: 'api-unavailable', message: 'bds_api is not available to this call' },
        };
      } else if (this.blockingHost.interrupted()) {
        return this.interrupted();
      } else {
        const result = handler(parsed.data.method, parsed.data.args, this.blockingHost);
        if (this.blockingHost.interrupted()) return this.interrupted();
        if (isThenable(result)) {
          // The handler broke its contract: nothing runs the promise while Python waits here.
          result.then(undefined, () => {});
          answer = {
            ok: false,
            error: {
              code: 'internal',
              message: `bds_api.${parsed.data.method} answered with a Promise, which main-thread mode cannot wait for`,
            },
          };
        } else {
          answer = { ok: true, result: (result ?? null) as JsonValue };
        }
      }
    } catch (e) {
      if (this.blockingHost.interrupted()) return this.interrupted();
      answer = {
        ok: false,
        error: {
          code: isBdsError(e) ? e.code : 'api-error',
          message: e instanceof Error ? e.message : String(e),
        },
      };
    }
    return JSON.stringify(answer);
  }

  /** Consume the interrupt here: Python raises KeyboardInterrupt once, from `_bds_host.call`. */
  private interrupted(): string {
    Atomics.store(this.words, INTERRUPT_INDEX, 0);
    return INTERRUPTED_ANSWER;
  }
}
