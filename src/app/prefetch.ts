// What `bds` starts before the rest of it loads (see core/stat-prefetch.ts): a look at the post files of
// the project a command will open. Light on purpose: the CLI's entry imports it before anything else.
import fs from 'node:fs';
import path from 'node:path';
import { startStatPrefetch } from '../core/stat-prefetch.js';
import { CONTENT_FOLDERS } from '../core/walk.js';

/** Starts looking at the post files of `dir` when it is a project (holds bds.json). */
export function prefetchProjectFiles(dir: string): void {
  const root = path.resolve(dir);
  if (fs.existsSync(path.join(root, 'bds.json'))) startStatPrefetch(root, CONTENT_FOLDERS);
}
