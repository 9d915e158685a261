// Defence in depth for the JavaScript side of a Python runtime. Pyodide is not a sandbox: Python can
// reach JavaScript through `js`, `pyodide_js` and the `.constructor` of any proxied function. These
// measures shut the known doors; trust (scripts from outside do not run until trusted) is the real guard.
// Nothing here depends on Node (the browser worker uses it too); Node's own doors are in node-hardening.ts.

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
