// One post on disk: `posts/YYYY/MM/slug.md` (or `drafts/ID.md` for pending edits of a published post).
// Parsing validates the frontmatter and keeps unknown keys so a rewrite never loses them.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { dateParts, formatIsoInZone, isIsoDate, parseIsoDate } from '../../core/dates.js';
import { BdsError } from '../../core/errors.js';
import {
  applyTextStyle,
  decodeUtf8,
  frontmatterKeyLine,
  hasUtf8Bom,
  parseFrontmatter,
  serializeFrontmatter,
  setFrontmatterKeys,
  textStyleOf,
  type TextStyle,
} from '../../core/frontmatter.js';
import { POST_FRONTMATTER_FIELDS } from '../../core/records.js';
import { describeZodError, PostFrontmatterSchema, type PostFrontmatter } from '../../core/schemas.js';
import { assertSafeSlug, isValidPostSlug, slugifyPost } from '../../core/slug.js';
import { readContentFile, statContentFile } from '../../core/walk.js';

/** Posts larger than this are refused: they are almost certainly not hand-written Markdown. */
export const MAX_POST_BYTES = 10 * 1024 * 1024;

/** The frontmatter keys bds knows, in the order it writes them: the post record's (core/records.ts). */
const KNOWN_KEYS = Object.keys(POST_FRONTMATTER_FIELDS) as (keyof typeof POST_FRONTMATTER_FIELDS)[];

export interface PostDocument {
  fm: PostFrontmatter;
  /** Keys bds does not know, kept verbatim on rewrite. */
  extra: Record<string, unknown>;
  body: string;
  /** Project-relative POSIX path. */
  path: string;
  bodyLine: number;
  mtimeMs: number;
  size: number;
  /** True when the file had no frontmatter and bds derived it (it gets frontmatter on its next save). */
  adopted: boolean;
}

export function splitExtra(data: Record<string, unknown>): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (!(KNOWN_KEYS as readonly string[]).includes(k)) extra[k] = v;
  }
  return extra;
}

/** A post file as a rewrite needs it: the document, and the bytes and text style it was read from. */
export interface PostSource {
  doc: PostDocument;
  bytes: Buffer;
  /** The decoded text, without the byte order mark. */
  text: string;
  style: TextStyle;
}

/** Read and validate a post file. Throws a BdsError naming the file (and line) on bad input. */
export function readPostFile(root: string, rel: string, timezone: string): PostDocument {
  return readPostSource(root, rel, timezone).doc;
}

export function readPostSource(root: string, rel: string, timezone: string): PostSource {
  const stat = statContentFile(root, rel);
  if (stat.size > MAX_POST_BYTES) {
    throw new BdsError(
      'file-too-large',
      `${rel} is ${(stat.size / 1024 / 1024).toFixed(1)} MB; posts are limited to ${MAX_POST_BYTES / 1024 / 1024} MB`,
      { file: rel },
    );
  }
  const bytes = readContentFile(root, rel);
  const text = decodeUtf8(bytes, rel);
  const doc = parsePostText(text, rel, { mtimeMs: stat.mtimeMs, size: stat.size, timezone });
  return { doc, bytes, text, style: textStyleOf(text, hasUtf8Bom(bytes)) };
}

