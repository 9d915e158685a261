// The site as a workspace shows it: its settings, posts, taxonomies, media and scripts as a SiteSource,
// with the posts kept between builds and refreshed from the workspace's events.
import fs from 'node:fs';
import path from 'node:path';
import { readCategories, readTagMeta } from '../content/taxonomy.js';
import { parseFrontmatter } from '../core/frontmatter.js';
import { userTemplatesStamp } from '../render/liquid/index.js';
import {
  lazyPostTextHidden,
  type SiteChange,
  type SiteChanges,
  type SitePost,
  type SiteSnapshot,
  type SiteSource,
} from '../site/index.js';
import type { PostRow } from '../store/index.js';
import { workspaceMediaLinks, WorkspaceRenderData } from './render-data.js';
import type { AppServices } from './services.js';

type PostFields = Omit<SitePost, 'body' | 'bodyLine'>;

/**
 * The row's fields the site reads, built as one literal: V8 then gives every post the same compact
 * shape. Copying the keys in a loop, or deleting the empty ones, turns a post into a dictionary, ~1.5 KB
 * more per post (~75 MB at 50,000 posts). Optional fields are left out when empty (`language: ""`
 * means the main one).
 */
function postFields(row: Omit<PostRow, 'body' | 'bodyLine'>): PostFields {
  const post: PostFields = {
    id: row.id,
    title: row.title,
    slug: row.slug,
    status: row.status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    tags: row.tags,
    categories: row.categories,
    media: row.media,
    path: row.path,
    sortDate: row.sortDate,
    dateKey: row.dateKey,
    mtimeMs: row.mtimeMs,
    size: row.size,
  };
  if (row.publishedAt) post.publishedAt = row.publishedAt;
  if (row.excerpt) post.excerpt = row.excerpt;
  if (row.author) post.author = row.author;
  if (row.language) post.language = row.language;
  if (row.template) post.template = row.template;
  return post;
}

function toSitePost(row: PostRow): SitePost {
  const post = postFields(row) as SitePost;
  post.body = row.body;
  post.bodyLine = row.bodyLine;
  return post;
}

type PostText = { body: string; bodyLine: number };
type TextReader = (id: string) => PostText | undefined;

/** The text of posts read without it, once read (by the post's getters or by `readBodies`). */
const texts = new WeakMap<SitePost, PostText>();
/** How each post read without its text reads it. */
const readers = new WeakMap<SitePost, TextReader>();
const NO_TEXT: PostText = { body: '', bodyLine: 1 };

function textOf(post: SitePost): PostText {
  if (lazyPostTextHidden()) return NO_TEXT;
  let text = texts.get(post);
  if (!text) texts.set(post, (text = readers.get(post)?.(post.id) ?? NO_TEXT));
  return text;
}

/**
 * The accessors of `body` and `bodyLine`, the same functions for every post: posts then share one
 * shape (accessors made per post would give each its own, or a dictionary).
 */
const LAZY_TEXT: PropertyDescriptorMap = {
  body: {
    get(this: SitePost): string {
      return textOf(this).body;
    },
    set(this: SitePost, body: string): void {
      texts.set(this, { bodyLine: textOf(this).bodyLine, body });
    },
    enumerable: true,
    configurable: true,
  },
  bodyLine: {
    get(this: SitePost): number {
      return textOf(this).bodyLine;
    },
    set(this: SitePost, bodyLine: number): void {
      texts.set(this, { body: textOf(this).body, bodyLine });
    },
    enumerable: true,
    configurable: true,
  },
};

/**
 * A post read without its body (PostIndex.siteList): `body` and `bodyLine` are read from the index the
 * first time something asks (a build renders only the posts its cache lacks). They stay enumerable, so a
 * copy (`{...post}`) has them; a setter replaces them.
 */
function lazySitePost(row: PostRow, read: TextReader): SitePost {
  const post = postFields(row) as SitePost;
  readers.set(post, read);
  Object.defineProperties(post, LAZY_TEXT);
  return post;
}

/**
 * The workspace's posts, kept between builds and refreshed from `posts-changed` events: a change to one
 * file reads that post again; a change without paths (a delete, a tag merge) reads them all again.
 */
class PostCatalog {
  private rows?: Map<string, SitePost>;
  private idByPath = new Map<string, string>();
  private readonly unsubscribe: () => void;

  constructor(private readonly ws: AppServices) {
    this.unsubscribe = ws.events.on('posts-changed', ({ paths }) => this.changed(paths));
  }

  /** Reads the text of many posts in one pass (a build about to render them). */
  readBodies(posts: readonly SitePost[]): void {
    const wanted = new Map<string, SitePost>();
    for (const p of posts) if (this.rows?.get(p.id) === p && !texts.has(p)) wanted.set(p.id, p);
    if (wanted.size < 64) return; // A query each is as quick.
    for (const { id, body, bodyLine } of this.ws.posts.texts()) {
      const post = wanted.get(id);
      if (post) texts.set(post, { body, bodyLine });
    }
  }

