// The server side of `bds_api`: answers calls from Python by calling the same Workspace use cases as
// the CLI and the HTTP API. Arguments are validated against the contract; macros may only read.
import type { z } from 'zod';
import { BdsError } from '../core/errors.js';
import { describeZodError } from '../core/schemas.js';
import { loadProject } from '../content/project.js';
import type { Post } from '../content/posts/post-store.js';
import { findMethod, type ApiMethod } from '../scripting/api/contract.js';
import type { PostRow } from '../store/index.js';
import type { PythonRuntime } from '../scripting/index.js';
import { createWorkspaceRuntime, WorkspaceMacroResolver } from './python.js';
import { ProjectRegistry } from './registry.js';
import { buildSite } from './site.js';
import { deleteTemplate, getTemplate, listTemplates, saveTemplate } from './templates.js';
import type { Workspace } from './workspace.js';

export type ApiCaller = 'macro' | 'transform' | 'utility';
export type ApiHandler = (method: string, args: unknown) => unknown;

type Args = Record<string, unknown>;
type Impl = (ws: Workspace, a: Args, ctx: { home?: string }) => unknown;

function postOut(p: PostRow | Post, withContent: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: p.id,
    slug: p.slug,
    title: p.title,
    status: p.status,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    publishedAt: p.publishedAt,
    tags: p.tags,
    categories: p.categories,
    excerpt: p.excerpt,
    author: p.author,
    language: p.language,
    path: p.path,
    hasPendingEdits: p.hasDraft,
  };
  if (withContent) out.content = p.body;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

function postInput(data: Args) {
  const { content, ...rest } = data as { content?: string } & Args;
  return { ...rest, body: content } as Parameters<Workspace['updatePost']>[1];
}

const IMPLEMENTATIONS: Record<string, Impl> = {
  'posts.list': (ws, a) =>
    ws
      .listPosts({
        status: a.status as string | undefined,
        tag: a.tag as string | undefined,
        category: a.category as string | undefined,
        limit: (a.limit as number | undefined) ?? (a.offset !== undefined ? 10000 : undefined),
        offset: a.offset as number | undefined,
      })
      .map((p) => postOut(p, false)),
  'posts.get': (ws, a) => postOut(ws.getPost(a.id as string), true),
  'posts.getBySlug': (ws, a) => postOut(ws.getPost(a.slug as string), true),
  'posts.search': (ws, a) =>
    ws
      .searchPosts(a.query as string, { limit: a.limit as number | undefined })
      .map(({ rank: _r, ...h }) => h),
  'posts.create': (ws, a) =>
    postOut(
      ws.createPost({
        ...postInput(a.data as Args),
        title: (a.data as Args).title as string,
        publish: a.publish as boolean,
      }),
      true,
    ),
  'posts.update': (ws, a) => postOut(ws.updatePost(a.id as string, postInput(a.data as Args)), true),
  'posts.publish': (ws, a) => postOut(ws.publishPost(a.id as string), true),
  'posts.unpublish': (ws, a) => postOut(ws.unpublishPost(a.id as string), true),
  'posts.discard': (ws, a) => postOut(ws.discardPendingEdits(a.id as string), true),
  'posts.delete': (ws, a) => ws.deletePost(a.id as string),
  'media.list': (ws) => ws.listMedia(),
  'media.get': (ws, a) => ws.getMedia(a.id as string),
  'media.linkedToPost': (ws, a) => ws.linkedMedia(ws.getPost(a.postId as string).id),
  'media.search': (ws, a) => ws.searchMedia(a.query as string),
  'tags.list': (ws) => ws.listTags().map((t) => (t.color === undefined ? { ...t, color: undefined } : t)),
  'tags.rename': (ws, a) => ws.renameTag(a.name as string, a.newName as string),
  'tags.merge': (ws, a) => ws.mergeTags(a.sources as string[], a.target as string),
  'tags.setColor': (ws, a) => {
    ws.setTagColor(a.name as string, a.color as string);
    return null;
  },
  'categories.list': (ws) =>
    ws.listCategories().map((c) => ({
      name: c.name,
      title: c.meta.title,
      renderInLists: c.meta.renderInLists,
      showTitle: c.meta.showTitle,
      count: c.count,
    })),
  'scripts.list': (ws) => ws.listScripts().map(({ code: _c, extra: _e, notices: _n, ...s }) => s),
  'scripts.get': (ws, a) => {
    const { extra: _e, notices: _n, ...s } = ws.getScript(a.ref as string);
    return s;
  },
  'sync.checkAvailability': (ws) => ws.git().checkAvailability(),
  'sync.getRepoState': (ws) => ws.git().getRepoState(),
  'sync.getStatus': (ws) => ws.git().getStatus(),
  'sync.getHistory': (ws, a) => ws.git().getHistory((a.limit as number | undefined) ?? 20),
  'sync.getRemoteState': (ws) => ws.git().getRemoteState(),
  'sync.fetch': (ws) => ws.git().fetch(),
  'sync.pull': (ws) => ws.pull(),
  'sync.push': (ws) => ws.git().push(),
  'sync.commitAll': (ws, a) => ws.git().commitAll(a.message as string),
  'publish.uploadSite': async (ws, a) => {
    const { parts: _p, ...r } = await ws.publish({
      dryRun: a.dryRun as boolean | undefined,
      delete: a.delete as boolean | undefined,
    });
    return r;
  },
  'templates.list': (ws) => listTemplates(ws),
  'templates.get': (ws, a) => getTemplate(ws, a.name as string),
  'templates.save': (ws, a) => saveTemplate(ws, a.name as string, a.content as string),
  'templates.delete': (ws, a) => {
    deleteTemplate(ws, a.name as string);
    return null;
  },
  'site.build': async (ws, a) => {
    // The calling script holds a worker of the workspace's runtime while it waits for this answer, so
    // the build's macros run in a runtime of their own (started only when a post holds a Python macro):
    // with a single worker they would otherwise wait for the script that waits for them.
    let runtime: PythonRuntime | undefined;
    const resolver = new WorkspaceMacroResolver(
      ws,
      () => (runtime ??= createWorkspaceRuntime(ws, { size: 1 })),
    );
    try {
      const {
        media: _m,
        thumbnails: _t,
        ...summary
      } = await buildSite(ws, {
        strict: a.strict as boolean | undefined,
        force: a.force as boolean | undefined,
        resolver,
      });
      return summary;
    } finally {
      await runtime?.dispose();
    }
  },
  'project.getSettings': (ws) => ws.project.settings,
  'app.getDataPaths': (ws) => ({
    project: ws.root,
    database: ws.project.paths.index,
    posts: ws.project.paths.posts,
    media: ws.project.paths.media,
    scripts: ws.project.paths.scripts,
    html: ws.project.paths.html,
  }),
  'app.getSystemLanguage': () => Intl.DateTimeFormat().resolvedOptions().locale || process.env.LANG || 'en',
  'app.getDefaultProjectPath': (_ws, _a, ctx) => new ProjectRegistry(ctx.home).defaultProjectPath(),
  'app.readProjectMetadata': (_ws, a) => loadProject(a.folderPath as string).settings,
};

