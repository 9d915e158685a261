// The built site on disk: the manifest of what the last build wrote (file → content hash and inputs),
// writes that happen only when content changed, removal of files whose routes are gone.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { BdsError } from '../core/errors.js';

export const MANIFEST_VERSION = 1;

export interface ManifestEntry {
  /** sha256 of the file's content. */
  hash: string;
  /** Fingerprint of what the page showed; equal inputs mean the page need not be rendered again. */
  inputs: string;
}

export interface SiteManifest {
  version: number;
  /** The folder these files were written to. */
  outDir: string;
  files: Record<string, ManifestEntry>;
}

export function emptyManifest(outDir: string): SiteManifest {
  return { version: MANIFEST_VERSION, outDir, files: {} };
}

/**
 * The changes since the manifest file was last written whole: one JSON line per file, `[file, hash,
 * inputs]` or `[file]` when it was removed. A build that changed a few files appends their lines
 * instead of writing the manifest of every file again (9 MB at 50,000 posts).
 */
export function manifestChangesFile(file: string): string {
  return `${file}.changes`;
}

/** Appended lines before the manifest is written whole again (and the changes file removed). */
export const MAX_CHANGE_LINES = 20_000;

/**
 * The last build's manifest for `outDir` with the number of change lines applied to it; empty when
 * missing, damaged, for another folder, or the folder is gone.
 */
export function readManifest(file: string, outDir: string): { manifest: SiteManifest; changeLines: number } {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as SiteManifest;
    if (
      data.version === MANIFEST_VERSION &&
      data.outDir === outDir &&
      typeof data.files === 'object' &&
      data.files !== null &&
      fs.existsSync(outDir)
    ) {
      let changeLines = 0;
      let changes: string | undefined;
      try {
        changes = fs.readFileSync(manifestChangesFile(file), 'utf8');
      } catch {
        // No changes since it was written whole.
      }
      for (const line of changes?.split('\n') ?? []) {
        if (!line) continue;
        const [rel, hash, inputs] = JSON.parse(line) as [string, string?, string?];
        if (hash === undefined) delete data.files[rel];
        else data.files[rel] = { hash, inputs: inputs ?? '' };
        changeLines++;
      }
      return { manifest: data, changeLines };
    }
  } catch {
    // First build, or a damaged manifest (a build cut off while writing it also left its build marker,
    // so nothing is trusted anyway): every file is written again.
  }
  return { manifest: emptyManifest(outDir), changeLines: 0 };
}

/**
 * Saves `next`. `onDisk` is what the manifest files hold (as read, or as last saved) and how many change
 * lines, or undefined when unknown; `diff` names the files whose entries differ from it. Those are
 * appended to the changes file, or, when there are many (or nothing is known), the whole manifest is
 * written. Returns the number of change lines on disk afterwards.
 */
export function writeManifest(
  file: string,
  next: SiteManifest,
  onDisk?: { manifest: SiteManifest; changeLines: number },
  diff?: { changed: readonly string[]; gone: readonly string[] },
): number {
  const changes = manifestChangesFile(file);
  if (
    onDisk &&
    diff &&
    onDisk.manifest.outDir === next.outDir &&
    onDisk.changeLines + diff.changed.length + diff.gone.length <= MAX_CHANGE_LINES &&
    fs.existsSync(file)
  ) {
    const lines = diff.changed.map((rel) => {
      const entry = next.files[rel]!;
      return JSON.stringify([rel, entry.hash, entry.inputs]);
    });
    for (const rel of diff.gone) lines.push(JSON.stringify([rel]));
    if (lines.length > 0) fs.appendFileSync(changes, `${lines.join('\n')}\n`);
    return onDisk.changeLines + lines.length;
  }
  // The changes go first: a manifest written whole never has older changes applied over it.
  fs.rmSync(changes, { force: true });
  writeFileAtomic(file, JSON.stringify(next), { durable: false });
  return 0;
}

/** The absolute path of `rel` under `outDir`, refusing anything that would leave it. */
export function outputPath(outDir: string, rel: string): string {
  const abs = path.resolve(outDir, rel);
  if (!abs.startsWith(outDir + path.sep)) {
    throw new BdsError('path-escape', `The site file "${rel}" would be written outside ${outDir}`);
  }
  return abs;
}

