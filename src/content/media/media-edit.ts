// Changing the library on disk: metadata edits rewrite the sidecar in place (unknown keys, comments and
// key order kept), deletion removes the sidecar, the file and its thumbnails.
import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import { writeFileAtomic } from '../../core/atomic.js';
import { BdsError } from '../../core/errors.js';
import { decodeUtf8 } from '../../core/frontmatter.js';
import { describeZodError } from '../../core/schemas.js';
import { normaliseTags, normaliseText, parseSidecar, SIDECAR_KEYS, type MediaRecord } from './media-file.js';
import {
  assertMediaId,
  assertRecordPaths,
  mediaIdOfPath,
  mediaPathOfSidecar,
  resolveInside,
  sidecarPathOf,
} from './media-paths.js';
import { findMediaSidecar, readMediaSidecar } from './media-scan.js';
import { removeThumbnails } from './thumbnails.js';

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
  const text = decodeUtf8(fs.readFileSync(abs), rel).replace(/\r\n?/g, '\n');
  const doc = YAML.parseDocument(text, { uniqueKeys: true });
  const map = doc.contents;
  if (!YAML.isMap(map))
    throw new BdsError('frontmatter-invalid', `${rel}: a sidecar must be a mapping`, { file: rel });
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
