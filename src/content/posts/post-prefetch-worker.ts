// The worker of post-prefetch.ts: walks the folders as walkFiles does and sends the files (or "not
// usable" when the walk met a link, a dot-file or a folder it could not read), then reads and parses
// them in that order, sending them in chunks as they are ready.
import { workerData, type MessagePort } from 'node:worker_threads';
import type { Problem } from '../../core/errors.js';
import { isMarkdownFile, walkFiles } from '../../core/walk.js';
import { readPostFile, type PostDocument } from './post-file.js';
import { ENDED, SENT, type PostPrefetchMessage } from './post-prefetch.js';

const { root, subs, timezone, words, port } = workerData as {
  root: string;
  subs: string[];
  timezone: string;
  words: Int32Array;
  port: MessagePort;
};

/** Files per message: small enough that the reader starts soon, large enough to wake it seldom. */
const CHUNK = 250;

function send(message: PostPrefetchMessage): void {
  port.postMessage(message);
  Atomics.add(words, SENT, 1);
  Atomics.notify(words, SENT);
}

try {
  const problems: Problem[] = [];
  let dotFiles = 0;
  const files: string[] = [];
  for (const sub of subs) files.push(...walkFiles(root, sub, isMarkdownFile, problems, () => dotFiles++));
  const ok = problems.length === 0 && dotFiles === 0;
  send(ok ? { kind: 'files', ok, files } : { kind: 'files', ok });
  if (ok) {
    for (let start = 0; start < files.length; start += CHUNK) {
      const docs: (PostDocument | null)[] = [];
      for (const rel of files.slice(start, start + CHUNK)) {
        try {
          docs.push(readPostFile(root, rel, timezone));
        } catch {
          // The reader reads it again and reports why it failed.
          docs.push(null);
        }
      }
      send({ kind: 'docs', start, docs });
    }
  }
  send({ kind: 'end' });
} finally {
  Atomics.store(words, ENDED, 1);
  Atomics.notify(words, SENT);
}
