// A Workspace is one open project: its index, its stores and the use cases the CLI, the HTTP API and
// Python's bds_api all call. Nothing here is global; open as many workspaces as you like.
import chokidar, { type FSWatcher } from 'chokidar';
import fs from 'node:fs';
import path from 'node:path';
import { cleanTempFiles } from '../core/atomic.js';
import { BdsError, problemFrom, type Problem } from '../core/errors.js';
import type { PostFrontmatter } from '../core/schemas.js';
import { loadProject, toRel, type Project } from '../content/project.js';
import {
  PostStore,
  type CreatePostInput,
  type IndexReport,
  type Post,
  type PostInput,
} from '../content/posts/post-store.js';
import {
  isValidColour,
  readCategories,
  readTagMeta,
  writeCategories,
  writeTagMeta,
  type CategoryMeta,
} from '../content/taxonomy.js';
import {
  ScriptStore,
  type CreateScriptInput,
  type GitChange,
  type Script,
  type ScriptIndexReport,
  type UpdateScriptInput,
} from '../scripting/scripts/script-store.js';
import { TrustStore } from '../scripting/scripts/trust.js';
import { bdsHome } from './registry.js';
import {
  openIndexDb,
  PostIndex,
  MediaIndex,
  ProblemIndex,
  ScriptIndex,
  type IndexDb,
  type PostListQuery,
  type PostRow,
} from '../store/index.js';
import { GitSync, pullAndReconcile, type PullAndReconcileResult } from '../sync/index.js';
import {
  readPublishSettings,
  TaskRunner,
  uploadSite,
  type UploadOptions,
  type UploadResult,
} from '../publish/index.js';
import type { PythonRuntime, PythonRuntimeOptions } from '../scripting/index.js';
import {
  MediaStore,
  type MediaImportResult,
  type MediaIndexReport,
  type MediaPatch,
  type MediaRecord,
} from '../content/media/index.js';
import { AppEventBus } from './events.js';
import {
  checkScript,
  createWorkspaceRuntime,
  runUtility,
  WorkspaceMacroResolver,
  type CheckReport,
  type UtilityRunReport,
} from './python.js';

export interface WorkspaceOptions {
  /** Watch the folder and apply edits made outside bds while it runs. */
  watch?: boolean;
  now?: () => Date;
  /** The user's bds folder (trust, registry). Default: BDS_HOME or the XDG data dir. */
  home?: string;
  /** Options of the Python runtime, started on first use (mode comes from bds.json). */
  python?: PythonRuntimeOptions;
}

export interface OpenReport {
  mode: 'rebuild' | 'reconcile';
  posts: IndexReport;
  media: MediaIndexReport;
  scripts: ScriptIndexReport;
  ms: number;
}

export interface TagInfo {
  name: string;
  color?: string;
  count: number;
  publishedCount: number;
}

export interface RebuildReport {
  posts: IndexReport;
  media: MediaIndexReport;
  scripts: ScriptIndexReport;
  ms: number;
}

export class Workspace {
  readonly events = new AppEventBus();
  readonly posts: PostStore;
  readonly scripts: ScriptStore;
  readonly media: MediaStore;
  readonly openReport: OpenReport;
  /** The user's bds folder: trust, registry, caches that must not live in a project. */
  readonly home: string;
  /** Long jobs (publish, build) report progress through this runner. */
  readonly tasks = new TaskRunner();
  private readonly background = new Set<Promise<void>>();
  private runtime?: PythonRuntime;
  private gitSync?: GitSync;
  private watcher?: FSWatcher;
  private watcherReady: Promise<void> = Promise.resolve();
  private readonly postIndex: PostIndex;
  private readonly problemIndex: ProblemIndex;

  private constructor(
    public project: Project,
    readonly db: IndexDb,
    private readonly options: WorkspaceOptions,
  ) {
    this.postIndex = new PostIndex(db.sqlite);
    this.problemIndex = new ProblemIndex(db.orm);
    this.posts = new PostStore(project, this.postIndex, this.problemIndex, options.now);
    this.media = new MediaStore(project, new MediaIndex(db.sqlite), this.problemIndex, options.now);
    this.home = options.home ?? bdsHome();
    const trust = new TrustStore(this.home);
    this.scripts = new ScriptStore(
      project,
      new ScriptIndex(db.sqlite),
      this.problemIndex,
      trust,
      options.now,
    );
    const t0 = performance.now();
    // Temp files a crashed writer left behind (atomic writes) in every folder bds writes to.
    const p = project.paths;
    for (const dir of [p.posts, p.drafts, p.scripts, p.media, p.meta, p.thumbnails]) cleanTempFiles(dir);
    const mode = db.fresh ? 'rebuild' : 'reconcile';
    const [posts, media, scripts] = this.transaction(() =>
      db.fresh
        ? ([
            this.posts.rebuildFromFiles(),
            this.media.rebuildFromFiles(),
            this.scripts.rebuildFromFiles(),
          ] as const)
        : ([this.posts.reconcile(), this.media.reconcile(), this.scripts.reconcile()] as const),
    );
    this.openReport = { mode, posts, media, scripts, ms: performance.now() - t0 };
  }

