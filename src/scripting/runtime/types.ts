// Public types of the Python runtime: requests, results, options and the PythonRuntime interface.
import type { ResourceLimits } from 'node:worker_threads';
import type {
  JsonValue,
  MacroContextV1,
  MacroOutput,
  PostDataV1,
  ScriptCheck,
  TransformContext,
  TransformPost,
  UtilityContext,
} from '../../core/abi.js';
import type { DocumentJob, DocumentJobResult } from '../../render/types.js';
import type { OutputStream, RunCall, RunKind } from './protocol.js';

export type { OutputStream, RunKind } from './protocol.js';

export const PYTHON_RUNTIME_MODES = ['worker', 'main-thread'] as const;
export type PythonRuntimeMode = (typeof PYTHON_RUNTIME_MODES)[number];

/** Time limits per kind of call, in ms; 0 disables the watchdog for that kind. */
export type PythonTimeouts = Record<RunKind, number>;

export const DEFAULT_TIMEOUTS: Readonly<PythonTimeouts> = {
  macro: 5_000,
  transform: 10_000,
  utility: 60_000,
  check: 10_000,
};

/**
 * Given to an ApiHandler when Python waits for the answer on the handler's own thread (main-thread
 * mode): the answer must be synchronous, and a handler that blocks must watch `interrupted()`.
 */
export interface BlockingApiHost {
  /** True once the call passed its time limit (or was stopped): stop waiting and throw. */
  interrupted(): boolean;
}

/**
 * Answers a bds_api call made from Python (`_bds_host.call(method, args)`). The result must be
 * JSON; a thrown BdsError reaches Python as `BdsApiError(code, message)`. With `blocking`, the
 * result must not be a Promise (nothing would run it while Python waits).
 */
export type ApiHandler = (
  method: string,
  args: Record<string, JsonValue>,
  blocking?: BlockingApiHost,
) => unknown;

/**
 * A call into Python as a caller gives it: the run call (see `RunCall`) with defaults for the file
 * name and line offset, arguments as values or as JSON, and the callbacks that stay on the host.
 */
export type PythonRunRequest = Pick<RunCall, 'kind' | 'cacheKey' | 'source' | 'entrypoint'> &
  Partial<Pick<RunCall, 'argsJson' | 'filename' | 'lineOffset' | 'document'>> & {
    /** Positional arguments (JSON values). Give `args` or `argsJson` (a JSON array), not both. */
    args?: readonly unknown[];
    /**
     * `args` were checked against the ABI already (they hold JSON values only): the thread that runs
     * Python serialises them, rather than the caller's.
     */
    argsChecked?: boolean;
    /** Overrides the runtime's limit for this kind; 0 disables the watchdog. */
    timeoutMs?: number;
    /** Output as it arrives, in batches. It is also returned, capped, in the result. */
    onOutput?: (stream: OutputStream, text: string) => void;
    apiHandler?: ApiHandler;
    /**
     * Stops the call when aborted (a user's Stop): the worker is interrupted as at a timeout and the call
     * fails with `task-cancelled`. In main-thread mode the thread that would see the abort is the one
     * running Python: it takes effect when Python awaits (`async def`) or calls bds_api.
     */
    signal?: AbortSignal;
  };

export interface PythonRunResult {
  /** The entrypoint's return value, decoded from JSON. */
  value: unknown;
  stdout: string;
  stderr: string;
  /** True when output went past the limit and was cut (a marker line says so). */
  outputTruncated: boolean;
  /** From sending the call to its answer (queue time excluded). */
  durationMs: number;
  /** The script's module was already compiled for this cache key. */
  cached: boolean;
}

/** A script as the convenience methods need it. */
export interface PythonScriptRef {
  id: string;
  version: number | string;
  source: string;
  /** Default: `render`, `transform` or `main` by method. */
  entrypoint?: string;
  filename?: string;
  lineOffset?: number;
}

