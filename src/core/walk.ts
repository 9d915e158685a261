// Walk a folder for content files, skipping dot-files/folders (temp files of atomic writes included).
// What cannot be walked or read is reported, never dropped in silence: a folder that cannot be read,
// a symbolic link (never followed, so a rebuild and the live index see the same files), a pipe.
import fs from 'node:fs';
import path from 'node:path';
import { BdsError, fsErrorCode, problemFrom, unreadableError, type Problem } from './errors.js';

/**
 * Project-relative POSIX paths of the files under `root/sub` whose names pass `accept`, sorted.
 * Entries it cannot use are added to `problems` (a missing `sub` is just empty).
 */
export function walkFiles(
  root: string,
  sub: string,
  accept: (name: string) => boolean,
  problems: Problem[] = [],
  /** Called with each dot-file met on the way (absolute path and name), which is never content. */
  onDotFile?: (abs: string, name: string) => void,
): string[] {
  const out: string[] = [];
  const visit = (dir: string, rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if (rel === sub && fsErrorCode(e) === 'ENOENT') return;
      problems.push(problemFrom(unreadableError(rel, e), rel));
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) {
        if (onDotFile && e.isFile()) onDotFile(path.join(dir, e.name), e.name);
        continue;
      }
      const childRel = `${rel}/${e.name}`;
      if (e.isDirectory()) visit(path.join(dir, e.name), childRel);
      else if (e.isFile()) {
        if (accept(e.name)) out.push(childRel);
      } else if (e.isSymbolicLink()) {
        // Links to folders are reported whatever their name: they may hold content.
        if (accept(e.name) || isFolder(path.join(dir, e.name))) problems.push(linkProblem(childRel));
      } else if (accept(e.name)) {
        problems.push(problemFrom(notRegularFile(childRel, e), childRel));
      }
    }
  };
  visit(path.join(root, sub), sub);
  return out.sort();
}

export const isMarkdownFile = (name: string): boolean => /\.(md|markdown)$/i.test(name);

/** The folders of post files and of pending edits, walked in this order. */
export const CONTENT_FOLDERS = ['posts', 'drafts'] as const;

export function isFolder(abs: string): boolean {
  try {
    return fs.statSync(abs).isDirectory();
  } catch {
    return false; // A dangling link: a link all the same, reported when its name is content's.
  }
}

function linkProblem(rel: string): Problem {
  return problemFrom(symlinkError(rel), rel);
}

export function symlinkError(rel: string): BdsError {
  return new BdsError('file-symlink', `${rel} is a symbolic link; bds does not follow links to content`, {
    file: rel,
  });
}

function notRegularFile(rel: string, kind: { isFIFO(): boolean; isSocket(): boolean }): BdsError {
  const what = kind.isFIFO() ? 'a named pipe' : kind.isSocket() ? 'a socket' : 'a device';
  return new BdsError('file-unreadable', `${rel} is ${what}, not a regular file; bds does not read it`, {
    file: rel,
  });
}

/**
 * The stat of a content file, checked before it is read: a file that cannot be read, a symbolic link
 * (bds never follows them) and anything but a regular file (a pipe would block the read) each throw a
 * BdsError naming `rel`. Also checks the folders from the content folder down, which the watcher may
 * reach through a link.
 */
export function statContentFile(root: string, rel: string): fs.Stats {
  const parts = rel.split('/');
  for (let i = 2; i < parts.length; i++) {
    const folder = parts.slice(0, i).join('/');
    const st = fs.lstatSync(path.join(root, folder), { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) throw symlinkError(folder);
  }
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path.join(root, rel));
  } catch (e) {
    throw unreadableError(rel, e);
  }
  if (st.isSymbolicLink()) throw symlinkError(rel);
  if (st.isDirectory()) {
    throw new BdsError('file-unreadable', `${rel} is a folder, not a file`, { file: rel });
  }
  if (!st.isFile()) throw notRegularFile(rel, st);
  return st;
}

/** The bytes of a content file, a read error as a BdsError naming `rel`. */
export function readContentFile(root: string, rel: string): Buffer {
  try {
    return fs.readFileSync(path.join(root, rel));
  } catch (e) {
    throw unreadableError(rel, e);
  }
}
