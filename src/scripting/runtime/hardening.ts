// Defence in depth for the JavaScript side of a Python runtime. Pyodide is not a sandbox: Python can
// reach JavaScript through `js`, `pyodide_js` and the `.constructor` of any proxied function. These
// measures shut the known doors; trust (scripts from outside do not run until trusted) is the real guard.
import childProcess from 'node:child_process';

/**
 * What Python sees as the `js` module: a frozen object with no prototype and nothing in it, so
 * `js.process`, `js.globalThis`, `js.eval` and `js.constructor` do not exist.
 */
export function emptyJsModule(): object {
  return Object.freeze(Object.create(null) as object);
}

function refuseCodeGeneration(): never {
  throw new Error('code generation from strings is disabled in bds Python runtimes');
}

/**
 * Replace the `constructor` of Function, AsyncFunction, GeneratorFunction and AsyncGeneratorFunction
 * prototypes, so `anyProxiedFunction.constructor('return process')()` throws. Only for a realm that
 * runs nothing but Pyodide (a worker): call it after Pyodide has loaded, which needs them.
 * The global `Function` binding is left alone: Pyodide's own code depends on it and Python cannot
 * reach the global object.
 */
export function poisonCodeGeneration(): void {
  const poisoned = function Function(): never {
    return refuseCodeGeneration();
  };
  const prototypes = [
    Function.prototype,
    Object.getPrototypeOf(async function () {}) as object,
    Object.getPrototypeOf(function* () {}) as object,
    Object.getPrototypeOf(async function* () {}) as object,
  ];
  for (const proto of prototypes) {
    Object.defineProperty(proto, 'constructor', {
      value: poisoned,
      writable: false,
      configurable: false,
      enumerable: false,
    });
  }
}

/**
 * Make the realm's child_process unable to start programs. Pyodide implements `os.system` in Node by
 * calling `child_process.spawnSync`; Python-level blocks can be bypassed, this cannot from Python.
 * Only for a worker realm: the host needs child_process (git, rsync).
 */
export function disableChildProcesses(): void {
  const refuse = (): never => {
    throw new Error('bds Python runtimes cannot start programs');
  };
  const cp = childProcess as unknown as Record<string, unknown>;
  for (const name of ['spawn', 'exec', 'execFile', 'fork', 'execSync', 'execFileSync']) cp[name] = refuse;
  // spawnSync is called from inside WebAssembly, where a throw is fatal: answer "could not run" instead.
  cp.spawnSync = () => ({
    pid: 0,
    status: 127,
    signal: null,
    output: [null, null, null],
    stdout: null,
    stderr: null,
    error: new Error('bds Python runtimes cannot start programs'),
  });
}