export interface PythonCallOptions {
  timeoutMs?: number;
  onOutput?: (stream: OutputStream, text: string) => void;
  apiHandler?: ApiHandler;
  signal?: AbortSignal;
}

export interface MacroRenderResult extends MacroOutput {
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface TransformRunResult {
  /** The post the transform returned, or the one it was given (mutated in place) when it returned None. */
  post: TransformPost;
  changed: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface UtilityRunResult {
  value: JsonValue;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface PythonRuntimeCounters {
  /** Macro calls started. */
  macroCount: number;
  /** Calls that failed for any reason but a timeout (including invalid results). */
  errorCount: number;
  /** Calls stopped at their time limit. */
  timeoutCount: number;
}

export interface PythonRuntime {
  readonly mode: PythonRuntimeMode;
  /** How many interpreters run at once (a pool of workers); one when absent. */
  readonly size?: number;
  /** Start loading now instead of at the first call; resolves when at least one interpreter is ready. */
  start(): Promise<void>;
  run(request: PythonRunRequest): Promise<PythonRunResult>;
  /**
   * `render(context, post)`; context and post checked against ABI v1, the result too. `postJson`, when
   * given, is sent instead of serialising `post` again (a page with many macros serialises it once);
   * without it the thread that runs Python serialises the post, not the caller's.
   */
  renderMacro(
    script: PythonScriptRef,
    context: MacroContextV1,
    post: PostDataV1 | null,
    options?: PythonCallOptions & { postJson?: string },
  ): Promise<MacroRenderResult>;
  /** `transform(post, context)`, or `transform(post)` when the function takes one positional parameter. */
  runTransform(
    script: PythonScriptRef,
    post: TransformPost,
    context: TransformContext,
    options?: PythonCallOptions,
  ): Promise<TransformRunResult>;
  /** `main(context)`; any JSON result. */
  runUtility(
    script: PythonScriptRef,
    context: UtilityContext,
    options?: PythonCallOptions,
  ): Promise<UtilityRunResult>;
  /** Syntax errors (line, column) and top-level functions, by Python's own `ast`. */
  checkScript(
    source: string,
    options?: { filename?: string; lineOffset?: number; timeoutMs?: number },
  ): Promise<ScriptCheck>;
  /**
   * Render a whole document where Python runs (render/document-job.ts); only a pool of worker threads
   * can. Throws when the run fails (a timeout, a crash): the host then renders the document itself.
   */
  renderDocument?(job: DocumentJob, options?: PythonCallOptions): Promise<DocumentJobResult>;
  readonly counters: Readonly<PythonRuntimeCounters>;
  resetCounters(): void;
  /** Stop every interpreter; waiting calls fail with `python-runtime-closed`. */
  dispose(): Promise<void>;
}

export interface PythonRuntimeOptions {
  mode?: PythonRuntimeMode;
  /** Worker mode: number of worker threads (default: the number of CPUs). Started lazily. */
  size?: number;
  timeouts?: Partial<PythonTimeouts>;
  /** After the interrupt, how long a worker may take to stop before it is terminated (default 100 ms). */
  graceMs?: number;
  /** Per stream and run (default 1 MiB); the rest is dropped with a marker line. */
  outputLimitBytes?: number;
  /** Python modules installed at start (name → source), e.g. the generated `bds_api`. */
  preludeModules?: Record<string, string>;
  /** Share a Pyodide memory snapshot between the runtimes of a pool (default true). */
  snapshot?: boolean;
  /** Keep the snapshot in this folder across processes (a private folder: it is executable state). */
  snapshotCacheDir?: string;
  /** Worker mode: V8 limits of each worker (default 256 MB old generation). */
  resourceLimits?: ResourceLimits;
  /** A worker whose Python heap grew past this is replaced after the call (default 1024). */
  maxHeapMb?: number;
  /** Worker mode: a worker not ready after this long is terminated; its waiting calls fail (default 60 s). */
  startTimeoutMs?: number;
  /** The pyodide package folder (default: resolved from node_modules). */
  indexURL?: string;
}
