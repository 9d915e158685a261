// Use cases of the media library: import files (with sidecars and thumbnails, optionally linked to a
// post), list, search, find where one is used, edit, replace its file, link to posts in order, delete,
// and make thumbnails again.
import path from 'node:path';
import { z } from 'zod';
import { BdsError } from '../core/errors.js';
import type { MediaRecord } from '../content/media/index.js';
import type { Post } from '../content/posts/post-store.js';
import type { AppServices } from './services.js';
import { MediaSchema, nonEmpty, PostSchema, PostStatusSchema, RefSchema } from './schemas.js';
import { workspaceUseCase } from './use-case.js';

const MediaId = nonEmpty('media id').describe('media id');
const MetaFields = {
  title: z.string().optional().describe('title'),
  alt: z.string().optional().describe('alternative text'),
  caption: z.string().optional().describe('caption'),
  tags: z.array(z.string()).optional().describe('tags'),
};

/** The media a post links (its pending edits' list when it has them). */
function linkedIds(post: Post): string[] {
  return (post.pending?.data.media as string[] | undefined) ?? post.media;
}

function setLinks(app: AppServices, post: Post, media: string[]): Post {
  const updated = app.transaction(() => app.posts.update(post.id, { media }));
  app.changed('posts-changed', [updated.path]);
  return updated;
}

export const listMedia = workspaceUseCase({
  name: 'media.list',
  description: 'Media files, newest first.',
  input: z.object({}),
  output: z.array(MediaSchema),
  readOnly: true,
  cacheable: true,
  errors: [],
  http: { method: 'GET', path: '/api/media' },
  python: { method: 'media.list' },
  run: (app) => app.media.list(),
});

export const getMedia = workspaceUseCase({
  name: 'media.get',
  description: 'One media file by id.',
  input: z.object({ id: MediaId }),
  output: MediaSchema,
  readOnly: true,
  cacheable: true,
  errors: ['media-not-found'],
  http: { method: 'GET', path: '/api/media/:id' },
  python: { method: 'media.get' },
  run: (app, { id }) => app.media.get(id),
});

export const linkedMedia = workspaceUseCase({
  name: 'media.linked',
  description: 'Media linked to a post, in order (what the gallery macro shows).',
  input: z.object({ post: RefSchema('post') }),
  output: z.array(MediaSchema),
  readOnly: true,
  cacheable: true,
  errors: ['post-not-found'],
  http: { method: 'GET', path: '/api/posts/:post/media' },
  python: {
    method: 'media.linkedToPost',
    params: z.object({ postId: nonEmpty('postId').describe('post id') }),
    toInput: (a) => ({ post: a.postId }),
  },
  run: (app, { post }) => app.media.linkedToPost(app.posts.get(post).id),
});

export const searchMedia = workspaceUseCase({
  name: 'media.search',
  description: 'Full-text search over names, titles, alt texts, captions and tags.',
  input: z.object({
    query: nonEmpty('query').describe('words to find'),
    limit: z.number().int().min(1).max(500).optional().describe('at most this many'),
  }),
  output: z.array(MediaSchema),
  readOnly: true,
  cacheable: true,
  errors: [],
  http: { method: 'GET', path: '/api/media-search' },
  python: {
    method: 'media.search',
    params: z.object({ query: nonEmpty('query').describe('words to find') }),
  },
  run: (app, { query, limit }) => app.media.search(query, limit),
});

export const usageOfMedia = workspaceUseCase({
  name: 'media.usage',
  description:
    'Posts that use a media file: linked to it (published or pending edits) or naming its id in the body, newest first.',
  input: z.object({ id: MediaId }),
  output: z.array(
    z.object({
      id: z.string(),
      slug: z.string(),
      title: z.string(),
      status: PostStatusSchema,
      linked: z.boolean().describe('the post (or its pending edits) links the media'),
      inBody: z.boolean().describe('the body (or its pending edits) names the media id'),
    }),
  ),
  readOnly: true,
  cacheable: true,
  errors: ['media-not-found'],
  http: { method: 'GET', path: '/api/media/:id/usage' },
  python: { method: 'media.usage' },
  run: (app, { id }) => app.postIndex.mediaUsage(app.media.get(id).id),
});

const ImportResult = z.object({
  file: z.string(),
  record: MediaSchema.optional(),
  error: z.string().optional(),
  code: z.string().optional(),
});

export const importMedia = workspaceUseCase({
  name: 'media.import',
  description:
    'Copy files into media/YYYY/MM/ID.ext with sidecars and thumbnails; one failing file does not stop the others. With `post`, the imported files are linked to it in order.',
  input: z.object({
    files: z.array(z.string().min(1)).min(1).describe('absolute paths of the files to import'),
    ...MetaFields,
    post: RefSchema('post').optional().describe('link the imported files to this post'),
  }),
  output: z.object({ results: z.array(ImportResult), post: PostSchema.optional() }),
  readOnly: false,
  errors: ['media-import', 'post-not-found', 'io-error'],
  http: { method: 'POST', path: '/api/media/import' },
  run: async (app, { files, post, ...meta }, ctx) => {
    for (const f of files) {
      if (!path.isAbsolute(f)) throw new BdsError('invalid-argument', `"${f}" is not an absolute path`);
    }
    // The post is looked up first: a wrong slug fails before any file is copied.
    const target = post === undefined ? undefined : app.posts.get(post);
    const results = await app.media.import(files, meta, (done, total, file) =>
      ctx.onProgress?.(total > 0 ? Math.round((done / total) * 100) : 100, path.basename(file)),
    );
    const records = results.flatMap((r) => (r.record ? [r.record] : []));
    app.changed(
      'media-changed',
      records.map((r) => r.path),
    );
    let linked: Post | undefined;
    if (target && records.length > 0) {
      linked = setLinks(app, app.posts.get(target.id), [
        ...new Set([...linkedIds(app.posts.get(target.id)), ...records.map((r) => r.id)]),
      ]);
    }
    return { results, ...(linked ? { post: linked } : {}) };
  },
});

