// bench:python-runtime — the Python runtime through the whole stack: cold start (vs a plain
// loadPyodide() in the same run, and from a memory snapshot), warm macro latency with ABI validation,
// throughput of 1 and K workers on a CPU-bound macro, how late a runaway call is reported, how long
// until the next call is answered after a worker is terminated, and RSS per runtime.
// Flags: --iterations N (warm calls, default 1000), --mode worker|main-thread, --workers K
// (default: CPUs, at least 2), --calls M (throughput calls, default 200), --json; --browser measures the
// browser's runtime in Chromium instead (python-browser.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadPyodide, version as pyodideVersion } from 'pyodide';
import type { MacroContextV1 } from '../src/core/abi.js';
import type { PythonRuntime, PythonScriptRef, PythonWorkerPool } from '../src/scripting/index.js';
import * as fromSource from '../src/scripting/index.js';
import { defaultIndexURL } from '../src/scripting/runtime/pool.js';
import { benchArgs, percentile, round } from './args.js';

const args = benchArgs();
if (args.has('browser')) {
  // The browser's runtime, in Chromium through `bds serve`: see python-browser.ts.
  const { benchBrowser } = await import('./python-browser.js');
  await benchBrowser(args);
  process.exit(0);
}
const iterations = Number(args.get('iterations', '1000'));
const mode = args.get('mode', 'worker') as 'worker' | 'main-thread';
const workers = Number(args.get('workers', String(Math.max(2, os.cpus().length))));
const calls = Number(args.get('calls', '200'));
if (mode !== 'worker' && mode !== 'main-thread') throw new Error('--mode must be worker or main-thread');
// --dist measures the compiled runtime (run `npm run build` first): what `bds` runs. From sources,
// each worker also starts tsx, which adds a few hundred ms to every start.
const useDist = args.has('dist');
const scripting: typeof fromSource = useDist
  ? ((await import(new URL('../dist/scripting/index.js', import.meta.url).href)) as typeof fromSource)
  : fromSource;
const isPool = (runtime: PythonRuntime): runtime is PythonWorkerPool => runtime.mode === 'worker';

const context: MacroContextV1 = {
  params: { name: 'bench', n: 3 },
  language: 'en',
  post_slug: 'bench-post',
  env: { isPreview: false, mainLanguage: 'en', source: { kind: 'macro', id: 'bench' } },
};
const trivial: PythonScriptRef = {
  id: 'trivial',
  version: 1,
  source: 'def render(context, post):\n    return "<b>" + context["params"]["name"] + "</b>"\n',
};
// About a few milliseconds of pure Python per call, so messaging is noise next to it.
const cpuBound: PythonScriptRef = {
  id: 'cpu',
  version: 1,
  source:
    'def render(context, post):\n    n = 0\n    for i in range(60000):\n        n += i * i % 7\n    return str(n)\n',
};
const runaway: PythonScriptRef = {
  id: 'runaway',
  version: 1,
  source: 'def render(c, p):\n    while True:\n        pass\n',
};
const stubborn: PythonScriptRef = {
  id: 'stubborn',
  version: 1,
  source:
    'def render(c, p):\n    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n',
};

/** Time of `loadPyodide()` in a new Node process, measured inside it. */
function bareLoadInChildProcess(): number {
  const pyodideModule = pathToFileURL(path.join(defaultIndexURL(), 'pyodide.mjs')).href;
  const code = [
    `const { loadPyodide } = await import(${JSON.stringify(pyodideModule)});`,
    'const started = performance.now();',
    `await loadPyodide({ indexURL: ${JSON.stringify(defaultIndexURL())} });`,
    'console.log(performance.now() - started);',
  ].join('\n');
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
  return Number(out.trim().split('\n').pop());
}

