// One loaded Pyodide with the bds runtime installed: loads it (from a memory snapshot when given),
// applies the hardening for its realm, and runs calls. Shared by the Node worker, the main-thread mode
// and the browser's Web Worker: nothing here depends on Node.
import type { loadPyodide, PyodideAPI } from 'pyodide';
import { LONE_SURROGATE } from '../../core/utf8.js';
import { emptyJsModule } from './hardening.js';
import { OutputCapture } from './output-capture.js';
import type { EngineSettings, RunCall } from './protocol.js';
import {
  HOST_MODULE_SOURCE,
  PRELOADED_MODULES,
  RUNTIME_FILENAME,
  RUNTIME_MODULE,
  RUNTIME_SOURCE,
  SOURCE_NEEDED,
} from './python-source.js';

export interface EngineLoadOptions extends EngineSettings {
  /** Start from this memory snapshot; on failure the engine does a full load and says why. */
  snapshot?: Uint8Array | null;
  /**
   * Make a snapshot right after loading: Pyodide, the preloaded standard modules and the runtime's
   * Python module; nothing that refers to the host (hardening and the transport come after).
   */
  makeSnapshot?: boolean;
  /** Int32Array whose word 0 the watchdog sets to 2 (SIGINT) to raise KeyboardInterrupt. */
  interruptBuffer: Int32Array;
  /** Pyodide's loader: the npm package's in Node, the one bds serves in a browser worker. */
  loadPyodide: typeof loadPyodide;
  /**
   * Called once Pyodide has loaded, to close the realm's doors (the Function constructors, Node's
   * child_process). Only for a realm that runs nothing else (a worker): the host needs both.
   */
  hardenRealm?: () => void;
  /** Answers `_bds_host.call(method, argsJson)` with an ApiAnswer as JSON. */
  hostCall(method: string, argsJson: string): string;
}

export type EngineCall = RunCall;

interface RuntimeFunctions {
  run(
    ...args: [string, string, string | undefined, string, string, string, number, Uint8Array | undefined]
  ): unknown;
  run_macros(
    itemsJson: string,
    sources: Record<string, string> | undefined,
    content: Uint8Array | undefined,
    tick: (i: number) => void,
  ): unknown;
}

/** One macro call of a batch (see PyodideEngine.runMacros). */
export interface EngineMacroCall {
  cacheKey: string;
  source: string;
  entrypoint: string;
  filename: string;
  lineOffset: number;
  /** The checked [context, post]. */
  args: readonly [unknown, { content?: unknown } | null];
}

/**
 * A macro's post body at least this long goes to Python as UTF-8 bytes rather than inside the JSON:
 * turning a JS string into a Python one costs about 7 ns a character, and json.loads scans it again,
 * where encoding it and decoding the bytes costs a third of that (measured with 1.7 KB bodies).
 */
const CONTENT_AS_BYTES_MIN = 256;
const utf8 = new TextEncoder();

/** The arguments as JSON, and a long post body apart as bytes (its place in the JSON left empty). */
function macroArguments(args: readonly unknown[]): { json: string; content?: Uint8Array } {
  const post = args[1] as { content?: unknown } | null | undefined;
  const content = post?.content;
  // A body with a lone surrogate stays in the JSON, which carries it as Python would see it.
  if (
    args.length !== 2 ||
    typeof content !== 'string' ||
    content.length < CONTENT_AS_BYTES_MIN ||
    LONE_SURROGATE.test(content)
  ) {
    return { json: JSON.stringify(args) };
  }
  return { json: JSON.stringify([args[0], { ...post, content: '' }]), content: utf8.encode(content) };
}

/** Past this many cache keys the engine forgets which scripts Python holds (it asks again). */
const MAX_SENT_KEYS = 1024;

/** A PyProxy as far as the engine needs to know it. */
interface Proxy {
  destroy(): void;
}

type PyodideInternal = PyodideAPI & { _module?: { HEAP8?: Int8Array } };

/** Pyodide marks errors after which the interpreter cannot be used again. */
export function isFatalPyodideError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  if ((e as { pyodide_fatal_error?: unknown }).pyodide_fatal_error === true) return true;
  const message = (e as { message?: unknown }).message;
  return typeof message === 'string' && /fatally failed|Pyodide has suffered a fatal error/i.test(message);
}

type SetupFunction = ((
  host: string,
  transport: unknown,
  prelude: string,
) => { toJs(o: object): unknown } & Proxy) &
  Proxy;

interface PythonBuiltins {
  compile(source: string, filename: string, mode: string): Proxy;
  exec(code: Proxy, namespace: Proxy): void;
}

