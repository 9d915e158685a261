// Entry of a Python worker thread: loads one Pyodide, then runs calls one at a time, sends output in
// batches, and blocks on Atomics.wait while the host answers a bds_api call.
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { PyodideEngine, isFatalPyodideError } from './engine.js';
import {
  API_SIGNAL_INDEX,
  INTERRUPT_INDEX,
  PROTOCOL_VERSION,
  type ApiResultMessage,
  type HostToWorker,
  type RunMessage,
  type WorkerInit,
  type WorkerToHost,
} from './protocol.js';
import { INTERRUPTED_ENVELOPE_PREFIX } from './python-source.js';

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
let callSeq = 0;

function post(message: WorkerToHost): void {
  port?.postMessage(message);
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
      hardenRealm: true,
      hostCall,
    });
  } catch (e) {
    post({ v: PROTOCOL_VERSION, type: 'error', phase: 'load', message: describe(e) });
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

  const pending: HostToWorker[] = [];
  let draining = false;
  const drain = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    for (;;) {
      const message = pending.shift() ?? awaitNextBriefly(port);
      if (message === undefined) break;
      if (message.v !== PROTOCOL_VERSION || message.type !== 'run') continue;
      await handleRun(engine, message);
    }
    draining = false;
  };
  port.on('message', (message: HostToWorker) => {
    pending.push(message);
    void drain();
  });
}

/**
 * After a call, poll for the next one for a moment before going back to the event loop. Calls come
 * back to back during a build; a thread that sleeps between them wakes with cold caches and pays
 * about twice the latency. The cost is at most SPIN_MS of one core after each call.
 */
function awaitNextBriefly(from: MessagePort): HostToWorker | undefined {
  const end = performance.now() + SPIN_MS;
  do {
    const received = receiveMessageOnPort(from);
    if (received !== undefined) return received.message as HostToWorker;
  } while (performance.now() < end);
  return undefined;
}

async function handleRun(engine: PyodideEngine, message: RunMessage): Promise<void> {
  currentId = message.id;
  const id = message.id;
  engine.capture.begin((stream, text) => post({ v: PROTOCOL_VERSION, type: stream, id, text }));
  let envelopeJson: string;
  try {
    const out = engine.run(message);
    envelopeJson = typeof out === 'string' ? out : await out;
  } catch (e) {
    engine.capture.end();
    const cause = consoleTail.split('\n').find((line) => /RangeError|Error:/.test(line));
    post({
      v: PROTOCOL_VERSION,
      type: 'error',
      phase: 'fatal',
      id,
      message: cause ? `${describe(e)} (${cause.trim()})` : describe(e),
    });
    // The interpreter is unusable; the host replaces this worker.
    process.exit(isFatalPyodideError(e) ? 70 : 71);
  }
  const { truncated } = engine.capture.end();
  if (envelopeJson.startsWith(INTERRUPTED_ENVELOPE_PREFIX)) {
    post({ v: PROTOCOL_VERSION, type: 'interrupted', id });
    return;
  }
  post({
    v: PROTOCOL_VERSION,
    type: 'result',
    id,
    envelopeJson,
    heapBytes: engine.heapBytes,
    outputTruncated: truncated,
  });
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const lines = e.message.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-3).join('\n').slice(0, 2000);
}

void main();
