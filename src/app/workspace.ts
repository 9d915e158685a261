// A Workspace is one open project and the composition root of the application: it opens the index, the
// stores, the Python runtime, the watcher, events and tasks, and runs use cases (`call`) through the
// registry with the services they need. Nothing here is global; open as many workspaces as you like.
import chokidar, { type FSWatcher } from 'chokidar';
import fs from 'node:fs';
import path from 'node:path';
import { cleanTempFiles } from '../core/atomic.js';
import { BdsError, problemFrom, type Problem } from '../core/errors.js';
import { loadProject, toRel, updateProjectSettings, type Project } from '../content/project.js';
import { PostStore, type IndexReport } from '../content/posts/post-store.js';
import { META_FILES, metaProblems } from '../content/taxonomy.js';
import { MediaStore, type MediaIndexReport } from '../content/media/index.js';
import type { PythonRuntime, PythonRuntimeOptions } from '../scripting/index.js';
import { ScriptStore, type ScriptIndexReport } from '../scripting/scripts/script-store.js';
import { TrustStore } from '../scripting/scripts/trust.js';
import type { PythonMacroResolver } from '../render/index.js';
import { SiteBuilder, type PreviewServer, type SiteSource } from '../site/index.js';
import {
  MediaIndex,
  openIndexDb,
  PostIndex,
  ProblemIndex,
  ProjectWriteLock,
  ScriptIndex,
  type IndexDb,
} from '../store/index.js';
import { GitSync } from '../sync/index.js';
import { TaskRunner } from '../publish/index.js';
import { AppEventBus, type AppEvents } from './events.js';
import { MachineSettingsStore, type MachineSettings } from './machine-settings.js';
import { ProjectRegistry, bdsHome } from './projects.js';
import { createApiHandler, pythonApiMethods, pythonModule } from './python-api.js';
import { apiReference } from '../scripting/api/generate.js';
import { createWorkspaceRuntime, MacroScriptCache, WorkspaceMacroResolver } from './python.js';
import type { ApiHandler, BlockingApiHost } from '../scripting/runtime/types.js';
import { UseCaseThread } from './use-case-thread.js';
import type {
  ApiCaller,
  AppServices,
  CallContext,
  RebuildPart,
  RebuildReport,
  SiteServices,
} from './services.js';
import { startPreviewServer, type PreviewServerOptions } from './site.js';
import { WorkspaceSiteSource } from './site-source.js';
import { isSerial, type UseCase } from './use-case.js';
import {
  checkOutput,
  parseInput,
  useCase,
  type InputOf,
  type OutputOf,
  type UseCaseName,
} from './use-cases.js';

export type { RebuildReport } from './services.js';

export interface WorkspaceOptions {
  /** Watch the folder and apply edits made outside bds while it runs. */
  watch?: boolean;
  now?: () => Date;
  /** The user's bds folder (trust, registry, machine settings). Default: BDS_HOME or the XDG data dir. */
  home?: string;
  /** Options of the Python runtime, started on first use (over this machine's settings). */
  python?: PythonRuntimeOptions;
  /** How long a write waits for another bds process writing the same project (default 10 s). */
  lockTimeoutMs?: number;
}

export interface OpenReport {
  mode: 'rebuild' | 'reconcile';
  /** Why the index file was deleted and rebuilt at this opening (it was corrupt, or from a newer bds). */
  indexReset?: string;
  posts: IndexReport;
  media: MediaIndexReport;
  scripts: ScriptIndexReport;
  ms: number;
}

