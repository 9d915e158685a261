// Public API of the scripting layer.
export { createPythonRuntime } from './runtime/factory.js';
export { MainThreadRuntime } from './runtime/main-thread.js';
export { PythonWorkerPool, type PoolStats } from './runtime/pool.js';
export { PythonRuntimeBase } from './runtime/runtime-base.js';
export { macroFailureOutcome } from './runtime/failures.js';
export { PROTOCOL_VERSION, RUN_KINDS } from './runtime/protocol.js';
export { HOST_MODULE_NAME, HOST_MODULE_SOURCE } from './runtime/python-source.js';
export type { WorkerInfo } from './runtime/worker-slot.js';
export * from './runtime/types.js';
