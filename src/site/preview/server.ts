// The preview server: the site's routes rendered on demand from the current files, drafts included,
// macro failures as visible boxes, and a reload in the browser whenever content changes. It listens on
// 127.0.0.1 only and checks every request's Host (DNS rebinding) before anything else.
import chokidar, { type FSWatcher } from 'chokidar';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { extensionOf, mimeTypeOfExtension } from '../../content/media/index.js';
import { BdsError, formatError, type Problem } from '../../core/errors.js';
import { ApiCallSchema, describeAbiIssue, type MacroContextV1 } from '../../core/abi.js';
import { escapeHtml, MACRO_ASSETS, type PythonMacroResolver } from '../../render/index.js';
import type { PythonMacroCall, PythonMacroOutcome } from '../../render/types.js';
import type { ApiHandler, PythonScriptRef, PythonTimeouts } from '../../scripting/runtime/types.js';
import { contentTypeOf } from '../../render/theme/index.js';
import { siteLinks } from '../build.js';
import { buildSiteModel, type PostPage, type SiteEntry, type SiteModel, type SitePage } from '../model.js';
import { PageRenderer } from '../pages.js';
import { PostBodyCache, renderBodies, type RenderedBody } from '../post-bodies.js';
import type { SitePost, SiteSnapshot, SiteSource } from '../source.js';
import { siteRenderData } from '../tag-counts.js';
import { ThemeCache } from '../theme-cache.js';
import {
  draftScript,
  EVENTS_PATH,
  injectReloadScript as withReload,
  ReloadHub,
  RENDER_PATH,
  TEMPLATE_RENDER_PATH,
} from './reload.js';
import { isCrossSiteSubresource, isLoopbackHost, isLoopbackOrigin, resolveStaticFile } from './security.js';
import { draftPage, templateDraftOf, themeWithDraft } from './template-draft.js';

export const DEFAULT_PREVIEW_PORT = 4123;
export const DRAFT_PREFIX = '/_draft/';
/** The browser's Python runtime lives in a frame of the preview origin, under this prefix. */
export const PYTHON_PREFIX = '/_bds/python/';
export const PYODIDE_PREFIX = '/_bds/pyodide/';

/**
 * What the preview needs to host the browser's Python runtime: a hidden frame of this origin (which has
 * no token: the app's API refuses it, so a script that escaped Python in there reaches nothing but this
 * read-only preview), cross-origin isolated by its own header so its worker can be interrupted.
 */
export interface PreviewPython {
  /** The built web UI: `python-frame.html` and `assets/`. */
  webRoot: string;
  /** The pyodide package folder and version (served under /_bds/pyodide/VERSION/). */
  pyodide: { dir: string; version: string };
  /** The Python source of `bds_api`, installed in the browser's interpreter. */
  bdsApiModule: string;
  /**
   * The script and the context a macro call runs with, for the browser's runtime; undefined when it
   * cannot run there (no such script; not trusted, unless `untrusted` asks for it: a try in the browser's
   * sandbox, without bds_api).
   */
  plan(
    call: PythonMacroCall,
    options: { untrusted: boolean },
  ): { script: PythonScriptRef; context: MacroContextV1 } | undefined;
  /** Answers a bds_api call of a macro running in the browser: the macro rules, read only. */
  api: ApiHandler;
  /** This machine's time limits, read when the frame loads (a change applies at its next load). */
  timeouts(): Partial<PythonTimeouts>;
}

/** One macro call of a draft for the browser's runtime to run: the same script, context and post. */
export interface PlannedMacroCall {
  key: string;
  script: PythonScriptRef;
  context: MacroContextV1;
  /** The post dict as JSON (`null` without one). */
  postJson: string;
}

/** Calls with the same name and parameters render the same in one document: one run serves them all. */
export function macroCallKey(call: Pick<PythonMacroCall, 'slug' | 'context'>): string {
  return JSON.stringify([call.slug, call.context.params]);
}

