// The media library of an open project: the files under media/ are the truth (read and written by the
// functions of this folder), the index rows are derived from them, thumbnails are a cache.
import fs from 'node:fs';
import path from 'node:path';
import { STAGED_MARKER } from '../../core/atomic.js';
import { BdsError, problemFrom, type Problem } from '../../core/errors.js';
import { walkFiles } from '../../core/walk.js';
import type { MediaIndex } from '../../store/media-index.js';
import { toFtsQuery } from '../../store/post-index.js';
import type { ProblemIndex } from '../../store/problem-index.js';
import type { Project } from '../project.js';
import { deleteMedia, replaceMediaFile, updateMediaMetadata, type MediaPatch } from './media-edit.js';
import type { MediaRecord } from './media-file.js';
import {
  finishInterruptedImports,
  importMediaFiles,
  type MediaImportResult,
  type MediaMetadata,
} from './media-import.js';
import {
  isSidecar,
  mediaPathOfSidecar,
  resolveInside,
  sidecarPathOf,
  thumbnailPath,
  THUMBNAIL_SIZES,
} from './media-paths.js';
import { readSidecarEntry, scanMediaEntries, type ScannedMedia } from './media-scan.js';
import { ensureThumbnails } from './thumbnails.js';

export interface MediaIndexReport {
  indexed: number;
  removed: number;
  problems: Problem[];
}

function orphanProblem(mediaRel: string): Problem {
  return {
    code: 'media-no-sidecar',
    message: `${mediaRel} has no sidecar ${path.posix.basename(mediaRel)}.meta.yaml`,
    file: mediaRel,
  };
}

