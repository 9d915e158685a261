// The worker side of the protocol, shared by the Node worker thread and the browser's Web Worker: runs
// calls one at a time in arrival order, streams their output, and answers result / interrupted.
import type { PyodideEngine } from './engine.js';
import { PROTOCOL_VERSION, type HostToWorker, type RunMessage, type WorkerToHost } from './protocol.js';
import { INTERRUPTED_ENVELOPE_PREFIX } from './python-source.js';

export interface RunLoopHost {
  post(message: WorkerToHost): void;
  /** The interpreter broke beyond repair during run `id`: report it and end the worker. */
  fatal(error: unknown, id: number): void;
  /** The next call if one has already arrived, read synchronously (Node polls briefly); optional. */
  nextBriefly?(): HostToWorker | undefined;
  /** Told before each run starts (the bds_api transport needs to know which run calls). */
  beginRun?(message: RunMessage): void;
}

/** Returns the function to hand each incoming message to; runs never overlap. */
export function runLoop(engine: PyodideEngine, host: RunLoopHost): (message: HostToWorker) => void {
  const pending: HostToWorker[] = [];
  let draining = false;
  const drain = async (): Promise<void> => {
    if (draining) return;
    draining = true;
    for (;;) {
      const message = pending.shift() ?? host.nextBriefly?.();
      if (message === undefined) break;
      if (message.v !== PROTOCOL_VERSION || message.type !== 'run') continue;
      await handleRun(engine, message, host);
    }
    draining = false;
  };
  return (message) => {
    pending.push(message);
    void drain();
  };
}

async function handleRun(engine: PyodideEngine, message: RunMessage, host: RunLoopHost): Promise<void> {
  const id = message.id;
  host.beginRun?.(message);
  engine.capture.begin((stream, text) => host.post({ v: PROTOCOL_VERSION, type: stream, id, text }));
  let envelopeJson: string;
  try {
    const out = engine.run(message);
    envelopeJson = typeof out === 'string' ? out : await out;
  } catch (e) {
    engine.capture.end();
    host.fatal(e, id);
    return;
  }
  const { truncated } = engine.capture.end();
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