  static open(dir: string, options: WorkspaceOptions = {}): Workspace {
    const project = loadProject(dir);
    const db = openIndexDb(project.paths.index);
    const ws = new Workspace(project, db, options);
    if (options.watch) void ws.watch();
    return ws;
  }

  get root(): string {
    return this.project.root;
  }

  transaction<T>(fn: () => T): T {
    return this.db.sqlite.transaction(fn)();
  }

  /** Recreate the whole index from the folder (one transaction: a failure leaves the old index). */
  rebuildFromFiles(onProgress?: (percent: number, message: string) => void): RebuildReport {
    const t0 = performance.now();
    const [posts, media, scripts] = this.transaction(() => {
      onProgress?.(0, 'Reading posts');
      const p = this.posts.rebuildFromFiles();
      onProgress?.(70, 'Reading media sidecars');
      const m = this.media.rebuildFromFiles();
      onProgress?.(90, 'Reading scripts');
      return [p, m, this.scripts.rebuildFromFiles()] as const;
    });
    onProgress?.(100, 'Done');
    this.scriptsChanged();
    this.events.emit('posts-changed', { paths: [], source: 'app' });
    this.events.emit('media-changed', { paths: [], source: 'app' });
    return { posts, media, scripts, ms: performance.now() - t0 };
  }

  /** `rebuildFromFiles` as a task of `tasks`, so the UI sees it with the other long jobs. */
  async rebuildTask(): Promise<RebuildReport> {
    const outcome = await this.tasks.add({
      name: 'Rebuild index',
      run: (task) => this.rebuildFromFiles((percent, message) => task.progress(percent, message)),
    }).done;
    if (outcome.status === 'completed') return outcome.value!;
    if (outcome.status === 'cancelled')
      throw new BdsError('task-cancelled', 'The index rebuild was cancelled');
    throw outcome.error;
  }

  // ------------------------------------------------------------------ media

  /** Copy files into media/ with sidecars and thumbnails; one failing file does not stop the others. */
  async importMedia(
    files: string[],
    meta: { title?: string; alt?: string; caption?: string; tags?: string[] } = {},
    onProgress?: (done: number, total: number, file: string) => void,
  ): Promise<MediaImportResult[]> {
    const results = await this.media.import(files, meta, onProgress);
    this.changed(
      'media-changed',
      results.flatMap((r) => (r.record ? [r.record.path] : [])),
    );
    return results;
  }

  listMedia(): MediaRecord[] {
    return this.media.list();
  }

  getMedia(id: string): MediaRecord {
    return this.media.get(id);
  }

  /** Media linked to a post, in order (what the gallery macro shows). */
  linkedMedia(postId: string): MediaRecord[] {
    return this.media.linkedToPost(postId);
  }

  searchMedia(text: string, limit?: number): MediaRecord[] {
    return this.media.search(text, limit);
  }

  updateMedia(id: string, patch: MediaPatch): MediaRecord {
    const r = this.transaction(() => this.media.update(id, patch));
    this.changed('media-changed', [r.path]);
    return r;
  }

  /** Delete a media file, its sidecar and thumbnails, and unlink it from every post. */
  deleteMedia(id: string): MediaRecord {
    const r = this.transaction(() => {
      const record = this.media.delete(id);
      this.posts.rewriteAll((fm) =>
        fm.media.includes(id) ? { media: fm.media.filter((m) => m !== id) } : undefined,
      );
      return record;
    });
    this.changed('media-changed', [r.path]);
    return r;
  }

  /** Link media to a post, in order (appended after the ones already linked, without repeats). */
  linkMedia(postRef: string, mediaIds: string[], options: { replace?: boolean } = {}): Post {
    for (const id of mediaIds) this.media.get(id);
    const post = this.posts.get(postRef);
    const current = options.replace ? [] : ((post.pending?.data.media as string[] | undefined) ?? post.media);
    const media = [...new Set([...current, ...mediaIds])];
    return this.updatePost(post.id, { media });
  }