export class MediaStore {
  constructor(
    private readonly project: Project,
    private readonly index: MediaIndex,
    private readonly problems: ProblemIndex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get root(): string {
    return this.project.root;
  }

  sidecarFiles(): string[] {
    return walkFiles(this.root, 'media', isSidecar);
  }

  rebuildFromFiles(): MediaIndexReport {
    this.index.clear();
    this.problems.clear('media/');
    const unfinished = finishInterruptedImports(this.root).problems;
    const scan = scanMediaEntries(this.root);
    const problems = [...unfinished, ...scan.problems];
    for (const entry of scan.entries) this.upsert(entry);
    for (const p of problems) this.problems.add(p);
    return { indexed: scan.entries.length, removed: 0, problems };
  }

  /** Bring the index up to date with what changed on disk while the project was closed (by mtime). */
  reconcile(): MediaIndexReport {
    // Imports a killed process left half done: finished or dropped before anything is read.
    for (const p of this.problems.list()) {
      if (path.posix.basename(p.file).startsWith(STAGED_MARKER)) this.problems.clearPath(p.file);
    }
    const unfinished = finishInterruptedImports(this.root).problems;
    for (const p of unfinished) this.problems.add(p);
    const known = this.index.states();
    const files = walkFiles(this.root, 'media', () => true);
    const present = new Set(files);
    const sidecars = files.filter(isSidecar);
    let removed = 0;
    for (const mediaRel of known.keys()) {
      if (!present.has(sidecarPathOf(mediaRel))) {
        this.removeSidecarRow(sidecarPathOf(mediaRel));
        removed++;
      }
    }
    const problems: Problem[] = [...unfinished];
    let indexed = 0;
    for (const rel of sidecars) {
      const mtime = fs.statSync(path.join(this.root, rel)).mtimeMs;
      if (known.get(mediaPathOfSidecar(rel)) === mtime && present.has(mediaPathOfSidecar(rel))) continue;
      const p = this.indexSidecar(rel);
      if (p) problems.push(p);
      else indexed++;
    }
    // Files without a sidecar are recomputed as a whole: they are few and cheap to find.
    for (const p of this.problems.list()) {
      if (p.code === 'media-no-sidecar') this.problems.clearPath(p.file);
    }
    for (const rel of files) {
      if (isSidecar(rel) || present.has(sidecarPathOf(rel))) continue;
      const p = orphanProblem(rel);
      this.problems.add(p);
      problems.push(p);
    }
    return { indexed, removed, problems };
  }

  /** Index one file of media/ after it changed on disk: a sidecar, or a media file (its sidecar again). */
  indexFile(rel: string): Problem | undefined {
    // Dot-files include the temp files of atomic writes: never content.
    if (!rel.startsWith('media/') || path.posix.basename(rel).startsWith('.')) return undefined;
    const exists = (r: string) => fs.existsSync(resolveInside(this.root, r));
    if (!isSidecar(rel)) {
      this.problems.clearPath(rel);
      const sidecar = sidecarPathOf(rel);
      if (exists(sidecar)) return this.indexSidecar(sidecar);
      if (exists(rel)) {
        const p = orphanProblem(rel);
        this.problems.add(p);
        return p;
      }
      return undefined;
    }
    if (!exists(rel)) {
      this.removeSidecarRow(rel);
      const mediaRel = mediaPathOfSidecar(rel);
      if (exists(mediaRel)) {
        const p = orphanProblem(mediaRel);
        this.problems.add(p);
        return p;
      }
      return undefined;
    }
    return this.indexSidecar(rel);
  }

  private removeSidecarRow(sidecarRel: string): void {
    this.problems.clearPath(sidecarRel);
    this.index.removeByPath(mediaPathOfSidecar(sidecarRel));
  }

  private indexSidecar(rel: string): Problem | undefined {
    this.problems.clearPath(rel);
    this.problems.clearPath(mediaPathOfSidecar(rel));
    let entry: ScannedMedia;
    try {
      entry = readSidecarEntry(this.root, rel);
    } catch (e) {
      this.index.removeByPath(mediaPathOfSidecar(rel));
      const p = problemFrom(e, rel);
      this.problems.add(p);
      return p;
    }
    const { record } = entry;
    const other = this.index.get(record.id);
    if (
      other &&
      other.path !== record.path &&
      fs.existsSync(path.join(this.root, sidecarPathOf(other.path)))
    ) {
      this.index.removeByPath(record.path);
      const p: Problem = {
        code: 'duplicate-id',
        message: `${rel}: id "${record.id}" is already used by ${sidecarPathOf(other.path)}; this file is left out`,
        file: rel,
      };
      this.problems.add(p);
      return p;
    }
    this.upsert(entry);
    return undefined;
  }

  private upsert({ record, sidecarMtimeMs }: ScannedMedia): void {
    this.index.upsert({
      id: record.id,
      path: record.path,
      originalName: record.originalName,
      mimeType: record.mimeType,
      size: record.size,
      width: record.width,
      height: record.height,
      title: record.title,
      alt: record.alt,
      caption: record.caption,
      tags: record.tags,
      createdAt: record.createdAt,
      record: record as unknown as Record<string, unknown>,
      sidecarMtimeMs,
    });
  }

  // ---------------------------------------------------------------- queries

  list(): MediaRecord[] {
    return this.index.all() as unknown as MediaRecord[];
  }

  get(id: string): MediaRecord {
    const r = this.index.get(id);
    if (!r) throw new BdsError('media-not-found', `No media with id "${id}"`);
    return r.record as unknown as MediaRecord;
  }

  find(id: string): MediaRecord | undefined {
    return this.index.get(id)?.record as MediaRecord | undefined;
  }

  /** Media linked to a post, in the post's order. */
  linkedToPost(postId: string): MediaRecord[] {
    return this.index.linkedToPost(postId) as unknown as MediaRecord[];
  }

  search(text: string, limit = 20): MediaRecord[] {
    return this.index.search(toFtsQuery(text), limit) as unknown as MediaRecord[];
  }

  // ---------------------------------------------------------------- use cases

  async import(
    files: string[],
    meta: MediaMetadata = {},
    onProgress?: (done: number, total: number, file: string) => void,
  ): Promise<MediaImportResult[]> {
    const results = await importMediaFiles(
      this.root,
      files,
      { now: this.now(), timezone: this.project.settings.timezone, ...meta },
      (p) => {
        if (p.result.record) this.indexFile(sidecarPathOf(p.result.record.path));
        onProgress?.(p.done, p.total, p.file);
      },
    );
    return results;
  }

  update(id: string, patch: MediaPatch): MediaRecord {
    updateMediaMetadata(this.root, this.get(id), patch);
    this.indexFile(sidecarPathOf(this.get(id).path));
    return this.get(id);
  }

  /**
   * Put another file of the same type in place of a media file (same id and name, so posts keep
   * linking it); its sidecar and thumbnails follow. A refused or failed replacement changes nothing.
   */
  async replace(id: string, file: string): Promise<MediaRecord> {
    const r = this.get(id);
    try {
      await replaceMediaFile(this.root, r, file);
    } finally {
      // Whatever happened on disk (a replacement, or the old files put back), the row follows it.
      this.indexFile(sidecarPathOf(r.path));
    }
    return this.get(id);
  }

  delete(id: string): MediaRecord {
    const r = this.get(id);
    deleteMedia(this.root, r);
    this.removeSidecarRow(sidecarPathOf(r.path));
    return r;
  }

  /**
   * Recreate missing thumbnails (all of them with `force`); returns how many were written. An image
   * that cannot be decoded does not stop the others; the failures are thrown together at the end.
   */
  async regenerateThumbnails(force = false): Promise<number> {
    let written = 0;
    const failures: string[] = [];
    for (const r of this.list()) {
      try {
        written += await ensureThumbnails(this.root, r, { force });
      } catch (e) {
        failures.push(e instanceof Error ? e.message : String(e));
      }
    }
    if (failures.length > 0) {
      throw new BdsError(
        'media-thumbnail',
        `${written} thumbnails written; ${failures.length} media failed:\n${failures.join('\n')}`,
      );
    }
    return written;
  }

  /**
   * After a media file changed on disk (replaced by another editor, or pulled): make its thumbnails
   * again when any is missing or older than the file. Returns the thumbnail paths written (none for a
   * file bds just imported, whose thumbnails are newer).
   */
  async refreshThumbnails(rel: string): Promise<string[]> {
    const record = this.list().find((r) => r.path === rel);
    if (!record) return [];
    let sourceMs: number;
    try {
      sourceMs = fs.statSync(resolveInside(this.root, rel)).mtimeMs;
    } catch {
      return [];
    }
    const paths = THUMBNAIL_SIZES.map((size) => thumbnailPath(record, size));
    const stale = paths.some((p) => {
      try {
        return fs.statSync(resolveInside(this.root, p)).mtimeMs < sourceMs;
      } catch {
        return true;
      }
    });
    if (!stale) return [];
    await ensureThumbnails(this.root, record, { force: true });
    return paths.filter((p) => fs.existsSync(resolveInside(this.root, p)));
  }
}
