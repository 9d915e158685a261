// One Python worker seen from the host: starting it (from a snapshot when there is one), one call at a
// time, the watchdog (interrupt, then terminate after a grace), bds_api answers, and replacing the
// worker after a crash, a runaway or too much memory. Nothing here depends on Node: the server runs
// it over worker threads (pool.ts), the browser over a Web Worker (web/src/python).
import { ApiCallSchema, describeAbiIssue, type ApiAnswer, type JsonValue } from '../../core/abi.js';
import { BdsError, isBdsError } from '../../core/errors.js';
import { closedError, failureToError, parseEnvelope, timeoutError } from './failures.js';
import {
  API_SIGNAL_INDEX,
  CONTROL_WORDS,
  INTERRUPT_INDEX,
  MACRO_SEQ_INDEX,
  PROTOCOL_VERSION,
  RUN_ID_INDEX,
  SIGINT,
  STOP_COUNT_INDEX,
  STOP_TARGET_INDEX,
  type ApiCallMessage,
  type ApiResultMessage,
  type EngineSettings,
  type HostToWorker,
  type ResultMessage,
  type InterruptedMessage,
  type RunCall,
  type RunMessage,
  type WorkerToHost,
} from './protocol.js';
import { BriefWaits } from './brief-waits.js';
import type { PreparedCall } from './runtime-base.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { PythonRunResult } from './types.js';

/** What a slot needs of a worker, whatever runs it (a Node worker thread, a browser Web Worker). */
export interface RuntimeWorker {
  postMessage(message: HostToWorker): void;
  /** Hand a bds_api answer to the worker, where it reads it synchronously. */
  answerApi(message: ApiResultMessage): void;
  /** The worker's next message if it has sent one, read now instead of from the event loop (Node). */
  takeMessage?(): WorkerToHost | undefined;
  terminate(): void;
  /** Keep the host process alive while a call is in flight, and let it go after (Node). */
  ref?(): void;
  unref?(): void;
  readonly threadId?: number;
}

export interface WorkerSpawnInit {
  settings: EngineSettings;
  /** Int32Array(CONTROL_WORDS) over it: interrupt, api-call and stop words. */
  control: SharedArrayBuffer | ArrayBuffer;
  /** A memory snapshot to start from instead of a full load. */
  snapshot: SharedArrayBuffer | null;
  /** Make a snapshot right after loading and send it back in `ready`. */
  makeSnapshot: boolean;
}

export interface WorkerEvents {
  message(message: WorkerToHost): void;
  /** The worker failed outside a run (it could not load, or threw at top level). */
  error(reason: string): void;
  exit(code: number): void;
}

/** Starts one worker; throws when it cannot. */
export type SpawnWorker = (init: WorkerSpawnInit, events: WorkerEvents) => RuntimeWorker;

/**
 * The control words, shared with the worker where the platform allows it. A browser page that is not
 * cross-origin isolated has no SharedArrayBuffer: then the interrupt cannot reach Python, and the
 * watchdog's second step (terminate after the grace, start afresh) stops a runaway instead.
 */
export function controlBuffer(): SharedArrayBuffer | ArrayBuffer {
  const g = globalThis as { crossOriginIsolated?: boolean };
  const shared = typeof SharedArrayBuffer === 'function' && g.crossOriginIsolated !== false;
  return shared ? new SharedArrayBuffer(CONTROL_WORDS * 4) : new ArrayBuffer(CONTROL_WORDS * 4);
}

type Timer = ReturnType<typeof setTimeout>;

/**
 * A call the worker has not begun by its deadline (a loaded machine can hold the worker's message that
 * long) is looked at again this often, and gets its whole limit from when it is seen running.
 */
const START_POLL_MS = 10;
/** How long past its limit a call may wait to begin before the worker is taken to be stuck. */
const START_WAIT_MS = 10_000;

/** Time a document run has before its first macro's limit starts (loading the renderer, parsing). */
export const DOCUMENT_START_MS = 2000;

/** How long the host may watch for the end of a lone short call before it goes back to its loop. */
export const HOST_WAIT_MS = 0.25;

