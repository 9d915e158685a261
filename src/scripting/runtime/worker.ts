// Entry of a Python worker thread: loads one Pyodide, then runs calls one at a time, sends output in
// batches, and blocks on Atomics.wait while the host answers a bds_api call.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { loadPyodide } from 'pyodide';
import { PyodideEngine, isFatalPyodideError } from './engine.js';
import { hardenNodeWorkerRealm } from './node-hardening.js';
import {
  API_SIGNAL_INDEX,
  INTERRUPT_INDEX,
  MAX_BATCH,
  PROTOCOL_VERSION,
  type ApiResultMessage,
  type HostToWorker,
  type WorkerInit,
  type WorkerToHost,
} from './protocol.js';
import { BriefWaits } from './brief-waits.js';
import { describeError, runLoop } from './run-loop.js';
import type * as DocumentRunnerModule from './document-runner.js';

type DocumentRunner = typeof DocumentRunnerModule;

const init = workerData as WorkerInit;
const port = parentPort;
const control = new Int32Array(init.control);
const SPIN_MS = 0.2;
const INTERRUPTED_ANSWER = JSON.stringify({
  ok: false,
  error: { code: 'interrupted', message: 'the call was stopped at its time limit' },
});

// Pyodide reports fatal errors on the console. Keep the end of it for the crash report instead of
// writing into the host's output (piping worker stdio would keep the host process alive).
const CONSOLE_TAIL_CHARS = 4000;
let consoleTail = '';
for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  console[level] = (...args: unknown[]): void => {
    consoleTail = (consoleTail + args.map(String).join(' ') + '\n').slice(-CONSOLE_TAIL_CHARS);
  };
}

let currentId = 0;
let documents: Promise<DocumentRunner> | undefined;
let callSeq = 0;

/** Results held to go with the next message (run-loop.ts, postLater), in order. */
const heldResults: WorkerToHost[] = [];

/** Post the held results, then `message`: the host hears everything in the order it happened. */
function post(message?: WorkerToHost): void {
  for (const m of heldResults.splice(0)) init.hostPort.postMessage(m);
  if (message) init.hostPort.postMessage(message);
}

function postLater(message: WorkerToHost): void {
  heldResults.push(message);
  if (heldResults.length >= MAX_BATCH) post();
}

/** Synchronous from Python's view: post the call, sleep until the host bumps the signal word. */
function hostCall(method: string, argsJson: string): string {
  const callId = ++callSeq;
  while (receiveMessageOnPort(init.apiPort) !== undefined) {
    // drop answers to calls of an earlier, interrupted run
  }
  let seen = Atomics.load(control, API_SIGNAL_INDEX);
  post({ v: PROTOCOL_VERSION, type: 'api-call', id: currentId, callId, method, argsJson });
  for (;;) {
    const received = receiveMessageOnPort(init.apiPort);
    if (received !== undefined) {
      const answer = received.message as ApiResultMessage;
      if (answer.callId === callId) return answer.answerJson;
      continue;
    }
    if (Atomics.load(control, INTERRUPT_INDEX) !== 0) {
      // Consume the interrupt here: Python raises KeyboardInterrupt once, from _bds_host.call.
      Atomics.store(control, INTERRUPT_INDEX, 0);
      return INTERRUPTED_ANSWER;
    }
    Atomics.wait(control, API_SIGNAL_INDEX, seen);
    seen = Atomics.load(control, API_SIGNAL_INDEX);
  }
}

async function main(): Promise<void> {
  if (!port) throw new Error('worker.ts must run in a worker thread');
  const started = performance.now();
  let loaded: Awaited<ReturnType<typeof PyodideEngine.load>>;
  try {
    loaded = await PyodideEngine.load({
      ...init.settings,
      snapshot: init.snapshot ? new Uint8Array(init.snapshot) : null,
      makeSnapshot: init.makeSnapshot,
      interruptBuffer: new Int32Array(init.control, INTERRUPT_INDEX * 4, 1),
      loadPyodide,
      hardenRealm: hardenNodeWorkerRealm,
      hostCall,
    });
  } catch (e) {
    post({ v: PROTOCOL_VERSION, type: 'error', phase: 'load', message: describeError(e) });
    return;
  }
  const { engine } = loaded;
  let snapshot: SharedArrayBuffer | undefined;
  if (loaded.snapshot) {
    snapshot = new SharedArrayBuffer(loaded.snapshot.byteLength);
    new Uint8Array(snapshot).set(loaded.snapshot);
  }
  post({
    v: PROTOCOL_VERSION,
    type: 'ready',
    pythonVersion: engine.pythonVersion,
    pyodideVersion: engine.pyodideVersion,
    loadMs: performance.now() - started,
    start: loaded.start,
    ...(snapshot ? { snapshot } : {}),
    ...(loaded.snapshotError ? { snapshotError: loaded.snapshotError } : {}),
  });

  const handle = runLoop(engine, {
    post,
    postLater,
    flush: () => post(),
    fatal: (e, id) => {
      const cause = consoleTail.split('\n').find((line) => /RangeError|Error:/.test(line));
      const message = describeError(e);
      post({
        v: PROTOCOL_VERSION,
        type: 'error',
        phase: 'fatal',
        id,
        message: cause ? `${message} (${cause.trim()})` : message,
      });
      // The interpreter is unusable; the host replaces this worker.
      process.exit(isFatalPyodideError(e) ? 70 : 71);
    },
    nextBriefly: () => awaitNextBriefly(port),
    control,
    beginRun: (message) => {
      currentId = message.id;
    },
    // Markdown rendering is loaded with the first document, not by every worker.
    // A document the worker cannot render (a bug in rendering, say) goes back to the host, which renders
    // it as before; only an interpreter that broke ends the worker.
    document: async (job) => {
      try {
        documents ??= import('./document-runner.js');
        return await (await documents).runDocumentJob(engine, job, control);
      } catch (e) {
        if (engine.isBroken || isFatalPyodideError(e)) throw e;
        return { value: { kind: 'host', why: describeError(e) } };
      }
    },
  });
  port.on('message', handle);
}

const waits = new BriefWaits();

/**
 * After a call, poll for the next one for a moment before going back to the event loop: a thread that
 * sleeps between back-to-back calls wakes with cold caches and pays about twice the latency. The cost
 * is at most SPIN_MS of one core after each call, and none while such waits keep finding nothing.
 */
function awaitNextBriefly(from: MessagePort): HostToWorker | undefined {
  const waiting = receiveMessageOnPort(from);
  if (waiting !== undefined) return waiting.message as HostToWorker;
  if (!waits.shouldWait()) return undefined;
  const end = performance.now() + SPIN_MS;
  do {
    const received = receiveMessageOnPort(from);
    if (received !== undefined) {
      waits.record(true);
      return received.message as HostToWorker;
    }
  } while (performance.now() < end);
  waits.record(false);
  return undefined;
}

void main();