export class Workspace {
  readonly events = new AppEventBus();
  /** Long jobs (publish, build, rebuild) report progress through this runner. */
  readonly tasks = new TaskRunner();
  readonly openReport: OpenReport;
  /** The user's bds folder: trust, registry, machine settings, caches that must not live in a project. */
  readonly home: string;
  private current: Project;
  private readonly posts: PostStore;
  private readonly scripts: ScriptStore;
  private readonly media: MediaStore;
  private readonly postIndex: PostIndex;
  private readonly problemIndex: ProblemIndex;
  private readonly lock: ProjectWriteLock;
  private readonly machine: MachineSettingsStore;
  private readonly projects: ProjectRegistry;
  private readonly macroScripts: MacroScriptCache;
  private readonly services: AppServices;
  private readonly background = new Set<Promise<void>>();
  private runtime?: PythonRuntime;
  /** Runtimes replaced after a settings change, finishing the calls they had (see retirePython). */
  private readonly retired = new Set<PythonRuntime>();
  private gitSync?: GitSync;
  /** Main-thread mode: where the use cases Python waits for run (started at the first one). */
  private useCaseThread?: UseCaseThread;
  /** Changes this workspace announced (its events), so the helper thread knows when to open afresh. */
  private generation = 0;
  /** True while events of the helper thread are passed on: they are not changes made here. */
  private relaying = false;
  private siteServices?: SiteServices;
  private watcher?: FSWatcher;
  private watcherReady: Promise<void> = Promise.resolve();

  private constructor(
    project: Project,
    /** The index connection, for diagnostics and tests; use cases go through `call`. */
    readonly db: IndexDb,
    private readonly options: WorkspaceOptions,
  ) {
    this.current = project;
    this.home = options.home ?? bdsHome();
    this.postIndex = new PostIndex(db.sqlite);
    this.problemIndex = new ProblemIndex(db.orm);
    this.posts = new PostStore(project, this.postIndex, this.problemIndex, options.now);
    this.media = new MediaStore(project, new MediaIndex(db.sqlite), this.problemIndex, options.now);
    this.scripts = new ScriptStore(
      project,
      new ScriptIndex(db.sqlite),
      this.problemIndex,
      new TrustStore(this.home),
      options.now,
    );
    this.lock = new ProjectWriteLock(
      db.sqlite,
      options.lockTimeoutMs === undefined ? {} : { timeoutMs: options.lockTimeoutMs },
    );
    this.machine = new MachineSettingsStore(this.home);
    this.projects = new ProjectRegistry(this.home);
    this.macroScripts = new MacroScriptCache((slug) => this.scripts.macroBySlug(slug));
    this.events.on('scripts-changed', () => this.macroScripts.clear());
    this.events.onAny(() => {
      if (!this.relaying) this.generation++;
    });
    this.services = this.createServices();

    const t0 = performance.now();
    // Values of bds.json that now belong to this machine are taken once, as its first settings.
    this.machine.adoptLegacy(project.settings.id, project.legacyMachineSettings);
    const mode = db.fresh ? 'rebuild' : 'reconcile';
    // Another bds process may be writing this project: opening waits for it (the index lock).
    const [posts, media, scripts] = this.lock.runBlocking(() => {
      // Temp files a crashed writer left behind (atomic writes) in every folder bds writes to. Only
      // under the lock: outside it, they may be the temp files of another process writing right now.
      const p = project.paths;
      // (posts/ and drafts/: on the walk that indexes them.)
      for (const dir of [p.scripts, p.media, p.meta, p.thumbnails]) {
        try {
          cleanTempFiles(dir);
        } catch {
          // A folder that cannot be read keeps its temp files (dot-files, never read as content); the
          // scans below report the folder itself, and the rest of the project opens.
        }
      }
      this.recordProjectFileProblems();
      return db.fresh
        ? ([
            this.posts.rebuildFromFiles({ removeTempFiles: true }),
            this.media.rebuildFromFiles(),
            this.scripts.rebuildFromFiles(),
          ] as const)
        : ([
            this.posts.reconcile({ removeTempFiles: true }),
            this.media.reconcile(),
            this.scripts.reconcile(),
          ] as const);
    });
    this.openReport = {
      mode,
      ...(db.reset ? { indexReset: db.reset } : {}),
      posts,
      media,
      scripts,
      ms: performance.now() - t0,
    };
  }

