// The worker side of the protocol, shared by the Node worker thread and the browser's Web Worker: runs
// calls one at a time in arrival order, streams their output, and answers result / interrupted.
import type { DocumentJob } from '../../render/types.js';
import type { PyodideEngine } from './engine.js';
import {
  INTERRUPT_INDEX,
  PROTOCOL_VERSION,
  RUN_ID_INDEX,
  STOP_COUNT_INDEX,
  STOP_TARGET_INDEX,
  type HostToWorker,
  type RunMessage,
  type WorkerToHost,
} from './protocol.js';
import { INTERRUPTED_ENVELOPE_PREFIX } from './python-source.js';

export interface RunLoopHost {
  post(message: WorkerToHost): void;
  /**
   * Post a rendered document's result with the next message rather than now (optional): a worker
   * given several documents at once answers them together, waking the host once instead of once per
   * document. Whatever else is posted goes after the held results, and they go before the worker
   * waits for more work. The host's watchdog learns which run is running from RUN_ID_INDEX.
   */
  postLater?(message: WorkerToHost): void;
  /** Post the held results now. */
  flush?(): void;
  /** The interpreter broke beyond repair during run `id`: report it and end the worker. */
  fatal(error: unknown, id: number): void;
  /** The next call if one has already arrived, read synchronously (Node polls briefly); optional. */
  nextBriefly?(): HostToWorker | undefined;
  /** Told before each run starts (the bds_api transport needs to know which run calls). */
  beginRun?(message: RunMessage): void;
  /** The control words shared with the host (interrupt, stop target and count), where there are. */
  control?: Int32Array;
  /**
   * Renders a whole document (render/document-job.ts): its value, or an envelope when it did not end
   * well (interrupted). Without it such runs fail and the host renders the document.
   */
  document?(job: DocumentJob): Promise<RunValue | string>;
}

/** A run interrupted by a stop meant for the run before it is run again, this many times at most. */
const MISDIRECTED_RETRIES = 3;

/** Returns the function to hand each incoming message to; runs never overlap. */
export function runLoop(engine: PyodideEngine, host: RunLoopHost): (message: HostToWorker) => void {
  const pending: RunMessage[] = [];
  const take = (message: HostToWorker | undefined): void => {
    if (message?.v !== PROTOCOL_VERSION) return;
    if (message.type === 'run') pending.push(message);
    else if (message.type === 'batch') pending.push(...message.runs);
  };
  let draining = false;
  const drain = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    for (;;) {
      if (pending.length === 0) {
        // The host hears every result before this worker waits for more work.
        host.flush?.();
        take(host.nextBriefly?.());
      }
      const message = pending.shift();
      if (message === undefined) break;
      await handleRun(engine, message, host, pending.length > 0);
    }
    draining = false;
  };
  return (message) => {
    take(message);
    void drain();
  };
}

/** A run's value, sent as data rather than in an envelope. */
export interface RunValue {
  value: unknown;
}

/**
 * Run `message`, and again if a stop the host meant for an earlier run interrupted it: the host stops
 * the run it believes is running, which may have just ended. Such a stop left over before the run
 * starts is dropped.
 */
async function runOnce(
  engine: PyodideEngine,
  message: RunMessage,
  host: RunLoopHost,
): Promise<string | RunValue> {
  const control = host.control;
  for (let attempt = 0; ; attempt++) {
    let stops = 0;
    if (control) {
      if (
        Atomics.load(control, INTERRUPT_INDEX) !== 0 &&
        Atomics.load(control, STOP_TARGET_INDEX) !== message.id
      ) {
        Atomics.store(control, INTERRUPT_INDEX, 0);
      }
      stops = Atomics.load(control, STOP_COUNT_INDEX);
      Atomics.store(control, RUN_ID_INDEX, message.id);
    }
    const out = message.document ? renderDocument(message.document, host) : engine.run(message);
    const envelopeJson = typeof out === 'string' ? out : await out;
    if (typeof envelopeJson !== 'string') return envelopeJson;
    const misdirected =
      control !== undefined &&
      envelopeJson.startsWith(INTERRUPTED_ENVELOPE_PREFIX) &&
      Atomics.load(control, STOP_COUNT_INDEX) !== stops &&
      Atomics.load(control, STOP_TARGET_INDEX) !== message.id;
    if (!misdirected || attempt >= MISDIRECTED_RETRIES) return envelopeJson;
    Atomics.store(control, INTERRUPT_INDEX, 0);
  }
}

function renderDocument(job: DocumentJob, host: RunLoopHost): Promise<RunValue | string> {
  if (host.document) return host.document(job);
  const error = { type: 'DocumentsUnsupported', message: 'this worker does not render documents' };
  return Promise.resolve(JSON.stringify({ ok: false, error }));
}

/** `more`: other runs are waiting in this worker, so a document's result may be held for a moment. */
async function handleRun(
  engine: PyodideEngine,
  message: RunMessage,
  host: RunLoopHost,
  more: boolean,
): Promise<void> {
  const id = message.id;
  host.beginRun?.(message);
  engine.capture.begin((stream, text) => host.post({ v: PROTOCOL_VERSION, type: stream, id, text }));
  let out: string | RunValue;
  try {
    out = await runOnce(engine, message, host);
  } catch (e) {
    engine.capture.end();
    host.fatal(e, id);
    return;
  }
  const { truncated } = engine.capture.end();
  if (typeof out !== 'string') {
    const { value } = out;
    const send = more && message.document && host.postLater ? host.postLater : host.post;
    send({
      v: PROTOCOL_VERSION,
      type: 'result',
      id,
      envelopeJson: '',
      value,
      heapBytes: engine.heapBytes,
      outputTruncated: truncated,
    });
    return;
  }
  const envelopeJson = out;
  if (envelopeJson.startsWith(INTERRUPTED_ENVELOPE_PREFIX)) {
    host.post({ v: PROTOCOL_VERSION, type: 'interrupted', id });
    return;
  }
  host.post({
    v: PROTOCOL_VERSION,
    type: 'result',
    id,
    envelopeJson,
    heapBytes: engine.heapBytes,
    outputTruncated: truncated,
  });
}

/** The last lines of an error's message, for a report that crosses to the host. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const lines = e.message.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-3).join('\n').slice(0, 2000);
}
