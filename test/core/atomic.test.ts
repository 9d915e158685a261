import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  cleanTempFiles,
  copyFileAtomic,
  copyToStaged,
  stagedPathOf,
  TEMP_MARKER,
  tempPathNextTo,
  writeFileAtomic,
} from '../../src/core/atomic.js';
import { cleanupTempDirs, tempDir } from '../helpers/project.js';

afterEach(() => vi.restoreAllMocks());
afterAll(() => cleanupTempDirs());

const modeOf = (file: string): number => fs.statSync(file).mode & 0o7777;
const tempsIn = (dir: string): string[] =>
  fs
    .readdirSync(dir, { recursive: true })
    .filter((f) => path.basename(String(f)).startsWith(TEMP_MARKER)) as string[];

/** The mode a plain new file gets here (0o644 less this process's umask). */
function defaultMode(dir: string): number {
  const probe = path.join(dir, 'probe');
  fs.writeFileSync(probe, '', { mode: 0o644 });
  const mode = modeOf(probe);
  fs.rmSync(probe);
  return mode;
}

/** A writeSync that writes at most `max` bytes per call to the real file, as write(2) may. */
function shortWrites(max: number): { calls: () => number } {
  const real = fs.writeSync;
  const capped = (fd: number, b: Uint8Array, offset = 0, length = b.length - offset): number =>
    real(fd, b, offset, Math.min(length, max));
  const spy = vi.spyOn(fs, 'writeSync').mockImplementation(capped as unknown as typeof fs.writeSync);
  return { calls: () => spy.mock.calls.length };
}

/** Spy on openSync, naming each fd it returns with `name(path)`. */
function nameFds(name: (p: string) => string): Map<number, string> {
  const names = new Map<number, string>();
  const open = fs.openSync;
  vi.spyOn(fs, 'openSync').mockImplementation(
    (p: fs.PathLike, flags?: fs.OpenMode, mode?: fs.Mode | null) => {
      const fd = open(p, flags ?? 'r', mode);
      names.set(fd, name(String(p)));
      return fd;
    },
  );
  return names;
}

describe('writeFileAtomic', () => {
  it('replaces the content whole and leaves no temp file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'a/b/post.md');
    writeFileAtomic(file, 'first\n');
    writeFileAtomic(file, 'second\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('second\n');
    expect(tempsIn(dir)).toEqual([]);
  });

  it('a 32 MB write reads back byte for byte', () => {
    const file = path.join(tempDir(), 'big.bin');
    const data = randomBytes(32 * 1024 * 1024);
    writeFileAtomic(file, data);
    expect(fs.readFileSync(file).equals(data)).toBe(true);
  });

  it('keeps the mode of the file it replaces: a 0600 file stays 0600, a 0664 file stays 0664', () => {
    const dir = tempDir();
    const secret = path.join(dir, 'secret.json');
    fs.writeFileSync(secret, '{}');
    fs.chmodSync(secret, 0o600);
    writeFileAtomic(secret, '{"token":1}');
    expect(modeOf(secret)).toBe(0o600);
    // Exactly as it was: the umask (often 022) does not take the group's write bit away.
    const shared = path.join(dir, 'shared.md');
    fs.writeFileSync(shared, 'x');
    fs.chmodSync(shared, 0o664);
    writeFileAtomic(shared, 'y');
    expect(modeOf(shared)).toBe(0o664);
  });

  it('a new file gets the default mode; an explicit mode wins over the old file’s', () => {
    const dir = tempDir();
    const fresh = path.join(dir, 'new.md');
    writeFileAtomic(fresh, 'x');
    expect(modeOf(fresh)).toBe(defaultMode(dir));
    const token = path.join(dir, 'server.json');
    fs.writeFileSync(token, '{}');
    fs.chmodSync(token, 0o644);
    writeFileAtomic(token, '{"token":"s3cret"}', { mode: 0o600 });
    expect(modeOf(token)).toBe(0o600);
  });

  it('a failing rename (the target is a folder) leaves the folder as it was and no temp file', () => {
    const dir = tempDir();
    const target = path.join(dir, 'post.md');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside.txt'), 'kept');
    expect(() => writeFileAtomic(target, 'text')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(fs.readdirSync(target)).toEqual(['inside.txt']);
    expect(tempsIn(dir)).toEqual([]);
  });

  it('short writes go on until every byte is written', () => {
    const file = path.join(tempDir(), 'post.md');
    const text = 'héllo wörld\n'.repeat(1000);
    const writes = shortWrites(7);
    writeFileAtomic(file, text);
    vi.restoreAllMocks();
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(writes.calls()).toBe(Math.ceil(Buffer.byteLength(text) / 7));
  });

  it('a write that writes nothing fails, keeps the old file and removes the temp file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'post.md');
    fs.writeFileSync(file, 'old');
    vi.spyOn(fs, 'writeSync').mockReturnValue(0);
    expect(() => writeFileAtomic(file, 'new content')).toThrow(/wrote 0 bytes with 11 of 11 left/);
    vi.restoreAllMocks();
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(tempsIn(dir)).toEqual([]);
  });

  it('a failing write or fsync removes the temp file', () => {
    const dir = tempDir();
    const file = path.join(dir, 'post.md');
    fs.writeFileSync(file, 'old');
    const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw enospc;
    });
    expect(() => writeFileAtomic(file, 'new')).toThrow(/ENOSPC/);
    vi.restoreAllMocks();
    vi.spyOn(fs, 'fsyncSync').mockImplementation(() => {
      throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    });
    expect(() => writeFileAtomic(file, 'new')).toThrow(/EIO/);
    vi.restoreAllMocks();
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(tempsIn(dir)).toEqual([]);
  });

  it('a durable write fsyncs the file, renames it, then fsyncs the folder', () => {
    const dir = tempDir();
    const file = path.join(dir, 'post.md');
    const log: string[] = [];
    const fdPaths = nameFds((p) =>
      p === dir ? 'folder' : path.basename(p).startsWith(TEMP_MARKER) ? 'temp' : p,
    );
    const fsync = fs.fsyncSync.bind(fs);
    vi.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
      log.push(`fsync ${fdPaths.get(fd)}`);
      fsync(fd);
    });
    const rename = fs.renameSync.bind(fs);
    vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      log.push('rename');
      rename(from, to);
    });
    writeFileAtomic(file, 'text');
    expect(log).toEqual(['fsync temp', 'rename', 'fsync folder']);
  });

  it('a write that is not durable fsyncs nothing', () => {
    const file = path.join(tempDir(), 'cache.json');
    const fsync = vi.spyOn(fs, 'fsyncSync');
    writeFileAtomic(file, '{}', { durable: false });
    expect(fsync).not.toHaveBeenCalled();
  });

  it('folders it creates for a durable write are fsynced into their parents', () => {
    const dir = tempDir();
    const synced: string[] = [];
    const fdPaths = nameFds((p) => path.relative(dir, p) || '.');
    const fsync = fs.fsyncSync.bind(fs);
    vi.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
      synced.push(fdPaths.get(fd)!);
      fsync(fd);
    });
    writeFileAtomic(path.join(dir, 'media/2026/01/a.txt'), 'x');
    // Each new folder's name in its parent, before the file; the file's own folder after the rename.
    expect(synced.filter((p) => !p.includes(TEMP_MARKER))).toEqual([
      'media/2026',
      'media',
      '.',
      'media/2026/01',
    ]);
  });
});

