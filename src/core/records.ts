// The one declaration of a post and of a media file as bds holds them. The frontmatter and sidecar
// readers, the index rows, the site's posts, the API's answers and Python's dicts are views of these
// (Pick/Omit/extend), so a new field is declared here once and the compiler finds every view.
import { z } from 'zod';

export const POST_STATUSES = ['draft', 'published', 'archived'] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

/**
 * The frontmatter keys bds knows, in their plain form (the file reader in `schemas.ts` adds its own
 * checks and defaults on top). Unknown keys travel in `extra`.
 */
export const POST_FRONTMATTER_FIELDS = {
  id: z.string(),
  title: z.string(),
  slug: z.string(),
  status: z.enum(POST_STATUSES),
  createdAt: z.string(),
  updatedAt: z.string(),
  publishedAt: z.string().optional(),
  tags: z.array(z.string()),
  categories: z.array(z.string()),
  excerpt: z.string().optional(),
  author: z.string().optional(),
  language: z.string().optional(),
  template: z.string().optional(),
  /** Ids of the media linked to the post, in order. */
  media: z.array(z.string()),
};

/** A post: its frontmatter, and what bds derives from its file. */
export const PostRecordSchema = z.object({
  ...POST_FRONTMATTER_FIELDS,
  /** Project-relative file, e.g. `posts/2024/05/spring-trip.md`. */
  path: z.string(),
  /** UTC ISO of publishedAt ?? createdAt, for ordering. */
  sortDate: z.string(),
  /** YYYY-MM-DD in the project timezone of publishedAt ?? createdAt. */
  dateKey: z.string(),
  /** Frontmatter keys bds does not know, kept verbatim on rewrite. */
  extra: z.record(z.string(), z.unknown()),
  body: z.string(),
  /** 1-based line of the file where the body starts (errors in the body are reported at file lines). */
  bodyLine: z.number(),
  mtimeMs: z.number(),
  size: z.number(),
  /** A published post with edits waiting in drafts/. */
  hasDraft: z.boolean(),
});
export type PostRecord = z.infer<typeof PostRecordSchema>;

/** The fields of a post record that only the index and the site's change detection need. */
export const POST_FILE_STATE = { sortDate: true, mtimeMs: true, size: true } as const;

/** A media file: its sidecar `media/YYYY/MM/ID.ext.meta.yaml`, with the file's project path. */
export const MediaRecordSchema = z.object({
  /** UUID; also the media file's name. */
  id: z.string(),
  /** Project-relative POSIX path of the media file: media/YYYY/MM/ID.ext */
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
  /** ISO-8601 with offset. */
  createdAt: z.string(),
  /** Unknown sidecar keys, kept verbatim on rewrite. */
  extra: z.record(z.string(), z.unknown()),
});
export type MediaRecord = z.infer<typeof MediaRecordSchema>;
