// Changing the library on disk: metadata edits rewrite the sidecar in place (unknown keys, comments and
// key order kept), a replacement swaps the file's bytes under the same name, deletion removes the
// sidecar, the file and its thumbnails.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { copyFileAtomic, tempPathNextTo, writeFileAtomic } from '../../core/atomic.js';
import { BdsError } from '../../core/errors.js';
import { decodeUtf8 } from '../../core/frontmatter.js';
import { describeZodError } from '../../core/schemas.js';
import {
  normaliseTags,
  normaliseText,
  parseSidecar,
  SIDECAR_KEYS,
  supportsThumbnails,
  type MediaRecord,
} from './media-file.js';
import { checkSource } from './media-import.js';
import {
  assertMediaId,
  assertRecordPaths,
  mediaIdOfPath,
  mediaPathOfSidecar,
  resolveInside,
  sidecarPathOf,
  THUMBNAIL_SIZES,
  thumbnailPath,
} from './media-paths.js';
import { findMediaSidecar, readMediaSidecar } from './media-scan.js';
import { chooseExtension, detectFileKind, extensionOf, mimeTypeOfExtension } from './media-type.js';
import { ensureThumbnails, removeThumbnails } from './thumbnails.js';

/** A metadata change: a value replaces, null or '' clears, a missing key keeps what is there. */
export interface MediaPatch {
  title?: string | null;
  alt?: string | null;
  caption?: string | null;
  tags?: string[];
}

const PatchSchema = z.strictObject({
  title: z.string().nullable().optional(),
  alt: z.string().nullable().optional(),
  caption: z.string().nullable().optional(),
  tags: z.array(z.string()).optional(),
});

type MediaRef = string | Pick<MediaRecord, 'id' | 'path'>;

/** The project-relative sidecar path of a media id or record; ids are looked up by file name. */
function sidecarOf(projectRoot: string, ref: MediaRef): string {
  if (typeof ref === 'string') {
    assertMediaId(ref);
    const rel = findMediaSidecar(projectRoot, ref);
    if (!rel) throw new BdsError('media-not-found', `No media with id "${ref}" under media/`);
    return rel;
  }
  assertRecordPaths(ref);
  return sidecarPathOf(ref.path);
}

/** Put `key` at bds's place for it among the keys the sidecar already has, so rewrites stay stable. */
function setInOrder(doc: YAML.Document, map: YAML.YAMLMap, key: string, value: unknown): void {
  const node = doc.createNode(value);
  if (map.has(key)) {
    map.set(key, node);
    return;
  }
  const order: readonly string[] = SIDECAR_KEYS;
  const rank = (k: unknown): number => order.indexOf(String(YAML.isScalar(k) ? k.value : k));
  const mine = rank(key);
  const at = map.items.findIndex((p) => rank(p.key) > mine);
  const pair = doc.createPair(key, node);
  if (at < 0) map.items.push(pair);
  else map.items.splice(at, 0, pair);
}

/** A sidecar's YAML document, to edit with its comments, unknown keys and key order kept. */
function sidecarDocument(bytes: Buffer, rel: string): { doc: YAML.Document; map: YAML.YAMLMap } {
  const text = decodeUtf8(bytes, rel).replace(/\r\n?/g, '\n');
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  const map = doc.contents;
  if (!YAML.isMap(map))
    throw new BdsError('frontmatter-invalid', `${rel}: a sidecar must be a mapping`, { file: rel });
  return { doc, map };
}

/** Change a media file's title, alt text, caption or tags; returns the record as written. */
export function updateMediaMetadata(projectRoot: string, ref: MediaRef, patch: MediaPatch): MediaRecord {
  const parsed = PatchSchema.safeParse(patch);
  if (!parsed.success) {
    const { field, message } = describeZodError(parsed.error);
    throw new BdsError('invalid-argument', `Media metadata "${field}" ${message}`);
  }
  const rel = sidecarOf(projectRoot, ref);
  // Validates the sidecar as it is now (and that its media file exists): a broken one is not rewritten.
  readMediaSidecar(projectRoot, rel);
  const abs = resolveInside(projectRoot, rel);
  const { doc, map } = sidecarDocument(fs.readFileSync(abs), rel);
  const p = parsed.data;
  for (const key of ['title', 'alt', 'caption'] as const) {
    if (p[key] === undefined) continue;
    const value = normaliseText(p[key]);
    if (value === undefined) map.delete(key);
    else setInOrder(doc, map, key, value);
  }
  if (p.tags !== undefined) setInOrder(doc, map, 'tags', normaliseTags(p.tags));
  const out = doc.toString({ lineWidth: 0 });
  const next = parseSidecar(out, rel);
  writeFileAtomic(abs, out);
  return next;
}

