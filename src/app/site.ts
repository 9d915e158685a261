// Use cases of the site: build the static site of a workspace, and run the preview server over it.
// A workspace keeps one SiteBuilder (render cache and manifest in memory) so repeated builds in one
// process, as the app server and benchmarks do, only redo what changed.
import fs from 'node:fs';
import path from 'node:path';
import { readCategories, readTagMeta } from '../content/taxonomy.js';
import { BdsError } from '../core/errors.js';
import { parseFrontmatter } from '../core/frontmatter.js';
import type { PythonMacroResolver } from '../render/index.js';
import { TrustStore } from '../scripting/scripts/trust.js';
import {
  SiteBuilder,
  startPreview,
  type BuildOptions,
  type BuildProgress,
  type BuildSummary,
  type PreviewServer,
  type SiteChange,
  type SitePost,
  type SiteSnapshot,
  type SiteSource,
} from '../site/index.js';
import type { PostRow } from '../store/index.js';
import { workspaceMediaLinks, WorkspaceRenderData } from './render-data.js';
import type { Workspace } from './workspace.js';

function toSitePost(row: PostRow): SitePost {
  return {
    id: row.id,
    path: row.path,
    slug: row.slug,
    title: row.title,
    status: row.status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    ...(row.publishedAt ? { publishedAt: row.publishedAt } : {}),
    sortDate: row.sortDate,
    dateKey: row.dateKey,
    ...(row.excerpt ? { excerpt: row.excerpt } : {}),
    ...(row.author ? { author: row.author } : {}),
    ...(row.language ? { language: row.language } : {}),
    ...(row.template ? { template: row.template } : {}),
    tags: row.tags,
    categories: row.categories,
    media: row.media,
    body: row.body,
    bodyLine: row.bodyLine,
    mtimeMs: row.mtimeMs,
    size: row.size,
  };
}

/**
 * The workspace's posts, kept between builds and refreshed from `posts-changed` events: a change to one
 * file reads that post again; a change without paths (a delete, a tag merge) reads them all again.
 */
class PostCatalog {
  private rows?: Map<string, SitePost>;
  private readonly unsubscribe: () => void;

  constructor(private readonly ws: Workspace) {
    this.unsubscribe = ws.events.on('posts-changed', ({ paths }) => this.changed(paths));
  }

  all(): SitePost[] {
    if (!this.rows) this.rows = new Map(this.ws.listPosts().map((r) => [r.id, toSitePost(r)]));
    return [...this.rows.values()];
  }

  invalidate(): void {
    this.rows = undefined;
  }

  dispose(): void {
    this.unsubscribe();
  }

  private changed(paths: readonly string[]): void {
    const rows = this.rows;
    if (!rows) return;
    if (paths.length === 0) {
      this.rows = undefined;
      return;
    }
    for (const rel of paths) {
      if (!rel.startsWith('posts/')) continue; // Pending edits (drafts/) do not change what the site shows.
      for (const [id, row] of rows) if (row.path === rel) rows.delete(id);
      // Post files are named by slug; anything else (a hand-made file) makes us read everything again.
      const slug = path.posix.basename(rel).replace(/\.(md|markdown)$/i, '');
      let found: PostRow | undefined;
      try {
        found = this.ws.posts.find(slug);
      } catch {
        found = undefined;
      }
      if (found && found.path === rel) rows.set(found.id, toSitePost(found));
      else if (fs.existsSync(path.join(this.ws.root, rel))) {
        this.rows = undefined;
        return;
      }
    }
  }
}

/** The SiteSource of a workspace: settings, posts, taxonomies, media and scripts as the site reads them. */
export class WorkspaceSiteSource implements SiteSource {
  private readonly catalog: PostCatalog;

  constructor(private readonly ws: Workspace) {
    this.catalog = new PostCatalog(ws);
  }

  snapshot(): SiteSnapshot {
    const ws = this.ws;
    const settings = ws.project.settings;
    const p = ws.project.paths;
    const categories = Object.entries(readCategories(ws.project)).map(([name, meta]) => ({
      name,
      title: meta.title || name,
      renderInLists: meta.renderInLists,
      showTitle: meta.showTitle,
    }));
    const macroVersions = new Map<string, string>();
    for (const s of ws.listScripts()) {
      if (s.kind === 'macro' && s.enabled) {
        macroVersions.set(s.slug, `${s.id}:${s.version}:${s.hash}:${s.trusted ? 'trusted' : 'untrusted'}`);
      }
    }
    return {
      settings: {
        id: settings.id,
        name: settings.name,
        ...(settings.description ? { description: settings.description } : {}),
        ...(settings.publicUrl ? { publicUrl: settings.publicUrl } : {}),
        mainLanguage: settings.mainLanguage,
        timezone: settings.timezone,
        maxPostsPerPage: settings.maxPostsPerPage,
        theme: settings.theme,
        ...(settings.defaultAuthor ? { defaultAuthor: settings.defaultAuthor } : {}),
      },
      paths: {
        root: p.root,
        html: p.html,
        media: p.media,
        thumbnails: p.thumbnails,
        templates: p.templates,
        cache: p.cache,
      },
      posts: this.catalog.all(),
      categories,
      tags: readTagMeta(ws.project).map((t) => ({ name: t.name, ...(t.color ? { color: t.color } : {}) })),
      renderData: new WorkspaceRenderData(ws),
      mediaUrl: workspaceMediaLinks(ws),
      macroVersions,
    };
  }

