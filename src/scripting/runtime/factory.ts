// Creates the Python runtime the project settings ask for: the worker pool (default) or main-thread.
import { BdsError } from '../../core/errors.js';
import { MainThreadRuntime } from './main-thread.js';
import { PythonWorkerPool } from './pool.js';
import { PYTHON_RUNTIME_MODES, type PythonRuntime, type PythonRuntimeOptions } from './types.js';

export function createPythonRuntime(options: PythonRuntimeOptions = {}): PythonRuntime {
  const mode = options.mode ?? 'worker';
  if (!(PYTHON_RUNTIME_MODES as readonly string[]).includes(mode)) {
    throw new BdsError(
      'invalid-argument',
      `pythonRuntimeMode must be "worker" or "main-thread", got "${mode}"`,
    );
  }
  return mode === 'main-thread' ? new MainThreadRuntime(options) : new PythonWorkerPool(options);
}
