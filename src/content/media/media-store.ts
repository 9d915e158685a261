// The media library: sidecars are the truth, the index rows are derived, thumbnails are a cache.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { BdsError, problemFrom, type Problem } from '../../core/errors.js';
import { decodeUtf8 } from '../../core/frontmatter.js';
import { walkFiles } from '../../core/walk.js';
import { toFtsQuery } from '../../store/post-index.js';
import type { MediaIndex } from '../../store/media-index.js';
import type { ProblemIndex } from '../../store/problem-index.js';
import type { Project } from '../project.js';
import {
  isSidecar,
  mediaPathOfSidecar,
  parseSidecar,
  serializeSidecar,
  sidecarPathOf,
  type MediaRecord,
} from './media-file.js';
import { importMedia, makeThumbnails, removeMediaFiles } from './media-import.js';

export interface MediaPatch {
  title?: string | null;
  alt?: string | null;
  caption?: string | null;
  tags?: string[];
}

export interface MediaImportResult {
  file: string;
  record?: MediaRecord;
  error?: string;
}

export interface MediaIndexReport {
  indexed: number;
  removed: number;
  problems: Problem[];
}

/** Sidecars over this size are refused (a sidecar holds a few lines). */
const MAX_SIDECAR_BYTES = 256 * 1024;

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
    const problems: Problem[] = [];
    let indexed = 0;
    for (const rel of this.sidecarFiles()) {
      const p = this.indexSidecar(rel);
      if (p) problems.push(p);
      else indexed++;
    }
    return { indexed, removed: 0, problems };
  }

  reconcile(): MediaIndexReport {
    const known = this.index.states();
    const sidecars = this.sidecarFiles();
    const present = new Set(sidecars.map(mediaPathOfSidecar));
    let removed = 0;
    for (const mediaRel of known.keys()) {
      if (!present.has(mediaRel)) {
        this.removeSidecarRow(sidecarPathOf(mediaRel));
        removed++;
      }
    }
    const problems: Problem[] = [];
    let indexed = 0;
    for (const rel of sidecars) {
      const mtime = fs.statSync(path.join(this.root, rel)).mtimeMs;
      if (known.get(mediaPathOfSidecar(rel)) === mtime) continue;
      const p = this.indexSidecar(rel);
      if (p) problems.push(p);
      else indexed++;
    }
    return { indexed, removed, problems };
  }

  /** Index one sidecar after it changed on disk (or drop its row when it is gone). */
  indexFile(rel: string): Problem | undefined {
    if (!isSidecar(rel)) return undefined;
    if (!fs.existsSync(path.join(this.root, rel))) {
      this.removeSidecarRow(rel);
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
    const abs = path.join(this.root, rel);
    let record: MediaRecord;
    let mtimeMs: number;
    try {
      const st = fs.statSync(abs);
      mtimeMs = st.mtimeMs;
      if (st.size > MAX_SIDECAR_BYTES)
        throw new BdsError('file-too-large', `${rel} is too large for a sidecar`, { file: rel });
      record = parseSidecar(decodeUtf8(fs.readFileSync(abs), rel), rel);
      if (!fs.existsSync(path.join(this.root, record.path))) {
        throw new BdsError('media-not-found', `${rel}: its media file ${record.path} is missing`, {
          file: rel,
        });
      }
    } catch (e) {
      this.index.removeByPath(mediaPathOfSidecar(rel));
      const p = problemFrom(e, rel);
      this.problems.add(p);
      return p;
    }
    const other = this.index.get(record.id);
    if (
      other &&
      other.path !== record.path &&
      fs.existsSync(path.join(this.root, sidecarPathOf(other.path)))
    ) {
      this.index.removeByPath(record.path);
      const p: Problem = {
        code: 'duplicate-id',
        message: `${rel}: id "${record.id}" is already used by ${sidecarPathOf(other.path)}; this file is not indexed`,
        file: rel,
      };
      this.problems.add(p);
      return p;
    }
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
      sidecarMtimeMs: mtimeMs,
    });
    return undefined;
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
    meta: { title?: string; alt?: string; caption?: string; tags?: string[] } = {},
    onProgress?: (done: number, total: number, file: string) => void,
  ): Promise<MediaImportResult[]> {
    const results: MediaImportResult[] = [];
    for (const [i, file] of files.entries()) {
      try {
        const record = await importMedia(this.root, file, {
          now: this.now(),
          timezone: this.project.settings.timezone,
          ...meta,
        });
        this.indexFile(sidecarPathOf(record.path));
        results.push({ file, record });
      } catch (e) {
        results.push({ file, error: e instanceof Error ? e.message : String(e) });
      }
      onProgress?.(i + 1, files.length, file);
    }
    return results;
  }

  update(id: string, patch: MediaPatch): MediaRecord {
    const current = this.get(id);
    const rel = sidecarPathOf(current.path);
    const onDisk = parseSidecar(decodeUtf8(fs.readFileSync(path.join(this.root, rel)), rel), rel);
    const next: MediaRecord = { ...onDisk };
    for (const k of ['title', 'alt', 'caption'] as const) {
      if (patch[k] !== undefined) next[k] = patch[k] || undefined;
    }
    if (patch.tags !== undefined) next.tags = [...new Set(patch.tags.map((t) => t.trim()).filter(Boolean))];
    writeFileAtomic(path.join(this.root, rel), serializeSidecar(next));
    this.indexFile(rel);
    return this.get(id);
  }

  delete(id: string): MediaRecord {
    const r = this.get(id);
    removeMediaFiles(this.root, r);
    this.removeSidecarRow(sidecarPathOf(r.path));
    return r;
  }

  /** Recreate missing thumbnails (all of them with `force`). */
  async regenerateThumbnails(force = false): Promise<number> {
    let n = 0;
    for (const r of this.list()) n += await makeThumbnails(this.root, r, force);
    return n;
  }
}