function validateArgs(m: ApiMethod, raw: unknown): Args {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new BdsError('invalid-argument', `${m.namespace}.${m.name}: arguments must be an object`);
  }
  const input = raw as Args;
  const out: Args = {};
  for (const p of m.params) {
    const v = input[p.name];
    if (v === undefined || v === null) {
      if (p.required)
        throw new BdsError('invalid-argument', `${m.namespace}.${m.name} requires argument "${p.name}"`);
      continue;
    }
    const r = (p.schema as z.ZodType).safeParse(v);
    if (!r.success) {
      const { field, message } = describeZodError(r.error);
      throw new BdsError(
        'invalid-argument',
        `${m.namespace}.${m.name}: "${[p.name, field].filter(Boolean).join('.')}" ${message}`,
      );
    }
    out[p.name] = r.data;
  }
  for (const k of Object.keys(input)) {
    if (!m.params.some((p) => p.name === k))
      throw new BdsError('invalid-argument', `${m.namespace}.${m.name}: unknown argument "${k}"`);
  }
  return out;
}

/** A handler for the `api-call`s of one script run. */
export function createApiHandler(ws: Workspace, caller: ApiCaller, ctx: { home?: string } = {}): ApiHandler {
  // Synchronous where the use case is (the main-thread runtime needs an immediate answer); a Promise
  // only for methods that really wait (git, publish).
  return (method, args) => {
    const m = findMethod(method);
    const impl = IMPLEMENTATIONS[method];
    if (!m || !impl) throw new BdsError('api-unknown-method', `bds_api has no method "${method}"`);
    if (caller !== 'utility' && !m.readOnly) {
      throw new BdsError('api-read-only', `${method} changes the blog and is read-only in ${caller}s`, {
        hint: 'Macros and transforms may only read; do the change from a utility script.',
      });
    }
    const check = (result: unknown): unknown => {
      const checked = m.result.safeParse(result);
      if (!checked.success) {
        const { field, message } = describeZodError(checked.error);
        throw new BdsError('internal', `${method} returned an invalid result: "${field}" ${message}`);
      }
      return result;
    };
    const result = impl(ws, validateArgs(m, args), ctx);
    return result instanceof Promise ? result.then(check) : check(result);
  };
}

export const IMPLEMENTED_METHODS = Object.keys(IMPLEMENTATIONS);