  static open(dir: string, options: WorkspaceOptions = {}): Workspace {
    const project = loadProject(dir);
    const db = openIndexDb(project.paths.index);
    let ws: Workspace;
    try {
      ws = new Workspace(project, db, options);
    } catch (e) {
      db.close();
      throw e;
    }
    if (options.watch) void ws.watch();
    return ws;
  }

  get project(): Project {
    return this.current;
  }

  get root(): string {
    return this.current.root;
  }

  /**
   * Run a use case by name: the input is checked against its schema, a write waits for the project's
   * write lock (other writes in this process, other bds processes), the output is checked too.
   */
  async call<N extends UseCaseName>(name: N, input: InputOf<N>, ctx: CallContext = {}): Promise<OutputOf<N>> {
    const uc = useCase(name);
    const parsed = parseInput(uc, input);
    const run = () => this.runUseCase(uc, parsed, ctx);
    const value = isSerial(uc) ? await this.lock.run(run) : await run();
    return checkOutput(uc, value) as OutputOf<N>;
  }

  private runUseCase(uc: UseCase, input: unknown, ctx: CallContext): unknown {
    return uc.scope === 'user'
      ? uc.run({ home: this.home, projects: this.projects }, input, ctx)
      : uc.run(this.services, input, ctx);
  }

  /** The workspace's Python runtime, started on first use. */
  python(): PythonRuntime {
    this.runtime ??= createWorkspaceRuntime(
      this.home,
      this.machineSettings(),
      pythonModule(),
      this.options.python,
    );
    return this.runtime;
  }

  /**
   * The machine's Python settings changed (mode, pool size, time limits): the next call starts a runtime
   * with them, no restart. Calls the old runtime is running finish there; it goes once they are past
   * their longest time limit.
   */
  private retirePython(): void {
    const old = this.runtime;
    if (!old) return;
    this.runtime = undefined;
    this.retired.add(old);
    const m = this.machineSettings();
    const timer = setTimeout(
      () => {
        this.retired.delete(old);
        void old.dispose();
      },
      Math.max(m.macroTimeoutMs, m.utilityTimeoutMs, 10_000) + 1000,
    );
    timer.unref();
  }

  /** Answers the bds_api calls of a script run as `caller` may make them. */
  apiHandler(caller: ApiCaller): ApiHandler {
    return this.services.apiHandler(caller);
  }

  /** What the render pipeline uses to run `[[macro]]` scripts on this workspace's runtime. */
  macroResolver(): PythonMacroResolver {
    return this.services.macroResolver();
  }

  /** The site as this workspace shows it (posts, taxonomies, media), kept between builds. */
  siteSource(): SiteSource {
    return this.site().source;
  }

  /** Fill the posts search index now if a rebuild left it for the first search (to warm a server). */
  ensureSearchIndex(): void {
    this.postIndex.ensureSearchIndex();
  }

  /** Serve the site with drafts and live reload (the preview origin). */
  startPreview(options: PreviewServerOptions = {}): Promise<PreviewServer> {
    return startPreviewServer(this.services, options);
  }

  private machineSettings(): MachineSettings {
    return this.machine.read(this.current.settings.id);
  }

