// PythonWorkerPool: the default Python runtime on the server, a pool of Node worker threads (see
// slot-pool.ts for the queue and worker-slot.ts for one worker seen from the host).
import { createRequire } from 'node:module';
import path from 'node:path';
import { MessageChannel, Worker, receiveMessageOnPort, type ResourceLimits } from 'node:worker_threads';
import { BdsError } from '../../core/errors.js';
import { defaultPythonPoolSize } from '../../core/schemas.js';
import { workerEntry } from '../../core/worker-entry.js';
import { DEFAULT_OUTPUT_LIMIT_BYTES } from './output-capture.js';
import { PROTOCOL_VERSION, type EngineSettings, type WorkerInit, type WorkerToHost } from './protocol.js';
import { SlotPoolRuntime } from './slot-pool.js';
import { SnapshotStore } from './snapshot-store.js';
import type { PythonRuntimeOptions } from './types.js';
import type { SpawnWorker } from './worker-slot.js';

export {
  DEFAULT_GRACE_MS,
  DEFAULT_MAX_HEAP_MB,
  DEFAULT_START_TIMEOUT_MS,
  type PoolStats,
} from './slot-pool.js';

export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = {
  maxOldGenerationSizeMb: 256,
  maxYoungGenerationSizeMb: 48,
};

/** Where the pyodide package lives; it is loaded from there, never from a CDN. */
export function defaultIndexURL(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('pyodide/package.json')) + path.sep;
}

export function engineSettings(options: PythonRuntimeOptions): EngineSettings {
  const limit = options.outputLimitBytes ?? DEFAULT_OUTPUT_LIMIT_BYTES;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new BdsError('invalid-argument', `outputLimitBytes must be a whole number >= 0, got ${limit}`);
  }
  return {
    indexURL: options.indexURL ?? defaultIndexURL(),
    outputLimitBytes: limit,
    preludeModules: { ...(options.preludeModules ?? {}) },
  };
}

/**
 * Starts worker.ts in a worker thread, with a port for bds_api answers it reads synchronously and a
 * port it sends everything on, which the host may also read synchronously.
 */
export function nodeWorkers(resourceLimits: ResourceLimits): SpawnWorker {
  return (init, events) => {
    const api = new MessageChannel();
    const host = new MessageChannel();
    const data: WorkerInit = {
      v: PROTOCOL_VERSION,
      settings: init.settings,
      control: init.control as SharedArrayBuffer,
      apiPort: api.port2,
      hostPort: host.port2,
      snapshot: init.snapshot,
      makeSnapshot: init.makeSnapshot,
    };
    const entry = workerEntry(import.meta.url, 'worker');
    const worker = new Worker(entry.filename, {
      eval: entry.evaluate,
      workerData: data,
      transferList: [api.port2, host.port2],
      resourceLimits,
    });
    const apiPort = api.port1;
    apiPort.unref();
    // The worker's ref/unref decides whether it keeps the process alive, not its ports.
    const hostPort = host.port1;
    hostPort.on('message', events.message);
    hostPort.unref();
    const take = (): WorkerToHost | undefined => receiveMessageOnPort(hostPort)?.message as WorkerToHost;
    /** Hand on what the worker sent before it failed or ended: its last words explain why. */
    const drain = () => {
      for (let m = take(); m !== undefined; m = take()) events.message(m);
    };
    worker.on('error', (error: Error) => {
      drain();
      events.error(describeWorkerError(error));
    });
    worker.on('exit', (code) => {
      drain();
      events.exit(code);
    });
    return {
      postMessage: (message) => worker.postMessage(message),
      answerApi: (message) => apiPort.postMessage(message),
      takeMessage: take,
      terminate: () => {
        apiPort.close();
        hostPort.close();
        void worker.terminate();
      },
      ref: () => worker.ref(),
      unref: () => worker.unref(),
      threadId: worker.threadId,
    };
  };
}

function describeWorkerError(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return 'it ran out of memory (the worker heap limit was reached)';
  return error.message || String(error);
}

export class PythonWorkerPool extends SlotPoolRuntime {
  constructor(options: PythonRuntimeOptions = {}) {
    super({
      size: options.size ?? defaultPythonPoolSize(),
      settings: engineSettings(options),
      spawn: nodeWorkers(options.resourceLimits ?? DEFAULT_RESOURCE_LIMITS),
      snapshots: options.snapshot === false ? null : new SnapshotStore(options.snapshotCacheDir),
      ...(options.timeouts ? { timeouts: options.timeouts } : {}),
      ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
      ...(options.maxHeapMb === undefined ? {} : { maxHeapMb: options.maxHeapMb }),
      ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
    });
  }
}
