// Atomic file writes: a temp file in the same folder, written whole and fsynced, renamed over the target,
// then the folder fsynced so the rename itself is on disk. A crash leaves the old file or the new one,
// never a torn one, and a write that fails at any step leaves no temp file behind.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Temp files are dot-files with this marker; scanners skip them and `cleanTempFiles` removes them. */
export const TEMP_MARKER = '.bds-tmp-';

/**
 * Staged files are temp files that wait for another file before they are renamed into place (a media
 * file waits for its sidecar). The code that stages them finishes or drops the ones a crash left, since
 * only it knows what they wait for; `cleanTempFiles` leaves them alone.
 */
export const STAGED_MARKER = `${TEMP_MARKER}staged-`;

/** The mode of a new file (the umask still applies), as `fs.writeFileSync` gives it. */
const DEFAULT_MODE = 0o644;
const COPY_CHUNK_BYTES = 1 << 20;

export interface AtomicWriteOptions {
  /**
   * fsync the file before the rename and its folder after it (default true). Caches that are rebuilt
   * from the project anyway skip it: after a power cut they may hold the old content, never a torn one.
   */
  durable?: boolean;
  /**
   * File mode of the file written (0o600 for files holding a secret). Default: the mode of the file it
   * replaces, so a 0600 file stays 0600; a new file gets 0o644 less the umask.
   */
  mode?: number;
}

/** A fresh temp file name in `file`'s folder (same file system, so a rename is atomic). */
export function tempPathNextTo(file: string): string {
  return path.join(
    path.dirname(file),
    `${TEMP_MARKER}${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}`,
  );
}

/** The staged name of `file`: one per target, so whoever finds it knows which file it becomes. */
export function stagedPathOf(file: string): string {
  return path.join(path.dirname(file), `${STAGED_MARKER}${path.basename(file)}`);
}

/** The file a staged path becomes, or undefined when `staged` is not a staged name. */
export function targetOfStaged(staged: string): string | undefined {
  const name = path.basename(staged);
  if (!name.startsWith(STAGED_MARKER) || name.length === STAGED_MARKER.length) return undefined;
  return path.join(path.dirname(staged), name.slice(STAGED_MARKER.length));
}

/**
 * Write all of `bytes` at the file's position. `write(2)` may write fewer bytes than asked (a signal, a
 * full disk, some network file systems): the rest is written by the next call; a call that writes
 * nothing at all fails, rather than loop for ever.
 */
export function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    const written = fs.writeSync(fd, bytes, offset, bytes.length - offset);
    if (!(written > 0)) {
      throw Object.assign(
        new Error(`write wrote ${written} bytes with ${bytes.length - offset} of ${bytes.length} left`),
        { code: 'EIO' },
      );
    }
    offset += written;
  }
}

export function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const durable = options.durable !== false;
  const tmp = tempPathNextTo(file);
  createTemp(tmp, file, options.mode, durable, (fd) => writeAll(fd, bytes));
  putInPlace(tmp, file, durable);
}

/** Copy a file atomically and durably; returns the number of bytes copied. */
export function copyFileAtomic(src: string, dest: string, options: { mode?: number } = {}): number {
  const tmp = tempPathNextTo(dest);
  let copied = 0;
  createTemp(tmp, dest, options.mode, true, (fd) => (copied = copyInto(src, fd)));
  putInPlace(tmp, dest, true);
  return copied;
}

/**
 * Copy `src` durably to the staged name of `dest` (see STAGED_MARKER) without putting it in place: the
 * caller renames it with `renameDurable` once what must exist first is on disk. Returns the bytes copied.
 */
export function copyToStaged(src: string, dest: string, options: { mode?: number } = {}): number {
  let copied = 0;
  createTemp(stagedPathOf(dest), dest, options.mode, true, (fd) => (copied = copyInto(src, fd)));
  return copied;
}

/** Rename `from` to `to` and fsync the folder, so the rename survives a power cut. */
export function renameDurable(from: string, to: string): void {
  fs.renameSync(from, to);
  fsyncFolder(path.dirname(to));
}

/**
 * fsync a folder, which makes the names created, renamed or removed in it durable. Skipped where the
 * platform or file system cannot (Windows cannot open a folder; some file systems refuse the call).
 */
export function fsyncFolder(dir: string): void {
  if (process.platform === 'win32') return;
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (e) {
    // A folder we may write but not list (-wx): the write is done, only this extra step is not.
    if (isErrno(e, 'EACCES', 'EPERM')) return;
    throw e;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    if (!isErrno(e, 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP')) throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Remove temp files a crashed writer left behind under `dir` (recursively); staged files are kept, and
 * so are the temp files of a process still running (this one included): they are writes in flight,
 * whether or not that process holds the project's write lock (thumbnails are made outside it).
 */
export function cleanTempFiles(dir: string): number {
  let removed = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && isLeftoverTemp(entry.name)) {
      fs.rmSync(path.join(entry.parentPath, entry.name), { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * True for the name of a temp file a crashed writer left behind (see cleanTempFiles): a temp file, not a
 * staged one, of a process that is not running.
 */
export function isLeftoverTemp(name: string): boolean {
  return name.startsWith(TEMP_MARKER) && !name.startsWith(STAGED_MARKER) && !writerIsRunning(name);
}

/** The process that named a temp file (`tempPathNextTo`) is still running. */
function writerIsRunning(tempName: string): boolean {
  const pid = Number(/\.(\d+)\.[0-9a-f]+$/.exec(tempName)?.[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return isErrno(e, 'EPERM');
  }
}

/**
 * Create `tmp` (never an existing name: `wx` does not follow a link planted there), fill it, fsync it
 * when durable. Any failure, closing included, removes it before the error goes on.
 */
function createTemp(
  tmp: string,
  target: string,
  mode: number | undefined,
  durable: boolean,
  fill: (fd: number) => void,
): void {
  makeFolder(path.dirname(tmp), durable);
  const kept = mode === undefined ? modeOfFile(target) : undefined;
  const fd = fs.openSync(tmp, 'wx', mode ?? kept ?? DEFAULT_MODE);
  try {
    try {
      // The umask applied to openSync's mode; a kept mode is the file's own and is set as it was.
      if (kept !== undefined) fs.fchmodSync(fd, kept);
      fill(fd);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** mkdir -p; when durable, the names of the folders it created are fsynced into their parents too. */
function makeFolder(dir: string, durable: boolean): void {
  const first = fs.mkdirSync(dir, { recursive: true });
  if (!durable || first === undefined) return;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    fsyncFolder(path.dirname(d));
    if (d === path.resolve(first)) return;
  }
}

function putInPlace(tmp: string, file: string, durable: boolean): void {
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  if (durable) fsyncFolder(path.dirname(file));
}

/** Permission bits of an existing regular file, or undefined. */
function modeOfFile(file: string): number | undefined {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  return st?.isFile() ? st.mode & 0o7777 : undefined;
}

function copyInto(src: string, fd: number): number {
  const from = fs.openSync(src, 'r');
  try {
    const buffer = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
    let total = 0;
    for (;;) {
      const n = fs.readSync(from, buffer, 0, buffer.length, null);
      if (n === 0) return total;
      writeAll(fd, buffer.subarray(0, n));
      total += n;
    }
  } finally {
    fs.closeSync(from);
  }
}

function isErrno(e: unknown, ...codes: string[]): boolean {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && codes.includes(code);
}
