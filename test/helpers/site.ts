// The site use cases as tests call them: a build through the registry with the in-process options
// (a macro resolver or none, page-worker tuning), and the preview server of a workspace.
import type { Workspace } from '../../src/app/workspace.js';
import type { PreviewServerOptions } from '../../src/app/site.js';
import type { PythonMacroResolver } from '../../src/render/index.js';
import type { BuildProgress } from '../../src/site/index.js';

export interface TestBuildOptions {
  outDir?: string;
  strict?: boolean;
  force?: boolean;
  /** Default: the workspace's resolver; null: no Python. */
  resolver?: PythonMacroResolver | null;
  pageWorkerThreshold?: number;
  /** See BuildOptions.planThreshold; default: `buildDefaults.planThreshold`, else bds's own. */
  planThreshold?: number;
  onProgress?: (progress: BuildProgress) => void;
}

/** Options every `buildSite` of a test file takes unless it gives its own (a suite run with a site plan). */
export const buildDefaults: Pick<TestBuildOptions, 'planThreshold'> = {};

export function buildSite(ws: Workspace, options: TestBuildOptions = {}) {
  const {
    resolver,
    pageWorkerThreshold,
    planThreshold = buildDefaults.planThreshold,
    onProgress,
    ...input
  } = options;
  return ws.call('site.build', input, {
    ...(onProgress ? { onBuildProgress: onProgress } : {}),
    build: {
      ...(resolver === undefined ? {} : { resolver }),
      ...(pageWorkerThreshold === undefined ? {} : { pageWorkerThreshold }),
      ...(planThreshold === undefined ? {} : { planThreshold }),
    },
  });
}

export function startPreviewServer(ws: Workspace, options: PreviewServerOptions = {}) {
  return ws.startPreview(options);
}
