// Use cases of the site: build the static site of a workspace, and run the preview server over it.
// A workspace keeps one SiteBuilder (render cache and manifest in memory) so repeated builds in one
// process, as the app server and benchmarks do, only redo what changed.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { taskResult } from '../publish/index.js';
import type { PythonMacroResolver } from '../render/index.js';
import { TrustStore } from '../scripting/scripts/trust.js';
import { startPreview, type BuildProgress, type BuildSummary, type PreviewServer } from '../site/index.js';
import { WorkspaceMacroResolver } from './python.js';
import { WorkspaceSiteSource } from './site-source.js';
import type { AppServices, CallContext } from './services.js';
import { shaped, workspaceUseCase } from './use-case.js';

/** Where each build phase sits on the task's 0-100 scale. */
const PHASE_SPAN: Record<BuildProgress['phase'], [number, number]> = {
  load: [0, 2],
  posts: [2, 70],
  pages: [70, 95],
  media: [95, 100],
  done: [100, 100],
};
const PHASE_MESSAGE: Record<BuildProgress['phase'], string> = {
  load: 'Reading the project',
  posts: 'Rendering posts',
  pages: 'Writing pages',
  media: 'Copying media',
  done: 'Done',
};

const BuildSummarySchema = shaped<BuildSummary>(
  z.looseObject({
    outDir: z.string(),
    posts: z.number(),
    files: z.number(),
    pagesWritten: z.number(),
    pagesUnchanged: z.number(),
    pagesRemoved: z.number(),
    macroCounters: z.looseObject({
      builtin: z.number(),
      python: z.number(),
      unknown: z.number(),
      failed: z.number(),
    }),
    failures: z.array(
      z.looseObject({ macro: z.string(), reason: z.string(), message: z.string(), file: z.string() }),
    ),
    warnings: z.array(z.looseObject({ code: z.string(), message: z.string() })),
    upToDate: z.boolean().optional(),
    ms: z.number(),
  }),
);

/**
 * Build the site into html/ (or `outDir`), writing only what changed since the last build. The build
 * runs as a task of the workspace, so the UI sees its progress next to publishing.
 */
async function build(
  app: AppServices,
  input: { strict?: boolean; force?: boolean; outDir?: string },
  ctx: CallContext,
): Promise<BuildSummary> {
  let separate: ReturnType<AppServices['separatePython']> | undefined;
  let resolver = ctx.build?.resolver;
  if (resolver === undefined) {
    // A script calling bds_api.site.build holds a worker of the workspace's runtime while it waits, so
    // the build's macros run in a runtime of their own (started only when a post holds a Python macro):
    // with a single worker they would otherwise wait for the script that waits for them.
    resolver =
      ctx.caller === 'python'
        ? app.macroResolver(() => (separate ??= app.separatePython(1)))
        : app.macroResolver();
  }
  // Listeners (the app server's event stream) hear a phase change at once, else at most every 100 ms.
  let lastEmit = { phase: '', at: 0 };
  const handle = app.tasks.add({
    name: 'Build site',
    run: (task) =>
      app.site.builder.build({
        ...input,
        ...(ctx.build?.pageWorkerThreshold === undefined
          ? {}
          : { pageWorkerThreshold: ctx.build.pageWorkerThreshold }),
        ...(ctx.build?.planThreshold === undefined ? {} : { planThreshold: ctx.build.planThreshold }),
        ...(ctx.build?.workerDocumentsMin === undefined
          ? {}
          : { workerDocumentsMin: ctx.build.workerDocumentsMin }),
        ...(ctx.build?.wholeDocuments === undefined ? {} : { wholeDocuments: ctx.build.wholeDocuments }),
        resolver,
        signal: task.signal,
        onProgress: (p) => {
          ctx.onBuildProgress?.(p);
          const [from, to] = PHASE_SPAN[p.phase];
          const share = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
          const percent = Math.round(from + (to - from) * share);
          task.progress(percent, PHASE_MESSAGE[p.phase]);
          ctx.onProgress?.(percent, PHASE_MESSAGE[p.phase]);
          const now = performance.now();
          if (p.phase !== lastEmit.phase || now - lastEmit.at >= 100) {
            lastEmit = { phase: p.phase, at: now };
            app.emit('build-progress', { ...p, percent, message: PHASE_MESSAGE[p.phase] });
          }
        },
      }),
  });
  try {
    return await taskResult(handle, 'The site build');
  } finally {
    await separate?.dispose();
  }
}

