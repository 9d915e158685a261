// Tags (meta/tags.json: name and colour) and categories (meta/categories.json: title, renderInLists,
// showTitle). Posts hold the truth about which tags they use; these files hold the metadata. A broken
// file costs only its metadata: it is reported (file and line) and read as empty, never written over.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic.js';
import { BdsError, isBdsError, problemFrom, unreadableError, type Problem } from '../core/errors.js';
import { decodeUtf8 } from '../core/frontmatter.js';
import { locateJsonValue, positionOf, type JsonPosition } from '../core/json-position.js';
import { describeZodError, CategoryMetaSchema } from '../core/schemas.js';
import type { Project } from './project.js';

const COLOUR = /^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$/;

export const TagMetaSchema = z.looseObject({
  name: z.string().trim().min(1),
  color: z.string().regex(COLOUR, { message: 'must be a colour like #3b82f6' }).optional(),
});
export type TagMeta = z.infer<typeof TagMetaSchema>;
export type CategoryMeta = z.infer<typeof CategoryMetaSchema>;

const TAGS_FILE = 'meta/tags.json';
const CATEGORIES_FILE = 'meta/categories.json';
/** The metadata files whose problems `metaProblems` reports. */
export const META_FILES = [TAGS_FILE, CATEGORIES_FILE] as const;

/** A metadata file as read: its value, or what is wrong with it (then bds uses no metadata from it). */
export interface MetaFileRead<T> {
  value: T;
  problem?: Problem;
}

/**
 * Read a JSON file of meta/ against `schema`. A missing file gives `empty`; a file that cannot be read,
 * is not JSON or does not match gives `empty` too, with a problem naming the file and line.
 */
function readMetaFile<T>(project: Project, rel: string, schema: z.ZodType<T>, empty: T): MetaFileRead<T> {
  const file = path.join(project.root, rel);
  let text: string;
  try {
    if (!fs.existsSync(file)) return { value: empty };
    text = decodeUtf8(fs.readFileSync(file), rel);
  } catch (e) {
    return { value: empty, problem: problemFrom(isBdsError(e) ? e : unreadableError(rel, e), rel) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    const m = /position (\d+)/.exec((cause as Error).message);
    const at = m ? positionOf(text, Number(m[1])) : undefined;
    const why = (cause as Error).message.replace(/ in JSON at position \d+.*$/, '');
    return { value: empty, problem: metaProblem(rel, `not valid JSON (${why})`, at) };
  }
  const result = schema.safeParse(raw);
  if (!result.success) {
    const { field, message } = describeZodError(result.error);
    const at = locateJsonValue(text, result.error.issues[0]?.path ?? []);
    return { value: empty, problem: metaProblem(rel, `"${field}" ${message}`, at) };
  }
  return { value: result.data };
}

function metaProblem(rel: string, what: string, at?: JsonPosition): Problem {
  return {
    code: 'meta-invalid',
    message: `${rel}${at ? `:${at.line}` : ''}: ${what}; bds uses no metadata from this file until it is fixed`,
    file: rel,
    ...(at ? { line: at.line, column: at.column } : {}),
  };
}

const TagListSchema = z.array(TagMetaSchema);
const CategoryMapSchema = z.record(z.string(), CategoryMetaSchema);

/** meta/tags.json, or no tag metadata (and the problem) when it is broken. */
export function loadTagMeta(project: Project): MetaFileRead<TagMeta[]> {
  return readMetaFile(project, TAGS_FILE, TagListSchema, []);
}

/** meta/categories.json, or no category metadata (and the problem) when it is broken. */
export function loadCategories(project: Project): MetaFileRead<Record<string, CategoryMeta>> {
  return readMetaFile(project, CATEGORIES_FILE, CategoryMapSchema, {});
}

/** The tag colours and names; none while meta/tags.json is broken (`bds problems` lists it). */
export function readTagMeta(project: Project): TagMeta[] {
  return loadTagMeta(project).value;
}

/** The categories' metadata; none while meta/categories.json is broken (`bds problems` lists it). */
export function readCategories(project: Project): Record<string, CategoryMeta> {
  return loadCategories(project).value;
}

/** What is wrong with the metadata files of meta/, for the problems list. */
export function metaProblems(project: Project): Problem[] {
  return [loadTagMeta(project).problem, loadCategories(project).problem].filter((p) => p !== undefined);
}

/** True when meta/tags.json can be written without losing what the user wrote in it. */
export function tagMetaWritable(project: Project): boolean {
  return loadTagMeta(project).problem === undefined;
}

/**
 * A broken metadata file is the user's to fix: writing the fallback over it would lose what they wrote.
 * Throws a BdsError naming the file and line.
 */
function assertWritable(read: MetaFileRead<unknown>): void {
  const p = read.problem;
  if (!p) return;
  throw new BdsError(p.code, `${p.message.replace(/; bds uses no metadata.*$/, '')}; fix it first`, {
    file: p.file,
    line: p.line,
    column: p.column,
    hint: `Fix ${p.file} (or delete it); bds does not write over a file it cannot read, so nothing changed.`,
  });
}

export function writeTagMeta(project: Project, tags: TagMeta[]): void {
  assertWritable(loadTagMeta(project));
  const sorted = [...tags].sort((a, b) => a.name.localeCompare(b.name));
  writeFileAtomic(path.join(project.paths.meta, 'tags.json'), `${JSON.stringify(sorted, null, 2)}\n`);
}

export function writeCategories(project: Project, categories: Record<string, CategoryMeta>): void {
  assertWritable(loadCategories(project));
  writeFileAtomic(
    path.join(project.paths.meta, 'categories.json'),
    `${JSON.stringify(categories, null, 2)}\n`,
  );
}

export function isValidColour(c: string): boolean {
  return COLOUR.test(c);
}