export function parsePostText(
  text: string,
  rel: string,
  meta: { mtimeMs: number; size: number; timezone: string },
): PostDocument {
  if (text.trim() === '') {
    // Adopting it would date it by its mtime, which a clone or a touch changes: the post would move.
    throw new BdsError('post-empty', `${rel} is empty; bds does not load it as a post`, { file: rel });
  }
  const doc = parseFrontmatter(text, rel);
  if (!doc.hasFrontmatter) return adoptPlainMarkdown(doc.body, rel, meta);
  const data = { ...doc.data };
  // YAML may give Date objects for unquoted timestamps in some styles; normalise to strings.
  for (const k of ['createdAt', 'updatedAt', 'publishedAt'] as const) {
    if (data[k] instanceof Date) data[k] = (data[k] as Date).toISOString();
  }
  const filled = data.id === undefined ? fillForeignFrontmatter(data, doc.body, rel, meta) : data;
  const result = PostFrontmatterSchema.safeParse(filled);
  if (!result.success) {
    const { field, message } = describeZodError(result.error);
    const key = field.split('.')[0] ?? '';
    const line = frontmatterKeyLine(text, key);
    throw new BdsError('frontmatter-invalid', `${rel}${line ? `:${line}` : ''}: "${field}" ${message}`, {
      file: rel,
      line,
    });
  }
  const fm = result.data;
  assertSafeSlug(fm.slug, 'Slug', rel);
  if (!isValidPostSlug(fm.slug)) {
    throw new BdsError(
      'frontmatter-invalid',
      `${rel}: slug "${fm.slug}" must be lower-case letters, digits and single dashes`,
      { file: rel, line: frontmatterKeyLine(text, 'slug') },
    );
  }
  return {
    fm: stripExtra(fm),
    extra: splitExtra(data),
    body: doc.body,
    path: rel,
    bodyLine: doc.bodyLine,
    mtimeMs: meta.mtimeMs,
    size: meta.size,
    adopted: false,
  };
}

function stripExtra(fm: PostFrontmatter): PostFrontmatter {
  const out: Record<string, unknown> = {};
  for (const k of KNOWN_KEYS) if (fm[k] !== undefined) out[k] = fm[k];
  return out as PostFrontmatter;
}

const FOREIGN_DATE_KEYS = ['date', 'publishDate', 'pubDate'] as const;
const FOREIGN_UPDATED_KEYS = ['lastmod', 'updated', 'modified', 'lastModified'] as const;

/** A date other tools wrote (`date: 2024-03-01`, `2024-03-01 10:00 +02:00`...) in bds's form, or undefined. */
function foreignDate(value: unknown, timezone: string): string | undefined {
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? undefined : formatIsoInZone(value, timezone);
  if (typeof value !== 'string') return undefined;
  const v = value.trim().replace(/ ([+-]\d{2}:?\d{2}|Z)$/, '$1');
  return isIsoDate(v) ? formatIsoInZone(parseIsoDate(v, timezone), timezone) : undefined;
}

/**
 * What a post that does not say them gets from its file: an id stable for its path, the title of its
 * first heading (else the file name) and a slug from the file name (`dropDate`: without a leading
 * `YYYY-MM-DD-`, as other tools name posts).
 */
function namedByFile(rel: string, body: string, { dropDate }: { dropDate: boolean }) {
  let base = path.posix.basename(rel).replace(/\.(md|markdown)$/i, '');
  if (dropDate) base = base.replace(/^\d{4}-\d{2}-\d{2}-/, '');
  return {
    id: createHash('sha256').update(rel).digest('hex').slice(0, 32),
    title: /^#\s+(.+)$/m.exec(body)?.[1]?.trim() ?? base,
    slug: slugifyPost(base),
  };
}

/**
 * Frontmatter written by hand or by another tool (no `id`): bds fills what it lacks from what is there, the
 * same way every time, so the index rebuilt from the files equals the live one. The id comes from the
 * path; `date` (or `publishDate`) is the creation date and `lastmod` (or `updated`) the update; a post
 * with a date is published unless it says `draft: true` or `published: false`; a lone `category` or a
 * string of tags becomes a list; title and slug come from the first heading and the file name. A post
 * without any date is a draft dated by its file (as a file without frontmatter is). The file is not
 * changed: bds writes its own keys on the next save, and keeps the others.
 */