  private createServices(): AppServices {
    // The services read the current project each time: settings change under `updateSettings`.
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the services object is this workspace's view
    const ws = this;
    const macroResolver = (runtime?: () => PythonRuntime) =>
      new WorkspaceMacroResolver(services, this.macroScripts, runtime ?? (() => this.python()));
    const services: AppServices = {
      home: this.home,
      projects: this.projects,
      get project() {
        return ws.current;
      },
      get root() {
        return ws.current.root;
      },
      posts: this.posts,
      media: this.media,
      scripts: this.scripts,
      postIndex: this.postIndex,
      events: this.events,
      tasks: this.tasks,
      problems: () => this.problemIndex.list(),
      transaction: (fn) => this.transaction(fn),
      writeLocked: (fn) => this.lock.run(fn),
      rebuildFromFiles: (onProgress) => this.rebuildFromFiles(onProgress),
      rebuildPart: (part, onProgress) => this.rebuildPart(part, onProgress),
      applyExternalChange: (rel) => this.applyExternalChange(rel),
      changed: (name, paths) => this.events.emit(name, { paths, source: 'app' }),
      scriptsChanged: () => this.scriptsChanged(),
      emit: (name, payload) => this.events.emit(name, payload),
      python: () => this.python(),
      separatePython: (size) =>
        createWorkspaceRuntime(this.home, this.machineSettings(), pythonModule(), {
          ...this.options.python,
          size,
        }),
      macroResolver,
      apiHandler: (caller) =>
        createApiHandler((uc, input, blocking) => this.dispatchPython(uc, input, blocking), caller),
      apiReference: () => apiReference(pythonApiMethods()),
      pythonApiModule: () => pythonModule(),
      get site() {
        return ws.site();
      },
      git: () => (this.gitSync ??= new GitSync(this.current.root)),
      machineSettings: () => this.machineSettings(),
      writeMachineSettings: (patch) => {
        const written = this.machine.write(this.current.settings.id, patch);
        this.retirePython();
        return written;
      },
      watch: () => this.watch(),
      updateSettings: (patch) => {
        this.current = updateProjectSettings(this.current, patch);
        this.recordProjectFileProblems();
        return this.current;
      },
    };
    return services;
  }

  /**
   * A use case called from Python: reads at once; writes under the write lock, as a Promise the
   * worker waits for. With `blocking` (main-thread mode: Python waits on this thread, whose event loop
   * cannot run meanwhile) the answer is synchronous: a write takes the lock only if it is free now,
   * and a use case that waits runs in the helper thread while this thread blocks.
   */
  private dispatchPython(uc: UseCase, input: unknown, blocking?: BlockingApiHost): unknown {
    // The caller's environment is this machine's (ssh options for publishing come from it).
    const ctx: CallContext = { caller: 'python', env: process.env };
    const run = () => this.runUseCase(uc, input, ctx);
    if (blocking && uc.waits) return this.runInHelperThread(uc, input, blocking);
    if (!isSerial(uc)) return run();
    if (blocking) {
      const r = this.lock.tryRunSync(run);
      if (r.ran) return r.value;
      throw new BdsError('project-busy', 'Another write to this project is under way', {
        hint: 'main-thread mode cannot wait for it; try again, or use the worker mode (`bds config set pythonRuntimeMode worker`).',
      });
    }
    return this.lock.run(run);
  }

  /**
   * Run a use case that waits in the helper thread, blocking this one until it answers. The helper's
   * workspace is another writer of the project: it takes the write lock itself, as another bds process
   * would, and this thread holds nothing meanwhile (a script run is not serial: its calls take the lock
   * one by one). Should a job of this process hold the lock now, this thread could not let it go while
   * it blocks and the helper would wait for it in vain: such a call fails at once instead.
   */
  private runInHelperThread(uc: UseCase, input: unknown, blocking: BlockingApiHost): unknown {
    if (this.lock.held) {
      throw new BdsError('project-busy', `${uc.name} cannot run while this process writes the project`, {
        hint: 'main-thread mode cannot wait for the write under way; try again, or use the worker mode (`bds config set pythonRuntimeMode worker`).',
      });
    }
    this.useCaseThread ??= new UseCaseThread(
      this.current.root,
      {
        home: this.home,
        ...(this.options.python ? { python: this.options.python } : {}),
        lockTimeoutMs: this.lock.timeoutMs,
      },
      ({ name, payload }) => {
        this.relaying = true;
        try {
          this.events.emit(name, payload);
        } finally {
          this.relaying = false;
        }
      },
    );
    return this.useCaseThread.callBlocking(uc.name, input, this.generation, blocking);
  }

  private site(): SiteServices {
    if (!this.siteServices) {
      const source = new WorkspaceSiteSource(this.services);
      this.siteServices = { source, builder: new SiteBuilder(source) };
    }
    return this.siteServices;
  }

