// The narrow interface use cases get from an open project (the Workspace builds it): stores, index
// queries, events, tasks, Python and git, and a way to call another use case. Use cases never see the
// Workspace itself, so nothing goes round them.
import type { Problem } from '../core/errors.js';
import type { Project } from '../content/project.js';
import type { IndexReport, PostStore } from '../content/posts/post-store.js';
import type { MediaIndexReport, MediaStore } from '../content/media/index.js';
import type { PythonRuntime } from '../scripting/index.js';
import type { ScriptIndexReport, ScriptStore } from '../scripting/scripts/script-store.js';
import type { ApiHandler } from '../scripting/runtime/types.js';
import type { ApiReferenceEntry } from '../scripting/api/generate.js';
import type { PythonMacroResolver } from '../render/index.js';
import type { BuildOptions, BuildProgress, SiteBuilder, SiteSource } from '../site/index.js';
import type { PostIndex } from '../store/index.js';
import type { GitSync } from '../sync/index.js';
import type { TaskRunner } from '../publish/index.js';
import type { AppEventBus, AppEvents } from './events.js';
import type { MachineSettings } from './machine-settings.js';
import type { ProjectRegistry } from './projects.js';

/** What a use case of the user's bds (not of one project) may use. */
export interface UserServices {
  /** The user's bds folder: registry of projects, trust, machine settings, caches. */
  readonly home: string;
  readonly projects: ProjectRegistry;
}

/** How a caller follows a long use case: progress, and output of scripts as it arrives. */
export interface CallContext {
  /** Who asks: a build started from Python runs its macros on a runtime of its own. */
  caller?: 'cli' | 'http' | 'python' | 'app';
  onProgress?: (percent: number, message: string) => void;
  /** A site build's progress by phase (the CLI's progress bar). */
  onBuildProgress?: (progress: BuildProgress) => void;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  signal?: AbortSignal;
  /** The caller's environment (ssh options for publishing come from the user's machine, never the project). */
  env?: NodeJS.ProcessEnv;
  /** In-process callers only (tests, benchmarks): the macro resolver of a build (null: none), worker tuning. */
  build?: Pick<
    BuildOptions,
    'pageWorkerThreshold' | 'planThreshold' | 'workerDocumentsMin' | 'wholeDocuments'
  > & {
    resolver?: PythonMacroResolver | null;
  };
}

export interface RebuildReport {
  posts: IndexReport;
  media: MediaIndexReport;
  scripts: ScriptIndexReport;
  ms: number;
}

export type RebuildPart = 'posts' | 'media' | 'scripts';

export type ApiCaller = 'macro' | 'transform' | 'utility';

/** The site of a workspace: one builder (caches kept between builds) over one source. */
export interface SiteServices {
  readonly source: SiteSource & { dispose(): void; invalidate(): void };
  readonly builder: SiteBuilder;
}

export interface AppServices extends UserServices {
  /** The open project; `settings` change through `updateSettings`. */
  readonly project: Project;
  readonly root: string;
  readonly posts: PostStore;
  readonly media: MediaStore;
  readonly scripts: ScriptStore;
  /** Index queries across posts (tag and category counts, the search index). */
  readonly postIndex: PostIndex;
  readonly events: AppEventBus;
  readonly tasks: TaskRunner;
  problems(): Problem[];
  /** One SQLite transaction (nested ones become savepoints). */
  transaction<T>(fn: () => T): T;
  /**
   * Run `fn` under the project's write lock: a use case that is not serial (its slow part, such as
   * running scripts, must not hold up other writes) takes it around its own writes.
   */
  writeLocked<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Recreate the whole index from the folder, in one transaction. */
  rebuildFromFiles(onProgress?: (percent: number, message: string) => void): RebuildReport;
  /** Recreate one part of the index (posts, media or scripts) from its files, in one transaction. */
  rebuildPart(
    part: RebuildPart,
    onProgress?: (percent: number, message: string) => void,
  ): Partial<RebuildReport> & { ms: number };
  /** Apply one file changed outside bds (the watcher, a reconcile after a pull). */
  applyExternalChange(rel: string): void;
  /** Tell listeners what changed (the server forwards these as events). */
  changed(
    name: 'posts-changed' | 'media-changed' | 'meta-changed' | 'templates-changed',
    paths: string[],
  ): void;
  scriptsChanged(): void;
  emit<K extends keyof AppEvents>(name: K, payload: AppEvents[K]): void;
  /** The workspace's Python runtime, started on first use, with the machine's settings. */
  python(): PythonRuntime;
  /** A Python runtime of its own (a build started from Python must not wait for the script's worker). */
  separatePython(size: number): PythonRuntime;
  /** What the render pipeline uses to run `[[macro]]` scripts, on `runtime` (default: `python()`). */
  macroResolver(runtime?: () => PythonRuntime): PythonMacroResolver;
  /** Answers the bds_api calls of a script run, as `caller` may make them. */
  apiHandler(caller: ApiCaller): ApiHandler;
  /** The bds_api methods as a person reads them (the same source as docs/python-api.md). */
  apiReference(): ApiReferenceEntry[];
  /** The Python source of bds_api (the browser's runtime installs it too). */
  pythonApiModule(): string;
  readonly site: SiteServices;
  git(): GitSync;
  /** This machine's settings for the project (BDS_HOME): Python mode, pool size, timeouts. */
  machineSettings(): MachineSettings;
  writeMachineSettings(patch: Partial<MachineSettings>): MachineSettings;
  /** Start the watcher of outside edits (once); resolves when it reports changes. */
  watch(): Promise<void>;
  /** Validate and write bds.json, then tell listeners. */
  updateSettings(patch: Record<string, unknown>): Project;
}