function fillForeignFrontmatter(
  data: Record<string, unknown>,
  body: string,
  rel: string,
  meta: { mtimeMs: number; timezone: string },
): Record<string, unknown> {
  const out = { ...data };
  const named = namedByFile(rel, body, { dropDate: true });
  out.id = named.id;
  if (out.title === undefined) out.title = named.title;
  if (out.slug === undefined) out.slug = named.slug;
  const dated =
    foreignDate(out.createdAt, meta.timezone) ??
    FOREIGN_DATE_KEYS.map((k) => foreignDate(out[k], meta.timezone)).find((d) => d !== undefined);
  const created = dated ?? formatIsoInZone(new Date(meta.mtimeMs), meta.timezone);
  if (out.createdAt === undefined) out.createdAt = created;
  if (out.updatedAt === undefined) {
    out.updatedAt =
      FOREIGN_UPDATED_KEYS.map((k) => foreignDate(out[k], meta.timezone)).find((d) => d !== undefined) ??
      created;
  }
  if (out.status === undefined) {
    const draft = out.draft === true || out.published === false || dated === undefined;
    out.status = draft ? 'draft' : 'published';
  }
  if (out.status === 'published' && out.publishedAt === undefined) out.publishedAt = out.createdAt;
  if (typeof out.tags === 'string') out.tags = [out.tags];
  if (out.categories === undefined && typeof out.category === 'string') out.categories = [out.category];
  if (typeof out.categories === 'string') out.categories = [out.categories];
  return out;
}

/**
 * A Markdown file without frontmatter is adopted: a stable id derived from its path, the title from its
 * first heading (else the file name), a draft. Nothing is written until the user saves it.
 */
function adoptPlainMarkdown(
  body: string,
  rel: string,
  meta: { mtimeMs: number; timezone: string; size: number },
) {
  const when = formatIsoInZone(new Date(meta.mtimeMs), meta.timezone);
  const fm: PostFrontmatter = {
    ...namedByFile(rel, body, { dropDate: false }),
    status: 'draft',
    createdAt: when,
    updatedAt: when,
    tags: [],
    categories: [],
    media: [],
  };
  return {
    fm,
    extra: {},
    body,
    path: rel,
    bodyLine: 1,
    mtimeMs: meta.mtimeMs,
    size: meta.size,
    adopted: true,
  };
}

/** Frontmatter in a fixed, readable order, then unknown keys. */
export function serializePost(fm: PostFrontmatter, extra: Record<string, unknown>, body: string): string {
  const data: Record<string, unknown> = {};
  for (const k of KNOWN_KEYS) {
    const v = fm[k];
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0 && k === 'media') continue;
    data[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) if (!(k in data)) data[k] = v;
  return serializeFrontmatter(data, body);
}

/**
 * The text of a post file with `patch` applied to its frontmatter, changing only the patched keys'
 * lines: the BOM, the line ends, the other keys as the user wrote them and the body stay byte for byte.
 * When the frontmatter is too unusual to edit in place, it is written out whole (still in the file's
 * line ends and BOM). Throws a BdsError naming the file when the result would not be a valid post.
 */
export function rewritePostText(
  source: PostSource,
  patch: Partial<PostFrontmatter>,
  timezone: string,
): string {
  const { doc, text, style } = source;
  const canonical = serializePost({ ...doc.fm, ...patch }, doc.extra, doc.body);
  const meta = { mtimeMs: 0, size: 0, timezone };
  const wanted = parsePostText(canonical, doc.path, meta);
  const values: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    // As serializePost does: no `media:` line for a post without media.
    values[k] = k === 'media' && Array.isArray(v) && v.length === 0 ? undefined : v;
  }
  const edited = setFrontmatterKeys(text, values);
  if (edited !== undefined && sameDocument(edited, wanted, doc.body, meta)) {
    return style.bom ? `\uFEFF${edited}` : edited;
  }
  return applyTextStyle(canonical, style);
}

/** True when `text` parses to the frontmatter of `wanted` and to `body`: an edit in place kept its meaning. */
function sameDocument(
  text: string,
  wanted: PostDocument,
  body: string,
  meta: { mtimeMs: number; size: number; timezone: string },
): boolean {
  try {
    const got = parsePostText(text, wanted.path, meta);
    return (
      isDeepStrictEqual(got.fm, wanted.fm) && isDeepStrictEqual(got.extra, wanted.extra) && got.body === body
    );
  } catch {
    return false;
  }
}

/** Where a post lives: `posts/YYYY/MM/slug.md`, dated by its creation in the project timezone. */
export function postRelPath(fm: Pick<PostFrontmatter, 'createdAt' | 'slug'>, timezone: string): string {
  const { year, month } = dateParts(fm.createdAt, timezone);
  return `posts/${year}/${month}/${fm.slug}.md`;
}

export function draftRelPath(id: string): string {
  return `drafts/${id}.md`;
}