/**
 * Import the standard modules the runtime uses and define the runtime module (`_bds_runtime`) with
 * builtins.compile/exec: runPython's extra parsing costs ~150 ms on a source of this size.
 */
function installRuntimeModule(pyodide: PyodideAPI): void {
  pyodide.runPython(PRELOADED_MODULES);
  const builtins = pyodide.pyimport('builtins') as unknown as PythonBuiltins & Proxy;
  const types = pyodide.pyimport('types') as unknown as {
    ModuleType(name: string): { __dict__: Proxy } & Proxy;
  } & Proxy;
  const sys = pyodide.pyimport('sys') as unknown as {
    modules: { set(k: string, v: unknown): void } & Proxy;
  } & Proxy;
  const module = types.ModuleType(RUNTIME_MODULE);
  const namespace = module.__dict__;
  const code = builtins.compile(RUNTIME_SOURCE, RUNTIME_FILENAME, 'exec');
  builtins.exec(code, namespace);
  sys.modules.set(RUNTIME_MODULE, module);
  for (const proxy of [code, namespace, module, sys.modules, sys, types, builtins]) proxy.destroy();
}

export class PyodideEngine {
  readonly capture: OutputCapture;
  private broken = false;
  /**
   * Cache keys whose source Python was given: their calls go without it (turning a script's source
   * into a Python string cost about 5 µs a kilobyte at every call). Python answers SOURCE_NEEDED for
   * one it no longer holds, and the call is made again with the source.
   */
  private readonly sent = new Set<string>();

  private constructor(
    private readonly pyodide: PyodideInternal,
    private readonly fns: RuntimeFunctions,
    readonly pythonVersion: string,
    capture: OutputCapture,
  ) {
    this.capture = capture;
  }

  static async load(options: EngineLoadOptions): Promise<{
    engine: PyodideEngine;
    start: 'full' | 'snapshot';
    snapshot?: Uint8Array;
    snapshotError?: string;
  }> {
    const capture = new OutputCapture(options.outputLimitBytes);
    const jsModule = emptyJsModule();
    const base = {
      indexURL: options.indexURL,
      jsglobals: jsModule,
      env: { HOME: '/home/pyodide' },
      // Anything printed while loading is dropped: there is no run to attribute it to.
      stdout: () => {},
      stderr: () => {},
    };
    let pyodide: PyodideInternal | undefined;
    let start: 'full' | 'snapshot' = 'full';
    let snapshotError: string | undefined;
    if (options.snapshot) {
      try {
        pyodide = await options.loadPyodide({ ...base, _loadSnapshot: options.snapshot });
        start = 'snapshot';
      } catch (e) {
        snapshotError = e instanceof Error ? e.message : String(e);
      }
    }
    let snapshot: Uint8Array | undefined;
    if (!pyodide) {
      pyodide = await options.loadPyodide({ ...base, _makeSnapshot: options.makeSnapshot === true });
      // Pure Python state only, so it can go into the snapshot: starts from it find it ready.
      installRuntimeModule(pyodide);
      if (options.makeSnapshot) snapshot = pyodide.makeMemorySnapshot();
    }

    // `js` becomes the empty module, `pyodide_js` (the loader API, with the file system) goes away.
    try {
      pyodide.unregisterJsModule('pyodide_js');
    } catch {
      // not registered: nothing to remove
    }
    try {
      pyodide.unregisterJsModule('js');
    } catch {
      // not registered: nothing to remove
    }
    pyodide.registerJsModule('js', jsModule);
    pyodide.setStdin({ error: true });
    pyodide.setStdout({ write: (bytes: Uint8Array) => capture.write('stdout', bytes) });
    pyodide.setStderr({ write: (bytes: Uint8Array) => capture.write('stderr', bytes) });
    pyodide.setInterruptBuffer(options.interruptBuffer);

    const runtimeModule = pyodide.pyimport(RUNTIME_MODULE) as unknown as {
      _bds_setup: SetupFunction;
    } & Proxy;
    const setup = runtimeModule._bds_setup;
    const transport = (method: string, argsJson: string): string => options.hostCall(method, argsJson);
    const result = setup(HOST_MODULE_SOURCE, transport, JSON.stringify(options.preludeModules));
    const exported = result.toJs({ dict_converter: Object.fromEntries, create_pyproxies: true }) as {
      run: RuntimeFunctions['run'];
      run_macros: RuntimeFunctions['run_macros'];
      version: string;
    };
    result.destroy();
    setup.destroy();
    runtimeModule.destroy();

    options.hardenRealm?.();
    const engine = new PyodideEngine(
      pyodide,
      { run: exported.run, run_macros: exported.run_macros },
      exported.version,
      capture,
    );
    return { engine, start, snapshot, snapshotError };
  }

