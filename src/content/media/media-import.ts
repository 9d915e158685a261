// Importing files into a project's media library: media/YYYY/MM/ID.ext with its YAML sidecar, then WebP
// thumbnails for raster images. A failed import leaves nothing behind, and a killed one leaves both
// files or neither: the media file is copied under its staged name, the sidecar written, and only then
// the media file renamed into place; the next opening finishes or drops what a kill left staged.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  copyToStaged,
  renameDurable,
  STAGED_MARKER,
  stagedPathOf,
  targetOfStaged,
  writeFileAtomic,
} from '../../core/atomic.js';
import { assertTimezone, dateParts, formatIsoInZone } from '../../core/dates.js';
import { BdsError, type ErrorCode, type Problem } from '../../core/errors.js';
import { normaliseTags, normaliseText, serializeSidecar, type MediaRecord } from './media-file.js';
import { resolveInside, SIDECAR_SUFFIX, sidecarPathOf } from './media-paths.js';
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
  const staged = stagedPathOf(abs);
  const sidecarAbs = resolveInside(projectRoot, sidecarPathOf(rel));
  let record: MediaRecord | undefined;
  let placed = false;
  try {
    // The copy's size: the source may have changed since it was checked.
    const size = copyToStaged(sourceFile, abs);
    record = {
      id,
      path: rel,
      originalName,
      mimeType: kind.mimeType,
      size,
      width: kind.width,
      height: kind.height,
      title: normaliseText(opts.title),
      alt: normaliseText(opts.alt),
      caption: normaliseText(opts.caption),
      tags: normaliseTags(opts.tags),
      createdAt: formatIsoInZone(opts.now, opts.timezone),
      extra: {},
    };
    // The staged copy is on disk before the sidecar names it, and the sidecar before the media file
    // takes its place: a kill in between leaves a sidecar and its staged file, which the next opening
    // puts in place (finishInterruptedImports). Thumbnails are a cache that can be rebuilt.
    writeFileAtomic(sidecarAbs, serializeSidecar(record));
    renameDurable(staged, abs);
    placed = true;
    await ensureThumbnails(projectRoot, record, { force: true });
  } catch (cause) {
    // Undone in an order a kill may also stop at any step: the media file goes back to its staged name
    // first, so what a kill leaves is a sidecar with its staged file, or a staged file alone.
    if (placed) {
      try {
        fs.renameSync(abs, staged);
      } catch {
        fs.rmSync(abs, { force: true });
      }
    }
    fs.rmSync(sidecarAbs, { force: true });
    fs.rmSync(staged, { force: true });
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

export interface InterruptedImports {
  /** Media files put in place: their sidecars were written before the kill (project-relative). */
  finished: string[];
  /** Staged files removed: the kill came before their sidecars were written. */
  dropped: string[];
  /** Staged files that could be neither finished nor removed. */
  problems: Problem[];
}

/**
 * Finish or drop the imports a killed process left half done under media/: a staged media file whose
 * sidecar exists is renamed into place, one without a sidecar is removed. Call it only under the
 * project's write lock, as opening does; outside it, a staged file may be another process's import
 * between its steps. Folders that cannot be read are skipped (the media scan reports them).
 */
export function finishInterruptedImports(projectRoot: string): InterruptedImports {
  const done: InterruptedImports = { finished: [], dropped: [], problems: [] };
  const visit = (dirRel: string): void => {
    let dirents: fs.Dirent[];
    try {
      dirents = fs.readdirSync(resolveInside(projectRoot, dirRel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const d of dirents) {
      const rel = `${dirRel}/${d.name}`;
      if (d.isDirectory() && !d.name.startsWith('.')) visit(rel);
      if (!d.isFile() || !d.name.startsWith(STAGED_MARKER)) continue;
      const staged = resolveInside(projectRoot, rel);
      const target = targetOfStaged(staged);
      try {
        if (
          target !== undefined &&
          !target.endsWith(SIDECAR_SUFFIX) &&
          fs.existsSync(`${target}${SIDECAR_SUFFIX}`) &&
          !fs.existsSync(target)
        ) {
          renameDurable(staged, target);
          done.finished.push(`${dirRel}/${path.basename(target)}`);
        } else {
          fs.rmSync(staged, { force: true });
          done.dropped.push(rel);
        }
      } catch (e) {
        // Reported, and tried again at the next opening; a staged file is never read as content.
        done.problems.push({
          code: 'io-error',
          message: `${rel}: an interrupted import can be neither finished nor removed (${(e as Error).message})`,
          file: rel,
        });
      }
    }
  };
  visit('media');
  return done;
}
