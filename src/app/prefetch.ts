// What `bds` starts before the rest of it loads (see core/stat-prefetch.ts): a look at the post files of
// the project a command will open. Light on purpose: the CLI's entry imports it before anything else.
import fs from 'node:fs';
import path from 'node:path';
import { startStatPrefetch } from '../core/stat-prefetch.js';
import { startPostPrefetch } from '../content/posts/post-prefetch.js';
import { CONTENT_FOLDERS } from '../core/walk.js';

/** The project's settings file (content/project.ts SETTINGS_FILE, which this module does not load). */
const SETTINGS_FILE = 'bds.json';
/** Where a project keeps its index (Project.paths.index, which this module does not load). */
const INDEX_FILE = path.join('.bds', 'index.sqlite');

/**
 * Starts looking at the post files of `dir` when it is a project (holds bds.json): with an index, their
 * stats, to compare with it; without one (a project opened for the first time, or cleaned), the files
 * read and parsed, since the index is made from every one of them.
 */
export function prefetchProjectFiles(dir: string): void {
  const root = path.resolve(dir);
  const settings = path.join(root, SETTINGS_FILE);
  if (!fs.existsSync(settings)) return;
  if (fs.existsSync(path.join(root, INDEX_FILE))) {
    startStatPrefetch(root, CONTENT_FOLDERS);
    return;
  }
  // The timezone dates are read in, as bds.json gives it (the index takes the files only if the
  // project's settings agree: an invalid value there is replaced by the default).
  let timezone = 'UTC';
  try {
    const raw = JSON.parse(fs.readFileSync(settings, 'utf8')) as { timezone?: unknown };
    if (typeof raw.timezone === 'string') timezone = raw.timezone;
  } catch {
    return;
  }
  startPostPrefetch(root, CONTENT_FOLDERS, timezone);
}