  get pyodideVersion(): string {
    return this.pyodide.version;
  }

  /** Bytes of WebAssembly memory in use by the interpreter (it grows, never shrinks). */
  get heapBytes(): number {
    return this.pyodide._module?.HEAP8?.length ?? 0;
  }

  get isBroken(): boolean {
    return this.broken;
  }

  /**
   * Run one call. Returns the runner's JSON envelope, or a promise of it when the entrypoint is
   * `async def`. Throws only when the interpreter itself failed (see `isFatalPyodideError`).
   */
  run(call: EngineCall): string | Promise<string> {
    let out: unknown;
    try {
      const args =
        call.args === undefined
          ? { json: call.argsJson }
          : call.kind === 'macro'
            ? macroArguments(call.args)
            : { json: JSON.stringify(call.args) };
      // undefined reaches Python as None (null would be pyodide's JsNull).
      const send = (source: string | undefined): unknown =>
        this.fns.run(
          call.kind,
          call.cacheKey,
          source,
          call.entrypoint,
          args.json,
          call.filename,
          call.lineOffset,
          args.content,
        );
      const known = call.kind !== 'check' && this.sent.has(call.cacheKey);
      out = send(known ? undefined : call.source);
      if (known && out === SOURCE_NEEDED) out = send(call.source);
      if (call.kind !== 'check' && !known) {
        if (this.sent.size >= MAX_SENT_KEYS) this.sent.clear();
        this.sent.add(call.cacheKey);
      }
    } catch (e) {
      return this.failed(e);
    }
    if (typeof out === 'string') return out;
    // An awaitable PyProxy: awaiting it runs the coroutine on Pyodide's event loop.
    const awaitable = out as PromiseLike<unknown> & Proxy;
    return Promise.resolve(awaitable).then(
      (value) => {
        awaitable.destroy();
        return typeof value === 'string' ? value : envelopeForError('InternalError', 'no envelope');
      },
      (e: unknown) => {
        awaitable.destroy();
        return this.failed(e);
      },
    );
  }

  /**
   * Run macro calls one after another in one call into Python: the JSON list of their envelopes, in
   * order (`sourceNeeded` or `awaitable` for a call to make alone with `run`), or the interrupted
   * envelope when the watchdog stopped one. `tick(i)` is called as call i starts. Each call into Python
   * costs the crossing, the arguments' conversion and the runner's own set-up: for a build's macros,
   * most of their time.
   */
  runMacros(calls: readonly EngineMacroCall[], tick: (i: number) => void): string {
    let out: unknown;
    try {
      const sources: Record<string, string> = {};
      let needed = false;
      const bodies: Uint8Array[] = [];
      let length = 0;
      const items = calls.map((call) => {
        if (!this.sent.has(call.cacheKey) && !(call.cacheKey in sources)) {
          sources[call.cacheKey] = call.source;
          needed = true;
        }
        const args = macroArguments(call.args);
        let start = -1;
        let end = -1;
        if (args.content) {
          start = length;
          length += args.content.length;
          end = length;
          bodies.push(args.content);
        }
        return `[${JSON.stringify(call.cacheKey)},${JSON.stringify(call.entrypoint)},${JSON.stringify(call.filename)},${call.lineOffset},${args.json},${start},${end}]`;
      });
      let content: Uint8Array | undefined;
      if (bodies.length > 0) {
        content = new Uint8Array(length);
        let at = 0;
        for (const body of bodies) {
          content.set(body, at);
          at += body.length;
        }
      }
      out = this.fns.run_macros(`[${items.join(',')}]`, needed ? sources : undefined, content, tick);
      for (const key of Object.keys(sources)) {
        if (this.sent.size >= MAX_SENT_KEYS) this.sent.clear();
        this.sent.add(key);
      }
    } catch (e) {
      return this.failed(e);
    }
    return typeof out === 'string' ? out : envelopeForError('InternalError', 'no envelope');
  }

  private failed(e: unknown): string {
    if (isFatalPyodideError(e)) {
      this.broken = true;
      throw e;
    }
    // A Python exception that escaped the runner (a KeyboardInterrupt landing in its own handler).
    const type = typeof (e as { type?: unknown }).type === 'string' ? (e as { type: string }).type : 'Error';
    if (type === 'KeyboardInterrupt') {
      return JSON.stringify({
        ok: false,
        error: { type: 'KeyboardInterrupt', message: 'KeyboardInterrupt', interrupted: true },
      });
    }
    return envelopeForError(
      type,
      e instanceof Error ? e.message.split('\n').slice(-2).join(' ').trim() : String(e),
    );
  }
}

function envelopeForError(type: string, message: string): string {
  return JSON.stringify({ ok: false, error: { type, message } });
}
