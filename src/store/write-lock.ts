// Serialises writes to one project's index: one job at a time in this process, and SQLite's own write
// lock (a held `BEGIN IMMEDIATE`) against other processes that opened the same project, taken in the
// order the processes asked for it (write-queue.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BdsError } from '../core/errors.js';
import { sleepSync } from '../core/sleep.js';
import type { Sqlite } from './db.js';
import { WriteQueue } from './write-queue.js';

export interface ProjectWriteLockOptions {
  /**
   * How long a job waits for another process to release the index before `project-busy`.
   * Default: env `BDS_LOCK_TIMEOUT_MS`, else 10 000.
   */
  timeoutMs?: number;
}

export type TryRunSyncResult<T> = { ran: true; value: T } | { ran: false };

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
const TIMEOUT_ENV = 'BDS_LOCK_TIMEOUT_MS';
// The first in the queue tries often: the lock stays idle between a release and its next try.
const FIRST_RETRY_MIN_MS = 1;
const FIRST_RETRY_JITTER_MS = 3;
// The others only watch the queue.
const RETRY_MIN_MS = 5;
const RETRY_JITTER_MS = 20;

/** One write transaction held by a lock; its identity tells a nested call from an outside one. */
type Hold = object;

// JS has no thread identity, so "is the caller inside the running job?" is answered by the async
// context the job runs in. One storage for all locks: each AsyncLocalStorage adds cost to every
// promise, and the Hold object is unique to its lock anyway.
const currentHold = new AsyncLocalStorage<Hold>();
/**
 * Holds alive in this thread, over all locks. While none is, the storage is off: an enabled
 * AsyncLocalStorage runs a hook for every promise the process makes (a build makes hundreds of
 * thousands), and `run` turns it on again for the next job.
 */
let holding = 0;

function letGo(): void {
  if (--holding === 0) currentHold.disable();
}

function held<T>(hold: Hold, fn: () => T): T {
  holding++;
  try {
    return currentHold.run(hold, fn);
  } finally {
    letGo();
  }
}

async function heldAsync<T>(hold: Hold, fn: () => T | Promise<T>): Promise<T> {
  holding++;
  try {
    return await currentHold.run(hold, fn);
  } finally {
    letGo();
  }
}

export class ProjectWriteLock {
  readonly timeoutMs: number;
  /** The hold of the job running now, if any. */
  private hold: Hold | undefined;
  /** Jobs given to `run` (from outside a hold) that have not finished: queued or running. */
  private pending = 0;
  /** Settles when the last queued job has finished; never rejects, so a failed job blocks nothing. */
  private tail: Promise<void> = Promise.resolve();
  private readonly queue: WriteQueue | undefined;

  constructor(
    private readonly sqlite: Sqlite,
    options: ProjectWriteLockOptions = {},
  ) {
    this.queue = WriteQueue.besideIndex(sqlite.name);
    this.timeoutMs = options.timeoutMs ?? timeoutFromEnv() ?? DEFAULT_LOCK_TIMEOUT_MS;
    if (!Number.isInteger(this.timeoutMs) || this.timeoutMs < 0) {
      throw new BdsError(
        'invalid-argument',
        `Lock timeout must be whole milliseconds, got ${this.timeoutMs}.`,
      );
    }
  }

  /** True while this process holds the index's write transaction (a job is running). */
  get held(): boolean {
    return this.hold !== undefined;
  }

