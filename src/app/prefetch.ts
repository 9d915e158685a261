// What `bds` starts before the rest of it loads (see core/stat-prefetch.ts): a look at the post files of
// the project a command will open. Light on purpose: the CLI's entry imports it before anything else.
import fs from 'node:fs';
import path from 'node:path';
import { startStatPrefetch } from '../core/stat-prefetch.js';
import { CONTENT_FOLDERS } from '../core/walk.js';

/** Where a project keeps its index (Project.paths.index, which this module does not load). */
const INDEX_FILE = path.join('.bds', 'index.sqlite');

/**
 * Starts looking at the post files of `dir` when it is a project (holds bds.json) with an index to
 * compare them with (a project opened for the first time reads every file anyway).
 */
export function prefetchProjectFiles(dir: string): void {
  const root = path.resolve(dir);
  if (fs.existsSync(path.join(root, 'bds.json')) && fs.existsSync(path.join(root, INDEX_FILE))) {
    startStatPrefetch(root, CONTENT_FOLDERS);
  }
}
