// A large build renders its pages on two threads: the build's own and one worker thread, which makes
// the same theme and renderer from the model, bodies and templates it is sent; both take the next page
// from a shared counter, so a thread that starts late or runs slow simply takes fewer. Pages are pure functions
// of those, so the files are the same either way; only a build with many pages to render (a first or
// forced build) is worth the thread's start and the copy of its data.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { BdsError, type ErrorCode } from '../core/errors.js';
import { workerEntry } from '../core/worker-entry.js';
import type { TemplateSource } from '../render/theme/index.js';
import type { SiteEntry, SiteModel } from './model.js';
import type { RenderedBody } from './post-bodies.js';
import type { SiteSettings } from './source.js';

/** Below this many pages to render, one thread is faster than starting another. */
export const DEFAULT_PAGE_WORKER_THRESHOLD = 1000;

export interface PageJob {
  /** Index of the page in `model.pages`. */
  index: number;
  file: string;
  /** The hash of the file the last build wrote, if any: an equal page is not written again. */
  oldHash: string | null;
}

export interface PageWorkerRequest {
  outDir: string;
  settings: SiteSettings;
  model: SiteModel;
  bodies: ReadonlyMap<SiteEntry, RenderedBody>;
  templates: ReadonlyMap<string, TemplateSource>;
  /** Every page to render; the build's thread and the worker claim them one at a time from `claim`. */
  jobs: PageJob[];
  /** A `PageClaims` buffer shared by both threads. */
  claim: SharedArrayBuffer;
}

/** Per job the worker took: its position in `jobs`, the file's hash, and whether it was written. */
export interface PageWorkerResult {
  taken: number[];
  hashes: string[];
  written: boolean[];
}

export type PageWorkerReply =
  | ({ ok: true } & PageWorkerResult)
  | {
      ok: false;
      error: { code: ErrorCode | 'internal'; message: string; file?: string; line?: number; column?: number };
    };

/**
 * True when a second thread can run beside this one: more than one core, and one of them free. The
 * load average counts this process too (the build's own thread, and Python workers that ran macros a
 * moment ago), so what the process itself used lately is taken off: the rest is other programs' load,
 * and a core is free when that is below the core count less the build's own thread. On a quiet 2-core
 * machine the second thread took a 4000-post build from ~4.1 s to ~3.3 s; on one busy with other
 * programs (load average 4) it added ~1.3 s of CPU (its start, the copy of the model, summaries
 * rendered by both threads) and no speed.
 */
export function canUsePageWorker(ifBusy = false): boolean {
  const cores = os.availableParallelism();
  if (cores <= 1) return false;
  return ifBusy || os.loadavg()[0]! - ownRecentLoad() < cores - 1;
}

/** Since when the process's own load is counted: its start, then a new window each minute. */
let window = { at: 0, cpuMs: 0 };

/** The cores this process kept busy on average (all its threads) over the last minute or so. */
export function ownRecentLoad(): number {
  const now = performance.now();
  const usage = process.cpuUsage();
  const cpuMs = (usage.user + usage.system) / 1000;
  const load = (cpuMs - window.cpuMs) / Math.max(1, now - window.at);
  if (now - window.at > 60_000) window = { at: now, cpuMs };
  return load;
}

function startWorker(): Worker {
  const { filename, evaluate } = workerEntry(import.meta.url, 'page-worker');
  return new Worker(filename, { eval: evaluate });
}

const NEXT = 0;
const WORKER = 1;
const WORKER_WAITING = 0;
const WORKER_TAKING = 1;
const WORKER_TOO_LATE = 2;

/**
 * Two shared words: the next job not yet taken (both threads add to it), and whether the worker began
 * taking jobs, so a build whose own thread took them all need not wait for a worker still starting.
 */
export class PageClaims {
  readonly words: Int32Array;

  constructor(
    buffer: SharedArrayBuffer = new SharedArrayBuffer(8),
    private readonly count = 0,
  ) {
    this.words = new Int32Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  /** The next job for this thread; undefined when all are taken. */
  next(): number | undefined {
    const i = Atomics.add(this.words, NEXT, 1);
    return i < this.count ? i : undefined;
  }

  /** Worker side, before its first job: false when the build already finished without it. */
  workerBegins(): boolean {
    return Atomics.compareExchange(this.words, WORKER, WORKER_WAITING, WORKER_TAKING) === WORKER_WAITING;
  }

  /** Build side, after its last job: true when the worker never began (its answer is not needed). */
  workerTooLate(): boolean {
    return Atomics.compareExchange(this.words, WORKER, WORKER_WAITING, WORKER_TOO_LATE) === WORKER_WAITING;
  }
}

/**
 * Starts a worker thread that takes jobs from `request.claim` until none are left; the promise gives
 * the jobs it took with their hashes, or rejects with the error a template raised (file and line kept).
 */
export function renderPagesOnWorker(request: PageWorkerRequest): {
  result: Promise<PageWorkerResult>;
  stop: () => Promise<void>;
} {
  const worker = startWorker();
  const result = new Promise<PageWorkerResult>((resolve, reject) => {
    worker.once('message', (message: PageWorkerReply) => {
      if (message.ok) resolve({ taken: message.taken, hashes: message.hashes, written: message.written });
      else if (message.error.code === 'internal')
        reject(new BdsError('site-worker-failed', message.error.message));
      else {
        const { code, message: text, file, line, column } = message.error;
        reject(new BdsError(code, text, { file, line, column }));
      }
    });
    worker.once('error', (e) =>
      reject(
        new BdsError('site-worker-failed', `the page rendering thread failed: ${e.message}`, { cause: e }),
      ),
    );
    worker.once('exit', (code) =>
      reject(new BdsError('site-worker-failed', `the page rendering thread stopped (exit code ${code})`)),
    );
    worker.postMessage(request);
  }).finally(() => void worker.terminate());
  // Nothing waits on a stopped worker's answer.
  result.catch(() => {});
  return { result, stop: async () => void (await worker.terminate()) };
}
