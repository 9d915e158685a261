// zod schemas of what use cases take and return, shared by their modules: one post, media, script and
// tag shape for the CLI, the HTTP API and (through their Python views) bds_api.
import { z } from 'zod';
import { MediaRecordSchema, POST_FILE_STATE, POST_STATUSES, PostRecordSchema } from '../core/records.js';

export const PostStatusSchema = z.enum(POST_STATUSES);

/** A post as lists show it: the record without its body and the index's file state. */
export const PostSummarySchema = PostRecordSchema.omit({
  body: true,
  bodyLine: true,
  ...POST_FILE_STATE,
});
export type PostSummary = z.infer<typeof PostSummarySchema>;

export const PendingEditsSchema = z.object({
  title: z.string(),
  body: z.string(),
  data: z.record(z.string(), z.unknown()),
  path: z.string(),
});

/** A post with its body and pending edits. */
export const PostSchema = PostRecordSchema.omit(POST_FILE_STATE).extend({
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

/** A media file as the API shows it (unknown sidecar keys included). */
export const MediaSchema = MediaRecordSchema;

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
  /** For a macro: the parameters its code reads (`params.get("x")`), as far as they can be found. */
  params: z.array(z.string()),
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