  /**
   * Runs `fn` once every job queued before it has finished and the index's write lock is taken, then
   * commits. Called from inside a running job, runs `fn` at once within that job's hold.
   */
  run<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.callerHolds()) return new Promise<T>((resolve) => resolve(fn()));
    this.pending++;
    const result = this.tail.then(async () => {
      try {
        await this.acquire();
        return await this.holdWhile(fn);
      } finally {
        this.pending--;
      }
    });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * Runs a synchronous `fn` under the lock now, or not at all: `{ran: false}` when a job of this
   * process is queued or running (running first would jump the queue) or another process holds the
   * index (waiting would block the event loop). Inside a running job, runs within its hold.
   */
  tryRunSync<T>(fn: () => T): TryRunSyncResult<T> {
    if (this.callerHolds()) return { ran: true, value: fn() };
    if (!this.idle() || !this.queueIsEmpty() || !this.tryBegin()) return { ran: false };
    return { ran: true, value: this.holdWhileSync(fn) };
  }

  /**
   * Runs a synchronous `fn` under the lock, blocking the thread up to `timeoutMs` while another process
   * holds the index. For start-up only, before anything else can queue: an event loop blocked here
   * would stall every queued job too.
   */
  runBlocking<T>(fn: () => T): T {
    if (this.callerHolds()) return fn();
    if (!this.idle()) {
      throw new BdsError('internal', 'runBlocking was called while write jobs of this process are queued.');
    }
    for (const ms of this.waitSteps()) sleepSync(ms);
    return this.holdWhileSync(fn);
  }

  private callerHolds(): boolean {
    return this.hold !== undefined && currentHold.getStore() === this.hold;
  }

  private idle(): boolean {
    return this.pending === 0 && this.hold === undefined;
  }

  /** Takes the write lock, polling without blocking the event loop while another process holds it. */
  private async acquire(): Promise<void> {
    for (const ms of this.waitSteps()) await sleep(ms);
  }

  /**
   * Taking the write lock, step by step: each value is how long to sleep before the next try; the end
   * is the lock taken, and a throw is project-busy. Waiters take turns through the queue.
   */
  private *waitSteps(): Generator<number, void, void> {
    // Nobody waits: take it at once if it is free (the common case costs one directory read).
    if (this.queueIsEmpty() && this.tryBegin()) return;
    const deadline = Date.now() + this.timeoutMs;
    const ticket = this.queue?.enter(deadline);
    try {
      for (;;) {
        const first = ticket === undefined || this.queue!.isFirst(ticket);
        if (first && this.tryBegin()) return;
        const left = deadline - Date.now();
        if (left <= 0) throw this.busyError();
        // Jitter keeps two waiting processes from retrying in lockstep.
        const [min, jitter] = first
          ? [FIRST_RETRY_MIN_MS, FIRST_RETRY_JITTER_MS]
          : [RETRY_MIN_MS, RETRY_JITTER_MS];
        yield Math.min(left, min + Math.random() * jitter);
      }
    } finally {
      if (ticket !== undefined) this.queue!.leave(ticket);
    }
  }

  private queueIsEmpty(): boolean {
    return this.queue?.isEmpty() ?? true;
  }

  /** One `BEGIN IMMEDIATE` attempt that never waits; false when another connection holds the lock. */
  private tryBegin(): boolean {
    try {
      this.withBusyTimeout(0, () => this.sqlite.exec('BEGIN IMMEDIATE'));
      return true;
    } catch (e) {
      if (isBusy(e)) return false;
      throw e;
    }
  }

  private withBusyTimeout(ms: number, fn: () => void): void {
    const previous = this.sqlite.pragma('busy_timeout', { simple: true }) as number;
    this.sqlite.pragma(`busy_timeout = ${ms}`);
    try {
      fn();
    } finally {
      this.sqlite.pragma(`busy_timeout = ${previous}`);
    }
  }

  private async holdWhile<T>(fn: () => T | Promise<T>): Promise<T> {
    const hold: Hold = {};
    this.hold = hold;
    let value: T;
    try {
      value = await heldAsync(hold, fn);
    } catch (jobError) {
      this.release(jobError);
      throw jobError;
    }
    this.release();
    return value;
  }

  private holdWhileSync<T>(fn: () => T): T {
    const hold: Hold = {};
    this.hold = hold;
    let value: T;
    try {
      value = held(hold, fn);
    } catch (jobError) {
      this.release(jobError);
      throw jobError;
    }
    this.release();
    return value;
  }

  /** The job has ended: let the next one in and commit what it wrote. */
  private release(jobError?: unknown): void {
    this.hold = undefined;
    this.commit(jobError);
  }

  /**
   * Commits also after a failed job: files are the source of truth, and the index must keep the rows
   * for file writes the job made before it failed. A job that wants its index changes undone wraps
   * them in its own `sqlite.transaction()`, which runs as a savepoint inside this transaction.
   */
  private commit(jobError?: unknown): void {
    try {
      this.sqlite.exec('COMMIT');
    } catch (commitError) {
      let rollbackError: unknown;
      if (this.sqlite.inTransaction) {
        try {
          this.sqlite.exec('ROLLBACK');
        } catch (e) {
          rollbackError = e;
        }
      }
      const errors = [jobError, commitError, rollbackError].filter((e) => e !== undefined);
      if (errors.length === 1) throw commitError;
      // Each failure says something the others do not; the caller gets all of them.
      throw new AggregateError(errors, `Committing the write job to ${this.sqlite.name} failed.`, {
        cause: commitError,
      });
    }
  }

  private busyError(cause?: unknown): BdsError {
    return new BdsError(
      'project-busy',
      `Another process is writing the project index ${this.sqlite.name}; waited ${this.timeoutMs} ms for it to finish.`,
      { cause, details: { file: this.sqlite.name, timeoutMs: this.timeoutMs } },
    );
  }
}

function timeoutFromEnv(): number | undefined {
  const raw = process.env[TIMEOUT_ENV];
  if (raw === undefined || raw.trim() === '') return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < 0) {
    throw new BdsError('invalid-argument', `${TIMEOUT_ENV} must be whole milliseconds, got "${raw}".`, {
      hint: `Set ${TIMEOUT_ENV} to a number such as 10000, or unset it.`,
    });
  }
  return ms;
}

function isBusy(e: unknown): boolean {
  // Extended codes (SQLITE_BUSY_RECOVERY, ...) are the same "someone else holds it" answer.
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