export interface PreviewOptions {
  /** Default 4123; 0 picks a free port. */
  port?: number;
  resolver?: PythonMacroResolver | null;
  /**
   * Watch templates/ and thumbnails/ (and media/, for a source without change events) and reload on
   * change (default true).
   */
  watchFiles?: boolean;
  /**
   * Files of the project that cannot be read right now. A post with broken frontmatter drops out of the
   * site, so the not-found page lists the unreadable posts: the page the user expected is probably one.
   */
  problems?: () => readonly Problem[];
  /**
   * Origins that may show the preview in a frame (the app's origin, a different port). Default: none
   * but the preview itself.
   */
  frameAncestors?: readonly string[];
  /** Host the browser's Python runtime (`bds serve` does; a bare `bds preview` does not). */
  python?: PreviewPython;
}

export interface PreviewServer {
  url: string;
  port: number;
  /** Resolves when the file watchers report changes. */
  watching: Promise<void>;
  /** Drop what was rendered and tell browsers to reload. */
  notify(reason: string, paths?: string[]): void;
  /** Browsers holding the live-reload stream right now. */
  liveClients(): number;
  close(): Promise<void>;
}

const PAGE_TYPES: Record<SitePage['kind'], string> = {
  post: 'text/html; charset=utf-8',
  list: 'text/html; charset=utf-8',
  'not-found': 'text/html; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  sitemap: 'application/xml; charset=utf-8',
  calendar: 'application/json; charset=utf-8',
};

const BASE_HEADERS: Record<string, string> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** The framing headers: only the preview itself, or also the origins given (the app's). */
function frameHeaders(ancestors: readonly string[] | undefined): Record<string, string> {
  if (!ancestors || ancestors.length === 0) return { 'X-Frame-Options': 'SAMEORIGIN' };
  // X-Frame-Options cannot name another origin; CSP frame-ancestors can, and browsers prefer it.
  return { 'Content-Security-Policy': `frame-ancestors 'self' ${ancestors.join(' ')}` };
}

/** One model of the current content, with bodies rendered as pages ask for them. */
class PreviewSite {
  readonly bodies = new Map<SiteEntry, RenderedBody>();
  readonly renderer: PageRenderer;

  constructor(
    readonly snapshot: SiteSnapshot,
    readonly model: SiteModel,
    private readonly cache: PostBodyCache,
    private readonly resolver: PythonMacroResolver | null,
    themes: ThemeCache,
    summaries: Map<string, { fp: string; html: string }>,
  ) {
    const { theme } = themes.get(snapshot);
    this.renderer = new PageRenderer(
      { settings: snapshot.settings, model, bodies: this.bodies, theme, preview: true },
      summaries,
    );
  }

  /** The posts a page shows, so their bodies can be rendered first. */
  entriesOf(page: SitePage): SiteEntry[] {
    switch (page.kind) {
      case 'post':
        return [page.entry];
      case 'list':
        return page.entries;
      case 'rss':
      case 'atom':
        return this.model.listed.filter((e) => !e.isDraft).slice(0, this.snapshot.settings.maxPostsPerPage);
      default:
        return [];
    }
  }

  /** Render the bodies `entries` need; `with` renders through another resolver (and cache). */
  async prepare(
    entries: readonly SiteEntry[],
    with_?: { resolver: PythonMacroResolver | null; cache: PostBodyCache },
  ): Promise<void> {
    const missing = entries.filter((e) => !this.bodies.has(e));
    if (missing.length === 0) return;
    const result = await renderBodies(missing, with_?.cache ?? this.cache, {
      mode: 'preview',
      snapshot: { ...this.snapshot, renderData: siteRenderData(this.snapshot.renderData, this.model) },
      links: siteLinks(this.model, this.snapshot),
      resolver: with_ ? with_.resolver : this.resolver,
    });
    for (const [entry, body] of result.bodies) this.bodies.set(entry, body);
  }
}

function normalisePath(raw: string): string | undefined {
  const parts = raw.split('/');
  const out: string[] = [];
  for (const p of parts) {
    try {
      out.push(encodeURIComponent(decodeURIComponent(p)));
    } catch {
      return undefined;
    }
  }
  return out.join('/');
}

function send(
  res: ServerResponse,
  head: boolean,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    ...BASE_HEADERS,
    'Content-Type': type,
    'Content-Length': String(buf.length),
    ...headers,
  });
  res.end(head ? undefined : buf);
}

