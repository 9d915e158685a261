// Atomic file writes: a temp file in the same folder, fsync, then rename over the target.
// A crash at any point leaves either the old file or the new one, never a torn one.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Temp files are dot-files with this marker; scanners skip them and `cleanTempFiles` removes them. */
export const TEMP_MARKER = '.bds-tmp-';

export interface AtomicWriteOptions {
  /**
   * fsync before the rename (default true). Caches that are rebuilt from the project anyway skip it:
   * after a power cut they may hold the old content, never a torn one.
   */
  durable?: boolean;
  /** File mode of the new file (default 0o644); 0o600 for files holding a secret. */
  mode?: number;
}

/** A fresh temp file name in `file`'s folder (same file system, so a rename is atomic). */
export function tempPathNextTo(file: string): string {
  return path.join(
    path.dirname(file),
    `${TEMP_MARKER}${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}`,
  );
}

export function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = tempPathNextTo(file);
  const fd = fs.openSync(tmp, 'w', options.mode ?? 0o644);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    if (options.durable !== false) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Copy a file atomically (used for media imports). */
export function copyFileAtomic(src: string, dest: string): void {
  const dir = path.dirname(dest);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = tempPathNextTo(dest);
  try {
    fs.copyFileSync(src, tmp);
    const fd = fs.openSync(tmp, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Remove temp files a crashed writer left behind under `dir` (recursively). */
export function cleanTempFiles(dir: string): number {
  let removed = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.startsWith(TEMP_MARKER)) {
      fs.rmSync(path.join(entry.parentPath, entry.name), { force: true });
      removed++;
    }
  }
  return removed;
}