  all(): SitePost[] {
    const index = this.ws.postIndex;
    const posts = this.ws.posts;
    const read = (id: string) => posts.text(id);
    // Read before the rows: a change made meanwhile is read again next time.
    const mark = index.changeMark();
    // Posts another process changed since (its writes reach this process's events only through the
    // file watcher, later): read again, so a build sees what the index holds.
    const changed = this.rows && this.mark !== undefined ? index.changedSince(this.mark, 1000) : undefined;
    if (this.rows && changed) {
      const fresh = new Map(index.siteRows(changed).map((r) => [r.id, r]));
      for (const id of changed) {
        const before = this.rows.get(id);
        if (before) this.idByPath.delete(before.path);
        const row = fresh.get(id);
        if (row) {
          this.rows.set(id, lazySitePost(row, read));
          this.idByPath.set(row.path, id);
        } else this.rows.delete(id);
      }
    } else {
      this.rows = new Map(posts.siteList().map((r) => [r.id, lazySitePost(r, read)]));
      this.idByPath = new Map([...this.rows.values()].map((p) => [p.path, p.id]));
    }
    this.mark = mark;
    return [...this.rows.values()];
  }

  /** The index's change mark the posts of the last `all()` hold every change up to. */
  mark?: string;

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
      const id = this.idByPath.get(rel);
      if (id !== undefined && rows.get(id)?.path === rel) rows.delete(id);
      this.idByPath.delete(rel);
      // Post files are named by slug; anything else (a hand-made file) makes us read everything again.
      const slug = path.posix.basename(rel).replace(/\.(md|markdown)$/i, '');
      let found: PostRow | undefined;
      try {
        found = this.ws.posts.find(slug);
      } catch {
        found = undefined;
      }
      if (found && found.path === rel) {
        const before = rows.get(found.id);
        if (before) this.idByPath.delete(before.path);
        rows.set(found.id, toSitePost(found));
        this.idByPath.set(rel, found.id);
      } else if (fs.existsSync(path.join(this.ws.root, rel))) {
        this.rows = undefined;
        return;
      }
    }
  }
}

/** The SiteSource of a workspace: settings, posts, taxonomies, media and scripts as the site reads them. */
export class WorkspaceSiteSource implements SiteSource {
  private readonly catalog: PostCatalog;
  readonly changes: SiteChanges;

  constructor(private readonly ws: AppServices) {
    this.catalog = new PostCatalog(ws);
    const index = ws.postIndex;
    this.changes = {
      base: () => this.base(),
      key: ({ settings, paths, categories, tags, macroVersions }) =>
        JSON.stringify([
          settings,
          paths,
          categories,
          tags,
          [...macroVersions],
          index.mediaFingerprint(),
          userTemplatesStamp(paths.templates),
        ]),
      mark: () => index.changeMark(),
      since: (mark, limit) => index.changedSince(mark, limit),
      posts: (ids) => {
        const read = (id: string) => ws.posts.text(id);
        return index.siteRows(ids).map((r) => lazySitePost(r, read));
      },
      prune: (mark) => index.pruneChanges(mark),
    };
  }

  buildStamp(): { key: string; paths: SiteSnapshot['paths'] } {
    const { settings, paths, categories, tags, macroVersions } = this.light();
    const key = JSON.stringify([
      settings,
      paths,
      categories,
      tags,
      [...macroVersions],
      this.ws.postIndex.contentFingerprint(),
      userTemplatesStamp(paths.templates),
    ]);
    return { key, paths };
  }

  snapshot(): SiteSnapshot {
    const posts = this.catalog.all();
    return {
      ...this.base(),
      posts,
      ...(this.catalog.mark === undefined ? {} : { mark: this.catalog.mark }),
      readBodies: (posts) => this.catalog.readBodies(posts),
      releaseBody: (post) => texts.delete(post),
    };
  }

  private base(): Omit<SiteSnapshot, 'posts' | 'readBodies' | 'releaseBody'> {
    const media = workspaceMediaLinks(this.ws);
    return {
      ...this.light(),
      renderData: new WorkspaceRenderData(this.ws),
      mediaUrl: media.url,
      mediaLinks: media.table,
    };
  }

  /** The snapshot's parts read without listing posts or media. */
  private light(): Pick<SiteSnapshot, 'settings' | 'paths' | 'categories' | 'tags' | 'macroVersions'> {
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
    for (const s of ws.scripts.list()) {
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
      categories,
      tags: readTagMeta(ws.project).map((t) => ({ name: t.name, ...(t.color ? { color: t.color } : {}) })),
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
      e.on('templates-changed', ({ paths }) => listener({ kind: 'templates', paths })),
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