/** Node's timers can stop holding the process open; browsers' have nothing to unref. */
function unrefTimer(timer: Timer): void {
  (timer as { unref?: () => void }).unref?.();
}

export interface WorkerSlotOptions {
  settings: EngineSettings;
  spawn: SpawnWorker;
  graceMs: number;
  maxHeapBytes: number;
  snapshots: SnapshotStore | null;
  /** A worker not ready after this long is terminated and its start fails. */
  startTimeoutMs: number;
  /** How long waitBriefly watches for a call's end (default HOST_WAIT_MS). */
  hostWaitMs?: number;
  /** Called whenever the slot may take a new call (ready, idle again, or failed to start). */
  onChange(): void;
  /**
   * Calls sent to a worker that had to go (crashed, runaway, heap too large) before it ran them: they
   * are run elsewhere. Without it they fail with the worker's end.
   */
  requeue?(calls: QueuedCall[]): void;
}

/** A call with the promise waiting for it. */
export interface QueuedCall {
  call: PreparedCall;
  resolve(result: PythonRunResult): void;
  reject(error: unknown): void;
}

export type WorkerSlotState = 'cold' | 'starting' | 'ready' | 'busy' | 'closed';

export interface WorkerInfo {
  pythonVersion: string;
  pyodideVersion: string;
  loadMs: number;
  start: 'full' | 'snapshot';
  threadId: number;
}

interface Inflight extends QueuedCall {
  id: number;
  worker: RuntimeWorker;
  settled: boolean;
  timedOut: boolean;
  startedAt: number;
  stdout: string[];
  stderr: string[];
  /** performance.now() at which the call times out; Infinity without a limit. */
  deadline: number;
  grace: Timer | null;
  /** Stopped while it waited behind another call in the worker: it is stopped as it starts. */
  stopWith?: Error;
  /** For a document run: the worker's macro count when the current time limit began. */
  macroSeq?: number;
  /** Its deadline came before the worker began it: the limit starts again when it is seen running. */
  awaitingStart?: boolean;
}

interface Starting {
  worker: RuntimeWorker;
  claimed: SharedArrayBuffer | null;
  making: boolean;
  resolve(): void;
  reject(error: unknown): void;
}

/** Every field of a call, named: an optional one the call lacks crosses as undefined. */
type AllRunFields = { [K in keyof Required<RunCall>]: RunCall[K] | undefined };

/**
 * The message for a call: its own fields cross to the worker, its callbacks and deadline stay here.
 * (Made as one literal: a warm call's time on the host is mostly such work, and a spread followed by
 * fields is V8's slow path. A field RunCall gains fails to compile here until it is forwarded.)
 */
function runMessage(id: number, call: PreparedCall): RunMessage {
  const message: RunMessage & AllRunFields = {
    v: PROTOCOL_VERSION,
    type: 'run',
    id,
    kind: call.kind,
    cacheKey: call.cacheKey,
    source: call.source,
    entrypoint: call.entrypoint,
    argsJson: call.argsJson,
    args: call.args,
    filename: call.filename,
    lineOffset: call.lineOffset,
    document: call.document,
    api: call.apiHandler !== undefined,
  };
  return message;
}

export class WorkerSlot {
  private stateValue: WorkerSlotState = 'cold';
  private worker: RuntimeWorker | null = null;
  private control = new Int32Array(controlBuffer());
  private startPromise: Promise<void> | null = null;
  private starting: Starting | null = null;
  /** Calls sent to the worker, in the order it runs them: the first is running (or about to). */
  private sent: Inflight[] = [];
  private seq = 0;
  private infoValue: WorkerInfo | null = null;
  private watchTimer: Timer | null = null;
  private watchAt = 0;
  /** Times a worker of this slot was replaced after a crash, a runaway or a heap too large. */
  replacements = 0;
  /** Why the last one was, with what the control words held then (for a report; see stopInflight). */
  lastReplacement: string | undefined;
  /** Whether waiting for a call's end lately found it ended: if not, the host stops waiting. */
  private readonly waits = new BriefWaits();

  constructor(private readonly options: WorkerSlotOptions) {}

  get state(): WorkerSlotState {
    return this.stateValue;
  }

  get info(): WorkerInfo | null {
    return this.infoValue;
  }

