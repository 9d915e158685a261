// A Python runtime over a pool of workers: a FIFO queue in front of them, each running one call at a
// time; workers start lazily when work arrives and none is free. Nothing here depends on Node: the
// server's PythonWorkerPool (pool.ts) runs it over worker threads, the browser over a Web Worker.
import { BdsError } from '../../core/errors.js';
import { closedError } from './failures.js';
import { MAX_BATCH, type EngineSettings } from './protocol.js';
import { PythonRuntimeBase, type PreparedCall } from './runtime-base.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { PythonRunResult, PythonTimeouts } from './types.js';
import {
  WorkerSlot,
  type QueuedCall,
  type SpawnWorker,
  type WorkerInfo,
  type WorkerSlotState,
} from './worker-slot.js';

export const DEFAULT_GRACE_MS = 100;
export const DEFAULT_MAX_HEAP_MB = 1024;
export const DEFAULT_START_TIMEOUT_MS = 60_000;
/** At most this many queued macro calls go to a worker in one message. */
export { MAX_BATCH };

type Job = QueuedCall;

/**
 * Macro calls without a Stop of their own may wait in a worker behind another: a build's calls then
 * cross to the workers several per message instead of one per message each way.
 */
const batchable = (call: PreparedCall) => call.kind === 'macro' && call.signal === undefined;

export interface PoolStats {
  size: number;
  queued: number;
  workers: {
    state: WorkerSlotState;
    info: WorkerInfo | null;
    replacements: number;
    /** Why the last replacement was made (a crash's reason, a stop not answered in time, a heap too large). */
    lastReplacement?: string;
  }[];
  snapshotAvailable: boolean;
}

export interface SlotPoolOptions {
  size: number;
  settings: EngineSettings;
  spawn: SpawnWorker;
  snapshots: SnapshotStore | null;
  timeouts?: Partial<PythonTimeouts>;
  graceMs?: number;
  maxHeapMb?: number;
  startTimeoutMs?: number;
  /** How long the host watches for the end of a lone call before it goes back to its loop. */
  hostWaitMs?: number;
}

export class SlotPoolRuntime extends PythonRuntimeBase {
  readonly mode = 'worker' as const;
  readonly size: number;
  private readonly slots: WorkerSlot[];
  private readonly queue: Job[] = [];
  private readonly snapshots: SnapshotStore | null;
  private closed = false;
  private readonly failedToStart = new Set<WorkerSlot>();
  private waitScheduled = false;

  constructor(options: SlotPoolOptions) {
    super(options.timeouts);
    const size = options.size;
    if (!Number.isInteger(size) || size < 1) {
      throw new BdsError('invalid-argument', `the pool size must be a whole number >= 1, got ${size}`);
    }
    this.size = size;
    this.snapshots = options.snapshots;
    const slotOptions = {
      settings: options.settings,
      spawn: options.spawn,
      graceMs: options.graceMs ?? DEFAULT_GRACE_MS,
      maxHeapBytes: (options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB) * 1024 * 1024,
      snapshots: this.snapshots,
      startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
      ...(options.hostWaitMs === undefined ? {} : { hostWaitMs: options.hostWaitMs }),
      onChange: () => this.pump(),
      // Calls a replaced worker never ran go first, ahead of those that came after them.
      requeue: (calls: QueuedCall[]) => {
        this.queue.unshift(...calls);
      },
    };
    this.slots = Array.from({ length: size }, () => new WorkerSlot(slotOptions));
  }

  /** Start `count` workers now (default 1) rather than at the first calls. */
  async start(count = 1): Promise<void> {
    if (this.closed) throw closedError();
    const wanted = this.slots.slice(0, Math.max(1, Math.min(count, this.size)));
    await Promise.all(wanted.map((slot) => slot.start()));
  }

