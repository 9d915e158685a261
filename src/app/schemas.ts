// zod schemas of what use cases take and return, shared by their modules: one post, media, script and
// tag shape for the CLI, the HTTP API and (through their Python views) bds_api.
import { z } from 'zod';
import { POST_STATUSES } from '../core/schemas.js';
import type { MediaRecord } from '../content/media/index.js';
import { shaped } from './use-case.js';

export const PostStatusSchema = z.enum(POST_STATUSES);

/** A post as lists show it (no body). */
export const PostSummarySchema = z.object({
  id: z.string(),
  path: z.string(),
  slug: z.string(),
  title: z.string(),
  status: PostStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  publishedAt: z.string().optional(),
  dateKey: z.string(),
  excerpt: z.string().optional(),
  author: z.string().optional(),
  language: z.string().optional(),
  template: z.string().optional(),
  tags: z.array(z.string()),
  categories: z.array(z.string()),
  media: z.array(z.string()),
  extra: z.record(z.string(), z.unknown()),
  /** Published post with edits waiting in drafts/. */
  hasDraft: z.boolean(),
});
export type PostSummary = z.infer<typeof PostSummarySchema>;

export const PendingEditsSchema = z.object({
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()),
  path: z.string(),
});

export const PostSchema = PostSummarySchema.extend({
  body: z.string(),
  /** The file line the body starts on (errors in the body are reported at file lines). */
  bodyLine: z.number(),
  pending: PendingEditsSchema.optional(),
});
export type PostOutput = z.infer<typeof PostSchema>;

export const PostRefSchema = z.object({ id: z.string(), slug: z.string() });

/** The fields a user sets on a post (create and update). */
export const PostFieldsSchema = z.strictObject({
  title: z.string().optional(),
  body: z.string().optional(),
  slug: z.string().optional(),
  tags: z.array(z.string()).optional(),
  categories: z.array(z.string()).optional(),
  excerpt: z.string().nullable().optional(),
  author: z.string().nullable().optional(),
  language: z.string().nullable().optional(),
  template: z.string().nullable().optional(),
  media: z.array(z.string()).optional(),
});

export const SearchHitSchema = z.object({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  status: z.string(),
  snippet: z.string(),
});

export const MediaSchema = shaped<MediaRecord>(
  z.looseObject({
    id: z.string(),
    path: z.string(),
    originalName: z.string(),
    mimeType: z.string(),
    size: z.number(),
    width: z.number().optional(),
    height: z.number().optional(),
    title: z.string().optional(),
    alt: z.string().optional(),
    caption: z.string().optional(),
    tags: z.array(z.string()),
    createdAt: z.string(),
  }),
);

export const ScriptKindSchema = z.enum(['macro', 'transform', 'utility']);

export const ScriptSchema = z.object({
  id: z.string(),
  path: z.string(),
  slug: z.string(),
  title: z.string(),
  kind: ScriptKindSchema,
  entrypoint: z.string(),
  enabled: z.boolean(),
  version: z.number(),
  order: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  hash: z.string(),
  trusted: z.boolean(),
  hasFrontmatter: z.boolean(),
  notices: z.array(z.object({ field: z.string(), message: z.string(), line: z.number().optional() })),
});
export const ScriptWithCodeSchema = ScriptSchema.extend({
  code: z.string(),
  /** The file line the code starts on, after the frontmatter docstring. */
  codeLine: z.number(),
});

export const TagSchema = z.object({
  name: z.string(),
  color: z.string().optional(),
  count: z.number(),
  publishedCount: z.number(),
});

export const CategorySchema = z.object({
  name: z.string(),
  title: z.string(),
  renderInLists: z.boolean(),
  showTitle: z.boolean(),
  count: z.number(),
});

export const ProblemSchema = z.object({
  code: z.string(),
  message: z.string(),
  file: z.string(),
  line: z.number().optional(),
  column: z.number().optional(),
});

const nonEmpty = (what: string) =>
  z
    .string()
    .trim()
    .min(1, { message: `${what} must not be empty` });
export const RefSchema = (what: string) => nonEmpty(what).describe(`${what} id or slug`);
export { nonEmpty };
