// Use cases of posts: list, read, search, create, edit (pending edits for published posts), change
// state and delete. Python sees them as bds_api.posts with its own names (`content` for the body).
import { z } from 'zod';
import type { Post } from '../content/posts/post-store.js';
import { PostRecordSchema, type PostRecord } from '../core/records.js';
import type { AppServices } from './services.js';
import {
  nonEmpty,
  PostFieldsSchema,
  PostRefSchema,
  PostSchema,
  PostStatusSchema,
  PostSummarySchema,
  RefSchema,
  SearchHitSchema,
} from './schemas.js';
import { workspaceUseCase, type PythonView } from './use-case.js';

// ------------------------------------------------------------------ the Python contract's shapes

/** The post record's fields a script sees, in the order the API reference lists them. */
const PY_POST_FIELDS = [
  'id',
  'slug',
  'title',
  'status',
  'createdAt',
  'updatedAt',
  'publishedAt',
  'tags',
  'categories',
  'excerpt',
  'author',
  'language',
  'path',
] as const;
type PyPostField = (typeof PY_POST_FIELDS)[number];

const PyPost = z.looseObject(
  Object.fromEntries(PY_POST_FIELDS.map((k) => [k, PostRecordSchema.shape[k]])) as Pick<
    typeof PostRecordSchema.shape,
    PyPostField
  >,
);
const PyPostWithBody = PyPost.extend({ content: z.string() });
/** The fields a script sets: the use case's own, with `content` for the body (no media links). */
const PyPostData = PostFieldsSchema.omit({ body: true, media: true }).extend({
  content: z.string().optional(),
});

type PostLike = Pick<PostRecord, PyPostField | 'hasDraft'> & { body?: string };

/** A post as Python sees it: `content` for the body, `hasPendingEdits`, no internal fields. */
function pyPost(p: PostLike): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of PY_POST_FIELDS) if (p[k] !== undefined) out[k] = p[k];
  out.hasPendingEdits = p.hasDraft;
  if (p.body !== undefined) out.content = p.body;
  return out;
}

function fieldsFromPython(data: Record<string, unknown>): Record<string, unknown> {
  const { content, ...rest } = data;
  return content === undefined ? rest : { ...rest, body: content };
}

const pyPostOne = (method: string, description: string): PythonView => ({
  method,
  description,
  params: z.object({ id: nonEmpty('id').describe('post id') }),
  toInput: (a) => ({ ref: a.id }),
  result: PyPostWithBody,
  fromOutput: (p: PostLike) => pyPost(p),
});

// ------------------------------------------------------------------ helpers

function out(p: Post): z.input<typeof PostSchema> {
  return p as z.input<typeof PostSchema>;
}

function writePost(app: AppServices, fn: () => Post): z.input<typeof PostSchema> {
  const post = app.transaction(fn);
  app.changed('posts-changed', [post.path]);
  return out(post);
}

const StateChange = z.object({ ref: RefSchema('post') });

// ------------------------------------------------------------------ use cases

export const listPosts = workspaceUseCase({
  name: 'posts.list',
  description: 'Posts, newest first, optionally filtered.',
  input: z.object({
    status: PostStatusSchema.optional().describe('only posts with this status'),
    tag: z.string().optional().describe('only posts with this tag'),
    category: z.string().optional().describe('only posts in this category'),
    datePrefix: z
      .string()
      .regex(/^\d{4}(-\d{2}){0,2}$/, { message: 'must be YYYY, YYYY-MM or YYYY-MM-DD' })
      .optional()
      .describe('only posts of this year, month or day'),
    limit: z.number().int().min(1).max(10000).optional().describe('at most this many'),
    offset: z.number().int().min(0).optional().describe('skip this many'),
  }),
  output: z.array(PostSummarySchema),
  readOnly: true,
  cacheable: true,
  errors: [],
  http: { method: 'GET', path: '/api/posts' },
  python: {
    method: 'posts.list',
    params: z.object({
      status: PostStatusSchema.optional().describe('only posts with this status'),
      tag: z.string().optional().describe('only posts with this tag'),
      category: z.string().optional().describe('only posts in this category'),
      limit: z.number().int().min(1).max(10000).optional().describe('at most this many'),
      offset: z.number().int().min(0).optional().describe('skip this many'),
    }),
    result: z.array(PyPost),
    fromOutput: (rows: PostLike[]) => rows.map((p) => pyPost(p)),
  },
  run: (app, q) =>
    app.posts.list({
      ...q,
      // A list shows no bodies (the summary drops them): they are not read at all.
      withoutBody: true,
      // An offset without a limit means "the rest".
      limit: q.limit ?? (q.offset !== undefined ? 10000 : undefined),
    }),
});

export const getPost = workspaceUseCase({
  name: 'posts.get',
  description: 'One post by id or slug, with its Markdown body and pending edits.',
  input: z.object({ ref: RefSchema('post') }),
  output: PostSchema,
  readOnly: true,
  cacheable: true,
  errors: ['post-not-found'],
  http: { method: 'GET', path: '/api/posts/:ref' },
  python: [
    pyPostOne('posts.get', 'One post by id, with its Markdown content.'),
    {
      method: 'posts.getBySlug',
      description: 'One post by slug, with its Markdown content.',
      params: z.object({ slug: nonEmpty('slug').describe('post slug') }),
      toInput: (a) => ({ ref: a.slug }),
      result: PyPostWithBody,
      fromOutput: (p: PostLike) => pyPost(p),
    },
  ],
  run: (app, { ref }) => out(app.posts.get(ref)),
});