  stats(): PoolStats {
    return {
      size: this.size,
      queued: this.queue.length,
      workers: this.slots.map((s) => ({
        state: s.state,
        info: s.info,
        replacements: s.replacements,
        ...(s.lastReplacement === undefined ? {} : { lastReplacement: s.lastReplacement }),
      })),
      snapshotAvailable: this.snapshots?.available ?? false,
    };
  }

  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(closedError());
    await Promise.all(this.slots.map((slot) => slot.dispose()));
  }

  protected execute(call: PreparedCall): Promise<PythonRunResult> {
    if (this.closed) return Promise.reject(closedError());
    return new Promise<PythonRunResult>((resolve, reject) => {
      const job: Job = { call, resolve, reject };
      // Stopped while waiting for a worker: it leaves the queue and never runs.
      call.signal?.addEventListener(
        'abort',
        () => {
          const at = this.queue.indexOf(job);
          if (at < 0) return;
          this.queue.splice(at, 1);
          reject(new BdsError('task-cancelled', `${call.filename}: stopped before it started`));
        },
        { once: true },
      );
      this.queue.push(job);
      this.pump();
    });
  }

  /** Hand queued calls to ready workers; start cold ones while calls wait and none is free. */
  private pump(): void {
    if (this.closed) return;
    const ready = this.slots.filter((slot) => slot.state === 'ready');
    let sentTo: WorkerSlot | null = null;
    let sentCalls = 0;
    for (let i = 0; i < ready.length; i++) {
      if (this.queue.length === 0) break;
      // The waiting calls are shared among the ready workers.
      const share = Math.min(MAX_BATCH, Math.ceil(this.queue.length / (ready.length - i)));
      const jobs = [this.queue.shift()!];
      while (
        jobs.length < share &&
        this.queue.length > 0 &&
        batchable(jobs[0]!.call) &&
        batchable(this.queue[0]!.call)
      ) {
        jobs.push(this.queue.shift()!);
      }
      const results = ready[i]!.executeMany(jobs.map((job) => job.call));
      for (let k = 0; k < jobs.length; k++) results[k]!.then(jobs[k]!.resolve, jobs[k]!.reject);
      sentTo = ready[i]!;
      sentCalls += jobs.length;
    }
    if (sentTo && sentCalls === 1 && this.queue.length === 0) this.waitSoon(sentTo);
    let starting = this.slots.filter((s) => s.state === 'starting').length;
    for (const slot of this.slots) {
      if (starting >= this.queue.length) break;
      if (slot.state !== 'cold' || this.failedToStart.has(slot)) continue;
      starting++;
      slot.start().then(
        () => {
          this.failedToStart.delete(slot);
          this.pump();
        },
        (error: unknown) => this.onStartFailed(slot, error),
      );
    }
  }

  /**
   * One call and nothing else under way (a preview, a script's calls one after another): the host has
   * nothing better to do than watch for its end, which comes sooner than it would wake up for it. Not
   * at once: the caller may be about to make more calls (a loop, promises resolving), which should go
   * to the workers together. After the work already queued for this turn, if the call is still alone.
   */
  private waitSoon(slot: WorkerSlot): void {
    if (this.waitScheduled || !slot.canWaitBriefly) return;
    this.waitScheduled = true;
    queueMicrotask(() => {
      this.waitScheduled = false;
      const alone = this.queue.length === 0 && this.slots.every((s) => s === slot || s.state !== 'busy');
      if (alone && slot.state === 'busy') slot.waitBriefly();
    });
  }

  /**
   * A worker could not start. It is not tried again for the calls waiting now (a broken install
   * would loop); when no other worker can serve them, they fail with its error, and the next call
   * tries afresh.
   */
  private onStartFailed(slot: WorkerSlot, error: unknown): void {
    if (this.closed) return;
    this.failedToStart.add(slot);
    const alive = this.slots.some((s) => s.state === 'starting' || s.state === 'ready' || s.state === 'busy');
    if (!alive) {
      this.failedToStart.clear();
      for (const job of this.queue.splice(0)) job.reject(error);
      return;
    }
    this.pump();
  }
}
