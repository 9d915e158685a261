// The helper thread of main-thread mode: Python runs on this thread and blocks it while it waits for
// a bds_api answer, so a use case that waits (git, publishing, a build, a capture) cannot run here.
// It runs in a helper thread with a Workspace of its own on the same project, while this thread sleeps
// in Atomics.wait until the answer arrives, the call passes its time limit, or the helper dies.
import {
  MessageChannel,
  receiveMessageOnPort,
  SHARE_ENV,
  Worker,
  type MessagePort,
} from 'node:worker_threads';
import { BdsError, type ErrorCode } from '../core/errors.js';
import { workerEntry } from '../core/worker-entry.js';
import type { BlockingApiHost, PythonRuntimeOptions } from '../scripting/runtime/types.js';
import type { AppEventName, AppEvents } from './events.js';

/** How long one sleep lasts before the time limit is looked at again. */
const WAIT_SLICE_MS = 20;
/** How long `close` gives the helper to close its workspace before it is terminated. */
const CLOSE_GRACE_MS = 5_000;
/** Word 0 of the signal buffer: the helper (or the supervisor) adds 1 after posting, and notifies. */
const SIGNAL_INDEX = 0;

/** The Workspace options a helper opens its workspace with (those that cross to a thread). */
export interface UseCaseThreadOptions {
  home?: string;
  python?: PythonRuntimeOptions;
  lockTimeoutMs?: number;
}

export interface UseCaseThreadInit {
  root: string;
  options: UseCaseThreadOptions;
  port: MessagePort;
  signal: SharedArrayBuffer;
}

export interface SerializedError {
  code: string;
  message: string;
  hint?: string;
  file?: string;
  line?: number;
  column?: number;
  details?: Record<string, unknown>;
}

export type ToUseCaseThread =
  /** `generation` counts the changes the caller's workspace made: another one means open afresh. */
  | { type: 'call'; id: number; name: string; input: unknown; generation: number }
  | { type: 'abort'; id: number }
  | { type: 'close' };

export type FromUseCaseThread =
  | { type: 'event'; name: AppEventName; payload: AppEvents[AppEventName] }
  | { type: 'answer'; id: number; ok: true; value: unknown }
  | { type: 'answer'; id: number; ok: false; error: SerializedError };

/** What the supervisor reports on its own port: the helper has gone. */
interface HelperExit {
  type: 'exit';
  code: number;
  reason: string | null;
}

// The helper's parent, a thread that never blocks: only a parent hears its child exit, and this
// thread (the helper's natural parent) would not hear it while it sleeps. CommonJS, evaluated, so it
// works from sources and from dist/.
const SUPERVISOR_SOURCE = `
const { Worker, SHARE_ENV, workerData } = require('node:worker_threads');
const { entry, evaluate, helperData, status } = workerData;
const words = new Int32Array(helperData.signal);
let reason = null;
const helper = new Worker(evaluate ? entry : new URL(entry), {
  eval: evaluate,
  env: SHARE_ENV,
  workerData: helperData,
  transferList: [helperData.port],
});
helper.on('error', (e) => {
  reason = e && e.code === 'ERR_WORKER_OUT_OF_MEMORY'
    ? 'it ran out of memory'
    : String((e && e.message) || e);
});
helper.on('exit', (code) => {
  status.postMessage({ type: 'exit', code, reason });
  Atomics.add(words, ${SIGNAL_INDEX}, 1);
  Atomics.notify(words, ${SIGNAL_INDEX});
});
`;