  /** Start the worker if it is not running; resolves when it is ready. Idempotent. */
  start(): Promise<void> {
    if (this.stateValue === 'closed') return Promise.reject(closedError());
    if (this.stateValue === 'ready' || this.stateValue === 'busy') return Promise.resolve();
    if (this.startPromise) return this.startPromise;
    this.stateValue = 'starting';
    const promise = this.spawn().finally(() => {
      if (this.startPromise === promise) this.startPromise = null;
    });
    this.startPromise = promise;
    return promise;
  }

  /** Run one call; the slot must be `ready`. */
  execute(call: PreparedCall): Promise<PythonRunResult> {
    return this.executeMany([call])[0]!;
  }

  /**
   * Send calls in one message; the worker runs them in order, each ending with its own result. Each
   * call's time limit counts from when the host heard the one before it end. The slot must be `ready`.
   */
  executeMany(calls: readonly PreparedCall[]): Promise<PythonRunResult>[] {
    const worker = this.worker;
    if (this.stateValue !== 'ready' || worker === null) {
      const error = new BdsError('internal', `Python worker asked to run while ${this.stateValue}`);
      return calls.map(() => Promise.reject(error));
    }
    if (calls.length === 0) return [];
    this.stateValue = 'busy';
    Atomics.store(this.control, INTERRUPT_INDEX, 0);
    worker.ref?.();
    const runs: RunMessage[] = [];
    const promises = calls.map(
      (call) =>
        new Promise<PythonRunResult>((resolve, reject) => {
          const id = ++this.seq;
          this.sent.push({
            id,
            call,
            worker,
            resolve,
            reject,
            settled: false,
            timedOut: false,
            startedAt: 0,
            stdout: [],
            stderr: [],
            deadline: Infinity,
            grace: null,
          });
          runs.push(runMessage(id, call));
        }),
    );
    const sent = [...this.sent];
    try {
      worker.postMessage(runs.length === 1 ? runs[0]! : { v: PROTOCOL_VERSION, type: 'batch', runs });
    } catch (e) {
      // Arguments that cannot be copied to the worker (only `args` can hold such): nothing was sent.
      this.sent = [];
      this.stateValue = 'ready';
      worker.unref?.();
      const error = new BdsError(
        'python-invalid-input',
        `the arguments cannot be sent to Python: ${String(e)}`,
      );
      for (const inflight of sent) this.settle(inflight, () => inflight.reject(error));
      // Not from here: the pool is in the middle of handing out calls.
      queueMicrotask(() => this.options.onChange());
      return promises;
    }
    this.begin(sent[0]!);
    for (const inflight of sent) {
      const signal = inflight.call.signal;
      if (!signal) continue;
      const stop = () => {
        const error = new BdsError(
          'task-cancelled',
          `${inflight.call.filename}: stopped before it finished`,
          {
            file: inflight.call.filename,
          },
        );
        if (this.sent[0] === inflight) this.stopInflight(inflight, error);
        else inflight.stopWith = error;
      };
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    }
    return promises;
  }

  /** Whether waitBriefly can read the worker's messages (a Node worker thread). */
  get canWaitBriefly(): boolean {
    return this.worker?.takeMessage !== undefined;
  }

  /**
   * Watch a moment for the end of the one call in the worker, reading its messages here rather than
   * from the event loop. A thread asleep in the event loop takes tens of microseconds to wake for a
   * message (more on a loaded machine), which is most of a short macro call's time. For the pool to
   * call when this call is the only work under way; at most HOST_WAIT_MS, and not at all while such
   * waits keep missing (calls that take longer). Returns whether the call ended.
   */
  waitBriefly(): boolean {
    const worker = this.worker;
    const inflight = this.sent[0];
    if (!worker?.takeMessage || !inflight || this.sent.length !== 1 || !this.waits.shouldWait()) return false;
    const end = performance.now() + (this.options.hostWaitMs ?? HOST_WAIT_MS);
    do {
      const message = worker.takeMessage();
      if (message === undefined) continue;
      this.onMessage(worker, message);
      // A bds_api call is answered from the event loop: stop here and let it run.
      if (message.type === 'api-call' || this.worker !== worker) break;
      if (inflight.settled && this.sent[0] !== inflight) {
        this.waits.record(true);
        return true;
      }
    } while (performance.now() < end);
    this.waits.record(false);
    return false;
  }

