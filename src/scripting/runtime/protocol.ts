// The typed, versioned protocol between the host and a Python worker, and the shared layout of the
// SharedArrayBuffers used to interrupt Python and to answer bds_api calls synchronously.
import type { MessagePort } from 'node:worker_threads';
import type { DocumentJob } from '../../render/types.js';

export const PROTOCOL_VERSION = 1;

export const RUN_KINDS = ['macro', 'transform', 'utility', 'check'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export type OutputStream = 'stdout' | 'stderr';

/** Index of the interrupt word in the control buffer: the host writes SIGINT (2) there. */
export const INTERRUPT_INDEX = 0;
/**
 * Index of the api-signal word: the host adds 1 after posting a bds_api answer or setting the
 * interrupt, and notifies; the worker, blocked in Atomics.wait on it, then looks for the answer.
 */
export const API_SIGNAL_INDEX = 1;
/**
 * The run the host meant to stop, written before the interrupt word: a worker given several runs at
 * once may have finished that one and started the next when the interrupt lands.
 */
export const STOP_TARGET_INDEX = 2;
/** Counts the host's stops; a run that ends interrupted while it did not change was not stopped. */
export const STOP_COUNT_INDEX = 3;
/**
 * Counts the macros a worker has started inside a document run (render/document-job.ts): the host's
 * watchdog gives each its own time limit by seeing whether it moved since the last limit ran out.
 */
export const MACRO_SEQ_INDEX = 4;
/**
 * The run a worker is running, written as it starts one: a worker that holds finished documents'
 * results (run-loop.ts, postLater) is ahead of what the host has heard, and the host's watchdog stops
 * the run that is really running.
 */
export const RUN_ID_INDEX = 5;
export const CONTROL_WORDS = 6;
export const SIGINT = 2;

/** Engine options that both worker and main-thread mode understand. */
export interface EngineSettings {
  indexURL: string;
  outputLimitBytes: number;
  preludeModules: Record<string, string>;
}

/** `workerData` of a Python worker. */
export interface WorkerInit {
  v: typeof PROTOCOL_VERSION;
  settings: EngineSettings;
  /** Int32Array(CONTROL_WORDS) over it: interrupt, api-call and stop words. */
  control: SharedArrayBuffer;
  /** The port bds_api answers arrive on, read synchronously with receiveMessageOnPort. */
  apiPort: MessagePort;
  /**
   * The port every message to the host goes on, in order: the host may read it synchronously while it
   * waits a moment for a short call to end (worker-slot.ts, waitBriefly).
   */
  hostPort: MessagePort;
  /** A memory snapshot to start from instead of a full load. */
  snapshot: SharedArrayBuffer | null;
  /** Make a snapshot right after loading and send it back in `ready`. */
  makeSnapshot: boolean;
}

/**
 * One call into Python, as every layer of the runtime passes it on (host, worker message, engine).
 * `argsJson` is a JSON array of positional arguments, unless `args` is given.
 */
/** Calls the host sends a worker in one message at most (a build's macros and documents). */
export const MAX_BATCH = 8;

export interface RunCall {
  kind: RunKind;
  /** `{scriptId}:{version}`: the script is compiled once per key. */
  cacheKey: string;
  source: string;
  entrypoint: string;
  argsJson: string;
  /**
   * Positional arguments already checked to be JSON values, serialised by the thread that runs Python
   * instead of `argsJson`: a macro's post (its Markdown) then costs the worker the JSON, not the host,
   * which during a build is busy rendering the next documents.
   */
  args?: readonly unknown[];
  /** Shown in tracebacks, e.g. `scripts/gallery.py`. */
  filename: string;
  /** Lines before the code in the file, so reported lines are file lines. */
  lineOffset: number;
  /**
   * A whole document to render, its macros run in the worker (render/document-job.ts); the run's value
   * is a DocumentJobResult. The script fields are then unused.
   */
  document?: DocumentJob;
}

/** A call into Python, posted to a worker. */
export interface RunMessage extends RunCall {
  v: typeof PROTOCOL_VERSION;
  type: 'run';
  id: number;
  /** The host will answer this run's bds_api calls (the browser's worker asks over HTTP itself). */
  api?: boolean;
}

/** Several runs at once, run in order; each ends with its own result. */
export interface RunBatchMessage {
  v: typeof PROTOCOL_VERSION;
  type: 'batch';
  runs: RunMessage[];
}

export type HostToWorker = RunMessage | RunBatchMessage;

/** The bds_api answer, posted on the api port. `answerJson` is an ApiAnswer (ABI v1). */
export interface ApiResultMessage {
  v: typeof PROTOCOL_VERSION;
  type: 'api-result';
  id: number;
  callId: number;
  answerJson: string;
}

export interface ReadyMessage {
  v: typeof PROTOCOL_VERSION;
  type: 'ready';
  pythonVersion: string;
  pyodideVersion: string;
  loadMs: number;
  /** How the interpreter started. */
  start: 'full' | 'snapshot';
  /** The snapshot made after loading, when asked for. */
  snapshot?: SharedArrayBuffer;
  /** Why a given snapshot could not be used (the worker then did a full load). */
  snapshotError?: string;
}

/** Loading failed, or the interpreter broke beyond repair (the worker exits after sending it). */
export interface ErrorMessage {
  v: typeof PROTOCOL_VERSION;
  type: 'error';
  phase: 'load' | 'fatal';
  message: string;
  id?: number;
}

export interface OutputMessage {
  v: typeof PROTOCOL_VERSION;
  type: 'stdout' | 'stderr';
  id: number;
  text: string;
}

/**
 * The end of a run. `envelopeJson` is what the Python runner produced:
 * `{"ok": true, "value": ..., "cached": bool}` or `{"ok": false, "error": PythonFailure}`.
 */
export interface ResultMessage {
  v: typeof PROTOCOL_VERSION;
  type: 'result';
  id: number;
  envelopeJson: string;
  /**
   * A successful run's value sent as data instead of in `envelopeJson` (then empty): a rendered
   * document, whose HTML costs less to copy than to escape into JSON and parse back.
   */
  value?: unknown;
  /** Bytes of the Python heap after the run (WebAssembly memory never shrinks). */
  heapBytes: number;
  outputTruncated: boolean;
}

/** The run ended with KeyboardInterrupt after the host set the interrupt word. */
export interface InterruptedMessage {
  v: typeof PROTOCOL_VERSION;
  type: 'interrupted';
  id: number;
}

export interface ApiCallMessage {
  v: typeof PROTOCOL_VERSION;
  type: 'api-call';
  id: number;
  callId: number;
  method: string;
  argsJson: string;
}

export type WorkerToHost =
  ReadyMessage | ErrorMessage | OutputMessage | ResultMessage | InterruptedMessage | ApiCallMessage;

/** What the Python runner reports when a call fails. */
export interface PythonFailure {
  /** The Python exception type, or one of the runner's own: `EntrypointError`, `InvalidResult`. */
  type: string;
  /** The last line of the traceback (`ZeroDivisionError: division by zero`). */
  message: string;
  traceback?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** For `InvalidResult`: the field that is not JSON (`result.data.when`). */
  field?: string;
  /** True when the failure is the KeyboardInterrupt raised by the watchdog. */
  interrupted?: boolean;
  /** The call failed while the script module was being compiled or executed. */
  phase?: 'compile' | 'load' | 'call';
}

export type PythonEnvelope =
  { ok: true; value: unknown; cached: boolean } | { ok: false; error: PythonFailure };
