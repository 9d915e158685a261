// The application layer as its callers (the CLI, the HTTP server) see it: the Workspace, the use-case
// registry and its types, the user's projects, and the formatting helpers of errors and build reports.
export { Workspace, type WorkspaceOptions, type OpenReport } from './workspace.js';
export {
  ALL_USE_CASES,
  WORKSPACE_USE_CASES,
  findUseCase,
  callUserUseCase,
  type InputOf,
  type OutputOf,
  type UseCaseName,
  type UserUseCaseName,
  type WorkspaceUseCaseName,
} from './use-cases.js';
export type { CallContext, UseCase, HttpMethod } from './use-case.js';
export { isSerial, pythonViews } from './use-case.js';
export { pythonApiMethods } from './python-api.js';
export { lineDiff, type DiffLine } from '../core/line-diff.js';
export { BACKGROUND_NICENESS, runInBackground } from '../core/priority.js';
export { BLOGMARK_LIMITS, inspectBlogmark, type BlogmarkField } from './blogmark-input.js';
export { ProjectRegistry, bdsHome, resolveProjectDir } from './projects.js';
export type { PreviewServerOptions } from './site.js';
export type { AppEvents } from './events.js';
export {
  BdsError,
  ERROR_CATALOGUE,
  HTTP_STATUS,
  escapeControl,
  formatError,
  formatProblem,
  isBdsError,
  type ErrorBody,
  type ErrorCode,
  type Problem,
} from '../core/errors.js';
export { formatMacroFailure } from '../render/index.js';
export { formatSiteWarning, type BuildPhase, type BuildSummary } from '../site/index.js';
export { PUBLISHING_FILE } from '../publish/index.js';