  unlinkMedia(postRef: string, mediaIds: string[]): Post {
    const post = this.posts.get(postRef);
    const current = (post.pending?.data.media as string[] | undefined) ?? post.media;
    return this.updatePost(post.id, { media: current.filter((m) => !mediaIds.includes(m)) });
  }

  // ------------------------------------------------------------------ python

  /** The workspace's Python runtime, started on first use. */
  python(): PythonRuntime {
    this.runtime ??= createWorkspaceRuntime(this, this.options.python);
    return this.runtime;
  }

  /** What the render pipeline uses to run `[[macro]]` scripts. */
  macroResolver(): WorkspaceMacroResolver {
    return new WorkspaceMacroResolver(this, () => this.python());
  }

  /** Syntax errors with line and column, top-level functions, entrypoint warnings. */
  checkScript(ref: string): Promise<CheckReport> {
    return checkScript(this.python(), this.scripts.get(ref));
  }

  /** Run a utility script's `main(context)` with `params`; refuses untrusted scripts. */
  runScript(
    ref: string,
    params: Record<string, unknown> = {},
    onOutput?: (stream: 'stdout' | 'stderr', text: string) => void,
  ): Promise<UtilityRunReport> {
    const s = this.scripts.get(ref);
    if (s.kind !== 'utility') {
      throw new BdsError(
        'invalid-argument',
        `${s.slug} is a ${s.kind} script; only utility scripts run on their own`,
      );
    }
    return runUtility(this, this.python(), s, params, onOutput);
  }

  // ------------------------------------------------------------------ git and publish

  git(): GitSync {
    this.gitSync ??= new GitSync(this.root);
    return this.gitSync;
  }

  /** Pull, then apply what changed to the index (posts, drafts, meta, media, scripts, templates). */
  async pull(): Promise<PullAndReconcileResult> {
    const r = await pullAndReconcile(this, this.git());
    if (r.success && 'headMoved' in r && r.headMoved) this.scriptsChanged();
    return r;
  }

  /** Upload html/, thumbnails/ and media/ with the settings of meta/publishing.json. */
  publish(options: Omit<UploadOptions, 'runner'> = {}): Promise<UploadResult> {
    return uploadSite(this, readPublishSettings(this.root), { ...options, runner: this.tasks });
  }

  // ------------------------------------------------------------------ scripts

  listScripts(): Script[] {
    return this.scripts.list();
  }

  getScript(ref: string): Script {
    return this.scripts.get(ref);
  }

  createScript(input: CreateScriptInput): Script {
    return this.scriptOp(() => this.scripts.create(input));
  }

  updateScript(ref: string, patch: UpdateScriptInput): Script {
    return this.scriptOp(() => this.scripts.update(ref, patch));
  }

  setScriptEnabled(ref: string, enabled: boolean): Script {
    return this.scriptOp(() => this.scripts.setEnabled(ref, enabled));
  }

  trustScript(ref: string): Script {
    return this.scriptOp(() => this.scripts.trust(ref));
  }

  /** Rename a script (its macro name); lists the posts that still use the old name. */
  renameScript(ref: string, newSlug: string): { script: Script; stillUsedBy: string[] } {
    const res = this.transaction(() => this.scripts.rename(ref, newSlug, (m) => this.postsUsingMacro(m)));
    this.scriptsChanged();
    return res;
  }

  deleteScript(ref: string): { id: string; slug: string } {
    const res = this.transaction(() => this.scripts.delete(ref));
    this.scriptsChanged();
    return res;
  }

  rebuildScripts(): ScriptIndexReport {
    const r = this.transaction(() => this.scripts.rebuildFromFiles());
    this.scriptsChanged();
    return r;
  }

  /** Apply script deltas from a git pull. */
  reconcileScriptsFromGitChanges(changes: GitChange[]): ScriptIndexReport {
    const r = this.transaction(() => this.scripts.reconcileFromGitChanges(changes));
    this.scriptsChanged();
    return r;
  }

  /** Slugs of posts whose Markdown holds `[[macro ...]]`. */
  postsUsingMacro(macro: string): string[] {
    const re = new RegExp(`\\[\\[${macro}(?=[\\s\\]])`, 'i');
    return this.postIndex
      .list()
      .filter((p) => re.test(p.body))
      .map((p) => p.slug);
  }

