// Entry of the helper thread of main-thread mode (see use-case-thread.ts): a Workspace of its own on
// the caller's project, which runs the use cases Python waits for, one at a time, and passes its
// events on. It writes like another bds process would: under the project's write lock, taken here.
import { workerData } from 'node:worker_threads';
import { BdsError } from '../core/errors.js';
import type { UseCaseName } from './use-cases.js';
import {
  serializeError,
  type FromUseCaseThread,
  type ToUseCaseThread,
  type UseCaseThreadInit,
} from './use-case-thread.js';
import { Workspace } from './workspace.js';

const init = workerData as UseCaseThreadInit;
const port = init.port;
const signal = new Int32Array(init.signal);
const running = new Map<number, AbortController>();
/** Calls stopped while they still waited in the queue. */
const abortedEarly = new Set<number>();
let workspace: { ws: Workspace; generation: number } | null = null;
let queue: Promise<void> = Promise.resolve();

function post(message: FromUseCaseThread): void {
  port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

/**
 * The workspace as of the caller's `generation` of changes: the caller's workspace changed the
 * project since this one opened (its caches may be behind), so it opens afresh, as a new command would.
 */
async function workspaceAt(generation: number): Promise<Workspace> {
  if (workspace && workspace.generation === generation) return workspace.ws;
  const old = workspace;
  workspace = null;
  await old?.ws.close();
  const ws = Workspace.open(init.root, init.options);
  ws.events.onAny((name, payload) => post({ type: 'event', name, payload }));
  workspace = { ws, generation };
  return ws;
}

async function answer(message: Extract<ToUseCaseThread, { type: 'call' }>): Promise<void> {
  const controller = new AbortController();
  if (abortedEarly.delete(message.id)) controller.abort();
  running.set(message.id, controller);
  try {
    const ws = await workspaceAt(message.generation);
    // Stopped while it waited in the queue: a call the script no longer waits for must not start.
    if (controller.signal.aborted) throw new BdsError('task-cancelled', `${message.name} was stopped`);
    const value = await ws.call(message.name as UseCaseName, message.input as never, {
      caller: 'python',
      signal: controller.signal,
      env: process.env,
    });
    post({ type: 'answer', id: message.id, ok: true, value });
  } catch (e) {
    post({ type: 'answer', id: message.id, ok: false, error: serializeError(e) });
  } finally {
    running.delete(message.id);
  }
}

port.on('message', (message: ToUseCaseThread) => {
  switch (message.type) {
    case 'call':
      queue = queue.then(() => answer(message));
      return;
    case 'abort': {
      const controller = running.get(message.id);
      if (controller) controller.abort();
      else abortedEarly.add(message.id);
      return;
    }
    case 'close':
      queue = queue.then(async () => {
        await workspace?.ws.close();
        workspace = null;
        port.close();
      });
      return;
  }
});
