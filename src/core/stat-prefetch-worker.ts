// The worker of stat-prefetch.ts: walks the folders as walkFiles does, stats every file, and hands the
// result over (or "not usable" when the walk met a link, a dot-file or a folder it could not read).
import fs from 'node:fs';
import path from 'node:path';
import { workerData, type MessagePort } from 'node:worker_threads';
import type { Problem } from './errors.js';
import { FLAG_DONE, type PrefetchMessage } from './stat-prefetch.js';
import { isMarkdownFile, walkFiles } from './walk.js';

const { root, subs, flag, port } = workerData as {
  root: string;
  subs: string[];
  flag: Int32Array;
  port: MessagePort;
};

let message: PrefetchMessage = { ok: false };
try {
  const problems: Problem[] = [];
  let dotFiles = 0;
  const files: string[] = [];
  for (const sub of subs) files.push(...walkFiles(root, sub, isMarkdownFile, problems, () => dotFiles++));
  if (problems.length === 0 && dotFiles === 0) {
    const stats = new Float64Array(files.length * 2);
    // Joined as PostStore.reconcile joins them.
    const base = root + path.sep;
    files.forEach((rel, i) => {
      const st = fs.statSync(base + rel);
      stats[2 * i] = st.mtimeMs;
      stats[2 * i + 1] = st.size;
    });
    message = { ok: true, files: files.join('\n'), stats };
  }
} catch {
  message = { ok: false };
}
port.postMessage(message, message.stats ? [message.stats.buffer as ArrayBuffer] : []);
Atomics.store(flag, 0, FLAG_DONE);
Atomics.notify(flag, 0);
