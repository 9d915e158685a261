// The content files of a project and their stats, looked at on another thread while the process is
// still loading: `bds build` in a large project (50,000 posts: ~0.3 s of stat calls on this kind of
// machine) finds them ready when it opens the project, instead of walking after its code has loaded.
// Only a plain walk is handed over (Markdown files, no links, dot-files or unreadable folders: anything
// else makes the reader walk itself), and it is only a first look: the reader checks against the disk
// what it would change because of it (see PostStore.reconcile).
import path from 'node:path';
import { receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { startReadAhead } from './worker-entry.js';

/** What the worker sends: files in walk order (folder by folder, each sorted), and [mtimeMs, size] each. */
export interface PrefetchMessage {
  ok: boolean;
  files?: string;
  stats?: Float64Array;
}

export interface PrefetchedFiles {
  /** Project-relative paths, as walkFiles gives them for each folder in turn. */
  files: string[];
  stat(index: number): { mtimeMs: number; size: number };
}

interface Pending {
  root: string;
  subs: string;
  flag: Int32Array;
  port: MessagePort;
  worker: Worker;
}

// One per process, shared by every copy of this module (the CLI's bundle and dist/ may both hold one).
const KEY = Symbol.for('bds.statPrefetch');
const registry = globalThis as { [KEY]?: Pending };

export const FLAG_DONE = 1;

/** Starts looking at the Markdown files under `root/sub` for each of `subs`. */
export function startStatPrefetch(root: string, subs: readonly string[]): void {
  if (registry[KEY]) return;
  try {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const { worker, port } = startReadAhead(
      import.meta.url,
      'stat-prefetch-worker',
      { root, subs: [...subs], flag },
      () => Atomics.store(flag, 0, FLAG_DONE),
    );
    registry[KEY] = { root: path.resolve(root), subs: subs.join('\0'), flag, port, worker };
  } catch {
    // No prefetch: the reader walks itself.
  }
}

/**
 * The prefetched files of `root` and `subs` (waiting for them up to `timeoutMs`), or undefined when none
 * was started for them, it failed, or the walk met something only the reader's own walk reports. Once.
 */
export function takeStatPrefetch(
  root: string,
  subs: readonly string[],
  timeoutMs = 60_000,
): PrefetchedFiles | undefined {
  const pending = registry[KEY];
  if (!pending || pending.root !== path.resolve(root) || pending.subs !== subs.join('\0')) return undefined;
  registry[KEY] = undefined;
  try {
    Atomics.wait(pending.flag, 0, 0, timeoutMs);
    const received = receiveMessageOnPort(pending.port)?.message as PrefetchMessage | undefined;
    if (!received?.ok || received.files === undefined || !received.stats) return undefined;
    const files = received.files === '' ? [] : received.files.split('\n');
    const stats = received.stats;
    if (stats.length !== files.length * 2) return undefined;
    return { files, stat: (i) => ({ mtimeMs: stats[2 * i]!, size: stats[2 * i + 1]! }) };
  } finally {
    pending.port.close();
    void pending.worker.terminate();
  }
}
