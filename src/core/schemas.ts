// zod schemas for the files a project holds: bds.json and post frontmatter.
import { z } from 'zod';
import { isValidTimezone } from './dates.js';
import { isIsoDate } from './dates.js';

export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const isoDate = z
  .string()
  .refine(isIsoDate, { message: 'must be an ISO-8601 date such as 2026-01-31T10:00:00Z' });
const nonEmpty = z.string().trim().min(1, { message: 'must not be empty' });

export const POST_STATUSES = ['draft', 'published', 'archived'] as const;
export type PostStatus = (typeof POST_STATUSES)[number];

export const CategoryMetaSchema = z.looseObject({
  title: z.string(),
  renderInLists: z.boolean().default(true),
  showTitle: z.boolean().default(true),
});

export const ProjectSettingsSchema = z.looseObject({
  id: z.string().regex(SAFE_ID, { message: 'must be a UUID' }),
  name: nonEmpty,
  description: z.string().optional(),
  publicUrl: z.string().optional(),
  mainLanguage: z.string().min(2).default('en'),
  timezone: z
    .string()
    .refine(isValidTimezone, { message: 'must be an IANA timezone such as UTC' })
    .default('UTC'),
  maxPostsPerPage: z.number().int().min(1).max(500).default(50),
  blogmarkCategory: z.string().optional(),
  defaultAuthor: z.string().optional(),
  pythonRuntimeMode: z.enum(['worker', 'main-thread']).default('worker'),
  theme: z.string().default('default'),
});
export type ProjectSettings = z.infer<typeof ProjectSettingsSchema>;

const stringList = z
  .array(z.union([z.string(), z.number()]).transform((v) => String(v).trim()))
  .transform((list) => [...new Set(list.filter((s) => s.length > 0))]);

export const PostFrontmatterSchema = z.looseObject({
  id: z.string().regex(SAFE_ID, { message: 'must be an id of letters, digits, - and _' }),
  title: nonEmpty,
  slug: z.string().min(1),
  status: z.enum(POST_STATUSES),
  createdAt: isoDate,
  updatedAt: isoDate,
  publishedAt: isoDate.optional(),
  tags: stringList.default([]),
  categories: stringList.default([]),
  excerpt: z.string().optional(),
  author: z.string().optional(),
  language: z.string().optional(),
  template: z.string().optional(),
  media: z.array(z.string().regex(SAFE_ID)).default([]),
});
export type PostFrontmatter = z.infer<typeof PostFrontmatterSchema>;

/** The first issue of a zod error as `field: message`. */
export function describeZodError(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '', message: 'invalid' };
  const field = issue.path.map(String).join('.');
  let message = issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(message)) message = 'is required';
  return { field, message };
}