  private transaction<T>(fn: () => T): T {
    return this.db.sqlite.transaction(fn)();
  }

  /**
   * bds.json values that fell back to their defaults, and metadata files of meta/ that cannot be used
   * (read as empty meanwhile), listed with the other problems. Returns the meta/ problems.
   */
  private recordProjectFileProblems(): Problem[] {
    this.problemIndex.clearPath('bds.json');
    for (const p of this.current.settingsProblems) this.problemIndex.add(p);
    for (const file of META_FILES) this.problemIndex.clearPath(file);
    const meta = metaProblems(this.current);
    for (const p of meta) this.problemIndex.add(p);
    return meta;
  }

  /** Recreate the whole index from the folder (one transaction: a failure leaves the old index). */
  private rebuildFromFiles(onProgress?: (percent: number, message: string) => void): RebuildReport {
    const t0 = performance.now();
    const [posts, media, scripts] = this.transaction(() => {
      onProgress?.(0, 'Reading posts');
      const p = this.posts.rebuildFromFiles();
      onProgress?.(70, 'Reading media sidecars');
      const m = this.media.rebuildFromFiles();
      onProgress?.(90, 'Reading scripts');
      const s = this.scripts.rebuildFromFiles();
      this.recordProjectFileProblems();
      return [p, m, s] as const;
    });
    onProgress?.(100, 'Done');
    this.scriptsChanged();
    this.events.emit('posts-changed', { paths: [], source: 'app' });
    this.events.emit('media-changed', { paths: [], source: 'app' });
    return { posts, media, scripts, ms: performance.now() - t0 };
  }

  /** Recreate one part of the index from its files (one transaction: a failure keeps the old index). */
  private rebuildPart(
    part: RebuildPart,
    onProgress?: (percent: number, message: string) => void,
  ): Partial<RebuildReport> & { ms: number } {
    const t0 = performance.now();
    onProgress?.(0, `Reading ${part}`);
    const report = this.transaction(() => {
      const r =
        part === 'posts'
          ? { posts: this.posts.rebuildFromFiles() }
          : part === 'media'
            ? { media: this.media.rebuildFromFiles() }
            : { scripts: this.scripts.rebuildFromFiles() };
      this.recordProjectFileProblems();
      return r;
    });
    onProgress?.(100, 'Done');
    if (part === 'scripts') this.scriptsChanged();
    else this.events.emit(part === 'posts' ? 'posts-changed' : 'media-changed', { paths: [], source: 'app' });
    return { ...report, ms: performance.now() - t0 };
  }

  private scriptsChanged(): void {
    this.events.emit('scripts-changed', { macroSlugs: this.scripts.enabledMacroSlugs() });
  }

  // ------------------------------------------------------------------ watching

