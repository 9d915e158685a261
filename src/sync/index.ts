// Git sync for a project folder, and the reconcile that applies a pull to the open project's index.
export {
  GitSync,
  gitEnvironment,
  parseNameStatus,
  parsePorcelain,
  type GitAvailability,
  type GitChange,
  type GitCommitInfo,
  type GitCommitResult,
  type GitFileStatus,
  type GitInitResult,
  type GitPullResult,
  type GitRemoteState,
  type GitRepoState,
  type GitStatus,
  type GitStatusFile,
  type GitSyncOptions,
  type SyncStatus,
} from './git.js';
export { classifyGitFailure, type GitActionResult, type GitFailureCode } from './git-errors.js';
export {
  areaOf,
  pullAndReconcile,
  reconcileAfterPull,
  type PullAndReconcileResult,
  type ReconcileArea,
  type ReconcileReport,
  type ReconcileTarget,
} from './reconcile.js';
