// WebP thumbnails 150/400/800 px wide under thumbnails/ (a git-ignored cache, rebuilt from media/ at will).
// Never enlarged, aspect ratio kept, EXIF orientation applied; the first frame of an animation.
import fs from 'node:fs';
import { loadSharp } from './sharp.js';
import { writeFileAtomic } from '../../core/atomic.js';
import { BdsError } from '../../core/errors.js';
import { supportsThumbnails, type MediaRecord } from './media-file.js';
import {
  assertRecordPaths,
  resolveInside,
  THUMBNAIL_SIZES,
  thumbnailPath,
  type ThumbnailSize,
} from './media-paths.js';

/** WebP cannot be taller than this; a very tall strip is scaled down to fit. */
const WEBP_MAX_SIDE = 16383;

export interface EnsureThumbnailsOptions {
  /** Rewrite the thumbnails that exist too. */
  force?: boolean;
}

type ThumbnailSource = Pick<MediaRecord, 'id' | 'path' | 'mimeType'>;

async function renderThumbnail(file: string, size: ThumbnailSize): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(file, { animated: false, failOn: 'error' })
    .rotate()
    .resize({ width: size, height: WEBP_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
}

/**
 * Write the record's missing thumbnails (all of them with `force`) and return how many were written.
 * Media without thumbnails (not a raster image sharp decodes) give 0.
 */
export async function ensureThumbnails(
  projectRoot: string,
  record: ThumbnailSource,
  options: EnsureThumbnailsOptions = {},
): Promise<number> {
  assertRecordPaths(record);
  if (!supportsThumbnails(record)) return 0;
  const source = resolveInside(projectRoot, record.path);
  const todo = THUMBNAIL_SIZES.filter(
    (size) => options.force || !fs.existsSync(resolveInside(projectRoot, thumbnailPath(record, size))),
  );
  if (todo.length > 0 && !fs.existsSync(source)) {
    throw new BdsError('media-not-found', `${record.path} is missing, so its thumbnails cannot be made`, {
      file: record.path,
    });
  }
  for (const size of todo) {
    let data: Buffer;
    try {
      data = await renderThumbnail(source, size);
    } catch (cause) {
      throw new BdsError(
        'media-thumbnail',
        `${record.path}: cannot make the ${size} px thumbnail: ${(cause as Error).message}`,
        { file: record.path, cause },
      );
    }
    writeFileAtomic(resolveInside(projectRoot, thumbnailPath(record, size)), data);
  }
  return todo.length;
}

/** Remove a record's thumbnails; returns the project-relative paths that were there. */
export function removeThumbnails(projectRoot: string, record: Pick<MediaRecord, 'id' | 'path'>): string[] {
  const removed: string[] = [];
  for (const size of THUMBNAIL_SIZES) {
    const rel = thumbnailPath(record, size);
    const abs = resolveInside(projectRoot, rel);
    if (fs.existsSync(abs)) {
      fs.rmSync(abs, { force: true });
      removed.push(rel);
    }
  }
  return removed;
}
