// A runner for long jobs (publish, build, rebuild, reindex): progress 0-100 with a message, groups,
// a concurrency limit, cancellation through AbortSignal that takes effect at once, and typed events.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { BdsError } from '../core/errors.js';

export type TaskStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface TaskContext {
  /** Aborted when the task is cancelled: stop work and kill child processes. */
  signal: AbortSignal;
  /** Report progress (0-100) and what is happening; events are throttled per task. */
  progress(percent: number, message?: string): void;
}

export interface TaskSpec<T = unknown> {
  id?: string;
  name: string;
  groupId?: string;
  groupName?: string;
  run(ctx: TaskContext): Promise<T> | T;
}

/** A task's state as listeners and callers see it (a copy; changing it changes nothing). */
export interface TaskInfo {
  id: string;
  name: string;
  groupId?: string;
  groupName?: string;
  status: TaskStatus;
  progress: number;
  message: string;
  createdAt: number;
  startTime?: number;
  endTime?: number;
  error?: string;
}

export interface TaskOutcome<T = unknown> {
  id: string;
  name: string;
  status: 'completed' | 'failed' | 'cancelled';
  value?: T;
  /** What the task threw (failed), or the cancellation reason. */
  error?: unknown;
}

export interface TaskEvents {
  'task-created': TaskInfo;
  'task-started': TaskInfo;
  'task-progress': TaskInfo;
  'task-completed': TaskInfo;
  'task-failed': TaskInfo;
  'task-cancelled': TaskInfo;
  'tasks-cleared': { ids: string[] };
}

export interface TaskRunnerOptions {
  /** Tasks running at once (default 3). */
  concurrency?: number;
  /** At most one progress event per task in this many ms (default 250); the last one always comes. */
  progressIntervalMs?: number;
  /** Clock for throttling (tests pass their own). */
  now?: () => number;
}

export interface TaskHandle<T> {
  id: string;
  /** Settles when the task's work has really ended (a cancelled task's child process is gone). */
  done: Promise<TaskOutcome<T>>;
}

/**
 * The value of a task once it has ended: a failure rethrows what the task threw, a cancellation
 * throws `task-cancelled` saying what was cancelled.
 */
export async function taskResult<T>(handle: TaskHandle<T>, what: string): Promise<T> {
  const outcome = await handle.done;
  if (outcome.status === 'completed') return outcome.value as T;
  if (outcome.status === 'cancelled') throw new BdsError('task-cancelled', `${what} was cancelled`);
  throw outcome.error;
}

interface Entry {
  info: TaskInfo;
  spec: TaskSpec<unknown>;
  controller: AbortController;
  lastEmit: number;
  unsent: boolean;
  timer?: NodeJS.Timeout;
  settle: (outcome: TaskOutcome<unknown>) => void;
  done: Promise<TaskOutcome<unknown>>;
}

const FINISHED: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

export class TaskRunner {
  readonly concurrency: number;
  private readonly interval: number;
  private readonly now: () => number;
  private readonly emitter = new EventEmitter();
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  /** Tasks whose `run` has not settled yet (a cancelled one keeps its slot until its work stops). */
  private active = 0;

  constructor(options: TaskRunnerOptions = {}) {
    const c = options.concurrency ?? 3;
    if (!Number.isInteger(c) || c < 1)
      throw new BdsError('invalid-argument', `Concurrency must be 1 or more, not ${c}`);
    this.concurrency = c;
    this.interval = options.progressIntervalMs ?? 250;
    this.now = options.now ?? Date.now;
  }