  /** The call now runs in the worker: its time limit starts. */
  private begin(inflight: Inflight): void {
    if (inflight.stopWith) {
      this.stopInflight(inflight, inflight.stopWith);
      return;
    }
    inflight.startedAt = performance.now();
    if (inflight.call.timeoutMs > 0) {
      inflight.deadline = inflight.startedAt + inflight.call.timeoutMs;
      if (inflight.call.document) {
        inflight.macroSeq = Atomics.load(this.control, MACRO_SEQ_INDEX);
        // Before its first macro a worker may load the Markdown renderer and parse the document.
        inflight.deadline += DOCUMENT_START_MS;
      }
      this.watch(inflight.deadline);
    }
  }

  async dispose(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    if (this.watchTimer !== null) clearTimeout(this.watchTimer);
    this.watchTimer = null;
    const worker = this.worker;
    this.worker = null;
    this.failStart(closedError());
    for (const inflight of this.sent.splice(0)) {
      this.clearTimers(inflight);
      this.settle(inflight, () => inflight.reject(closedError()));
    }
    worker?.terminate();
  }

  private async spawn(): Promise<void> {
    const claim = this.options.snapshots
      ? await this.options.snapshots.claim()
      : { snapshot: null, makeSnapshot: false };
    // Re-check after the await: the slot may have been disposed meanwhile.
    if (this.stateValue !== 'starting') {
      if (claim.makeSnapshot) this.options.snapshots?.release();
      throw closedError();
    }
    const control = controlBuffer();
    let worker: RuntimeWorker;
    try {
      worker = this.options.spawn(
        {
          settings: this.options.settings,
          control,
          snapshot: claim.snapshot,
          makeSnapshot: claim.makeSnapshot,
        },
        {
          message: (message) => this.onMessage(worker, message),
          error: (reason) => this.onCrash(worker, reason),
          exit: (code) => this.onCrash(worker, `the worker exited with code ${code}`),
        },
      );
    } catch (e) {
      if (claim.makeSnapshot) this.options.snapshots?.release();
      this.stateValue = 'cold';
      throw new BdsError('python-load-failed', `could not start a Python worker: ${String(e)}`, { cause: e });
    }
    this.worker = worker;
    this.control = new Int32Array(control);
    // A load that never finishes must not leave the calls waiting for it hanging.
    const startTimer = setTimeout(() => {
      this.onCrash(worker, `Python did not start within ${this.options.startTimeoutMs} ms`);
    }, this.options.startTimeoutMs);
    unrefTimer(startTimer);
    return new Promise<void>((resolve, reject) => {
      this.starting = { worker, claimed: claim.snapshot, making: claim.makeSnapshot, resolve, reject };
    }).finally(() => clearTimeout(startTimer));
  }

  private onMessage(worker: RuntimeWorker, message: WorkerToHost): void {
    if (this.worker !== worker || message.v !== PROTOCOL_VERSION) return;
    switch (message.type) {
      case 'ready': {
        const starting = this.starting;
        if (!starting || starting.worker !== worker) return;
        this.starting = null;
        const snapshots = this.options.snapshots;
        if (snapshots) {
          if (message.snapshot) snapshots.offer(message.snapshot);
          else if (starting.making) snapshots.release();
          if (message.snapshotError && starting.claimed) snapshots.reject(starting.claimed);
        }
        this.infoValue = {
          pythonVersion: message.pythonVersion,
          pyodideVersion: message.pyodideVersion,
          loadMs: message.loadMs,
          start: message.start,
          threadId: worker.threadId ?? 0,
        };
        this.stateValue = 'ready';
        worker.unref?.();
        starting.resolve();
        this.options.onChange();
        return;
      }
      case 'error':
        this.onCrash(
          worker,
          message.phase === 'load' ? message.message : `the Python interpreter failed: ${message.message}`,
        );
        return;
      case 'stdout':
      case 'stderr': {
        const inflight = this.sent.find((c) => c.id === message.id);
        if (!inflight || inflight.settled) return;
        inflight[message.type].push(message.text);
        inflight.call.onOutput?.(message.type, message.text);
        return;
      }
      case 'api-call':
        void this.answerApiCall(worker, message);
        return;
      case 'result':
      case 'interrupted':
        this.onDone(worker, message);
        return;
    }
  }