/** Puts a preview-only block at the start of `<main>`, else of `<body>`: user templates may have either. */
function injectAtMainStart(html: string, block: string): string {
  const m = /<main\b[^>]*>/i.exec(html) ?? /<body\b[^>]*>/i.exec(html);
  if (!m) return `${block}\n${html}`;
  const at = m.index + m[0].length;
  return `${html.slice(0, at)}\n${block}${html.slice(at)}`;
}

/** On a published post with pending edits, a note that links to their preview (nothing else links there). */
function injectPendingNote(html: string, postId: string): string {
  return injectAtMainStart(
    html,
    `<div class="bds-draft-banner bds-pending-note" role="status"><strong>Pending edits</strong> This post has unpublished changes: <a href="${DRAFT_PREFIX}${encodeURIComponent(postId)}/">preview them</a>.</div>`,
  );
}

/** The posts bds cannot read, each with its file, line and reason, in the macro error box's style. */
function unreadablePostsBox(problems: readonly Problem[]): string {
  const items = problems.map((p) => {
    const where =
      p.line === undefined ? p.file : `${p.file}:${p.line}${p.column === undefined ? '' : `:${p.column}`}`;
    // Messages often start with the place already; it is shown once, above.
    const message = p.message.startsWith(`${p.file}:`)
      ? p.message.slice(p.file.length).replace(/^(:\d+)*:\s*/, '')
      : p.message;
    return `<li><span class="bds-macro-error-where">${escapeHtml(where)}</span><pre class="bds-macro-error-message">${escapeHtml(message)}</pre></li>`;
  });
  return [
    '<div class="bds-macro-error bds-unreadable-posts" role="alert">',
    `<strong class="bds-macro-error-title">bds cannot read ${problems.length === 1 ? 'this post file' : `these ${problems.length} post files`}; the page you expected may be one of them</strong>`,
    `<ul>${items.join('')}</ul>`,
    '</div>',
  ].join('\n');
}

/** A request body as text, refusing more than `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('the body is too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function errorPage(title: string, detail: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:3rem auto;padding:0 1rem;color-scheme:light dark}pre{white-space:pre-wrap;padding:1rem;border-radius:.5rem;background:rgba(127,127,127,.15)}</style>
</head><body><h1>${escapeHtml(title)}</h1><pre>${escapeHtml(detail)}</pre></body></html>`;
}

const PYTHON_FILE_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.zip': 'application/zip',
  '.css': 'text/css; charset=utf-8',
};

/** The browser's macro outputs sent with a draft, by call key; undefined when there are none or they are malformed. */
function suppliedOutputs(value: unknown): Map<string, PythonMacroOutcome> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out = new Map<string, PythonMacroOutcome>();
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const o = v as { ok?: unknown; html?: unknown; warnings?: unknown; reason?: unknown; message?: unknown };
    if (o?.ok === true && typeof o.html === 'string') {
      const warnings = Array.isArray(o.warnings)
        ? o.warnings.filter((w): w is string => typeof w === 'string')
        : [];
      out.set(key, { ok: true, html: o.html, warnings });
    } else if (
      o?.ok === false &&
      (o.reason === 'timeout' || o.reason === 'exception' || o.reason === 'invalid-result') &&
      typeof o.message === 'string'
    ) {
      out.set(key, { ok: false, reason: o.reason, message: o.message });
    } else return undefined;
  }
  return out;
}

/** A resolver that answers the supplied calls and asks `base` for the rest. */
function supplying(base: PythonMacroResolver, outputs: Map<string, PythonMacroOutcome>): PythonMacroResolver {
  return {
    macroSlugs: () => base.macroSlugs(),
    render: (call) => {
      const given = outputs.get(macroCallKey(call));
      return given ? Promise.resolve(given) : base.render(call);
    },
  };
}