  on<K extends keyof TaskEvents>(name: K, listener: (payload: TaskEvents[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  /** Queue a task; it starts when a slot is free. */
  add<T>(spec: TaskSpec<T>): TaskHandle<T> {
    const id = spec.id ?? randomUUID();
    if (this.entries.has(id)) throw new BdsError('invalid-argument', `A task with id ${id} exists already`);
    let settle!: (o: TaskOutcome<unknown>) => void;
    const done = new Promise<TaskOutcome<unknown>>((resolve) => (settle = resolve));
    const entry: Entry = {
      info: {
        id,
        name: spec.name,
        groupId: spec.groupId,
        groupName: spec.groupName,
        status: 'pending',
        progress: 0,
        message: '',
        createdAt: this.now(),
      },
      spec: spec as TaskSpec<unknown>,
      controller: new AbortController(),
      lastEmit: Number.NEGATIVE_INFINITY,
      unsent: false,
      settle,
      done,
    };
    this.entries.set(id, entry);
    this.queue.push(entry);
    this.emit('task-created', entry);
    this.pump();
    return { id, done: done as Promise<TaskOutcome<T>> };
  }

  /** Run tasks as one group and wait for all of them; never rejects (see each outcome's status). */
  async runGroup<T>(
    specs: TaskSpec<T>[],
    group: { groupId?: string; groupName?: string } = {},
  ): Promise<TaskOutcome<T>[]> {
    const groupId = group.groupId ?? specs[0]?.groupId ?? `group-${randomUUID()}`;
    const handles = specs.map((s) => this.add({ ...s, groupId, groupName: group.groupName ?? s.groupName }));
    return Promise.all(handles.map((h) => h.done));
  }

  /** Cancel a pending or running task. False when it does not exist or has finished. */
  cancel(taskId: string, reason = 'Cancelled'): boolean {
    const entry = this.entries.get(taskId);
    if (!entry || FINISHED.has(entry.info.status)) return false;
    const error = new BdsError('task-cancelled', `${entry.info.name}: ${reason}`);
    const wasPending = entry.info.status === 'pending';
    this.clearTimer(entry);
    entry.unsent = false;
    entry.info.status = 'cancelled';
    entry.info.endTime = this.now();
    entry.info.error = error.message;
    entry.controller.abort(error);
    this.emit('task-cancelled', entry);
    if (wasPending) {
      this.queue.splice(this.queue.indexOf(entry), 1);
      entry.settle({ id: entry.info.id, name: entry.info.name, status: 'cancelled', error });
    }
    return true;
  }

  /** Cancel every unfinished task of a group; returns how many were cancelled. */
  cancelGroup(groupId: string, reason = 'Cancelled'): number {
    let n = 0;
    for (const entry of [...this.entries.values()]) {
      if (entry.info.groupId === groupId && this.cancel(entry.info.id, reason)) n++;
    }
    return n;
  }

  get(taskId: string): TaskInfo | undefined {
    const e = this.entries.get(taskId);
    return e && { ...e.info };
  }

  getAll(): TaskInfo[] {
    return [...this.entries.values()].map((e) => ({ ...e.info }));
  }

  getRunning(): TaskInfo[] {
    return this.getAll().filter((t) => t.status === 'running');
  }

  /** Forget finished tasks (completed, failed, cancelled); returns how many. */
  clearCompleted(): number {
    const ids: string[] = [];
    for (const [id, e] of this.entries) {
      if (FINISHED.has(e.info.status)) {
        this.entries.delete(id);
        ids.push(id);
      }
    }
    if (ids.length > 0) this.emitter.emit('tasks-cleared', { ids });
    return ids.length;
  }

  // ------------------------------------------------------------------ internals

  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      this.start(this.queue.shift()!);
    }
  }

  private start(entry: Entry): void {
    this.active++;
    entry.info.status = 'running';
    entry.info.startTime = this.now();
    this.emit('task-started', entry);
    const ctx: TaskContext = {
      signal: entry.controller.signal,
      progress: (percent, message) => this.progress(entry, percent, message),
    };
    // Run on a later tick so a task that throws synchronously still reports through its outcome.
    Promise.resolve()
      .then(() => entry.spec.run(ctx))
      .then(
        (value) => this.finish(entry, { status: 'completed', value }),
        (error: unknown) => this.finish(entry, { status: 'failed', error }),
      );
  }

  private finish(
    entry: Entry,
    result: { status: 'completed' | 'failed'; value?: unknown; error?: unknown },
  ): void {
    this.active--;
    const { id, name } = entry.info;
    if (entry.info.status === 'cancelled') {
      entry.settle({ id, name, status: 'cancelled', error: entry.controller.signal.reason });
    } else {
      this.clearTimer(entry);
      if (entry.unsent) this.sendProgress(entry);
      entry.info.endTime = this.now();
      if (result.status === 'completed') {
        entry.info.status = 'completed';
        entry.info.progress = 100;
        this.emit('task-completed', entry);
        entry.settle({ id, name, status: 'completed', value: result.value });
      } else {
        entry.info.status = 'failed';
        entry.info.error = result.error instanceof Error ? result.error.message : String(result.error);
        this.emit('task-failed', entry);
        entry.settle({ id, name, status: 'failed', error: result.error });
      }
    }
    this.pump();
  }

  private progress(entry: Entry, percent: number, message?: string): void {
    if (entry.info.status !== 'running') return;
    const p = Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : entry.info.progress;
    entry.info.progress = Math.round(p * 10) / 10;
    if (message !== undefined) entry.info.message = message;
    const now = this.now();
    const wait = entry.lastEmit + this.interval - now;
    if (wait <= 0) {
      this.clearTimer(entry);
      this.sendProgress(entry);
      return;
    }
    entry.unsent = true;
    if (!entry.timer) {
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        if (entry.unsent && entry.info.status === 'running') this.sendProgress(entry);
      }, wait);
      entry.timer.unref();
    }
  }

  private sendProgress(entry: Entry): void {
    entry.lastEmit = this.now();
    entry.unsent = false;
    this.emit('task-progress', entry);
  }

  private clearTimer(entry: Entry): void {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = undefined;
  }

  private emit(name: Exclude<keyof TaskEvents, 'tasks-cleared'>, entry: Entry): void {
    this.emitter.emit(name, { ...entry.info });
  }
}
