// The Python frame: a hidden page of the preview origin that owns the browser's Python worker. It runs
// the shared runtime (queue, watchdog, counters, ABI v1 checks) over a Web Worker and answers the app
// page's requests. The preview origin has no token, so code that escaped Python here reaches no API of
// the app; the frame alone is cross-origin isolated (its own header), so its worker can be interrupted.
import { isBdsError } from '../../../src/core/errors.js';
import { DEFAULT_OUTPUT_LIMIT_BYTES } from '../../../src/scripting/runtime/output-capture.js';
import { SlotPoolRuntime } from '../../../src/scripting/runtime/slot-pool.js';
import type { ApiHandler, PythonCallOptions, PythonTimeouts } from '../../../src/scripting/runtime/types.js';
import type { SpawnWorker } from '../../../src/scripting/runtime/worker-slot.js';
import type { PostDataV1 } from '../../../src/core/abi.js';
import {
  FRAME_MESSAGE,
  type DraftMacros,
  type FrameError,
  type FrameEvent,
  type FrameRequestMessage,
} from './protocol.js';
import type { BrowserWorkerInit } from './worker.js';

interface FrameConfig {
  indexURL: string;
  parents: string[];
  bdsApiModule: string;
  /** This machine's time limits (macro, utility), as the server's runtime has them. */
  timeouts: Partial<PythonTimeouts>;
}

interface PlannedCall {
  key: string;
  script: Parameters<SlotPoolRuntime['renderMacro']>[0];
  context: Parameters<SlotPoolRuntime['renderMacro']>[1];
  postJson: string;
}

const config = JSON.parse(document.getElementById('bds-python-config')?.textContent ?? '{}') as FrameConfig;
const API_URL = '/_bds/python/api';
/** In the browser the worker asks bds_api over HTTP itself; a handler only marks the run as allowed to. */
const API_ALLOWED: ApiHandler = () => {
  throw new Error('answered by the worker');
};

const spawn: SpawnWorker = (init, events) => {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'bds-python' });
  worker.onmessage = (e: MessageEvent) => events.message(e.data as Parameters<typeof events.message>[0]);
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    events.error(e.message || 'the Python worker failed');
  };
  const message: BrowserWorkerInit = {
    type: 'init',
    settings: init.settings,
    control: init.control,
    apiURL: API_URL,
  };
  worker.postMessage(message);
  return {
    postMessage: (m) => worker.postMessage(m),
    answerApi: () => {},
    terminate: () => worker.terminate(),
  };
};

const runtime = new SlotPoolRuntime({
  size: 1,
  settings: {
    indexURL: config.indexURL,
    outputLimitBytes: DEFAULT_OUTPUT_LIMIT_BYTES,
    preludeModules: { bds_api: config.bdsApiModule },
  },
  spawn,
  snapshots: null,
  timeouts: config.timeouts,
  // Without cross-origin isolation the interrupt cannot reach Python: the worker is replaced sooner.
  graceMs: crossOriginIsolated ? 300 : 100,
});

const running = new Map<number, AbortController>();

function reply(target: MessageEventSource | null, origin: string, event: FrameEvent): void {
  (target as Window | null)?.postMessage({ type: FRAME_MESSAGE, ...event }, origin);
}

function toError(e: unknown): FrameError {
  if (isBdsError(e)) {
    const d = e.details as { line?: number; column?: number } | undefined;
    return {
      code: e.code,
      message: e.message,
      ...((e.line ?? d?.line) ? { line: e.line ?? d?.line } : {}),
      ...((e.column ?? d?.column) ? { column: e.column ?? d?.column } : {}),
    };
  }
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

/** The same failure reasons the server's macro resolver gives, so the preview shows the same box. */
function reasonOf(e: unknown): 'timeout' | 'invalid-result' | 'exception' {
  if (isBdsError(e) && e.code === 'python-timeout') return 'timeout';
  if (isBdsError(e) && (e.code === 'python-invalid-result' || e.code === 'python-invalid-input'))
    return 'invalid-result';
  return 'exception';
}

async function draftMacros(
  m: Extract<FrameRequestMessage, { op: 'draft' }>,
  signal: AbortSignal,
): Promise<DraftMacros> {
  const started = performance.now();
  const res = await fetch('/_bds/python/calls', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ postId: m.postId, title: m.title, body: m.body, sandbox: m.sandbox === true }),
    signal,
  });
  if (!res.ok) throw new Error(`the preview could not list the macros: ${res.status} ${await res.text()}`);
  const { calls } = (await res.json()) as { calls: PlannedCall[] };
  const outputs: DraftMacros['outputs'] = {};
  for (const call of calls) {
    try {
      const post = JSON.parse(call.postJson) as PostDataV1 | null;
      const out = await runtime.renderMacro(call.script, call.context, post, {
        postJson: call.postJson,
        ...(m.sandbox ? {} : { apiHandler: API_ALLOWED }),
        signal,
      });
      outputs[call.key] = { ok: true, html: out.html, warnings: out.warnings };
    } catch (e) {
      if (signal.aborted) throw e;
      outputs[call.key] = {
        ok: false,
        reason: reasonOf(e),
        message: e instanceof Error ? e.message : String(e),
      };
    }
  }
  return { outputs, calls: calls.length, ms: performance.now() - started };
}

async function handle(
  m: FrameRequestMessage,
  source: MessageEventSource | null,
  origin: string,
): Promise<void> {
  if (m.op === 'stop') {
    running.get(m.target)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(m.id, controller);
  const signal = controller.signal;
  try {
    let value: unknown;
    if (m.op === 'draft') value = await draftMacros(m, signal);
    else if (m.op === 'check') {
      value = await runtime.checkScript(m.source, { filename: m.filename, lineOffset: m.lineOffset });
    } else {
      const options: PythonCallOptions = {
        signal,
        onOutput: (stream, text) => reply(source, origin, { event: 'output', id: m.id, stream, text }),
        ...(m.sandbox ? {} : { apiHandler: API_ALLOWED }),
        ...(m.timeoutMs === undefined ? {} : { timeoutMs: m.timeoutMs }),
      };
      const c = m.call;
      if (c.kind === 'macro') {
        value = await runtime.renderMacro(m.script, c.context, c.post as PostDataV1 | null, options);
      } else if (c.kind === 'transform')
        value = await runtime.runTransform(m.script, c.post, c.context, options);
      else value = await runtime.runUtility(m.script, c.context, options);
    }
    reply(source, origin, { event: 'result', id: m.id, ok: true, value });
  } catch (e) {
    reply(source, origin, { event: 'result', id: m.id, ok: false, error: toError(e) });
  } finally {
    running.delete(m.id);
  }
}

window.addEventListener('message', (e: MessageEvent) => {
  if (!config.parents.includes(e.origin) || e.source !== window.parent) return;
  const m = e.data as FrameRequestMessage;
  if (m?.type !== FRAME_MESSAGE || typeof m.id !== 'number') return;
  void handle(m, e.source, e.origin);
});

const startedAt = performance.now();
runtime.start().then(
  () => {
    const info = runtime.stats().workers[0]?.info;
    for (const parent of config.parents) {
      reply(window.parent, parent, {
        event: 'ready',
        info: {
          pythonVersion: info?.pythonVersion ?? '',
          pyodideVersion: info?.pyodideVersion ?? '',
          loadMs: info?.loadMs ?? performance.now() - startedAt,
          isolated: crossOriginIsolated,
        },
      });
    }
  },
  (e: unknown) => {
    for (const parent of config.parents) {
      reply(window.parent, parent, { event: 'failed', message: e instanceof Error ? e.message : String(e) });
    }
  },
);