  private scriptOp(fn: () => Script): Script {
    const script = this.transaction(fn);
    this.scriptsChanged();
    return script;
  }

  private scriptsChanged(): void {
    this.events.emit('scripts-changed', { macroSlugs: this.scripts.enabledMacroSlugs() });
  }

  problems(): Problem[] {
    return this.problemIndex.list();
  }

  // ------------------------------------------------------------------ posts

  createPost(input: CreatePostInput): Post {
    const post = this.transaction(() => this.posts.create(input));
    this.changed('posts-changed', [post.path]);
    return post;
  }

  updatePost(ref: string, patch: PostInput): Post {
    const post = this.transaction(() => this.posts.update(ref, patch));
    this.changed('posts-changed', [post.path]);
    return post;
  }

  publishPost(ref: string): Post {
    return this.postOp(() => this.posts.publish(ref));
  }

  unpublishPost(ref: string): Post {
    return this.postOp(() => this.posts.unpublish(ref));
  }

  archivePost(ref: string): Post {
    return this.postOp(() => this.posts.archive(ref));
  }

  discardPendingEdits(ref: string): Post {
    return this.postOp(() => this.posts.discard(ref));
  }

  deletePost(ref: string): { id: string; slug: string } {
    const res = this.transaction(() => this.posts.delete(ref));
    this.changed('posts-changed', []);
    return res;
  }

  getPost(ref: string): Post {
    return this.posts.get(ref);
  }

  listPosts(q: PostListQuery = {}): PostRow[] {
    return this.posts.list(q);
  }

  searchPosts(text: string, options: { limit?: number; status?: string } = {}) {
    return this.posts.search(text, options);
  }

  /** Fill the posts search index now if a rebuild left it for the first search (to warm a server). */
  ensureSearchIndex(): void {
    this.postIndex.ensureSearchIndex();
  }

  private postOp(fn: () => Post): Post {
    const post = this.transaction(fn);
    this.changed('posts-changed', [post.path]);
    return post;
  }

  // ------------------------------------------------------------------ tags and categories