  /**
   * Watch posts/, drafts/, meta/, scripts/, media/ and templates/ and apply edits made outside bds (once; later calls
   * return the same promise). Resolves when the watcher is ready to report changes.
   */
  watch(): Promise<void> {
    if (this.watcher) return this.watcherReady;
    const p = this.current.paths;
    // Watched folders must exist: chokidar reports a missing one as a second, early 'ready'.
    const dirs = [p.posts, p.drafts, p.meta, p.scripts, p.media, p.templates];
    for (const dir of dirs) fs.mkdirSync(dir, { recursive: true });
    this.watcher = chokidar.watch(dirs, {
      ignoreInitial: true,
      ignored: (file: string) => path.basename(file).startsWith('.'),
      awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 },
      // A link is an entry of its own, as a rebuild sees it (and reports it); never followed.
      followSymlinks: false,
    });
    const watcher = this.watcher;
    this.watcherReady = new Promise((resolve) => watcher.once('ready', () => resolve()));
    const onFile = (abs: string) => {
      const rel = toRel(this.root, abs);
      // A post another bds process wrote is indexed already (the index is shared): it is news, not
      // work, and needs no turn at the write lock, which the writing processes are waiting for.
      if (this.indexedAsOnDisk(rel)) {
        if (!this.posts.isOwnWrite(rel))
          this.events.emit('posts-changed', { paths: [rel], source: 'external' });
        return;
      }
      // Index writes take the write lock like any other, so they never interleave with a use case.
      const work = this.lock
        .run(() => this.applyExternalChange(rel))
        .catch((e: unknown) => {
          // A change that cannot be applied is reported; watching goes on.
          this.events.emit('problem', problemFrom(e, rel));
        });
      this.track(work);
    };
    this.watcher.on('add', onFile).on('change', onFile).on('unlink', onFile);
    // A folder the watcher cannot read (EACCES) is reported; watching goes on.
    this.watcher.on('error', (e: unknown) => {
      const where = (e as { path?: unknown }).path;
      this.events.emit('problem', problemFrom(e, typeof where === 'string' ? toRel(this.root, where) : '.'));
    });
    return this.watcherReady;
  }

  /** A post or draft the index holds as it is on disk; false when that cannot be told (then index it). */
  private indexedAsOnDisk(rel: string): boolean {
    if (!rel.startsWith('posts/') && !rel.startsWith('drafts/')) return false;
    try {
      return this.posts.isIndexedAsOnDisk(rel);
    } catch {
      return false;
    }
  }

  /** Resolves once the watcher is ready to report changes. */
  watching(): Promise<void> {
    return this.watcherReady;
  }

  /** Apply one file changed outside bds (from the watcher, or a reconcile after a pull). */
  applyExternalChange(rel: string): void {
    if (rel.startsWith('posts/') || rel.startsWith('drafts/')) {
      // Any path, not only Markdown: a link to a folder is reported (and forgotten) as a rebuild does.
      // This workspace's own writes reach the watcher too; they are indexed already.
      if (this.posts.isOwnWrite(rel)) return;
      const problem = this.transaction(() => this.posts.indexFile(rel));
      if (problem) this.events.emit('problem', problem);
      this.events.emit('posts-changed', { paths: [rel], source: 'external' });
    } else if (rel.startsWith('scripts/') && rel.endsWith('.py')) {
      const problems = this.transaction(() => this.scripts.indexFile(rel));
      for (const problem of problems) this.events.emit('problem', problem);
      this.scriptsChanged();
    } else if (rel.startsWith('media/')) {
      // A sidecar or a media file: the store reads the sidecar again (and reports a file without one).
      const problem = this.transaction(() => this.media.indexFile(rel));
      if (problem) this.events.emit('problem', problem);
      this.events.emit('media-changed', { paths: [rel], source: 'external' });
      if (!rel.endsWith('.meta.yaml')) this.refreshThumbnails(rel);
    } else if (rel.startsWith('meta/')) {
      const problems = this.transaction(() => this.recordProjectFileProblems());
      for (const problem of problems) this.events.emit('problem', problem);
      this.events.emit('meta-changed', { paths: [rel], source: 'external' });
    } else if (rel.startsWith('templates/')) {
      this.events.emit('templates-changed', { paths: [rel], source: 'external' });
    }
  }

  /** Thumbnails of a media file replaced outside bds, made in the background; then `media-changed`. */
  private refreshThumbnails(rel: string): void {
    this.track(
      this.media.refreshThumbnails(rel).then(
        (paths) => {
          if (paths.length > 0) this.events.emit('media-changed', { paths, source: 'external' });
        },
        (e: unknown) => {
          this.events.emit('problem', problemFrom(e, rel));
        },
      ),
    );
  }

  private track(work: Promise<void>): void {
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  /** Resolves when background work (outside edits being applied, thumbnails) is done. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all(this.background);
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    this.watcher = undefined;
    await this.settled();
    await this.runtime?.dispose();
    this.runtime = undefined;
    await this.useCaseThread?.close();
    this.useCaseThread = undefined;
    await Promise.all([...this.retired].map((r) => r.dispose()));
    this.retired.clear();
    this.siteServices?.source.dispose();
    this.db.close();
  }
}

export type { AppEvents, Problem };
