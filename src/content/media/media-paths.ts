// Where media files, sidecars and thumbnails live, and the checks that keep every such path inside the
// project: ids are UUIDs before they reach a path, and computed paths are resolved and compared to the root.
import fs from 'node:fs';
import path from 'node:path';
import { BdsError } from '../../core/errors.js';

export const SIDECAR_SUFFIX = '.meta.yaml';
export const THUMBNAIL_SIZES = [150, 400, 800] as const;
export type ThumbnailSize = (typeof THUMBNAIL_SIZES)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** `media/YYYY/MM/ID.ext`: the only form of media path bds writes or accepts. */
const MEDIA_PATH =
  /^media\/\d{4}\/\d{2}\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.[a-z0-9]{1,10}$/i;

export const isMediaId = (id: string): boolean => UUID.test(id);

export function assertMediaId(id: string): void {
  if (typeof id !== 'string' || !UUID.test(id)) {
    throw new BdsError('invalid-argument', `"${String(id)}" is not a media id (a UUID)`);
  }
}

export function isSidecar(name: string): boolean {
  return name.endsWith(SIDECAR_SUFFIX);
}

export function sidecarPathOf(mediaRel: string): string {
  return `${mediaRel}${SIDECAR_SUFFIX}`;
}

export function mediaPathOfSidecar(sidecarRel: string): string {
  return sidecarRel.slice(0, -SIDECAR_SUFFIX.length);
}

/** The id in a media path's file name, or undefined when the path is not in the media layout. */
export function mediaIdOfPath(mediaRel: string): string | undefined {
  return MEDIA_PATH.exec(mediaRel)?.[1];
}

/** Refuse a project-relative path given as input that could leave the project (`..`, absolute, `\`). */
export function assertRelativePath(rel: string): void {
  const bad =
    typeof rel !== 'string' ||
    rel === '' ||
    rel.includes('\\') ||
    rel.includes('\0') ||
    path.posix.isAbsolute(rel) ||
    path.win32.isAbsolute(rel) ||
    rel.split('/').includes('..');
  if (bad) {
    throw new BdsError('path-escape', `"${String(rel)}" is not a path inside the project`, {
      file: typeof rel === 'string' ? rel : undefined,
    });
  }
}

/** Check that a media path has the form bds writes, so it can only point at a file under media/. */
export function assertMediaPath(mediaRel: string, file = mediaRel): void {
  assertRelativePath(mediaRel);
  if (!MEDIA_PATH.test(mediaRel)) {
    throw new BdsError('media-layout', `${file}: "${mediaRel}" is not of the form media/YYYY/MM/ID.ext`, {
      file,
    });
  }
}

/** The absolute path of `rel` under `root`, refusing anything that resolves outside it. */
export function resolveInside(root: string, rel: string): string {
  const base = path.resolve(root);
  const abs = path.resolve(base, rel);
  if (abs !== base && !abs.startsWith(base + path.sep)) {
    throw new BdsError('path-escape', `"${rel}" resolves outside the project ${base}`, { file: rel });
  }
  return abs;
}

/**
 * A symbolic link inside media/ (a git checkout can hold one) must not lead outside the project, or a
 * site build would publish whatever it points at.
 */
export function assertRealPathInside(root: string, abs: string, rel: string): void {
  const base = fs.realpathSync(path.resolve(root));
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch (cause) {
    throw new BdsError('media-not-found', `${rel} is a link to a file that does not exist`, {
      file: rel,
      cause,
    });
  }
  if (real !== base && !real.startsWith(base + path.sep)) {
    throw new BdsError('path-escape', `${rel} is a link to ${real}, outside the project`, { file: rel });
  }
}

/** The site URL of a media file: `/media/YYYY/MM/ID.ext`. */
export function mediaUrl(record: { path: string }): string {
  return `/${record.path}`;
}

/** The project-relative path of a thumbnail: `thumbnails/YYYY/MM/ID-SIZE.webp`. */
export function thumbnailPath(record: { id: string; path: string }, size: ThumbnailSize): string {
  assertMediaId(record.id);
  assertMediaPath(record.path);
  if (!THUMBNAIL_SIZES.includes(size)) {
    throw new BdsError(
      'invalid-argument',
      `Thumbnail size ${String(size)} is not one of ${THUMBNAIL_SIZES.join(', ')}`,
    );
  }
  const dir = path.posix.dirname(record.path).replace(/^media\//, 'thumbnails/');
  return `${dir}/${record.id}-${size}.webp`;
}

/** Check a record handed in by a caller before its paths are used: a valid id that matches its file. */
export function assertRecordPaths(record: { id: string; path: string }): void {
  assertMediaId(record.id);
  assertMediaPath(record.path);
  if (mediaIdOfPath(record.path)!.toLowerCase() !== record.id.toLowerCase()) {
    throw new BdsError('invalid-argument', `Media id "${record.id}" does not match its path ${record.path}`);
  }
}
