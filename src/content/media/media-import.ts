// Importing files into a project's media library: an atomic copy to media/YYYY/MM/ID.ext, a sidecar,
// and three WebP thumbnails for images (150/400/800 px wide, never enlarged).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic.js';
import { dateParts, formatIsoInZone } from '../../core/dates.js';
import { BdsError } from '../../core/errors.js';
import {
  isImage,
  serializeSidecar,
  sidecarPathOf,
  THUMBNAIL_SIZES,
  thumbnailRelPath,
  type MediaRecord,
} from './media-file.js';

const MIME_BY_EXT: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/markdown',
  zip: 'application/zip',
};
const EXT_BY_FORMAT: Record<string, string> = {
  jpeg: 'jpg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  avif: 'avif',
  svg: 'svg',
  tiff: 'tif',
  heif: 'heic',
};

export interface ImportOptions {
  now: Date;
  timezone: string;
  title?: string;
  alt?: string;
  caption?: string;
  tags?: string[];
}

interface Probe {
  mimeType: string;
  width?: number;
  height?: number;
  format?: string;
}

async function probe(file: string, ext: string): Promise<Probe> {
  try {
    const meta = await sharp(file, { animated: false }).metadata();
    if (meta.format && EXT_BY_FORMAT[meta.format]) {
      const rotated = (meta.orientation ?? 1) >= 5;
      return {
        mimeType: MIME_BY_EXT[EXT_BY_FORMAT[meta.format]!]!,
        width: rotated ? meta.height : meta.width,
        height: rotated ? meta.width : meta.height,
        format: meta.format,
      };
    }
  } catch {
    // not an image sharp can read
  }
  return { mimeType: MIME_BY_EXT[ext] ?? 'application/octet-stream' };
}

/** Import one file. Nothing is left behind when it fails. */
export async function importMedia(root: string, source: string, opts: ImportOptions): Promise<MediaRecord> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    throw new BdsError('media-import', `Cannot import ${source}: the file does not exist`, { file: source });
  }
  if (!stat.isFile())
    throw new BdsError('media-import', `Cannot import ${source}: not a regular file`, { file: source });
  const originalName = path.basename(source);
  const rawExt = path.extname(originalName).slice(1).toLowerCase();
  const info = await probe(source, rawExt);
  let ext = /^[a-z0-9]{1,10}$/.test(rawExt) ? rawExt : '';
  if (!ext)
    ext =
      (info.format && EXT_BY_FORMAT[info.format]) ||
      Object.entries(MIME_BY_EXT).find(([, m]) => m === info.mimeType)?.[0] ||
      'bin';
  const id = randomUUID();
  const { year, month } = dateParts(opts.now, opts.timezone);
  const rel = `media/${year}/${month}/${id}.${ext}`;
  const record: MediaRecord = {
    id,
    path: rel,
    originalName,
    mimeType: info.mimeType,
    size: stat.size,
    width: info.width,
    height: info.height,
    title: opts.title || undefined,
    alt: opts.alt || undefined,
    caption: opts.caption || undefined,
    tags: [...new Set((opts.tags ?? []).map((t) => t.trim()).filter(Boolean))],
    createdAt: formatIsoInZone(opts.now, opts.timezone),
    extra: {},
  };
  const abs = path.join(root, rel);
  try {
    copyFileAtomic(source, abs);
    if (isImage(record)) await makeThumbnails(root, record);
    // The sidecar last: a media file counts as imported once its sidecar exists.
    writeFileAtomic(path.join(root, sidecarPathOf(rel)), serializeSidecar(record));
  } catch (cause) {
    removeMediaFiles(root, record);
    throw new BdsError('media-import', `Cannot import ${source}: ${(cause as Error).message}`, {
      file: source,
      cause,
    });
  }
  return record;
}

/** Write the thumbnails that are missing (or all of them with `force`); returns how many were written. */
export async function makeThumbnails(root: string, r: MediaRecord, force = false): Promise<number> {
  if (!isImage(r) || r.mimeType === 'image/svg+xml') return 0;
  let written = 0;
  for (const size of THUMBNAIL_SIZES) {
    const out = path.join(root, thumbnailRelPath(r, size));
    if (!force && fs.existsSync(out)) continue;
    const data = await sharp(path.join(root, r.path), { animated: false })
      .rotate()
      .resize({ width: size, withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    writeFileAtomic(out, data);
    written++;
  }
  return written;
}

export function removeMediaFiles(root: string, r: Pick<MediaRecord, 'path' | 'id'>): void {
  fs.rmSync(path.join(root, sidecarPathOf(r.path)), { force: true });
  fs.rmSync(path.join(root, r.path), { force: true });
  for (const size of THUMBNAIL_SIZES) fs.rmSync(path.join(root, thumbnailRelPath(r, size)), { force: true });
}