  listTags(): TagInfo[] {
    const meta = new Map(readTagMeta(this.project).map((t) => [t.name.toLowerCase(), t]));
    const all = new Map(this.postIndex.tagCounts().map((t) => [t.name.toLowerCase(), t]));
    const published = new Map(
      this.postIndex.tagCounts('published').map((t) => [t.name.toLowerCase(), t.count]),
    );
    const names = new Set([...meta.keys(), ...all.keys()]);
    return [...names]
      .map((key) => ({
        name: meta.get(key)?.name ?? all.get(key)!.name,
        color: meta.get(key)?.color,
        count: all.get(key)?.count ?? 0,
        publishedCount: published.get(key) ?? 0,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  setTagColor(name: string, color: string | undefined): void {
    if (color !== undefined && !isValidColour(color)) {
      throw new BdsError('invalid-argument', `"${color}" is not a colour like #3b82f6`);
    }
    const tags = readTagMeta(this.project).filter((t) => t.name.toLowerCase() !== name.toLowerCase());
    tags.push({ name, color });
    writeTagMeta(this.project, tags);
    this.changed('meta-changed', ['meta/tags.json']);
  }

  /** Rename a tag in every post and pending edit, and in meta/tags.json. */
  renameTag(from: string, to: string): number {
    return this.mergeTags([from], to);
  }

  /** Replace each source tag by `target` in every post (once), keeping the target's metadata. */
  mergeTags(sources: string[], target: string): number {
    const wanted = target.trim();
    if (!wanted) throw new BdsError('invalid-argument', 'The target tag name is empty');
    const lower = new Set(sources.map((s) => s.toLowerCase()));
    const tags = this.listTags();
    for (const s of sources) {
      if (!tags.some((x) => x.name.toLowerCase() === s.toLowerCase())) {
        throw new BdsError('tag-not-found', `No tag named "${s}"`);
      }
    }
    // Tags compare case-insensitively; the spelling the user asks for wins everywhere.
    const t = wanted;
    const targetKey = t.toLowerCase();
    const rewrite = new Set([...lower, targetKey]);
    const changed = this.transaction(() =>
      this.posts.rewriteAll((fm: PostFrontmatter) => {
        if (!fm.tags.some((x) => rewrite.has(x.toLowerCase()) && x !== t)) return undefined;
        const tags: string[] = [];
        for (const x of fm.tags) {
          const name = rewrite.has(x.toLowerCase()) ? t : x;
          if (!tags.some((y) => y.toLowerCase() === name.toLowerCase())) tags.push(name);
        }
        return { tags };
      }),
    );
    const meta = readTagMeta(this.project);
    const targetMeta = meta.find((m) => m.name.toLowerCase() === targetKey);
    const sourceMeta = meta.find((m) => lower.has(m.name.toLowerCase()));
    const rest = meta.filter((m) => !rewrite.has(m.name.toLowerCase()));
    rest.push({ ...(sourceMeta ?? {}), ...(targetMeta ?? {}), name: t });
    writeTagMeta(this.project, rest);
    this.changed('posts-changed', []);
    this.changed('meta-changed', ['meta/tags.json']);
    return changed;
  }

  listCategories(): { name: string; meta: CategoryMeta; count: number }[] {
    const cats = readCategories(this.project);
    const counts = new Map(this.postIndex.categoryCounts().map((c) => [c.name.toLowerCase(), c.count]));
    const names = new Set([...Object.keys(cats), ...this.postIndex.categoryCounts().map((c) => c.name)]);
    return [...names].sort().map((name) => ({
      name,
      meta: cats[name] ?? { title: name, renderInLists: true, showTitle: true },
      count: counts.get(name.toLowerCase()) ?? 0,
    }));
  }

  setCategory(name: string, meta: Partial<CategoryMeta>): CategoryMeta {
    const n = name.trim();
    if (!n) throw new BdsError('invalid-argument', 'The category name is empty');
    const cats = readCategories(this.project);
    const next = { title: n, renderInLists: true, showTitle: true, ...cats[n], ...meta };
    cats[n] = next;
    writeCategories(this.project, cats);
    this.changed('meta-changed', ['meta/categories.json']);
    return next;
  }

  // ------------------------------------------------------------------ watching

  private changed(name: 'posts-changed' | 'media-changed' | 'meta-changed', paths: string[]): void {
    this.events.emit(name, { paths, source: 'app' });
  }

  /**
   * Watch posts/, drafts/, meta/, scripts/ and media/ and apply edits made outside bds (once; later calls
   * return the same promise). Resolves when the watcher is ready to report changes.
   */
  watch(): Promise<void> {
    if (this.watcher) return this.watcherReady;
    const p = this.project.paths;
    // Watched folders must exist: chokidar reports a missing one as a second, early 'ready'.
    for (const dir of [p.posts, p.drafts, p.meta, p.scripts, p.media]) fs.mkdirSync(dir, { recursive: true });
    this.watcher = chokidar.watch([p.posts, p.drafts, p.meta, p.scripts, p.media], {
      ignoreInitial: true,
      ignored: (file: string) => path.basename(file).startsWith('.'),
      awaitWriteFinish: { stabilityThreshold: 50, pollInterval: 10 },
    });
    const watcher = this.watcher;
    this.watcherReady = new Promise((resolve) => watcher.once('ready', () => resolve()));
    const onFile = (abs: string) => {
      const rel = toRel(this.root, abs);
      try {
        this.applyExternalChange(rel);
      } catch (e) {
        // A change that cannot be applied is reported; watching goes on.
        this.events.emit('problem', problemFrom(e, rel));
      }
    };
    this.watcher.on('add', onFile).on('change', onFile).on('unlink', onFile);
    return this.watcherReady;
  }

  /** Resolves once the watcher is ready to report changes. */
  watching(): Promise<void> {
    return this.watcherReady;
  }

  /** Apply one file changed outside bds (from the watcher, or a reconcile after a pull). */
  applyExternalChange(rel: string): void {
    if ((rel.startsWith('posts/') || rel.startsWith('drafts/')) && /\.(md|markdown)$/i.test(rel)) {
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
      this.events.emit('meta-changed', { paths: [rel], source: 'external' });
    }
  }

  /** Thumbnails of a media file replaced outside bds, made in the background; then `media-changed`. */
  private refreshThumbnails(rel: string): void {
    const work = this.media.refreshThumbnails(rel).then(
      (paths) => {
        if (paths.length > 0) this.events.emit('media-changed', { paths, source: 'external' });
      },
      (e: unknown) => {
        this.events.emit('problem', problemFrom(e, rel));
      },
    );
    this.background.add(work);
    void work.finally(() => this.background.delete(work));
  }

  /** Resolves when thumbnails being made in the background are done. */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.all(this.background);
  }

  async close(): Promise<void> {
    await this.settled();
    await this.runtime?.dispose();
    this.runtime = undefined;
    await this.watcher?.close();
    this.watcher = undefined;
    this.db.close();
  }
}