/**
 * Delete a media file with its sidecar and thumbnails (given by id or record); returns the
 * project-relative paths removed. The sidecar goes first, so an interrupted delete never leaves a
 * sidecar that points at nothing.
 */
export function deleteMedia(projectRoot: string, ref: MediaRef): string[] {
  const sidecarRel = sidecarOf(projectRoot, ref);
  const mediaRel = mediaPathOfSidecar(sidecarRel);
  const record = { id: mediaIdOfPath(mediaRel)!, path: mediaRel };
  const removed: string[] = [];
  for (const rel of [sidecarRel, mediaRel]) {
    const abs = resolveInside(projectRoot, rel);
    if (fs.lstatSync(abs, { throwIfNoEntry: false })) {
      fs.rmSync(abs, { force: true });
      removed.push(rel);
    }
  }
  if (removed.length === 0)
    throw new BdsError('media-not-found', `${mediaRel} and its sidecar are not there`, { file: mediaRel });
  removed.push(...removeThumbnails(projectRoot, record));
  return removed;
}

/** "a JPEG image", "an SVG image", "a .pdf file": what a file is, for messages. */
function describeKind(ext: string, mimeType: string): string {
  if (mimeType.startsWith('image/') && mimeTypeOfExtension(ext) === mimeType) {
    const name = mimeType.slice('image/'.length).replace(/\+.*$/, '').toUpperCase();
    return `${/^[AEIOSX]/.test(name) ? 'an' : 'a'} ${name} image`;
  }
  return `a .${ext} file`;
}

/**
 * Posts link a media file by its name, so a replacement keeps it: the new file must get the same
 * extension import would give it (or a spelling of the same type, .jpeg for .jpg).
 */
function assertSameExtension(current: MediaRecord, source: string, ext: string, mimeType: string): void {
  const currentExt = extensionOf(current.path);
  const sameType =
    mimeTypeOfExtension(ext) !== undefined && mimeTypeOfExtension(ext) === mimeTypeOfExtension(currentExt);
  if (ext === currentExt || sameType) return;
  throw new BdsError(
    'invalid-argument',
    `Cannot replace ${current.path} with ${source}: posts link to ${current.path}, and the new file is ` +
      `${describeKind(ext, mimeType)} (it would be stored as .${ext}, not .${currentExt})`,
    {
      file: current.path,
      hint: `Replace it with ${describeKind(currentExt, current.mimeType)}, or import the new file as a new item.`,
    },
  );
}

/** The bytes of a record's thumbnails as they are (undefined for a missing one), to put back. */
function readThumbnails(projectRoot: string, record: MediaRecord): Map<string, Buffer | undefined> {
  const out = new Map<string, Buffer | undefined>();
  for (const size of THUMBNAIL_SIZES) {
    const abs = resolveInside(projectRoot, thumbnailPath(record, size));
    out.set(abs, fs.existsSync(abs) ? fs.readFileSync(abs) : undefined);
  }
  return out;
}

/** A second name for the file's bytes (a hard link, else a copy) that outlives a rename over it. */
function keepBytes(abs: string): string {
  const kept = tempPathNextTo(abs);
  try {
    fs.linkSync(abs, kept);
  } catch {
    // A file system without hard links: a copy keeps the bytes as well.
    try {
      fs.copyFileSync(abs, kept);
    } catch (e) {
      fs.rmSync(kept, { force: true });
      throw e;
    }
  }
  return kept;
}

