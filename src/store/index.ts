// The SQLite index: a cache derived from the project's files.
export { openIndexDb, type IndexDb, type Sqlite } from './db.js';
export {
  PostIndex,
  toFtsQuery,
  type PostRow,
  type PostRowInput,
  type PostListQuery,
  type SearchHit,
  type DraftRowInput,
  type MediaUsage,
} from './post-index.js';
export { MediaIndex, type MediaRowInput } from './media-index.js';
export { ProblemIndex } from './problem-index.js';
export { ScriptIndex, RUNS_KEPT, type ScriptRow, type ScriptRun } from './script-index.js';
export {
  ProjectWriteLock,
  DEFAULT_LOCK_TIMEOUT_MS,
  type ProjectWriteLockOptions,
  type TryRunSyncResult,
} from './write-lock.js';
