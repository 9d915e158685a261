// One media file on disk: `media/YYYY/MM/ID.ext` and its sidecar `ID.ext.meta.yaml` (real YAML).
// The sidecar is the truth about the file's metadata; unknown keys are kept on rewrite.
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { BdsError } from '../../core/errors.js';
import { stringifyYaml } from '../../core/frontmatter.js';
import { isIsoDate } from '../../core/dates.js';
import { describeZodError } from '../../core/schemas.js';

export const SIDECAR_SUFFIX = '.meta.yaml';
export const THUMBNAIL_SIZES = [150, 400, 800] as const;
export type ThumbnailSize = (typeof THUMBNAIL_SIZES)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isMediaId = (id: string): boolean => UUID.test(id);

const MEDIA_PATH = /^media\/(\d{4})\/(\d{2})\/([0-9a-f-]{36})\.([a-z0-9]{1,10})$/i;

export interface MediaRecord {
  id: string;
  /** Project-relative POSIX path of the media file: media/YYYY/MM/ID.ext */
  path: string;
  originalName: string;
  mimeType: string;
  size: number;
  width?: number;
  height?: number;
  title?: string;
  alt?: string;
  caption?: string;
  tags: string[];
  createdAt: string;
  /** Unknown sidecar keys, kept verbatim. */
  extra: Record<string, unknown>;
}

const optionalText = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || v === '' ? undefined : v));

const SidecarSchema = z.looseObject({
  id: z.string().regex(UUID, { message: 'must be a UUID' }),
  originalName: z.string().min(1),
  mimeType: z.string().min(1),
  size: z.number().int().min(0),
  width: z.number().int().positive().nullable().optional(),
  height: z.number().int().positive().nullable().optional(),
  title: optionalText,
  alt: optionalText,
  caption: optionalText,
  tags: z
    .array(z.union([z.string(), z.number()]).transform(String))
    .nullable()
    .default([]),
  createdAt: z.string().refine(isIsoDate, { message: 'must be an ISO-8601 date' }),
});

const KNOWN = [
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
];

export function sidecarPathOf(mediaRel: string): string {
  return `${mediaRel}${SIDECAR_SUFFIX}`;
}

export function mediaPathOfSidecar(sidecarRel: string): string {
  return sidecarRel.slice(0, -SIDECAR_SUFFIX.length);
}

export function isSidecar(name: string): boolean {
  return name.endsWith(SIDECAR_SUFFIX);
}

/** Check that a media path has the form bds writes, so it can never point outside media/. */
export function assertMediaPath(rel: string, file = rel): void {
  if (rel.includes('..') || rel.includes('\\') || !MEDIA_PATH.test(rel)) {
    throw new BdsError(
      'path-escape',
      `${file}: "${rel}" is not a media path of the form media/YYYY/MM/ID.ext`,
      { file },
    );
  }
}

/** Parse a sidecar's text; the media path comes from the sidecar's own path. */
export function parseSidecar(text: string, sidecarRel: string): MediaRecord {
  const doc = YAML.parseDocument(text.replace(/\r\n?/g, '\n'), { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    // An error at the end of the text belongs to its last line.
    const lastLine = Math.max(1, text.replace(/\n+$/, '').split('\n').length);
    const line = Math.min(text.slice(0, err.pos[0]).split('\n').length, lastLine);
    throw new BdsError('frontmatter-yaml', `${sidecarRel}:${line}: ${err.message.split('\n')[0]}`, {
      file: sidecarRel,
      line,
    });
  }
  const data: unknown = doc.toJS();
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new BdsError(
      'frontmatter-invalid',
      `${sidecarRel}: a sidecar must be a mapping of keys to values`,
      { file: sidecarRel },
    );
  }
  const r = SidecarSchema.safeParse(data);
  if (!r.success) {
    const { field, message } = describeZodError(r.error);
    const key = field.split('.')[0] ?? '';
    const idx = text.split('\n').findIndex((l) => l.startsWith(`${key}:`));
    const line = idx >= 0 ? idx + 1 : undefined;
    throw new BdsError(
      'frontmatter-invalid',
      `${sidecarRel}${line ? `:${line}` : ''}: "${field}" ${message}`,
      {
        file: sidecarRel,
        line,
      },
    );
  }
  const mediaRel = mediaPathOfSidecar(sidecarRel);
  assertMediaPath(mediaRel, sidecarRel);
  const fileId = path.posix.basename(mediaRel).replace(/\.[^.]+$/, '');
  if (fileId.toLowerCase() !== r.data.id.toLowerCase()) {
    throw new BdsError(
      'frontmatter-invalid',
      `${sidecarRel}: id "${r.data.id}" does not match the file name ${fileId}`,
      {
        file: sidecarRel,
      },
    );
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) if (!KNOWN.includes(k)) extra[k] = v;
  const d = r.data;
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
    tags: [...new Set((d.tags ?? []).map((t) => t.trim()).filter(Boolean))],
    createdAt: d.createdAt,
    extra,
  };
}

export function serializeSidecar(r: MediaRecord): string {
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
  for (const [k, v] of Object.entries(r.extra)) if (!(k in data)) data[k] = v;
  for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
  return stringifyYaml(data);
}

export function isImage(r: Pick<MediaRecord, 'mimeType'>): boolean {
  return r.mimeType.startsWith('image/');
}

/** thumbnails/YYYY/MM/ID-SIZE.webp */
export function thumbnailRelPath(r: Pick<MediaRecord, 'path' | 'id'>, size: ThumbnailSize): string {
  const dir = path.posix.dirname(r.path).replace(/^media\//, 'thumbnails/');
  return `${dir}/${r.id}-${size}.webp`;
}