  private onDone(worker: RuntimeWorker, message: ResultMessage | InterruptedMessage): void {
    const inflight = this.sent[0];
    if (!inflight || inflight.id !== message.id) return;
    this.clearTimers(inflight);
    this.sent.shift();
    const identity = this.identity(inflight);
    if (message.type === 'interrupted') {
      // Not our watchdog (it settles first): the script raised KeyboardInterrupt itself.
      this.settle(inflight, () =>
        inflight.reject(
          new BdsError('python-error', 'KeyboardInterrupt', {
            file: inflight.call.filename,
            details: { pythonType: 'KeyboardInterrupt', cacheKey: inflight.call.cacheKey },
          }),
        ),
      );
    } else {
      this.settle(inflight, () => {
        // A value sent as data (a rendered document), or the envelope Python answered.
        const envelope =
          message.value !== undefined
            ? { ok: true as const, value: message.value, cached: false }
            : parseEnvelope(message.envelopeJson);
        if (!envelope.ok) throw failureToError(envelope.error, identity);
        inflight.resolve({
          value: envelope.value,
          stdout: identity.stdout ?? '',
          stderr: identity.stderr ?? '',
          outputTruncated: message.outputTruncated,
          durationMs: performance.now() - inflight.startedAt,
          cached: envelope.cached,
        });
      });
    }
    if (message.type === 'result' && message.heapBytes > this.options.maxHeapBytes) {
      // WebAssembly memory never shrinks: start afresh rather than carry a huge heap.
      this.replace(worker, `its heap grew to ${message.heapBytes} bytes`);
      return;
    }
    const next = this.sent[0];
    if (next) {
      this.begin(next);
      return;
    }
    this.stateValue = 'ready';
    worker.unref?.();
    this.options.onChange();
  }

  /**
   * Make sure a timer fires by `deadline`. One timer serves many calls: it is not cleared when a
   * call ends early; when it fires it checks the call in flight and re-arms for it. Creating and
   * clearing a timer per call costs more than the rest of a warm call.
   */
  private watch(deadline: number): void {
    if (this.watchTimer !== null && this.watchAt <= deadline) return;
    if (this.watchTimer !== null) clearTimeout(this.watchTimer);
    this.watchAt = deadline;
    this.watchTimer = setTimeout(() => this.onWatch(), Math.max(1, Math.ceil(deadline - performance.now())));
    unrefTimer(this.watchTimer);
  }

  private onWatch(): void {
    this.watchTimer = null;
    const inflight = this.sent[0];
    if (!inflight || inflight.settled || inflight.deadline === Infinity) return;
    // Timers may fire a little early: then wait for the rest.
    const now = performance.now();
    if (now < inflight.deadline) {
      this.watch(inflight.deadline);
      return;
    }
    // The limit is the script's running time, not the wait for the worker to take the call up.
    if (!this.hasBegun(inflight)) {
      if (now - inflight.startedAt < inflight.call.timeoutMs + START_WAIT_MS) {
        inflight.awaitingStart = true;
        inflight.deadline = now + START_POLL_MS;
        this.watch(inflight.deadline);
        return;
      }
    } else if (inflight.awaitingStart) {
      inflight.awaitingStart = false;
      inflight.deadline = now + inflight.call.timeoutMs;
      if (inflight.macroSeq !== undefined) inflight.macroSeq = Atomics.load(this.control, MACRO_SEQ_INDEX);
      this.watch(inflight.deadline);
      return;
    }
    // A document run's limit is per macro: one started since the limit began gets a limit of its own
    // (so a macro is stopped at most one limit late; the worker hands back a document whose macro ran
    // past its limit, and the host runs that one with the exact limit).
    if (inflight.macroSeq !== undefined) {
      const seq = Atomics.load(this.control, MACRO_SEQ_INDEX);
      if (seq !== inflight.macroSeq) {
        inflight.macroSeq = seq;
        inflight.deadline = now + inflight.call.timeoutMs;
        this.watch(inflight.deadline);
        return;
      }
    }
    this.onDeadline(inflight);
  }