describe('copyFileAtomic and copyToStaged', () => {
  it('a 40 MB copy through short writes reads back byte for byte', () => {
    const dir = tempDir();
    const src = path.join(dir, 'src.bin');
    const data = randomBytes(40 * 1024 * 1024 + 17);
    fs.writeFileSync(src, data);
    const dest = path.join(dir, 'media/dest.bin');
    const writes = shortWrites(300_000);
    expect(copyFileAtomic(src, dest)).toBe(data.length);
    vi.restoreAllMocks();
    expect(fs.readFileSync(dest).equals(data)).toBe(true);
    expect(writes.calls()).toBeGreaterThan(data.length / 300_000);
    expect(tempsIn(dir)).toEqual([]);
  });

  it('a copy keeps the replaced file’s mode, and a new copy gets the default, not the source’s', () => {
    const dir = tempDir();
    const src = path.join(dir, 'camera.jpg');
    fs.writeFileSync(src, 'jpeg');
    fs.chmodSync(src, 0o600);
    const fresh = path.join(dir, 'new.jpg');
    copyFileAtomic(src, fresh);
    expect(modeOf(fresh)).toBe(defaultMode(dir));
    const old = path.join(dir, 'old.jpg');
    fs.writeFileSync(old, 'old');
    fs.chmodSync(old, 0o640);
    copyFileAtomic(src, old);
    expect(modeOf(old)).toBe(0o640);
  });

  it('a staged copy is not in place; a failing one leaves nothing', () => {
    const dir = tempDir();
    const src = path.join(dir, 'src.bin');
    fs.writeFileSync(src, 'bytes');
    const dest = path.join(dir, 'media/x.bin');
    expect(copyToStaged(src, dest)).toBe(5);
    expect(fs.existsSync(dest)).toBe(false);
    expect(fs.readFileSync(stagedPathOf(dest), 'utf8')).toBe('bytes');
    const other = path.join(dir, 'media/y.bin');
    expect(() => copyToStaged(path.join(dir, 'missing.bin'), other)).toThrow(/ENOENT/);
    expect(fs.existsSync(stagedPathOf(other))).toBe(false);
  });
});

/** The pid of a process that has exited: its temp files are a crash's leftovers. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('cleanTempFiles', () => {
  it('removes the temp files of crashed writes and leaves staged files to their owner', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'a'));
    fs.writeFileSync(path.join(dir, `a/${TEMP_MARKER}post.md.${await deadPid()}.abcd`), 'torn');
    fs.writeFileSync(stagedPathOf(path.join(dir, 'a/x.jpg')), 'whole');
    fs.writeFileSync(path.join(dir, 'a/post.md'), 'content');
    expect(cleanTempFiles(dir)).toBe(1);
    expect(fs.readdirSync(path.join(dir, 'a')).sort()).toEqual(
      [path.basename(stagedPathOf('x.jpg')), 'post.md'].sort(),
    );
  });

  it('leaves the temp files of a process still running: another bds writing now (ENOENT at its rename)', async () => {
    const dir = tempDir();
    const writer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const inFlight = `${TEMP_MARKER}thumb.webp.${writer.pid}.0123abcd`;
      const ours = path.basename(tempPathNextTo(path.join(dir, 'post.md')));
      for (const name of [inFlight, ours]) fs.writeFileSync(path.join(dir, name), 'half');
      expect(cleanTempFiles(dir)).toBe(0);
      expect(fs.readdirSync(dir).sort()).toEqual([inFlight, ours].sort());
      writer.kill('SIGKILL');
      await new Promise((r) => writer.once('exit', r));
      expect(cleanTempFiles(dir)).toBe(1);
      expect(fs.readdirSync(dir)).toEqual([ours]);
    } finally {
      writer.kill('SIGKILL');
    }
  });
});
