/// <reference lib="dom" />
// bench:python-runtime --browser — Python in Debian's Chromium through a real `bds serve` (the built UI in
// web/dist): the runtime the app starts in a hidden frame of the preview origin, measured from the app
// page, the way the preview and the script editor use it:
//  - start: from the page's start to the runtime saying it is ready, and Pyodide's own load in the worker;
//  - warm macro call: a trivial macro, page -> frame -> worker -> page, p50/p95 over --iterations;
//  - interrupt: a `while True: pass` macro with a 300 ms limit, how long after the limit its answer
//    arrives, and how long the next call then takes (the worker was interrupted, not replaced, when the
//    frame is cross-origin isolated);
//  - stop: the same runaway stopped by the user 200 ms in, how long until its answer.
// Options: --iterations N (500) --runaways N (5) --json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Workspace } from '../src/app/workspace.js';
import { initProject } from '../src/content/project.js';
import { startAppServer } from '../src/server/server.js';
import type { benchArgs } from './args.js';
import { percentile, round } from './args.js';

interface PageResults {
  readyAt: number;
  loadMs: number;
  isolated: boolean;
  pythonVersion: string;
  warm: number[];
  late: number[];
  nextCall: number[];
  stop: number[];
}

export async function benchBrowser(args: ReturnType<typeof benchArgs>): Promise<void> {
  const iterations = Number(args.get('iterations', '500'));
  const runaways = Number(args.get('runaways', '5'));
  const asJson = args.has('json');
  const log = (s: string) => {
    if (!asJson) process.stderr.write(`${s}\n`);
  };
  const webRoot = path.resolve('web/dist');
  if (!fs.existsSync(path.join(webRoot, 'python-frame.html'))) {
    console.error('bench:python-runtime --browser needs the built UI: run `npm run build` first.');
    process.exit(1);
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-pybrowser-'));
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-pybrowser-home-'));
  initProject(root, { name: 'Bench Python in the browser' });
  const ws = Workspace.open(root, { home, watch: true });
  await ws.watching();
  await ws.call('posts.create', { title: 'A post', body: 'Hello.\n' });
  const server = await startAppServer(ws, { port: 0, webRoot, writeServerFile: false });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(120_000);
    // tsx keeps function names with a helper the page does not have.
    await page.addInitScript('window.__name = (f) => f;');
    // Catch the frame's ready message from the very start.
    await page.addInitScript(() => {
      const w = window as unknown as { bdsBench: { readyAt?: number; info?: unknown } };
      w.bdsBench = {};
      window.addEventListener('message', (e) => {
        const m = e.data as { type?: string; event?: string; info?: unknown };
        if (m?.type === 'bds-python' && m.event === 'ready') {
          w.bdsBench.readyAt = performance.now();
          w.bdsBench.info = m.info;
        }
      });
    });
    log('bench:python-runtime --browser: opening the app, waiting for Python in the browser...');
    await page.goto(server.loginUrl);
    await page.waitForFunction(
      () => (window as unknown as { bdsBench: { readyAt?: number } }).bdsBench.readyAt,
      null,
      {
        timeout: 120_000,
      },
    );
    log(`measuring ${iterations} warm calls and ${runaways} runaways...`);
    const results = await page.evaluate(
      async ({ iterations, runaways }) => {
        const bench = (window as unknown as { bdsBench: { readyAt: number; info: Record<string, unknown> } })
          .bdsBench;
        const frame = document.querySelector<HTMLIFrameElement>('iframe[title="bds Python runtime"]')!;
        const origin = new URL(frame.src).origin;
        let seq = 1_000_000;
        const waiting = new Map<number, (m: { ok: boolean; error?: { code: string } }) => void>();
        window.addEventListener('message', (e) => {
          const m = e.data as { type?: string; event?: string; id?: number; ok?: boolean };
          if (e.origin !== origin || m?.type !== 'bds-python' || m.event !== 'result') return;
          waiting.get(m.id!)?.(m as { ok: boolean });
          waiting.delete(m.id!);
        });
        const script = (id: string, source: string) => ({
          id,
          version: '1',
          source,
          entrypoint: 'render',
          filename: `scripts/${id}.py`,
          lineOffset: 0,
        });
        const trivial = script(
          'trivial',
          'def render(context, post):\n    return "<b>" + context["params"]["name"] + "</b>"\n',
        );
        const runaway = script('runaway', 'def render(context, post):\n    while True:\n        pass\n');
        const context = {
          params: { name: 'bench' },
          language: 'en',
          post_slug: 'a-post',
          env: { isPreview: true, mainLanguage: 'en', source: { kind: 'macro', id: 'bench' } },
        };
        const send = (
          request: Record<string, unknown>,
        ): { id: number; done: Promise<{ ok: boolean; error?: { code: string } }> } => {
          const id = ++seq;
          const done = new Promise<{ ok: boolean; error?: { code: string } }>((resolve) =>
            waiting.set(id, resolve),
          );
          frame.contentWindow!.postMessage({ type: 'bds-python', id, ...request }, origin);
          return { id, done };
        };
        const call = (s: typeof trivial, timeoutMs?: number) =>
          send({
            op: 'run',
            script: s,
            sandbox: true,
            call: { kind: 'macro', context, post: null },
            ...(timeoutMs === undefined ? {} : { timeoutMs }),
          });
        for (let i = 0; i < 20; i++) await call(trivial).done; // compile and warm up
        const warm: number[] = [];
        for (let i = 0; i < iterations; i++) {
          const t = performance.now();
          const r = await call(trivial).done;
          if (!r.ok) throw new Error('a warm call failed');
          warm.push(performance.now() - t);
        }
        const late: number[] = [];
        const nextCall: number[] = [];
        const stop: number[] = [];
        for (let i = 0; i < runaways; i++) {
          const t = performance.now();
          const r = await call(runaway, 300).done;
          late.push(performance.now() - t - 300);
          if (r.ok || r.error?.code !== 'python-timeout')
            throw new Error(`the runaway ended with ${JSON.stringify(r)}`);
          const t2 = performance.now();
          if (!(await call(trivial).done).ok) throw new Error('the call after a runaway failed');
          nextCall.push(performance.now() - t2);
          const run = call(runaway);
          await new Promise((resolve) => setTimeout(resolve, 200));
          const t3 = performance.now();
          frame.contentWindow!.postMessage(
            { type: 'bds-python', id: ++seq, op: 'stop', target: run.id },
            origin,
          );
          await run.done;
          stop.push(performance.now() - t3);
        }
        return {
          readyAt: bench.readyAt,
          loadMs: Number(bench.info.loadMs),
          isolated: Boolean(bench.info.isolated),
          pythonVersion: String(bench.info.pythonVersion),
          warm,
          late,
          nextCall,
          stop,
        };
      },
      { iterations, runaways },
    );
    report(results, asJson);
  } finally {
    await browser.close();
    await server.close();
    await ws.close();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function report(r: PageResults, asJson: boolean): void {
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return {
      p50: round(percentile(s, 50), 3),
      p95: round(percentile(s, 95), 3),
      max: round(s.at(-1) ?? 0, 3),
    };
  };
  const result = {
    chromium: true,
    isolated: r.isolated,
    python: r.pythonVersion,
    startMs: { pageToReady: round(r.readyAt), pyodideLoadInWorker: round(r.loadMs) },
    warmMacroMs: stats(r.warm),
    interruptLateMs: stats(r.late),
    nextCallAfterInterruptMs: stats(r.nextCall),
    stopMs: stats(r.stop),
  };
  if (asJson) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(
    `Python in Chromium (${r.isolated ? 'cross-origin isolated frame: interrupts' : 'not isolated: restarts'})`,
  );
  console.log(
    `  start: ready ${result.startMs.pageToReady} ms after the page started (Pyodide's load in the worker ${result.startMs.pyodideLoadInWorker} ms)`,
  );
  console.log(
    `  warm macro call (page -> frame -> worker -> page): p50 ${result.warmMacroMs.p50} ms, p95 ${result.warmMacroMs.p95} ms over ${r.warm.length}`,
  );
  console.log(
    `  runaway at a 300 ms limit: answered p50 ${result.interruptLateMs.p50} ms after the limit (max ${result.interruptLateMs.max}); the next call p50 ${result.nextCallAfterInterruptMs.p50} ms`,
  );
  console.log(`  Stop: answered p50 ${result.stopMs.p50} ms after Stop (max ${result.stopMs.max})`);
  console.log(JSON.stringify(result));
}