export const updateMedia = workspaceUseCase({
  name: 'media.update',
  description: 'Change title, alt text, caption or tags (rewrites the sidecar).',
  input: z.object({
    id: MediaId,
    title: z.string().nullable().optional(),
    alt: z.string().nullable().optional(),
    caption: z.string().nullable().optional(),
    tags: z.array(z.string()).optional(),
  }),
  output: MediaSchema,
  readOnly: false,
  errors: ['media-not-found', 'io-error'],
  http: { method: 'PATCH', path: '/api/media/:id' },
  run: (app, { id, ...patch }) => {
    const r = app.transaction(() => app.media.update(id, patch));
    app.changed('media-changed', [r.path]);
    return r;
  },
});

export const replaceMedia = workspaceUseCase({
  name: 'media.replace',
  description:
    'Put a new file in place of a media file: same id, name, metadata and post links; the sidecar takes the new size and dimensions, the thumbnails are made again. The new file must have the same type (posts link to the name); if anything fails, the old file stays.',
  input: z.object({
    id: MediaId,
    file: nonEmpty('file').describe('absolute path of the new file'),
  }),
  output: MediaSchema,
  readOnly: false,
  waits: true,
  errors: ['media-not-found', 'invalid-argument', 'media-import', 'io-error'],
  http: { method: 'POST', path: '/api/media/:id/replace' },
  python: {
    method: 'media.replaceFile',
    params: z.object({
      id: MediaId,
      newSourcePath: nonEmpty('newSourcePath').describe('absolute path of the new file'),
    }),
    toInput: (a) => ({ id: a.id, file: a.newSourcePath }),
  },
  run: async (app, { id, file }) => {
    if (!path.isAbsolute(file)) throw new BdsError('invalid-argument', `"${file}" is not an absolute path`);
    const r = await app.media.replace(id, file);
    app.changed('media-changed', [r.path]);
    return r;
  },
});

export const deleteMedia = workspaceUseCase({
  name: 'media.delete',
  description: 'Delete a media file, its sidecar and thumbnails, and unlink it from every post.',
  input: z.object({ id: MediaId }),
  output: MediaSchema,
  readOnly: false,
  errors: ['media-not-found', 'io-error'],
  http: { method: 'DELETE', path: '/api/media/:id' },
  run: (app, { id }) => {
    const r: MediaRecord = app.transaction(() => {
      const record = app.media.delete(id);
      app.posts.rewriteAll((fm) =>
        fm.media.includes(id) ? { media: fm.media.filter((m) => m !== id) } : undefined,
      );
      return record;
    });
    app.changed('media-changed', [r.path]);
    app.changed('posts-changed', []);
    return r;
  },
});

const LinkOutput = z.object({ post: z.string(), media: z.array(z.string()), pending: z.boolean() });

export const linkMedia = workspaceUseCase({
  name: 'media.link',
  description:
    'Link media to a post, in order (appended after the ones already linked, without repeats; `replace` starts over).',
  input: z.object({
    post: RefSchema('post'),
    ids: z.array(MediaId).min(1),
    replace: z.boolean().optional(),
  }),
  output: LinkOutput,
  readOnly: false,
  errors: ['post-not-found', 'media-not-found', 'post-state'],
  http: { method: 'POST', path: '/api/posts/:post/media' },
  run: (app, { post, ids, replace }) => {
    for (const id of ids) app.media.get(id);
    const p = app.posts.get(post);
    const updated = setLinks(app, p, [...new Set([...(replace ? [] : linkedIds(p)), ...ids])]);
    return { post: updated.slug, media: linkedIds(updated), pending: Boolean(updated.pending) };
  },
});

export const unlinkMedia = workspaceUseCase({
  name: 'media.unlink',
  description: 'Unlink media from a post.',
  input: z.object({ post: RefSchema('post'), ids: z.array(MediaId).min(1) }),
  output: LinkOutput,
  readOnly: false,
  errors: ['post-not-found'],
  http: { method: 'POST', path: '/api/posts/:post/media/unlink' },
  run: (app, { post, ids }) => {
    const p = app.posts.get(post);
    const updated = setLinks(
      app,
      p,
      linkedIds(p).filter((m) => !ids.includes(m)),
    );
    return { post: updated.slug, media: linkedIds(updated), pending: Boolean(updated.pending) };
  },
});

export const regenerateThumbnails = workspaceUseCase({
  name: 'media.thumbnails',
  description: 'Make missing thumbnails (all of them with `force`).',
  input: z.object({ force: z.boolean().optional() }),
  output: z.object({ written: z.number() }),
  readOnly: false,
  errors: ['media-thumbnail', 'io-error'],
  http: { method: 'POST', path: '/api/media/thumbnails' },
  run: async (app, { force }) => {
    const written = await app.media.regenerateThumbnails(Boolean(force));
    if (written > 0) app.changed('media-changed', []);
    return { written };
  },
});

export const MEDIA_USE_CASES = [
  listMedia,
  getMedia,
  linkedMedia,
  searchMedia,
  usageOfMedia,
  importMedia,
  updateMedia,
  replaceMedia,
  deleteMedia,
  linkMedia,
  unlinkMedia,
  regenerateThumbnails,
] as const;