export const searchPosts = workspaceUseCase({
  name: 'posts.search',
  description: 'Full-text search over titles, excerpts, bodies, tags and categories.',
  input: z.object({
    query: nonEmpty('query').describe('words to find'),
    limit: z.number().int().min(1).max(200).optional().describe('at most this many'),
    status: PostStatusSchema.optional().describe('only posts with this status'),
  }),
  output: z.array(SearchHitSchema),
  readOnly: true,
  cacheable: true,
  errors: [],
  http: { method: 'GET', path: '/api/search' },
  python: {
    method: 'posts.search',
    params: z.object({
      query: nonEmpty('query').describe('words to find'),
      limit: z.number().int().min(1).max(200).optional().describe('at most this many'),
    }),
  },
  run: (app, { query, limit, status }) =>
    app.posts.search(query, { limit, status }).map(({ rank: _rank, ...hit }) => hit),
});

export const createPost = workspaceUseCase({
  name: 'posts.create',
  description: 'Create a post (a draft unless publish is true) and return it.',
  input: PostFieldsSchema.extend({
    title: nonEmpty('title'),
    publish: z.boolean().optional().describe('publish now'),
  }),
  output: PostSchema,
  readOnly: false,
  errors: ['post-invalid', 'path-escape', 'io-error'],
  http: { method: 'POST', path: '/api/posts' },
  python: {
    method: 'posts.create',
    description: 'Create a post (a draft unless publish is true) and return it.',
    params: z.object({
      data: PyPostData.extend({ title: z.string().min(1) }).describe(
        '{"title", "content", "tags", "categories", ...}',
      ),
      publish: z.boolean().optional().describe('publish now'),
    }),
    toInput: (a) => ({ ...fieldsFromPython(a.data as Record<string, unknown>), publish: a.publish }),
    result: PyPostWithBody,
    fromOutput: (p: PostLike) => pyPost(p),
  },
  run: (app, input) => writePost(app, () => app.posts.create(input)),
});

export const updatePost = workspaceUseCase({
  name: 'posts.update',
  description: 'Change a post; edits of a published post wait as pending edits until published.',
  input: PostFieldsSchema.extend({ ref: RefSchema('post') }),
  output: PostSchema,
  readOnly: false,
  errors: ['post-not-found', 'post-invalid', 'post-state', 'path-escape', 'io-error'],
  http: { method: 'PATCH', path: '/api/posts/:ref' },
  python: {
    method: 'posts.update',
    params: z.object({
      id: nonEmpty('id').describe('post id'),
      data: PyPostData.describe('the fields to change'),
    }),
    toInput: (a) => ({ ...fieldsFromPython(a.data as Record<string, unknown>), ref: a.id }),
    result: PyPostWithBody,
    fromOutput: (p: PostLike) => pyPost(p),
  },
  run: (app, { ref, ...patch }) => writePost(app, () => app.posts.update(ref, patch)),
});

export const publishPost = workspaceUseCase({
  name: 'posts.publish',
  description: 'Publish a post or its pending edits.',
  input: StateChange,
  output: PostSchema,
  readOnly: false,
  errors: ['post-not-found', 'io-error'],
  http: { method: 'POST', path: '/api/posts/:ref/publish' },
  python: pyPostOne('posts.publish', 'Publish a post or its pending edits.'),
  run: (app, { ref }) => writePost(app, () => app.posts.publish(ref)),
});

export const unpublishPost = workspaceUseCase({
  name: 'posts.unpublish',
  description: 'Turn a published post back into a draft.',
  input: StateChange,
  output: PostSchema,
  readOnly: false,
  errors: ['post-not-found', 'io-error'],
  http: { method: 'POST', path: '/api/posts/:ref/unpublish' },
  python: pyPostOne('posts.unpublish', 'Turn a published post back into a draft.'),
  run: (app, { ref }) => writePost(app, () => app.posts.unpublish(ref)),
});

export const archivePost = workspaceUseCase({
  name: 'posts.archive',
  description: 'Archive a post (it leaves the site; its URL is not reused).',
  input: StateChange,
  output: PostSchema,
  readOnly: false,
  errors: ['post-not-found', 'io-error'],
  http: { method: 'POST', path: '/api/posts/:ref/archive' },
  run: (app, { ref }) => writePost(app, () => app.posts.archive(ref)),
});

export const discardPendingEdits = workspaceUseCase({
  name: 'posts.discard',
  description: 'Discard the pending edits of a published post.',
  input: StateChange,
  output: PostSchema,
  readOnly: false,
  errors: ['post-not-found', 'post-state', 'io-error'],
  http: { method: 'POST', path: '/api/posts/:ref/discard' },
  python: pyPostOne('posts.discard', 'Discard the pending edits of a published post.'),
  run: (app, { ref }) => writePost(app, () => app.posts.discard(ref)),
});

export const deletePost = workspaceUseCase({
  name: 'posts.delete',
  description: 'Delete a post and its file.',
  input: StateChange,
  output: PostRefSchema,
  readOnly: false,
  errors: ['post-not-found', 'io-error'],
  http: { method: 'DELETE', path: '/api/posts/:ref' },
  python: {
    method: 'posts.delete',
    params: z.object({ id: nonEmpty('id').describe('post id') }),
    toInput: (a) => ({ ref: a.id }),
  },
  run: (app, { ref }) => {
    const res = app.transaction(() => app.posts.delete(ref));
    app.changed('posts-changed', []);
    return res;
  },
});

export const POST_USE_CASES = [
  listPosts,
  getPost,
  searchPosts,
  createPost,
  updatePost,
  publishPost,
  unpublishPost,
  archivePost,
  discardPendingEdits,
  deletePost,
] as const;
