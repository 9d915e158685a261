// A large build renders its pages on several threads: the build's own and a worker thread per other
// core, each making the same theme and renderer from the model, bodies and templates it is sent; all take
// the next page from shared counters, so a thread that starts late or runs slow simply takes fewer. The
// workers take pages from the front (post pages) and the build's thread from the back (feeds, the sitemap
// and the lists): a worker then never renders the list summaries of every post, which the build's thread
// renders anyway, and holds only the post pages' share of memory.
// Pages are pure functions of those, so the files are the same either way; only a build with many pages
// to render (a first or forced build) is worth the threads' start and the copy of their data.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { BdsError, type ErrorCode } from '../core/errors.js';
import { workerEntry } from '../core/worker-entry.js';
import type { TemplateSource } from '../render/theme/index.js';
import type { SiteEntry, SiteModel } from './model.js';
import type { CacheWrite, RenderedBody } from './post-bodies.js';
import { withoutLazyPostText, type SiteSettings } from './source.js';

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
  /**
   * Entries whose body's HTML the worker reads from the render cache `file` when a page shows it (sent
   * without it; at 50,000 posts the HTML is ~90 MB of each worker's copy of the request), once the build
   * says the file is saved (`PageClaims.htmlSaved`).
   */
  htmlStored?: { file: string; entries: ReadonlySet<SiteEntry> };
  templates: ReadonlyMap<string, TemplateSource>;
  /**
   * For the first worker: the render cache's new rows, which it writes to `file` before anything else
   * (then tells every thread through `claim`), so the build's thread goes on with its pages meanwhile.
   */
  cacheWrite?: { file: string; write: CacheWrite };
  /** Every page to render; the build's thread and the worker claim them one at a time from `claim`. */
  jobs: PageJob[];
  /** A `PageClaims` buffer shared by all threads. */
  claim: SharedArrayBuffer;
  /** This worker's number (its word in `claim`). */
  worker?: number;
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
 * How many worker threads render pages beside the build's own: one per other core (up to 7), whatever
 * else the machine is doing, so a build uses every core and gives the same files either way.
 */
export function pageWorkerCount(): number {
  return Math.min(7, Math.max(0, os.availableParallelism() - 1));
}

/** The body without its HTML, which the worker reads from the render cache (a lazy body is not read). */
function withoutHtml(body: RenderedBody): RenderedBody {
  return {
    html: '',
    htmlHash: body.htmlHash,
    excerpt: body.excerpt,
    warnings: body.warnings,
    failures: body.failures,
    counters: body.counters,
  };
}

/**
 * Sends the request without the posts' Markdown, and without the HTML the worker reads from the render
 * cache: pages show rendered bodies, never the source, and at 50,000 posts the source is ~150 MB more
 * to copy and to hold in the worker. Posts that read their text lazily give none while the request is
 * copied (see withoutLazyPostText: copying would read them all); a post holding its text as plain data
 * gives it an empty one for the copy and has it back at once. Only those are redefined: redefining an
 * accessor turns the object into a dictionary for good.
 */
function postWithoutMarkdown(worker: Worker, request: PageWorkerRequest): void {
  const stored = request.htmlStored?.entries;
  const sent: PageWorkerRequest =
    stored && stored.size > 0
      ? {
          ...request,
          bodies: new Map(
            [...request.bodies].map(([entry, body]) => [entry, stored.has(entry) ? withoutHtml(body) : body]),
          ),
        }
      : request;
  const plain = request.model.entries
    .map((e) => e.post)
    .filter((p) => Object.getOwnPropertyDescriptor(p, 'body')?.get === undefined);
  const kept = plain.map((p) => [p.body, p.bodyLine] as const);
  for (const p of plain) {
    p.body = '';
    p.bodyLine = 1;
  }
  try {
    withoutLazyPostText(() => worker.postMessage(sent));
  } finally {
    plain.forEach((p, i) => {
      [p.body, p.bodyLine] = kept[i]!;
    });
  }
}

function startWorker(): Worker {
  const { filename, evaluate } = workerEntry(import.meta.url, 'page-worker');
  return new Worker(filename, { eval: evaluate });
}