  /** Whether the worker has begun the call (always, where the control words are not shared). */
  private hasBegun(inflight: Inflight): boolean {
    // A page that is not cross-origin isolated has no SharedArrayBuffer at all.
    const shared =
      typeof SharedArrayBuffer === 'function' && this.control.buffer instanceof SharedArrayBuffer;
    if (!shared) return true;
    return Atomics.load(this.control, RUN_ID_INDEX) >= inflight.id;
  }

  private onDeadline(inflight: Inflight): void {
    // A worker holding finished documents' results (run-loop.ts, postLater) is further on than the
    // host has heard: the call it runs is the one to stop.
    const running = Atomics.load(this.control, RUN_ID_INDEX);
    const target = this.sent.find((c) => c.id === running && !c.settled) ?? inflight;
    this.stopInflight(target, timeoutError(this.identity(target), target.call.timeoutMs));
  }

  /** Interrupt the call in flight and fail it with `error` (a timeout, or a caller's Stop). */
  private stopInflight(inflight: Inflight, error: Error): void {
    if (!this.sent.includes(inflight) || inflight.settled) return;
    inflight.timedOut = true;
    // Which run the stop is for: the worker may have ended it and started the next one meanwhile.
    Atomics.store(this.control, STOP_TARGET_INDEX, inflight.id);
    Atomics.add(this.control, STOP_COUNT_INDEX, 1);
    Atomics.store(this.control, INTERRUPT_INDEX, SIGINT);
    // Wake a worker blocked in a bds_api call; it sees the interrupt.
    Atomics.add(this.control, API_SIGNAL_INDEX, 1);
    Atomics.notify(this.control, API_SIGNAL_INDEX);
    this.settle(inflight, () => inflight.reject(error));
    const stoppedAt = performance.now();
    inflight.grace = setTimeout(() => {
      inflight.grace = null;
      if (!this.sent.includes(inflight)) return;
      // Whether Python ever took the interrupt (the word is cleared when it does) tells a worker that
      // never ran again (a loaded machine) from a run that went on after it (a script that caught it).
      const words = this.control;
      const interrupt = Atomics.load(words, INTERRUPT_INDEX);
      this.replace(
        inflight.worker,
        `run ${inflight.id} did not end within ${Math.round(performance.now() - stoppedAt)} ms of its stop ` +
          `(the worker was at run ${Atomics.load(words, RUN_ID_INDEX)}, stop ${Atomics.load(words, STOP_COUNT_INDEX)} ` +
          `for run ${Atomics.load(words, STOP_TARGET_INDEX)}; ${interrupt === 0 ? 'Python took the interrupt' : 'the interrupt was never taken'})`,
      );
    }, this.options.graceMs);
  }

  private onCrash(worker: RuntimeWorker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    worker.terminate();
    if (this.starting?.worker === worker) {
      const starting = this.starting;
      if (starting.making) this.options.snapshots?.release();
      if (starting.claimed) this.options.snapshots?.reject(starting.claimed);
      this.stateValue = 'cold';
      this.failStart(new BdsError('python-load-failed', `Python failed to start: ${reason}`));
      this.options.onChange();
      return;
    }
    const [inflight, ...waiting] = this.sent.splice(0);
    if (inflight) {
      this.clearTimers(inflight);
      this.settle(inflight, () =>
        inflight.reject(
          new BdsError('python-crashed', `the Python runtime crashed during the call: ${reason}`, {
            file: inflight.call.filename,
            details: { cacheKey: inflight.call.cacheKey, reason },
          }),
        ),
      );
    }
    this.giveBack(waiting, reason);
    this.stateValue = 'cold';
    this.lastReplacement = reason;
    this.replacements++;
    this.restart();
  }