export function serializeError(e: unknown): SerializedError {
  if (e instanceof BdsError) {
    return {
      code: e.code,
      message: e.message,
      hint: e.hint,
      ...(e.file === undefined ? {} : { file: e.file }),
      ...(e.line === undefined ? {} : { line: e.line }),
      ...(e.column === undefined ? {} : { column: e.column }),
      ...(e.details === undefined ? {} : { details: e.details }),
    };
  }
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

function deserializeError(e: SerializedError): BdsError {
  return new BdsError(e.code as ErrorCode, e.message, {
    ...(e.hint === undefined ? {} : { hint: e.hint }),
    ...(e.file === undefined ? {} : { file: e.file }),
    ...(e.line === undefined ? {} : { line: e.line }),
    ...(e.column === undefined ? {} : { column: e.column }),
    ...(e.details === undefined ? {} : { details: e.details }),
  });
}

interface Running {
  supervisor: Worker;
  port: MessagePort;
  status: MessagePort;
  signal: Int32Array;
}

/**
 * One helper thread for a workspace in main-thread mode, started at the first call that needs it and
 * kept until `close`. Events of the helper's workspace are handed to `onEvent` (the caller's
 * workspace tells its own listeners), before the call's answer returns.
 */
export class UseCaseThread {
  private running: Running | null = null;
  private seq = 0;
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly options: UseCaseThreadOptions,
    private readonly onEvent: (message: Extract<FromUseCaseThread, { type: 'event' }>) => void,
    /** The helper's code (default: use-case-worker); tests give one that misbehaves on purpose. */
    private readonly entry = workerEntry(import.meta.url, 'use-case-worker'),
  ) {}

  /**
   * Run use case `name` in the helper and wait for its answer, blocking this thread. Throws the use
   * case's error; `api-thread-failed` when the helper died; `task-cancelled` when `blocking` says
   * the call was interrupted (the helper is told to stop the use case).
   */
  callBlocking(name: string, input: unknown, generation: number, blocking: BlockingApiHost): unknown {
    if (this.closed) throw new BdsError('api-thread-failed', 'the workspace is closed');
    const running = this.start();
    const id = ++this.seq;
    let seen = Atomics.load(running.signal, SIGNAL_INDEX);
    running.port.postMessage({ type: 'call', id, name, input, generation } satisfies ToUseCaseThread);
    for (;;) {
      let received: { message: unknown } | undefined;
      while ((received = receiveMessageOnPort(running.port)) !== undefined) {
        const message = received.message as FromUseCaseThread;
        if (message.type === 'event') this.onEvent(message);
        else if (message.id === id) {
          if (message.ok) return message.value;
          throw deserializeError(message.error);
        }
        // else: the answer to an earlier call that stopped waiting for it
      }
      const exit = receiveMessageOnPort(running.status)?.message as HelperExit | undefined;
      if (exit) {
        this.stopped(running);
        running.port.close();
        throw new BdsError(
          'api-thread-failed',
          `bds_api could not answer ${name}: its helper thread stopped (${exit.reason ?? `exit code ${exit.code}`})`,
        );
      }
      if (blocking.interrupted()) {
        running.port.postMessage({ type: 'abort', id } satisfies ToUseCaseThread);
        throw new BdsError('task-cancelled', `${name} was stopped: the script passed its time limit`);
      }
      Atomics.wait(running.signal, SIGNAL_INDEX, seen, WAIT_SLICE_MS);
      seen = Atomics.load(running.signal, SIGNAL_INDEX);
    }
  }

  /** Let the helper close its workspace (its writes are committed), then stop it. */
  async close(): Promise<void> {
    this.closed = true;
    const running = this.running;
    if (!running) return;
    this.stopped(running);
    const exited = new Promise<void>((resolve) => running.supervisor.once('exit', () => resolve()));
    running.port.postMessage({ type: 'close' } satisfies ToUseCaseThread);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), CLOSE_GRACE_MS);
    });
    if ((await Promise.race([exited, late])) === 'late') await running.supervisor.terminate();
    clearTimeout(timer);
    running.port.close();
  }

  private start(): Running {
    if (this.running) return this.running;
    const channel = new MessageChannel();
    const status = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    const entry = this.entry;
    const helperData: UseCaseThreadInit = {
      root: this.root,
      options: this.options,
      port: channel.port2,
      signal,
    };
    const supervisor = new Worker(SUPERVISOR_SOURCE, {
      eval: true,
      env: SHARE_ENV,
      workerData: {
        entry: String(entry.filename),
        evaluate: entry.evaluate,
        helperData,
        status: status.port2,
      },
      transferList: [channel.port2, status.port2],
    });
    // Neither the threads nor the ports keep the process alive: a CLI run ends when its work does.
    supervisor.unref();
    const port = channel.port1;
    // Events the helper sends after a call stopped waiting reach listeners when this thread is free.
    port.on('message', (message: FromUseCaseThread) => {
      if (message.type === 'event') this.onEvent(message);
    });
    port.unref();
    this.running = { supervisor, port, status: status.port1, signal: new Int32Array(signal) };
    return this.running;
  }

  /** Forget a helper that exited (or is closing); the next call starts another. */
  private stopped(running: Running): void {
    if (this.running === running) this.running = null;
    running.status.close();
  }
}