const rssMb = (): number => process.memoryUsage().rss / (1024 * 1024);
const median = (xs: number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

function make(options: { size?: number; snapshotCacheDir?: string }): PythonRuntime {
  return scripting.createPythonRuntime({ mode, timeouts: { macro: 5_000 }, ...options });
}

async function firstMacroMs(runtime: PythonRuntime): Promise<number> {
  const started = performance.now();
  await runtime.renderMacro(trivial, context, null);
  return performance.now() - started;
}

/** Time from the deadline to the timeout error, and from that error to the next answer. */
async function runawayCall(
  runtime: PythonRuntime,
  script: PythonScriptRef,
  timeoutMs: number,
): Promise<{ overrunMs: number; nextMs: number }> {
  const started = performance.now();
  let failedAt = 0;
  try {
    await runtime.renderMacro(script, context, null, { timeoutMs });
  } catch (e) {
    // By code, not instanceof: with --dist the error class comes from dist/.
    if ((e as { code?: unknown }).code !== 'python-timeout') throw e;
    failedAt = performance.now();
  }
  if (failedAt === 0) throw new Error('the runaway call was not stopped');
  await runtime.renderMacro(trivial, context, null);
  return { overrunMs: failedAt - started - timeoutMs, nextMs: performance.now() - failedAt };
}

async function throughput(runtime: PythonRuntime, count: number): Promise<number> {
  await Promise.all(Array.from({ length: 4 }, () => runtime.renderMacro(cpuBound, context, null)));
  const started = performance.now();
  await Promise.all(Array.from({ length: count }, () => runtime.renderMacro(cpuBound, context, null)));
  return count / ((performance.now() - started) / 1000);
}

const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-python-'));
const disposables: PythonRuntime[] = [];
try {
  // 1. A plain loadPyodide() in a fresh Node process: the cold cost of Pyodide itself.
  const bareLoadMs = bareLoadInChildProcess();

  // 2. Cold start: a fresh runtime until its first macro is answered (it also makes the snapshot).
  //    First in this process, so it pays the same cold costs (file reads, WebAssembly compilation).
  const rss0 = rssMb();
  const main = make({ size: workers, snapshotCacheDir: cacheDir });
  disposables.push(main);
  const coldStartMs = await firstMacroMs(main);
  const rss1 = rssMb();

  // 3. Warm latency through validation, messaging and Python.
  // Steady state: the first thousands of calls after a start still pay for JIT and background work.
  for (let i = 0; i < Math.max(2000, iterations); i++) await main.renderMacro(trivial, context, null);
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const s = performance.now();
    await main.renderMacro(trivial, context, null);
    times.push((performance.now() - s) * 1000);
  }
  times.sort((a, b) => a - b);

  // 4. More runtimes from the snapshot: RSS of one more, and throughput of 1 vs K on CPU-bound macros.
  let throughput1 = 0;
  let throughputK: number | null = null;
  let rssMbPerRuntime = rss1 - rss0;
  let startKMs: number | null = null;
  const one = isPool(main) ? make({ size: 1, snapshotCacheDir: cacheDir }) : main;
  disposables.push(one);
  if (isPool(main)) {
    const rssBefore = rssMb();
    const startedK = performance.now();
    await main.start(workers);
    startKMs = performance.now() - startedK;
    await Promise.all(Array.from({ length: workers * 2 }, () => main.renderMacro(trivial, context, null)));
    rssMbPerRuntime = (rssMb() - rssBefore) / Math.max(1, workers - 1);
    await one.start();
  }
  // Best of two rounds each, alternating: other processes on the machine add noise.
  for (let round = 0; round < 2; round++) {
    throughput1 = Math.max(throughput1, await throughput(one, calls));
    if (isPool(main)) throughputK = Math.max(throughputK ?? 0, await throughput(main, calls));
  }

  // 5. Runaways on a single runtime: an interruptible loop, then one that swallows KeyboardInterrupt
  //    (its worker is terminated and a new one starts from the snapshot).
  const interrupted: { overrunMs: number; nextMs: number }[] = [];
  for (let i = 0; i < 5; i++) interrupted.push(await runawayCall(one, runaway, 200));
  const terminated: { overrunMs: number; nextMs: number }[] = [];
  if (isPool(one)) for (let i = 0; i < 3; i++) terminated.push(await runawayCall(one, stubborn, 200));
  await one.dispose();
  await main.dispose();

  // 6. Cold start of a new runtime (as a new process would) from the snapshot on disk.
  for (let i = 0; i < 200 && !fs.readdirSync(cacheDir).some((f) => f.endsWith('.snapshot')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const fromSnapshot = make({ size: 1, snapshotCacheDir: cacheDir });
  disposables.push(fromSnapshot);
  const coldStartSnapshotMs = await firstMacroMs(fromSnapshot);
  await fromSnapshot.dispose();

  // A plain loadPyodide() in this process, its caches now warm, for reference.
  const started = performance.now();
  let bare: unknown = await loadPyodide({ indexURL: defaultIndexURL() });
  const bareLoadWarmMs = performance.now() - started;
  bare = null;
  void bare;

  const result = {
    mode,
    build: useDist ? 'dist' : 'source',
    workers: mode === 'worker' ? workers : 1,
    iterations,
    pyodideVersion,
    bareLoadMs: round(bareLoadMs, 1),
    bareLoadWarmMs: round(bareLoadWarmMs, 1),
    coldStartMs: round(coldStartMs, 1),
    coldStartSnapshotMs: round(coldStartSnapshotMs, 1),
    coldStartVsBare: round(coldStartMs / bareLoadMs, 3),
    warmP50Us: round(percentile(times, 50), 1),
    warmP95Us: round(percentile(times, 95), 1),
    warmMeanUs: round(times.reduce((a, b) => a + b, 0) / times.length, 1),
    throughput1: round(throughput1, 1),
    throughputK: throughputK === null ? null : round(throughputK, 1),
    throughputRatio: throughputK === null ? null : round(throughputK / throughput1, 2),
    runawayOverrunMs: round(median(interrupted.map((r) => r.overrunMs)), 2),
    runawayOverrunMaxMs: round(Math.max(...interrupted.map((r) => r.overrunMs)), 2),
    nextAfterInterruptMs: round(median(interrupted.map((r) => r.nextMs)), 2),
    recoveryMs: terminated.length ? round(median(terminated.map((r) => r.nextMs)), 1) : null,
    startKWorkersFromSnapshotMs: startKMs === null ? null : round(startKMs, 1),
    rssMbFirstRuntime: round(rss1 - rss0, 1),
    rssMbPerRuntime: round(rssMbPerRuntime, 1),
    goals: {
      warmP50Under100Us: percentile(times, 50) <= 100,
      coldStartWithin10PctOfBare: coldStartMs <= bareLoadMs * 1.1,
      snapshotStartUnderBare: coldStartSnapshotMs < bareLoadMs,
      runawayUnder50Ms: median(interrupted.map((r) => r.overrunMs)) <= 50,
      throughputAtLeast1_8x: throughputK === null ? null : throughputK / throughput1 >= 1.8,
    },
  };

  console.log(
    `bds Python runtime benchmark (${mode}, ${result.workers} worker(s), ${result.build}, Pyodide ${result.pyodideVersion})`,
  );
  console.log(
    `  plain loadPyodide(): ${result.bareLoadMs} ms in a fresh process, ${result.bareLoadWarmMs} ms here after our start`,
  );
  console.log(
    `  cold start to first macro: ${result.coldStartMs} ms (${result.coldStartVsBare}x bare; goal <= 1.1x), ` +
      `from a memory snapshot: ${result.coldStartSnapshotMs} ms`,
  );
  console.log(
    `  warm macro over ${iterations} calls: p50 ${result.warmP50Us} µs, p95 ${result.warmP95Us} µs (goal p50 <= 100 µs)`,
  );
  console.log(
    `  throughput, CPU-bound macro: 1 runtime ${result.throughput1}/s` +
      (throughputK === null
        ? ''
        : `, ${workers} workers ${result.throughputK}/s (${result.throughputRatio}x; goal >= 1.8x)`),
  );
  console.log(
    `  runaway: error ${result.runawayOverrunMs} ms after its deadline (max ${result.runawayOverrunMaxMs}; goal <= 50), ` +
      `next call answered ${result.nextAfterInterruptMs} ms later`,
  );
  if (result.recoveryMs !== null) {
    console.log(
      `  worker terminated after ignoring the interrupt: next call answered ${result.recoveryMs} ms later`,
    );
  }
  console.log(
    `  RSS: first runtime +${result.rssMbFirstRuntime} MB (with the shared snapshot), each further one +${result.rssMbPerRuntime} MB` +
      (result.startKWorkersFromSnapshotMs === null
        ? ''
        : `; starting the others took ${result.startKWorkersFromSnapshotMs} ms`),
  );
  if (args.has('json')) console.log(JSON.stringify(result));
} finally {
  for (const runtime of disposables) await runtime.dispose().catch(() => {});
  fs.rmSync(cacheDir, { recursive: true, force: true });
}