  pendingEdit(postId: string): SitePost | undefined {
    const post = this.ws.posts.find(postId);
    if (!post?.pending) return undefined;
    const pending = post.pending;
    const abs = path.join(this.ws.root, pending.path);
    let bodyLine = 1;
    let mtimeMs = 0;
    let size = 0;
    try {
      const stat = fs.statSync(abs);
      mtimeMs = stat.mtimeMs;
      size = stat.size;
      bodyLine = parseFrontmatter(fs.readFileSync(abs, 'utf8'), pending.path).bodyLine;
    } catch {
      // The draft file went away meanwhile: show what the index holds.
    }
    const data = pending.data;
    const list = (v: unknown, fallback: string[]) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : fallback;
    const text = (v: unknown, fallback?: string) => (typeof v === 'string' ? v : fallback);
    const base = toSitePost(post);
    const excerpt = text(data.excerpt, base.excerpt);
    const author = text(data.author, base.author);
    const template = text(data.template, base.template);
    return {
      ...base,
      path: pending.path,
      title: pending.title,
      body: pending.body,
      bodyLine,
      mtimeMs,
      size,
      tags: list(data.tags, base.tags),
      categories: list(data.categories, base.categories),
      ...(excerpt ? { excerpt } : {}),
      ...(author ? { author } : {}),
      ...(template ? { template } : {}),
      pending: true,
    };
  }

  onChange(listener: (change: SiteChange) => void): () => void {
    const e = this.ws.events;
    const offs = [
      e.on('posts-changed', ({ paths }) => listener({ kind: 'posts', paths })),
      e.on('media-changed', ({ paths }) => listener({ kind: 'media', paths })),
      e.on('meta-changed', ({ paths }) => listener({ kind: 'meta', paths })),
      e.on('scripts-changed', () => listener({ kind: 'scripts', paths: [] })),
      // A file that could not be applied: the pages (and the 404 page's list of problems) change.
      e.on('problem', ({ file }) => listener({ kind: 'posts', paths: [file] })),
    ];
    return () => offs.forEach((off) => off());
  }

  /** Forget the posts read so far (after changes made without events). */
  invalidate(): void {
    this.catalog.invalidate();
  }

  dispose(): void {
    this.catalog.dispose();
  }
}

const builders = new WeakMap<Workspace, { source: WorkspaceSiteSource; builder: SiteBuilder }>();

function builderOf(ws: Workspace): { source: WorkspaceSiteSource; builder: SiteBuilder } {
  let b = builders.get(ws);
  if (!b) {
    const source = new WorkspaceSiteSource(ws);
    b = { source, builder: new SiteBuilder(source) };
    builders.set(ws, b);
  }
  return b;
}

export interface SiteBuildOptions extends Omit<BuildOptions, 'resolver'> {
  /** Runs Python macros. Default: the workspace's resolver (scripts in scripts/, trust from BDS_HOME); null: none. */
  resolver?: PythonMacroResolver | null;
}

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

/**
 * Build the site into html/ (or `outDir`), writing only what changed since the last build. The build
 * runs as a task of the workspace (`ws.tasks`), so the UI sees its progress next to publishing.
 */
export async function buildSite(ws: Workspace, options: SiteBuildOptions = {}): Promise<BuildSummary> {
  const { builder } = builderOf(ws);
  const resolver = options.resolver === undefined ? ws.macroResolver() : options.resolver;
  const handle = ws.tasks.add({
    name: 'Build site',
    run: (task) =>
      builder.build({
        ...options,
        resolver,
        onProgress: (p) => {
          options.onProgress?.(p);
          const [from, to] = PHASE_SPAN[p.phase];
          const share = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
          task.progress(Math.round(from + (to - from) * share), PHASE_MESSAGE[p.phase]);
        },
      }),
  });
  const outcome = await handle.done;
  if (outcome.status === 'completed') return outcome.value!;
  if (outcome.status === 'cancelled') throw new BdsError('task-cancelled', 'The site build was cancelled');
  throw outcome.error;
}

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
}

/** Serve the site on 127.0.0.1 with drafts, error boxes and live reload. */
export async function startPreviewServer(
  ws: Workspace,
  options: PreviewServerOptions = {},
): Promise<PreviewServer> {
  const source = new WorkspaceSiteSource(ws);
  const resolver = options.resolver === undefined ? ws.macroResolver() : options.resolver;
  const server = await startPreview(source, {
    ...(options.port === undefined ? {} : { port: options.port }),
    resolver,
    problems: () => ws.problems(),
  });
  const trust = watchTrust(ws, server);
  if (!options.watchContent) {
    return {
      ...server,
      watching: Promise.all([server.watching, trust.ready]).then(() => undefined),
      close: async () => {
        await trust.close();
        await server.close();
        source.dispose();
      },
    };
  }
  // The workspace's own watcher applies outside edits; its events reach the server through the source.
  const ready = ws.watch();
  return {
    ...server,
    watching: Promise.all([server.watching, trust.ready, ready]).then(() => undefined),
    close: async () => {
      await trust.close();
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
function watchTrust(ws: Workspace, server: PreviewServer): { ready: Promise<void>; close(): Promise<void> } {
  const file = new TrustStore(ws.home).file;
  const dir = path.dirname(file);
  const name = path.basename(file);
  fs.mkdirSync(dir, { recursive: true });
  const watcher = fs.watch(dir, (_event, changed) => {
    if (changed === name) server.notify('scripts', []);
  });
  return {
    ready: Promise.resolve(),
    close: async () => watcher.close(),
  };
}