/**
 * Replace a media file's bytes with `sourceFile`, keeping its id, name, metadata and the posts that
 * link it; the sidecar gets the new file's name, type, size and dimensions, and the thumbnails are made
 * again. A file of another type is refused before anything changes; if a later step fails (the new file
 * does not decode), the old file, sidecar and thumbnails are put back. Returns the record as written.
 */
export async function replaceMediaFile(
  projectRoot: string,
  ref: MediaRef,
  sourceFile: string,
): Promise<MediaRecord> {
  const sidecarRel = sidecarOf(projectRoot, ref);
  const current = readMediaSidecar(projectRoot, sidecarRel);
  const failure = `Cannot replace ${current.path} with ${sourceFile}`;
  checkSource(sourceFile, failure);
  const originalName = path.basename(sourceFile);
  const kind = await detectFileKind(sourceFile, extensionOf(originalName));
  assertSameExtension(current, sourceFile, chooseExtension(originalName, kind.mimeType), kind.mimeType);

  const abs = resolveInside(projectRoot, current.path);
  const sidecarAbs = resolveInside(projectRoot, sidecarRel);
  const oldSidecar = fs.readFileSync(sidecarAbs);
  const oldThumbnails = readThumbnails(projectRoot, current);
  const { doc, map } = sidecarDocument(oldSidecar, sidecarRel);
  // The old bytes stay under a temp name until the new file, its sidecar and thumbnails are all written.
  const kept = keepBytes(abs);
  let replaced = false;
  let sidecarWritten = false;
  try {
    copyFileAtomic(sourceFile, abs);
    replaced = true;
    setInOrder(doc, map, 'originalName', originalName);
    setInOrder(doc, map, 'mimeType', kind.mimeType);
    // The copy's size: the source may have changed since it was checked.
    setInOrder(doc, map, 'size', fs.statSync(abs).size);
    for (const key of ['width', 'height'] as const) {
      if (kind[key] === undefined) map.delete(key);
      else setInOrder(doc, map, key, kind[key]);
    }
    const text = doc.toString({ lineWidth: 0 });
    const next = parseSidecar(text, sidecarRel);
    writeFileAtomic(sidecarAbs, text);
    sidecarWritten = true;
    if (supportsThumbnails(next)) await ensureThumbnails(projectRoot, next, { force: true });
    else removeThumbnails(projectRoot, next);
    fs.rmSync(kept, { force: true });
    return next;
  } catch (cause) {
    const unreadable =
      cause instanceof BdsError && cause.code === 'media-thumbnail' && cause.cause instanceof Error;
    const why = (
      unreadable
        ? `it is not a readable ${kind.mimeType} image (${(cause.cause as Error).message.trim()})`
        : (cause as Error).message
    ).replace(/\.$/, '');
    const notRestored: string[] = [];
    const attempt = (what: string, step: () => void) => {
      try {
        step();
      } catch (e) {
        notRestored.push(`${what}: ${(e as Error).message}`);
      }
    };
    // A rename of the kept name over the file: the old bytes are back whole, or not at all.
    if (replaced) attempt(current.path, () => fs.renameSync(kept, abs));
    else fs.rmSync(kept, { force: true });
    const keptLeft = fs.existsSync(kept);
    if (sidecarWritten) attempt(sidecarRel, () => writeFileAtomic(sidecarAbs, oldSidecar));
    for (const [thumb, bytes] of oldThumbnails) {
      attempt(path.relative(projectRoot, thumb), () =>
        bytes ? writeFileAtomic(thumb, bytes, { durable: false }) : fs.rmSync(thumb, { force: true }),
      );
    }
    if (notRestored.length > 0) {
      throw new BdsError(
        'io-error',
        `${failure}: ${why}; putting the old files back failed too (${notRestored.join('; ')})` +
          (keptLeft ? `. The old bytes are in ${path.relative(projectRoot, kept)}.` : '.'),
        { file: current.path, cause },
      );
    }
    const code = unreadable ? 'media-import' : cause instanceof BdsError ? cause.code : 'io-error';
    throw new BdsError(code, `${failure}: ${why}. The old file is kept.`, {
      file: current.path,
      cause,
      hint: unreadable
        ? 'Check that the new file opens in an image viewer; the media file, its sidecar and thumbnails are as they were.'
        : undefined,
    });
  }
}
