// The post files of a project without an index, read and parsed on another thread while the process is
// still loading: `bds build` in a new or cleaned project (no .bds/) indexes every file, and reading and
// parsing them is most of that (4,000 posts: ~0.45 s of ~0.75 s). The worker walks the content folders
// as stat-prefetch.ts does, then sends the parsed files in chunks; the index takes each chunk as it
// comes and writes its rows meanwhile, so the two threads overlap.
// Only a plain walk is handed over (Markdown files, no links, dot-files or unreadable folders); a file
// the worker could not read or parse is read again by the reader, which reports it as always.
import path from 'node:path';
import { receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { startReadAhead } from '../../core/worker-entry.js';
import type { PostDocument } from './post-file.js';

/** What the worker sends, in this order: the walk, then the parsed files in chunks, then the end. */
export type PostPrefetchMessage =
  | { kind: 'files'; ok: boolean; files?: string[] }
  /** The documents of `files[start..]`: null where reading or parsing failed. */
  | { kind: 'docs'; start: number; docs: (PostDocument | null)[] }
  | { kind: 'end' };

/** How long one wait for the worker lasts before the reader looks whether it is still alive. */
const WAIT_SLICE_MS = 50;

/** Words shared with the worker: how many messages it has sent, and whether it has ended. */
export const SENT = 0;
export const ENDED = 1;

export interface PrefetchedPosts {
  /** Project-relative paths, as walkFiles gives them for each folder in turn. */
  files: string[];
  /** The parsed file `files[index]`, waiting for it if need be; undefined: read it yourself. */
  doc(index: number): PostDocument | undefined;
  /** Let the worker go (the docs not taken are read by the reader). */
  close(): void;
}

interface Pending {
  root: string;
  subs: string;
  timezone: string;
  words: Int32Array;
  port: MessagePort;
  worker: Worker;
}

// One per process, shared by every copy of this module (the CLI's bundle and dist/ may both hold one).
const KEY = Symbol.for('bds.postPrefetch');
const registry = globalThis as { [KEY]?: Pending };

/** Starts reading the Markdown files under `root/sub` for each of `subs`, dates read in `timezone`. */
export function startPostPrefetch(root: string, subs: readonly string[], timezone: string): void {
  if (registry[KEY]) return;
  try {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const { worker, port } = startReadAhead(
      import.meta.url,
      'post-prefetch-worker',
      { root, subs: [...subs], timezone, words },
      () => {
        Atomics.store(words, ENDED, 1);
        Atomics.notify(words, SENT);
      },
    );
    registry[KEY] = { root: path.resolve(root), subs: subs.join('\0'), timezone, words, port, worker };
  } catch {
    // No prefetch: the reader reads itself.
  }
}

/**
 * The prefetched posts of `root` and `subs` read in `timezone`, or undefined when none was started for
 * them, it failed, or the walk met something only the reader's own walk reports. Once. Each wait for
 * the worker is at most `timeoutMs`; after one runs out, the reader reads the rest itself.
 */
export function takePostPrefetch(
  root: string,
  subs: readonly string[],
  timezone: string,
  timeoutMs = 60_000,
): PrefetchedPosts | undefined {
  const pending = registry[KEY];
  if (!pending || pending.root !== path.resolve(root) || pending.subs !== subs.join('\0')) return undefined;
  registry[KEY] = undefined;
  const { words, port, worker } = pending;
  let received = 0;
  let given = false;
  const close = () => {
    given = true;
    port.close();
    void worker.terminate();
  };
  /** The worker's next message, waiting for it; undefined once it ended or went quiet too long. */
  const next = (): PostPrefetchMessage | undefined => {
    if (given) return undefined;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const m = receiveMessageOnPort(port);
      if (m !== undefined) {
        received++;
        return m.message as PostPrefetchMessage;
      }
      if (Atomics.load(words, ENDED) === 1 && Atomics.load(words, SENT) === received) return undefined;
      // In slices: a worker that died without a word (its code failed to load, say) is seen by its
      // thread id, since its 'error' event cannot reach this thread while it waits.
      if (worker.threadId === -1 && Atomics.load(words, SENT) === received) return undefined;
      if (performance.now() > deadline) return undefined;
      Atomics.wait(words, SENT, received, WAIT_SLICE_MS);
    }
  };
  const first = next();
  if (first?.kind !== 'files' || !first.ok || !first.files || pending.timezone !== timezone) {
    close();
    return undefined;
  }
  const files = first.files;
  const docs: (PostDocument | null)[] = [];
  return {
    files,
    doc(index) {
      while (docs.length <= index) {
        const m = next();
        if (m?.kind !== 'docs' || m.start !== docs.length) {
          close();
          return undefined;
        }
        for (const d of m.docs) docs.push(d);
      }
      const doc = docs[index];
      // Each is taken once: the index holds its row, and the worker's copy need not stay.
      docs[index] = null;
      return doc ?? undefined;
    },
    close,
  };
}
