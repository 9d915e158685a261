// Importing files into a project's media library: an atomic copy to media/YYYY/MM/ID.ext, its YAML
// sidecar, then WebP thumbnails for raster images. A failed import leaves nothing behind.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { copyFileAtomic, writeFileAtomic } from '../../core/atomic.js';
import { assertTimezone, dateParts, formatIsoInZone } from '../../core/dates.js';
import { BdsError, type ErrorCode } from '../../core/errors.js';
import { normaliseTags, normaliseText, serializeSidecar, type MediaRecord } from './media-file.js';
import { resolveInside, sidecarPathOf } from './media-paths.js';
import { chooseExtension, detectFileKind, extensionOf } from './media-type.js';
import { ensureThumbnails, removeThumbnails } from './thumbnails.js';

export interface MediaMetadata {
  title?: string;
  alt?: string;
  caption?: string;
  tags?: string[];
}

export interface ImportOptions extends MediaMetadata {
  /** The import time: createdAt, and the YYYY/MM folder in `timezone`. */
  now: Date;
  /** IANA zone of the project (never the machine's zone). */
  timezone: string;
}

export interface MediaImportResult {
  /** The source file as given. */
  file: string;
  record?: MediaRecord;
  error?: string;
  code?: ErrorCode;
}

export interface MediaImportProgress {
  done: number;
  total: number;
  file: string;
  result: MediaImportResult;
}

/** Check that `source` is a regular file; `failure` opens the message ("Cannot import /x/y.jpg"). */
export function checkSource(source: string, failure = `Cannot import ${source}`): fs.Stats {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'the file does not exist' : `it cannot be read (${code ?? String(cause)})`;
    throw new BdsError('media-import', `${failure}: ${why}`, { file: source, cause });
  }
  if (!stat.isFile()) {
    const what = stat.isDirectory() ? 'a folder' : 'not a regular file';
    throw new BdsError('media-import', `${failure}: it is ${what}`, {
      file: source,
      hint: 'Give the files to import one by one (a shell glob such as folder/* does that).',
    });
  }
  return stat;
}

/** A fresh id whose media path is free (a UUID collision is next to impossible, but costs one check). */
function newMediaPath(projectRoot: string, folder: string, ext: string): { id: string; rel: string } {
  for (;;) {
    const id = randomUUID();
    const rel = `${folder}/${id}.${ext}`;
    if (!fs.existsSync(resolveInside(projectRoot, rel))) return { id, rel };
  }
}

/** Import one file and return its record. On failure nothing is left in the project. */
export async function importMedia(
  projectRoot: string,
  sourceFile: string,
  opts: ImportOptions,
): Promise<MediaRecord> {
  assertTimezone(opts.timezone);
  if (Number.isNaN(opts.now.getTime()))
    throw new BdsError('invalid-argument', 'The import time is not a valid date');
  checkSource(sourceFile);
  const originalName = path.basename(sourceFile);
  const kind = await detectFileKind(sourceFile, extensionOf(originalName));
  const ext = chooseExtension(originalName, kind.mimeType);
  const { year, month } = dateParts(opts.now, opts.timezone);
  const { id, rel } = newMediaPath(projectRoot, `media/${year}/${month}`, ext);
  const abs = resolveInside(projectRoot, rel);
  const sidecarAbs = resolveInside(projectRoot, sidecarPathOf(rel));
  let record: MediaRecord | undefined;
  try {
    copyFileAtomic(sourceFile, abs);
    record = {
      id,
      path: rel,
      originalName,
      mimeType: kind.mimeType,
      // The copy's size: the source may have changed since it was checked.
      size: fs.statSync(abs).size,
      width: kind.width,
      height: kind.height,
      title: normaliseText(opts.title),
      alt: normaliseText(opts.alt),
      caption: normaliseText(opts.caption),
      tags: normaliseTags(opts.tags),
      createdAt: formatIsoInZone(opts.now, opts.timezone),
      extra: {},
    };
    // The sidecar makes the file part of the library; thumbnails are a cache that can be rebuilt, so a
    // crash after this point loses nothing.
    writeFileAtomic(sidecarAbs, serializeSidecar(record));
    await ensureThumbnails(projectRoot, record, { force: true });
  } catch (cause) {
    fs.rmSync(sidecarAbs, { force: true });
    fs.rmSync(abs, { force: true });
    if (record) removeThumbnails(projectRoot, record);
    const unreadable =
      cause instanceof BdsError && cause.code === 'media-thumbnail' && cause.cause instanceof Error;
    const why = unreadable
      ? `it is not a readable ${kind.mimeType} image (${(cause.cause as Error).message.trim()})`
      : (cause as Error).message;
    throw new BdsError('media-import', `Cannot import ${sourceFile}: ${why}`, {
      file: sourceFile,
      cause,
    });
  }
  return record;
}

/**
 * Import several files one after the other. A file that fails is reported in its result and the others
 * go on; `onProgress` is called after each file.
 */
export async function importMediaFiles(
  projectRoot: string,
  files: readonly string[],
  opts: ImportOptions,
  onProgress?: (progress: MediaImportProgress) => void,
): Promise<MediaImportResult[]> {
  // A bad zone is the caller's mistake, not a file's: refuse the batch rather than fail every file.
  assertTimezone(opts.timezone);
  const results: MediaImportResult[] = [];
  for (const [i, file] of files.entries()) {
    let result: MediaImportResult;
    try {
      result = { file, record: await importMedia(projectRoot, file, opts) };
    } catch (e) {
      result = {
        file,
        error: e instanceof Error ? e.message : String(e),
        code: e instanceof BdsError ? e.code : 'internal',
      };
    }
    results.push(result);
    onProgress?.({ done: i + 1, total: files.length, file, result });
  }
  return results;
}