  /** Terminate a worker that is alive but must go (runaway, heap too large) and start a fresh one. */
  private replace(worker: RuntimeWorker, why: string): void {
    if (this.worker !== worker) return;
    this.lastReplacement = why;
    this.worker = null;
    worker.terminate();
    // A runaway call was settled when it was stopped; the calls after it (or all of them after a heap
    // grew too large) never started.
    this.giveBack(this.sent.splice(0), 'the worker was replaced');
    this.stateValue = 'cold';
    this.replacements++;
    this.restart();
  }

  /** Calls the worker never started, handed back to be run elsewhere (or failed without a queue). */
  private giveBack(calls: Inflight[], reason: string): void {
    for (const c of calls) {
      this.clearTimers(c);
      const stopped = c.stopWith;
      if (stopped) this.settle(c, () => c.reject(stopped));
    }
    const waiting = calls.filter((c) => !c.settled);
    if (waiting.length === 0) return;
    for (const c of waiting) c.settled = true;
    if (this.options.requeue) {
      this.options.requeue(waiting.map(({ call, resolve, reject }) => ({ call, resolve, reject })));
      return;
    }
    for (const c of waiting) {
      c.reject(
        new BdsError('python-crashed', `the Python worker ended before the call ran: ${reason}`, {
          file: c.call.filename,
          details: { cacheKey: c.call.cacheKey, reason },
        }),
      );
    }
  }

  private restart(): void {
    if (this.stateValue === 'closed') return;
    // Start the replacement now so the next call does not wait for it; failures surface on that call.
    this.start().catch(() => {});
    this.options.onChange();
  }

  private async answerApiCall(worker: RuntimeWorker, message: ApiCallMessage): Promise<void> {
    const inflight = this.sent[0];
    if (!inflight || inflight.id !== message.id) return;
    let answer: ApiAnswer;
    try {
      const parsed = ApiCallSchema.safeParse({ method: message.method, args: JSON.parse(message.argsJson) });
      const handler = inflight.call.apiHandler;
      if (!parsed.success) {
        const { field, message: why } = describeAbiIssue('call', parsed.error);
        answer = { ok: false, error: { code: 'invalid-call', message: `${field} ${why}` } };
      } else if (!handler) {
        answer = {
          ok: false,
          error: { code: 'api-unavailable', message: 'bds_api is not available to this call' },
        };
      } else {
        const result: unknown = await handler(parsed.data.method, parsed.data.args);
        answer = { ok: true, result: (result ?? null) as JsonValue };
      }
    } catch (e) {
      answer = {
        ok: false,
        error: {
          code: isBdsError(e) ? e.code : 'api-error',
          message: e instanceof Error ? e.message : String(e),
        },
      };
    }
    // Re-check after the await: the call may have timed out, or the worker been replaced.
    if (this.sent[0] !== inflight || inflight.settled || this.worker !== worker) return;
    let answerJson: string;
    try {
      answerJson = JSON.stringify(answer);
    } catch (e) {
      answerJson = JSON.stringify({
        ok: false,
        error: { code: 'api-error', message: `the answer is not JSON: ${String(e)}` },
      });
    }
    worker.answerApi({
      v: PROTOCOL_VERSION,
      type: 'api-result',
      id: message.id,
      callId: message.callId,
      answerJson,
    });
    Atomics.add(this.control, API_SIGNAL_INDEX, 1);
    Atomics.notify(this.control, API_SIGNAL_INDEX);
  }

  private failStart(error: BdsError): void {
    const starting = this.starting;
    this.starting = null;
    starting?.reject(error);
  }

  private identity(inflight: Inflight): {
    filename: string;
    cacheKey: string;
    stdout: string;
    stderr: string;
  } {
    return {
      filename: inflight.call.filename,
      cacheKey: inflight.call.cacheKey,
      stdout: inflight.stdout.join(''),
      stderr: inflight.stderr.join(''),
    };
  }

  private clearTimers(inflight: Inflight): void {
    if (inflight.grace) clearTimeout(inflight.grace);
    inflight.grace = null;
  }

  /** Settle a call once; an exception thrown by `fn` rejects it. */
  private settle(inflight: Inflight, fn: () => void): void {
    if (inflight.settled) return;
    inflight.settled = true;
    try {
      fn();
    } catch (e) {
      inflight.reject(e);
    }
  }
}