export async function startPreview(source: SiteSource, options: PreviewOptions = {}): Promise<PreviewServer> {
  const resolver = options.resolver ?? null;
  const cache = new PostBodyCache();
  const themes = new ThemeCache();
  const summaries = new Map<string, { fp: string; html: string }>();
  const hub = new ReloadHub();
  let current: PreviewSite | undefined;

  const site = (): PreviewSite => {
    if (!current) {
      const snapshot = source.snapshot();
      current = new PreviewSite(
        snapshot,
        buildSiteModel(snapshot, { includeDrafts: true }),
        cache,
        resolver,
        themes,
        summaries,
      );
    }
    return current;
  };
  const notify = (reason: string, paths: string[] = []) => {
    current = undefined;
    if (reason === 'templates') themes.invalidate();
    hub.notify(reason, paths);
  };
  const unsubscribe = source.onChange?.((change) => notify(change.kind, change.paths));

  const assets = new Map<string, { type: string; content: Buffer }>();
  const assetsFor = (snapshot: SiteSnapshot) => {
    if (assets.size === 0) {
      for (const a of themes.get(snapshot).builtin.assets) {
        assets.set(`/${a.path}`, { type: a.contentType, content: a.content });
      }
      for (const a of MACRO_ASSETS) {
        assets.set(`/${a.path}`, { type: a.contentType, content: Buffer.from(a.content, 'utf8') });
      }
    }
    return assets;
  };

  const renderPage = async (
    s: PreviewSite,
    page: SitePage,
    entryOverride?: SiteEntry,
    with_?: { resolver: PythonMacroResolver | null; cache: PostBodyCache },
  ): Promise<string> => {
    if (entryOverride && page.kind === 'post') {
      await s.prepare([entryOverride], with_);
      return s.renderer.render({ ...page, entry: entryOverride });
    }
    await s.prepare(s.entriesOf(page));
    return s.renderer.render(page);
  };

  /**
   * The page of a published post as its pending edits would make it: the site model is worked out again
   * with the edited post in place, so its tags, categories and templates are the edited ones too.
   */
  const pendingPage = (
    s: PreviewSite,
    published: { page: PostPage; entry: SiteEntry },
    pending: SitePost,
  ): { page: PostPage; entry: SiteEntry } => {
    // Worked out once per version of the pending edits: a live render (many a second while the user
    // types) reuses it, at 10,000 posts a new model costs about 80 ms.
    const key = `${pending.id}\0${pending.mtimeMs}\0${pending.size}`;
    if (pendingMemo.site !== s) pendingMemo = { site: s, shapes: new Map() };
    let shape = pendingMemo.shapes.get(key);
    if (!shape) {
      shape = pendingShape(s, published, pending);
      pendingMemo.shapes.set(key, shape);
    }
    return shape;
  };
  let pendingMemo: { site?: PreviewSite; shapes: Map<string, { page: PostPage; entry: SiteEntry }> } = {
    shapes: new Map(),
  };
  const pendingShape = (
    s: PreviewSite,
    published: { page: PostPage; entry: SiteEntry },
    pending: SitePost,
  ): { page: PostPage; entry: SiteEntry } => {
    const posts = s.snapshot.posts.map((p) => (p.id === pending.id ? pending : p));
    const model = buildSiteModel({ ...s.snapshot, posts }, { includeDrafts: true });
    const entry = model.byId.get(pending.id);
    const page = entry ? model.byUrl.get(entry.url) : undefined;
    // An edit that gives the post no page of its own (a slug that cannot be a folder) keeps the old place.
    if (!entry || page?.kind !== 'post') {
      return { page: published.page, entry: { ...published.entry, post: pending, isDraft: true } };
    }
    return { page, entry: { ...entry, isDraft: true } };
  };

  /** Media, theme assets and the site's pages; throws when the theme or a page cannot render. */
  const serveSite = async (res: ServerResponse, head: boolean, rawPath: string): Promise<void> => {
    const s = site();
    const paths = s.snapshot.paths;
    for (const [prefix, root] of [
      ['/media/', paths.media],
      ['/thumbnails/', paths.thumbnails],
    ] as const) {
      if (!rawPath.startsWith(prefix)) continue;
      const found = resolveStaticFile(root, rawPath.slice(prefix.length));
      if (!found.ok || (prefix === '/media/' && found.file.endsWith('.meta.yaml'))) {
        const status = found.ok ? 404 : found.status;
        send(
          res,
          head,
          status,
          'text/plain; charset=utf-8',
          status === 404 ? 'Not found.\n' : 'Forbidden.\n',
        );
        return;
      }
      // Media are the user's files: typed by extension like a web server would, and sandboxed so an SVG
      // opened on its own runs no script with the preview's origin.
      const type = mimeTypeOfExtension(extensionOf(found.file)) ?? contentTypeOf(found.file);
      send(res, head, 200, type, head ? Buffer.alloc(0) : fs.readFileSync(found.file), {
        'Content-Length': String(fs.statSync(found.file).size),
        'Content-Security-Policy': 'sandbox',
      });
      return;
    }
    if (rawPath.startsWith('/assets/')) {
      const asset = assetsFor(s.snapshot).get(rawPath);
      if (asset) send(res, head, 200, asset.type, asset.content);
      else send(res, head, 404, 'text/plain; charset=utf-8', 'Not found.\n');
      return;
    }

    const norm = normalisePath(rawPath);
    if (norm === undefined) {
      send(res, head, 400, 'text/plain; charset=utf-8', 'Bad request: malformed URL encoding.\n');
      return;
    }
    if (norm.startsWith(DRAFT_PREFIX)) {
      const id = decodeURIComponent(norm.slice(DRAFT_PREFIX.length).replace(/\/$/, ''));
      const entry = s.model.byId.get(id);
      const page = entry ? s.model.byUrl.get(entry.url) : undefined;
      if (entry && page?.kind === 'post') {
        const pending = source.pendingEdit?.(id);
        const shown = pending ? pendingPage(s, { page, entry }, pending) : { page, entry };
        const html = await renderPage(s, shown.page, shown.entry);
        send(res, head, 200, PAGE_TYPES.post, injectReloadScript(html));
        return;
      }
    } else {
      const page = s.model.byUrl.get(norm);
      if (page) {
        let body = await renderPage(s, page);
        if (page.kind === 'post' && !page.entry.isDraft && source.pendingEdit?.(page.entry.post.id)) {
          body = injectPendingNote(body, page.entry.post.id);
        }
        send(
          res,
          head,
          200,
          PAGE_TYPES[page.kind],
          page.kind === 'post' || page.kind === 'list' || page.kind === 'not-found'
            ? injectReloadScript(body)
            : body,
        );
        return;
      }
      if (!norm.endsWith('/') && s.model.byUrl.has(`${norm}/`)) {
        send(res, head, 301, 'text/plain; charset=utf-8', 'Moved.\n', { Location: `${norm}/` });
        return;
      }
    }
    const unreadable = (options.problems?.() ?? []).filter(
      (p) => p.file.startsWith('posts/') || p.file.startsWith('drafts/'),
    );
    let notFound = s.renderer.renderNotFound();
    if (unreadable.length > 0) notFound = injectAtMainStart(notFound, unreadablePostsBox(unreadable));
    send(res, head, 404, PAGE_TYPES['not-found'], injectReloadScript(notFound));
  };

  const framing = frameHeaders(options.frameAncestors);
  const draft = draftScript(options.frameAncestors ?? []);
  const injectReloadScript = (html: string) => withReload(html, draft);
  /**
   * A post page with text the app has not saved yet (the editor's live preview): same-origin JSON only
   * (a page of another site cannot send it without CORS, which this server never grants).
   */
  /** Same-origin JSON only: a page of another site cannot send it without CORS, which this server never grants. */
  const readSameOriginJson = async (
    req: IncomingMessage,
    res: ServerResponse,
    limit: number,
  ): Promise<Record<string, unknown> | undefined> => {
    const fetchSite = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if (
      !String(req.headers['content-type'] ?? '').startsWith('application/json') ||
      (fetchSite !== undefined && fetchSite !== 'same-origin') ||
      (origin !== undefined && origin !== `http://${req.headers.host}`)
    ) {
      send(
        res,
        false,
        403,
        'text/plain; charset=utf-8',
        'Forbidden: only the preview itself may ask this.\n',
      );
      return undefined;
    }
    try {
      const value: unknown = JSON.parse(await readBody(req, limit));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        return value as Record<string, unknown>;
      }
      throw new Error('the body must be a JSON object');
    } catch (e) {
      send(res, false, 400, 'text/plain; charset=utf-8', `Bad request: ${(e as Error).message}\n`);
      return undefined;
    }
  };

  /**
   * A post with text the app has not saved yet: shown as pending edits for a published post, as a draft
   * otherwise. `salt` goes into the stand-in for the file's stat (the render cache keys a body by it).
   */
  const unsavedPost = (
    input: Record<string, unknown>,
    salt = '',
  ): { s: PreviewSite; page: PostPage; entry: SiteEntry } | undefined => {
    const s = site();
    const id = typeof input.postId === 'string' ? input.postId : '';
    const entry = s.model.byId.get(id);
    const page = entry ? s.model.byUrl.get(entry.url) : undefined;
    if (!entry || page?.kind !== 'post' || typeof input.body !== 'string') return undefined;
    const base = source.pendingEdit?.(id) ?? entry.post;
    const title = typeof input.title === 'string' && input.title.trim() ? input.title : base.title;
    // Unsaved text has no stat: its hash stands in (below zero, never a real mtime).
    const digest = createHash('sha1').update(`${title}\n${input.body}\n${salt}`).digest();
    const unsaved = {
      ...base,
      title,
      body: input.body,
      mtimeMs: -1 - digest.readUInt32BE(0),
      size: Buffer.byteLength(input.body),
      pending: entry.post.status === 'published',
    };
    // Unsaved text changes only the title and the body: the shape of the site (this post's place, tags,
    // template, neighbours) is that of the saved version, so the saved version's shape is reused.
    const shown = pendingPage(s, { page, entry }, base);
    return { s, page: shown.page, entry: { ...shown.entry, post: unsaved, isDraft: true } };
  };

  /**
   * The editor's live preview. With `macroOutputs` (what the browser's Python runtime rendered for the
   * calls `/_bds/python/calls` listed), those stand in for running the same macros here.
   */
  const renderUnsaved = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const input = await readSameOriginJson(req, res, 12 * 1024 * 1024);
    if (!input) return;
    const outputs = suppliedOutputs(input.macroOutputs);
    const found = unsavedPost(input, outputs ? JSON.stringify(input.macroOutputs) : '');
    if (!found) {
      send(res, false, 404, 'text/plain; charset=utf-8', 'No such post in the preview.\n');
      return;
    }
    const with_ = outputs && resolver ? { resolver: supplying(resolver, outputs), cache } : undefined;
    send(res, false, 200, PAGE_TYPES.post, await renderPage(found.s, found.page, found.entry, with_));
  };

  /**
   * A post or list page with a template's unsaved text in place (the Templates editor's preview); a
   * template that fails answers 422 with the error page, which names the file and line.
   */
  const renderTemplateDraft = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const input = await readSameOriginJson(req, res, 2 * 1024 * 1024);
    if (!input) return;
    const draft = templateDraftOf(input);
    const s = site();
    const page = draft ? draftPage(s.model, draft, normalisePath) : undefined;
    if (!draft || !page) {
      send(res, false, 404, 'text/plain; charset=utf-8', 'No such post or list in the preview.\n');
      return;
    }
    try {
      const theme = themeWithDraft(s.snapshot, draft);
      // Summaries of its own: the site's cache must not keep what the unsaved template rendered.
      const renderer = new PageRenderer(
        { settings: s.snapshot.settings, model: s.model, bodies: s.bodies, theme, preview: true },
        new Map(),
      );
      await s.prepare(s.entriesOf(page));
      send(res, false, 200, PAGE_TYPES[page.kind], renderer.render(page));
    } catch (e) {
      const title = e instanceof BdsError && e.code === 'template-error' ? 'Template error' : 'Preview error';
      send(res, false, 422, 'text/html; charset=utf-8', errorPage(title, formatError(e)));
    }
  };

  /**
   * The Python macro calls a draft makes, planned for the browser's runtime (nothing runs here). With
   * `sandbox`, scripts not trusted yet are planned too: the browser runs them without bds_api.
   */
  const plannedCalls = async (req: IncomingMessage, res: ServerResponse, python: PreviewPython) => {
    const input = await readSameOriginJson(req, res, 12 * 1024 * 1024);
    if (!input) return;
    const found = unsavedPost(input, 'plan');
    if (!found || !resolver) {
      send(res, false, 404, 'text/plain; charset=utf-8', 'No such post in the preview.\n');
      return;
    }
    const calls = new Map<string, PlannedMacroCall>();
    const recorder: PythonMacroResolver = {
      macroSlugs: () => resolver.macroSlugs(),
      render: (call) => {
        const key = macroCallKey(call);
        const plan = calls.has(key) ? undefined : python.plan(call, { untrusted: input.sandbox === true });
        if (plan) calls.set(key, { key, ...plan, postJson: call.postJson });
        return Promise.resolve({ ok: true, html: '' });
      },
    };
    // A cache of its own: the empty stand-ins must never be shown.
    await found.s.prepare([found.entry], { resolver: recorder, cache: new PostBodyCache() });
    found.s.bodies.delete(found.entry);
    send(res, false, 200, 'application/json; charset=utf-8', JSON.stringify({ calls: [...calls.values()] }));
  };

  /** A bds_api call of a macro running in the browser's runtime: answered as an ApiAnswer. */
  const pythonApi = async (req: IncomingMessage, res: ServerResponse, python: PreviewPython) => {
    const input = await readSameOriginJson(req, res, 1024 * 1024);
    if (!input) return;
    let answer: unknown;
    try {
      const call = ApiCallSchema.safeParse(input);
      if (!call.success) {
        const { field, message } = describeAbiIssue('call', call.error);
        throw new BdsError('invalid-call', `${field} ${message}`);
      }
      answer = { ok: true, result: (await python.api(call.data.method, call.data.args)) ?? null };
    } catch (e) {
      answer = {
        ok: false,
        error: {
          code: e instanceof BdsError ? e.code : 'api-error',
          message: e instanceof Error ? e.message : String(e),
        },
      };
    }
    send(res, false, 200, 'application/json; charset=utf-8', JSON.stringify(answer));
  };

  /** The frame, its scripts and Pyodide's files; false when `rawPath` is none of them. */
  const servePython = (
    res: ServerResponse,
    head: boolean,
    rawPath: string,
    python: PreviewPython,
  ): boolean => {
    if (rawPath === `${PYTHON_PREFIX}frame.html`) {
      const file = path.join(python.webRoot, 'python-frame.html');
      if (!fs.existsSync(file)) {
        send(res, head, 404, 'text/plain; charset=utf-8', 'The web UI is not built (npm run build).\n');
        return true;
      }
      const config = JSON.stringify({
        indexURL: `${PYODIDE_PREFIX}${python.pyodide.version}/`,
        parents: options.frameAncestors ?? [],
        bdsApiModule: python.bdsApiModule,
        timeouts: python.timeouts(),
      }).replace(/</g, '\\u003c');
      const html = fs
        .readFileSync(file, 'utf8')
        .replace(
          '</head>',
          `<script id="bds-python-config" type="application/json">${config}</script></head>`,
        );
      send(res, head, 200, 'text/html; charset=utf-8', html, {
        // Isolates this document (and its worker) alone: SharedArrayBuffer for interrupts, while the
        // app and the preview pages keep their embeds.
        'Document-Isolation-Policy': 'isolate-and-require-corp',
        'Content-Security-Policy': [
          "default-src 'self'",
          "script-src 'self' 'wasm-unsafe-eval'",
          "connect-src 'self'",
          "worker-src 'self'",
          "object-src 'none'",
          "base-uri 'none'",
          `frame-ancestors ${(options.frameAncestors ?? []).join(' ') || "'none'"}`,
        ].join('; '),
      });
      return true;
    }
    let root: string | undefined;
    let rel = '';
    let cacheControl = 'no-cache';
    if (rawPath.startsWith(`${PYTHON_PREFIX}assets/`)) {
      root = path.join(python.webRoot, 'assets');
      rel = rawPath.slice(`${PYTHON_PREFIX}assets/`.length);
      cacheControl = 'public, max-age=31536000, immutable';
    } else if (rawPath.startsWith(`${PYODIDE_PREFIX}${python.pyodide.version}/`)) {
      root = python.pyodide.dir;
      rel = rawPath.slice(`${PYODIDE_PREFIX}${python.pyodide.version}/`.length);
      cacheControl = 'public, max-age=31536000, immutable';
    }
    if (root === undefined) return false;
    const found = resolveStaticFile(root, rel);
    if (!found.ok) {
      send(
        res,
        head,
        found.status,
        'text/plain; charset=utf-8',
        found.status === 404 ? 'Not found.\n' : 'Forbidden.\n',
      );
      return true;
    }
    send(
      res,
      head,
      200,
      PYTHON_FILE_TYPES[path.extname(found.file)] ?? 'application/octet-stream',
      head ? Buffer.alloc(0) : fs.readFileSync(found.file),
      {
        'Cache-Control': cacheControl,
        'Content-Length': String(fs.statSync(found.file).size),
        'Cross-Origin-Resource-Policy': 'same-origin',
      },
    );
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(framing)) res.setHeader(name, value);
    if (!isLoopbackHost(req.headers.host)) {
      send(
        res,
        false,
        403,
        'text/plain; charset=utf-8',
        'Forbidden: the preview answers only to localhost names.\n',
      );
      return;
    }
    if (isCrossSiteSubresource(req.headers)) {
      send(res, false, 403, 'text/plain; charset=utf-8', 'Forbidden: cross-site request.\n');
      return;
    }
    const method = req.method ?? 'GET';
    const postPath = method === 'POST' ? (req.url ?? '').split('?')[0] : undefined;
    if (postPath === RENDER_PATH) {
      await renderUnsaved(req, res);
      return;
    }
    if (postPath === TEMPLATE_RENDER_PATH) {
      await renderTemplateDraft(req, res);
      return;
    }
    if (options.python && postPath === `${PYTHON_PREFIX}calls`) {
      await plannedCalls(req, res, options.python);
      return;
    }
    if (options.python && postPath === `${PYTHON_PREFIX}api`) {
      await pythonApi(req, res, options.python);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      send(res, false, 405, 'text/plain; charset=utf-8', 'Method not allowed: the preview only reads.\n', {
        Allow: 'GET, HEAD',
      });
      return;
    }
    const head = method === 'HEAD';
    const rawUrl = req.url ?? '/';
    const rawPath = rawUrl.split('?')[0]!.split('#')[0]!;
    if (!rawPath.startsWith('/')) {
      send(res, head, 400, 'text/plain; charset=utf-8', 'Bad request.\n');
      return;
    }

    if (options.python && servePython(res, head, rawPath, options.python)) return;

    if (rawPath === EVENTS_PATH) {
      if (!isLoopbackOrigin(req.headers.origin as string | undefined)) {
        send(res, head, 403, 'text/plain; charset=utf-8', 'Forbidden: wrong origin.\n');
        return;
      }
      hub.add(res);
      return;
    }

    // Everything past the door renders inside this catch, so a broken template shows as a page that
    // names its file and line, and reloads by itself once the template is fixed.
    try {
      await serveSite(res, head, rawPath);
    } catch (e) {
      const title = e instanceof BdsError && e.code === 'template-error' ? 'Template error' : 'Preview error';
      send(res, head, 500, 'text/html; charset=utf-8', injectReloadScript(errorPage(title, formatError(e))));
    }
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, false, 500, 'text/plain; charset=utf-8', `${formatError(e)}\n`);
      else res.end();
    });
  });
  const port = options.port ?? DEFAULT_PREVIEW_PORT;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new BdsError('preview-port-in-use', `Port ${port} on 127.0.0.1 is already in use`, { cause: e })
          : e,
      );
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;

  let watcher: FSWatcher | undefined;
  let watching: Promise<void> = Promise.resolve();
  if (options.watchFiles !== false) {
    const p = source.snapshot().paths;
    fs.mkdirSync(p.templates, { recursive: true });
    // A source with change events reports media after it has read them again (a sidecar's new caption is
    // in its index then); reloading on the raw file event as well came first and showed the old caption.
    const dirs = [p.templates, p.thumbnails, ...(source.onChange ? [] : [p.media])].filter((d) =>
      fs.existsSync(d),
    );
    watcher = chokidar.watch(dirs, {
      ignoreInitial: true,
      ignored: (file: string) => path.basename(file).startsWith('.'),
    });
    const w = watcher;
    watching = new Promise((resolve) => w.once('ready', () => resolve()));
    const onFile = (abs: string) => {
      const rel = path.relative(p.root, abs).split(path.sep).join('/');
      notify(rel.startsWith('templates/') ? 'templates' : 'media', [rel]);
    };
    watcher.on('add', onFile).on('change', onFile).on('unlink', onFile);
  }

  return {
    url: `http://127.0.0.1:${actual}/`,
    port: actual,
    watching,
    notify,
    liveClients: () => hub.size,
    async close() {
      unsubscribe?.();
      hub.close();
      await watcher?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
