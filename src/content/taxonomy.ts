// Tags (meta/tags.json: name and colour) and categories (meta/categories.json: title, renderInLists,
// showTitle). Posts hold the truth about which tags they use; these files hold the metadata.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic.js';
import { BdsError } from '../core/errors.js';
import { decodeUtf8 } from '../core/frontmatter.js';
import { describeZodError, CategoryMetaSchema } from '../core/schemas.js';
import type { Project } from './project.js';

const COLOUR = /^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$/;

export const TagMetaSchema = z.looseObject({
  name: z.string().trim().min(1),
  color: z.string().regex(COLOUR, { message: 'must be a colour like #3b82f6' }).optional(),
});
export type TagMeta = z.infer<typeof TagMetaSchema>;
export type CategoryMeta = z.infer<typeof CategoryMetaSchema>;

function readJson(file: string, rel: string): unknown {
  if (!fs.existsSync(file)) return undefined;
  const text = decodeUtf8(fs.readFileSync(file), rel);
  try {
    return JSON.parse(text);
  } catch (cause) {
    const m = /position (\d+)/.exec((cause as Error).message);
    const line = m ? text.slice(0, Number(m[1])).split('\n').length : undefined;
    throw new BdsError('frontmatter-invalid', `${rel}${line ? `:${line}` : ''}: not valid JSON`, {
      file: rel,
      line,
      cause,
    });
  }
}

export function readTagMeta(project: Project): TagMeta[] {
  const rel = 'meta/tags.json';
  const raw = readJson(path.join(project.paths.meta, 'tags.json'), rel) ?? [];
  const result = z.array(TagMetaSchema).safeParse(raw);
  if (!result.success) {
    const { field, message } = describeZodError(result.error);
    throw new BdsError('frontmatter-invalid', `${rel}: "${field}" ${message}`, { file: rel });
  }
  return result.data;
}

export function writeTagMeta(project: Project, tags: TagMeta[]): void {
  const sorted = [...tags].sort((a, b) => a.name.localeCompare(b.name));
  writeFileAtomic(path.join(project.paths.meta, 'tags.json'), `${JSON.stringify(sorted, null, 2)}\n`);
}

export function readCategories(project: Project): Record<string, CategoryMeta> {
  const rel = 'meta/categories.json';
  const raw = readJson(path.join(project.paths.meta, 'categories.json'), rel) ?? {};
  const result = z.record(z.string(), CategoryMetaSchema).safeParse(raw);
  if (!result.success) {
    const { field, message } = describeZodError(result.error);
    throw new BdsError('frontmatter-invalid', `${rel}: "${field}" ${message}`, { file: rel });
  }
  return result.data;
}

export function writeCategories(project: Project, categories: Record<string, CategoryMeta>): void {
  writeFileAtomic(
    path.join(project.paths.meta, 'categories.json'),
    `${JSON.stringify(categories, null, 2)}\n`,
  );
}

export function isValidColour(c: string): boolean {
  return COLOUR.test(c);
}