/** Jobs taken, from the front, from the back; then a word per worker. */
const TAKEN = 0;
const FRONT = 1;
const BACK = 2;
const WORKERS = 3;
/** Up to this many workers have a word each. */
const MAX_WORKERS = 8;
/** Whether the render cache holds the HTML the workers read: 0 not yet, 1 saved, 2 the save failed. */
const HTML = WORKERS + MAX_WORKERS;
const HTML_SAVED = 1;
const HTML_LOST = 2;
const WORKER_WAITING = 0;
const WORKER_TAKING = 1;
const WORKER_TOO_LATE = 2;

/**
 * Shared words: how many jobs were taken (a thread first counts itself in there, so the two ends never
 * meet), the next job from the front and from the back, and per worker whether it began taking jobs, so
 * a build whose own thread took them all need not wait for a worker still starting.
 */
export class PageClaims {
  readonly words: Int32Array;

  constructor(
    buffer: SharedArrayBuffer = new SharedArrayBuffer(4 * (HTML + 1)),
    private readonly count = 0,
  ) {
    this.words = new Int32Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.words.buffer as SharedArrayBuffer;
  }

  /** The next job from the front (workers); undefined when all are taken. */
  next(): number | undefined {
    if (Atomics.add(this.words, TAKEN, 1) >= this.count) return undefined;
    return Atomics.add(this.words, FRONT, 1);
  }

  /** The next job from the back (the build's thread); undefined when all are taken. */
  nextFromBack(): number | undefined {
    if (Atomics.add(this.words, TAKEN, 1) >= this.count) return undefined;
    return this.count - 1 - Atomics.add(this.words, BACK, 1);
  }

  /** Worker side, before its first job: false when the build already finished without it. */
  workerBegins(worker = 0): boolean {
    return (
      Atomics.compareExchange(this.words, WORKERS + worker, WORKER_WAITING, WORKER_TAKING) === WORKER_WAITING
    );
  }

  /** Build side: the render cache was saved (or could not be), so workers may read HTML from it. */
  htmlSaved(ok: boolean): void {
    Atomics.store(this.words, HTML, ok ? HTML_SAVED : HTML_LOST);
    Atomics.notify(this.words, HTML);
  }

  /** Whether the render cache was saved (so far: a save under way is not). */
  htmlWasSaved(): boolean {
    return Atomics.load(this.words, HTML) === HTML_SAVED;
  }

  /** Worker side, before its first read of the render cache: waits for the save; false when it failed. */
  waitForHtml(): boolean {
    while (Atomics.load(this.words, HTML) === 0) Atomics.wait(this.words, HTML, 0);
    return Atomics.load(this.words, HTML) === HTML_SAVED;
  }

  /** Build side, after its last job: true when the worker never began (its answer is not needed). */
  workerTooLate(worker = 0): boolean {
    return (
      Atomics.compareExchange(this.words, WORKERS + worker, WORKER_WAITING, WORKER_TOO_LATE) ===
      WORKER_WAITING
    );
  }
}

/** A page worker thread, maybe started before its request (see startPageWorker). */
export interface StartedPageWorker {
  worker: Worker;
  /** Settles with the error that ended the thread, if it ends before it answers. */
  ended: Promise<BdsError>;
}

/**
 * Starts a page worker before its request: it loads its code (~0.3-0.4 s of a core) while the build
 * renders the bodies, which leave the other cores idle. It does not keep the process alive until it is
 * given its request; one never given one is terminated by its starter.
 */
export function startPageWorker(): StartedPageWorker {
  const worker = startWorker();
  worker.unref();
  const ended = new Promise<BdsError>((resolve) => {
    worker.once('error', (e) =>
      resolve(
        new BdsError('site-worker-failed', `the page rendering thread failed: ${e.message}`, { cause: e }),
      ),
    );
    worker.once('exit', (code) =>
      resolve(new BdsError('site-worker-failed', `the page rendering thread stopped (exit code ${code})`)),
    );
  });
  return { worker, ended };
}

/**
 * Has a worker thread (`started`, or one started now) take jobs from `request.claim` until none are
 * left; the promise gives the jobs it took with their hashes, or rejects with the error a template
 * raised (file and line kept).
 */
export function renderPagesOnWorker(
  request: PageWorkerRequest,
  started: StartedPageWorker = startPageWorker(),
): {
  result: Promise<PageWorkerResult>;
  stop: () => Promise<void>;
} {
  const { worker } = started;
  worker.ref();
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
    void started.ended.then(reject);
    postWithoutMarkdown(worker, request);
  }).finally(() => void worker.terminate());
  // Nothing waits on a stopped worker's answer.
  result.catch(() => {});
  return { result, stop: async () => void (await worker.terminate()) };
}