/**
 * Refuses a folder under `outDir` that is reached through a symbolic link: a link planted in the built
 * site (html/ is not in git, but anything on the machine may write there) could send a build's writes
 * anywhere. Folders not made yet are fine: bds makes them as real folders.
 */
export function assertNoLinks(outDir: string, dir: string): void {
  for (let cur = dir; cur.startsWith(outDir + path.sep); cur = path.dirname(cur)) assertNotLink(outDir, cur);
}

/** Throws when `abs` (a path under `outDir`) is a symbolic link; a path that does not exist is fine. */
function assertNotLink(outDir: string, abs: string): void {
  const stat = fs.lstatSync(abs, { throwIfNoEntry: false });
  if (stat?.isSymbolicLink()) throw linkError(outDir, abs);
}

function linkError(outDir: string, abs: string): BdsError {
  const rel = path.relative(outDir, abs);
  return new BdsError(
    'path-escape',
    `${rel} in ${outDir} is a symbolic link; bds never writes through links`,
    {
      file: abs,
      hint: 'Remove the link (bds builds a real file or folder in its place) and build again.',
    },
  );
}

/** Flags that make opening a symbolic link fail (ELOOP) instead of writing where it points. */
const WRITE_NOFOLLOW =
  fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC | (fs.constants.O_NOFOLLOW ?? 0);

/** Writes `content` to `abs`, never through a symbolic link in its place. */
export function writeNoFollow(outDir: string, abs: string, content: string | Buffer): void {
  let fd: number;
  try {
    fd = fs.openSync(abs, WRITE_NOFOLLOW, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw linkError(outDir, abs);
    throw e;
  }
  try {
    fs.writeFileSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes site files straight (no temp file, no fsync: the site is rebuilt from the project at any time;
 * a build that stops half-way leaves a `BuildMarker` and the next build writes every file again).
 * Writing on the thread pool instead was measured slower: rendering already keeps the cores busy.
 */
export class SiteWriter {
  private readonly dirs = new Set<string>();

  constructor(private readonly outDir: string) {}

  write(rel: string, content: string | Buffer): void {
    const abs = outputPath(this.outDir, rel);
    const dir = path.dirname(abs);
    if (!this.dirs.has(dir)) {
      // Before mkdir: a recursive mkdir would go through a linked folder without a word. Folders this
      // writer checked or made already are not looked at again (a page's folder shares its parents with
      // thousands of others).
      const fresh: string[] = [];
      for (
        let cur = dir;
        cur.startsWith(this.outDir + path.sep) && !this.dirs.has(cur);
        cur = path.dirname(cur)
      ) {
        fresh.push(cur);
      }
      for (const cur of fresh) assertNotLink(this.outDir, cur);
      fs.mkdirSync(dir, { recursive: true });
      for (const cur of fresh) this.dirs.add(cur);
    }
    writeNoFollow(this.outDir, abs, content);
  }
}

/**
 * A file in .bds/ that exists while a build is writing: when the next build finds it, the previous one
 * stopped half-way, its manifest cannot be trusted, and every file is written again.
 */
export class BuildMarker {
  constructor(private readonly file: string) {}

  wasLeftBehind(): boolean {
    return fs.existsSync(this.file);
  }

  set(): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.writeFileSync(this.file, `${process.pid}\n`);
  }

  clear(): void {
    fs.rmSync(this.file, { force: true });
  }
}

/** Deletes files (relative to `outDir`) and then the folders they leave empty. */
export function removeSiteFiles(outDir: string, rels: Iterable<string>): number {
  let removed = 0;
  const dirs = new Set<string>();
  for (const rel of rels) {
    const abs = outputPath(outDir, rel);
    try {
      fs.unlinkSync(abs);
      removed++;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    dirs.add(path.dirname(abs));
  }
  pruneEmptyDirs(outDir, dirs);
  return removed;
}

/** Removes each folder and its parents up to (not including) `root` while they are empty. */
export function pruneEmptyDirs(root: string, dirs: Iterable<string>): void {
  // Deepest first, so a parent is tried after its children.
  const sorted = [...dirs].sort((a, b) => b.length - a.length);
  for (let dir of sorted) {
    while (dir.startsWith(root + path.sep)) {
      try {
        fs.rmdirSync(dir);
      } catch {
        break;
      }
      dir = path.dirname(dir);
    }
  }
}
