// Where a worker thread's code is: the compiled `NAME.js` next to the caller in dist/, or, when bds runs
// from its TypeScript sources (vitest, tsx), `NAME.ts` started through a small bootstrap that registers
// tsx in the worker (execArgv --import does not reach worker threads on Node 20).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/** The ESM entry of `tsx/esm/api` (require.resolve would give the CommonJS one). */
function tsxEsmApi(callerUrl: string): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    const require = createRequire(callerUrl);
    const manifest = require.resolve('tsx/package.json');
    const exportsMap = (require(manifest) as { exports: Record<string, { import?: { default?: string } }> })
      .exports;
    const relative = exportsMap['./esm/api']?.import?.default ?? './dist/esm/api/index.mjs';
    return pathToFileURL(path.join(path.dirname(manifest), relative)).href;
  }
}

/**
 * The `Worker` arguments for the module `name` (without extension) next to `callerUrl`
 * (`import.meta.url` of the caller): a file URL, or bootstrap code to evaluate.
 */
export function workerEntry(callerUrl: string, name: string): { filename: string | URL; evaluate: boolean } {
  if (!callerUrl.endsWith('.ts')) return { filename: new URL(`./${name}.js`, callerUrl), evaluate: false };
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const code = `import(${JSON.stringify(tsxEsmApi(callerUrl))}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return { filename: code, evaluate: true };
}

/**
 * Starts the worker `name` (next to `callerUrl`) that reads ahead for a reader on this thread: it gets
 * `workerData` and a port (`workerData.port`) to send on, and does not keep the process alive (a command
 * that never takes what it read just exits). `onError` runs if it fails; returns it and the reader's port.
 */
export function startReadAhead(
  callerUrl: string,
  name: string,
  workerData: Record<string, unknown>,
  onError: () => void,
): { worker: Worker; port: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  const { filename, evaluate } = workerEntry(callerUrl, name);
  const worker = new Worker(filename, {
    eval: evaluate,
    workerData: { ...workerData, port: port2 },
    transferList: [port2],
  });
  worker.unref();
  worker.on('error', onError);
  return { worker, port: port1 };
}
