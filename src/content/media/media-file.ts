// One media file's metadata: the sidecar `media/YYYY/MM/ID.ext.meta.yaml` (real YAML) and its record.
// The sidecar is the truth about the file; unknown keys are kept on rewrite.
import YAML from 'yaml';
import { z } from 'zod';
import { isIsoDate } from '../../core/dates.js';
import { BdsError } from '../../core/errors.js';
import { parseSimpleYaml, stringifyYaml } from '../../core/frontmatter.js';
import type { MediaRecord } from '../../core/records.js';
import { describeZodError } from '../../core/schemas.js';
import { assertMediaPath, isMediaId, mediaIdOfPath, mediaPathOfSidecar } from './media-paths.js';

export type { MediaRecord } from '../../core/records.js';

/** The sidecar keys bds knows, in the order it writes them. */
export const SIDECAR_KEYS = [
  'id',
  'originalName',
  'mimeType',
  'size',
  'width',
  'height',
  'title',
  'alt',
  'caption',
  'tags',
  'createdAt',
] as const;
const KNOWN = new Set<string>(SIDECAR_KEYS);

const SIDECAR_HINT = 'Fix the YAML of this sidecar at the line shown; the other media still load.';

/** Empty text and null mean "not set". */
const optionalText = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || v.trim() === '' ? undefined : v));

const SidecarSchema = z.looseObject({
  id: z.string().refine(isMediaId, { message: 'must be a UUID' }),
  originalName: z.string().min(1),
  mimeType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, { message: 'must be a MIME type such as image/jpeg' }),
  size: z.number().int().min(0),
  width: z.number().int().positive().nullable().optional(),
  height: z.number().int().positive().nullable().optional(),
  title: optionalText,
  alt: optionalText,
  caption: optionalText,
  tags: z
    .array(z.union([z.string(), z.number()]).transform(String))
    .nullable()
    .optional(),
  createdAt: z.string().refine(isIsoDate, { message: 'must be an ISO-8601 date' }),
});

export function normaliseTags(tags: readonly string[] | null | undefined): string[] {
  return [...new Set((tags ?? []).map((t) => t.trim()).filter(Boolean))];
}

export function normaliseText(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

/** The YAML data of a sidecar text: the fast path for what bds writes, else the full parser. */
export function parseSidecarYaml(text: string, file: string): unknown {
  const fast = parseSimpleYaml(text);
  if (fast) return fast;
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    // An error at the very end (an unclosed bracket) belongs to the last line that holds text.
    const lastLine = Math.max(1, text.replace(/\s+$/, '').split('\n').length);
    const line = Math.min(err.linePos?.[0].line ?? 1, lastLine);
    const column = err.linePos?.[0].line === line ? err.linePos[0].col : undefined;
    const message = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new BdsError('frontmatter-yaml', `${file}:${line}: ${message}`, {
      file,
      line,
      column,
      hint: SIDECAR_HINT,
    });
  }
  return doc.toJS();
}

/**
 * Parse and validate a sidecar's text. `sidecarRel` names the file in errors and gives the media path;
 * the id in the sidecar must match the file name.
 */
export function parseSidecar(text: string, sidecarRel: string): MediaRecord {
  const src = text.replace(/\r\n?/g, '\n');
  const data = parseSidecarYaml(src, sidecarRel);
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new BdsError(
      'frontmatter-invalid',
      `${sidecarRel}: a sidecar must be a mapping of keys to values`,
      {
        file: sidecarRel,
        line: 1,
      },
    );
  }
  const r = SidecarSchema.safeParse(data);
  if (!r.success) {
    const { field, message } = describeZodError(r.error);
    const key = field.split('.')[0] ?? '';
    const idx = src.split('\n').findIndex((l) => l.startsWith(`${key}:`));
    const line = idx >= 0 ? idx + 1 : undefined;
    throw new BdsError(
      'frontmatter-invalid',
      `${sidecarRel}${line ? `:${line}` : ''}: "${field}" ${message}`,
      { file: sidecarRel, line },
    );
  }
  const mediaRel = mediaPathOfSidecar(sidecarRel);
  assertMediaPath(mediaRel, sidecarRel);
  const fileId = mediaIdOfPath(mediaRel)!;
  const d = r.data;
  if (fileId.toLowerCase() !== d.id.toLowerCase()) {
    const idx = src.split('\n').findIndex((l) => l.startsWith('id:'));
    throw new BdsError(
      'frontmatter-invalid',
      `${sidecarRel}: "id" ${d.id} does not match the file name's id ${fileId}`,
      { file: sidecarRel, line: idx >= 0 ? idx + 1 : undefined },
    );
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) if (!KNOWN.has(k)) extra[k] = v;
  return {
    id: d.id,
    path: mediaRel,
    originalName: d.originalName,
    mimeType: d.mimeType,
    size: d.size,
    width: d.width ?? undefined,
    height: d.height ?? undefined,
    title: d.title,
    alt: d.alt,
    caption: d.caption,
    tags: normaliseTags(d.tags),
    createdAt: d.createdAt,
    extra,
  };
}

/** The sidecar data in bds's key order, unknown keys after; unset values are left out. */
export function sidecarData(r: MediaRecord): Record<string, unknown> {
  const data: Record<string, unknown> = {
    id: r.id,
    originalName: r.originalName,
    mimeType: r.mimeType,
    size: r.size,
    width: r.width,
    height: r.height,
    title: r.title,
    alt: r.alt,
    caption: r.caption,
    tags: r.tags,
    createdAt: r.createdAt,
  };
  for (const [k, v] of Object.entries(r.extra)) if (!KNOWN.has(k)) data[k] = v;
  // Leaving unset keys out (rather than writing null) keeps sidecars on the fast parse path.
  for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
  return data;
}

export function serializeSidecar(r: MediaRecord): string {
  return stringifyYaml(sidecarData(r));
}

export function isImage(r: Pick<MediaRecord, 'mimeType'>): boolean {
  return r.mimeType.startsWith('image/');
}

/**
 * Raster formats sharp decodes in every build, so thumbnails can be made for them. SVG scales by itself;
 * HEIC needs a codec sharp's prebuilt binaries lack; others (BMP, ICO) it cannot read.
 */
const THUMBNAIL_MIME_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/webp',
  'image/gif',
  'image/avif',
  'image/tiff',
]);

export function supportsThumbnails(r: Pick<MediaRecord, 'mimeType'>): boolean {
  return THUMBNAIL_MIME_TYPES.has(r.mimeType);
}