export const buildSiteUseCase = workspaceUseCase({
  name: 'site.build',
  description:
    'Build the static site into html/, writing only what changed; macro failures are listed (strict: nothing is written).',
  input: z.object({
    strict: z.boolean().optional().describe('fail (and write nothing) when a macro fails'),
    force: z.boolean().optional().describe('ignore the caches and write every file again'),
    outDir: z.string().optional().describe('build into this folder instead of html/'),
  }),
  output: BuildSummarySchema,
  readOnly: false,
  waits: true,
  // Builds write html/ and caches, never the project's files: saves must not wait for a build.
  serial: false,
  errors: [
    'site-strict',
    'template-error',
    'site-route-conflict',
    'site-cache-changed',
    'task-cancelled',
    'io-error',
  ],
  http: { method: 'POST', path: '/api/site/build' },
  python: {
    method: 'site.build',
    params: z.object({
      strict: z.boolean().optional().describe('fail (and write nothing) when a macro fails'),
      force: z.boolean().optional().describe('ignore the caches and write every file again'),
    }),
    fromOutput: ({ media: _m, thumbnails: _t, ...summary }: BuildSummary) => summary,
  },
  run: (app, input, ctx) => build(app, input, ctx),
});

export const SITE_USE_CASES = [buildSiteUseCase] as const;

export interface PreviewServerOptions {
  /** Default 4123; 0 picks a free port. */
  port?: number;
  /** Default: the workspace's resolver; null: none. */
  resolver?: PythonMacroResolver | null;
  /**
   * Watch posts/, drafts/, scripts/, meta/ and media/ and apply outside edits to the index (for a
   * workspace opened without `watch`, as the CLI does). Templates, media and thumbnails are always watched.
   */
  watchContent?: boolean;
  /** Origins that may show the preview in a frame (the app server's). */
  frameAncestors?: readonly string[];
  /** Host the browser's Python runtime: where the built web UI and the pyodide package are. */
  browserPython?: { webRoot: string; pyodide: { dir: string; version: string } };
}

/** Serve the site on 127.0.0.1 with drafts, error boxes and live reload. */
export async function startPreviewServer(
  app: AppServices,
  options: PreviewServerOptions = {},
): Promise<PreviewServer> {
  const source = new WorkspaceSiteSource(app);
  const resolver = options.resolver === undefined ? app.macroResolver() : options.resolver;
  const server = await startPreview(source, {
    ...(options.port === undefined ? {} : { port: options.port }),
    resolver,
    problems: () => app.problems(),
    ...(options.frameAncestors ? { frameAncestors: options.frameAncestors } : {}),
    ...(options.browserPython && resolver && resolver instanceof WorkspaceMacroResolver
      ? {
          python: {
            ...options.browserPython,
            bdsApiModule: app.pythonApiModule(),
            plan: (call, planOptions) => resolver.plan(call, planOptions),
            api: app.apiHandler('macro'),
            timeouts: () => {
              const m = app.machineSettings();
              return { macro: m.macroTimeoutMs, utility: m.utilityTimeoutMs };
            },
          },
        }
      : {}),
  });
  const trust = watchTrust(app.home, server);
  // The workspace's own watcher applies outside edits; its events reach the server through the source.
  const ready = options.watchContent ? app.watch() : Promise.resolve();
  return {
    ...server,
    watching: Promise.all([server.watching, ready]).then(() => undefined),
    close: async () => {
      trust.close();
      await server.close();
      source.dispose();
    },
  };
}

/**
 * Trust lives in BDS_HOME, outside the project: `bds script trust` in another terminal changes what the
 * macros render without touching a project file, so the preview watches that one file too. A plain
 * directory watch: trust is written by rename, and chokidar drops a second rename that follows within
 * a few tens of milliseconds (re-watching the replaced file), which left the preview on the old trust.
 */
function watchTrust(home: string, server: PreviewServer): { close(): void } {
  const file = new TrustStore(home).file;
  const dir = path.dirname(file);
  const name = path.basename(file);
  fs.mkdirSync(dir, { recursive: true });
  const watcher = fs.watch(dir, (_event, changed) => {
    if (changed === name) server.notify('scripts', []);
  });
  return { close: () => watcher.close() };
}
