// The browser's Python worker: one Pyodide, loaded from the files the preview origin serves, running
// calls with the same engine and run loop as the server's worker threads. bds_api calls go to the
// preview's read-only API by synchronous HTTP (a browser worker has no synchronous message port); a
// run in the sandbox gets no bds_api at all.
import type { loadPyodide as LoadPyodide } from 'pyodide';
import { PyodideEngine } from '../../../src/scripting/runtime/engine.js';
import { poisonCodeGeneration } from '../../../src/scripting/runtime/hardening.js';
import {
  INTERRUPT_INDEX,
  PROTOCOL_VERSION,
  type EngineSettings,
  type HostToWorker,
  type WorkerToHost,
} from '../../../src/scripting/runtime/protocol.js';
import { describeError, runLoop } from '../../../src/scripting/runtime/run-loop.js';

export interface BrowserWorkerInit {
  type: 'init';
  settings: EngineSettings;
  control: SharedArrayBuffer | ArrayBuffer;
  /** Where bds_api calls go (same origin). */
  apiURL: string;
}

const scope = self as unknown as {
  postMessage(message: WorkerToHost): void;
  onmessage: ((e: MessageEvent) => void) | null;
};

/** May the run in progress call bds_api? */
let apiAllowed = false;
let apiURL = '';

function answer(code: string, message: string): string {
  return JSON.stringify({ ok: false, error: { code, message } });
}

function hostCall(method: string, argsJson: string): string {
  if (!apiAllowed) {
    return answer('api-unavailable', 'bds_api is not available here: this script runs in the sandbox');
  }
  const xhr = new XMLHttpRequest();
  xhr.open('POST', apiURL, false);
  xhr.setRequestHeader('Content-Type', 'application/json');
  try {
    xhr.send(JSON.stringify({ method, args: JSON.parse(argsJson) as unknown }));
  } catch (e) {
    return answer('api-error', `bds_api could not reach bds: ${describeError(e)}`);
  }
  if (xhr.status !== 200)
    return answer('api-error', `bds_api answered ${xhr.status}: ${xhr.responseText.slice(0, 200)}`);
  return xhr.responseText;
}

async function start(init: BrowserWorkerInit): Promise<void> {
  const started = performance.now();
  apiURL = init.apiURL;
  let engine: PyodideEngine;
  try {
    const { loadPyodide } = (await import(/* @vite-ignore */ `${init.settings.indexURL}pyodide.mjs`)) as {
      loadPyodide: typeof LoadPyodide;
    };
    ({ engine } = await PyodideEngine.load({
      ...init.settings,
      interruptBuffer: new Int32Array(init.control, INTERRUPT_INDEX * 4, 1),
      loadPyodide,
      hardenRealm: poisonCodeGeneration,
      hostCall,
    }));
  } catch (e) {
    scope.postMessage({ v: PROTOCOL_VERSION, type: 'error', phase: 'load', message: describeError(e) });
    return;
  }
  scope.postMessage({
    v: PROTOCOL_VERSION,
    type: 'ready',
    pythonVersion: engine.pythonVersion,
    pyodideVersion: engine.pyodideVersion,
    loadMs: performance.now() - started,
    start: 'full',
  });
  const handle = runLoop(engine, {
    post: (message) => scope.postMessage(message),
    fatal: (e, id) => {
      scope.postMessage({
        v: PROTOCOL_VERSION,
        type: 'error',
        phase: 'fatal',
        id,
        message: describeError(e),
      });
      // The interpreter is unusable: the host replaces this worker.
      close();
    },
    beginRun: (message) => {
      apiAllowed = message.api === true;
    },
    control: new Int32Array(init.control),
  });
  scope.onmessage = (e: MessageEvent) => handle(e.data as HostToWorker);
}

scope.onmessage = (e: MessageEvent) => {
  const init = e.data as BrowserWorkerInit;
  if (init?.type === 'init') void start(init);
};
