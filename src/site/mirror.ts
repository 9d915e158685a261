// Mirrors a folder into the site (media/ without sidecars, thumbnails/): a file is copied only when its
// size or modification time differ from the copy, and copies whose source is gone are removed.
import fs from 'node:fs';
import path from 'node:path';
import { assertNoLinks, pruneEmptyDirs } from './output.js';

export interface MirrorResult {
  copied: number;
  unchanged: number;
  removed: number;
}

/** Regular files under `dir` (relative POSIX paths), skipping dot-files and anything that is a symlink. */
function listFiles(dir: string): Map<string, fs.Stats> {
  const out = new Map<string, fs.Stats>();
  const visit = (abs: string, rel: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const childAbs = path.join(abs, e.name);
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      // Symlinks could point anywhere on the machine: the site never follows them.
      if (e.isDirectory()) visit(childAbs, childRel);
      else if (e.isFile()) {
        try {
          out.set(childRel, fs.statSync(childAbs));
        } catch {
          // Gone between readdir and stat.
        }
      }
    }
  };
  visit(dir, '');
  return out;
}

/** Copies `from` into `to`: only files `accept` takes, only when size or mtime differ. */
export function mirrorFolder(from: string, to: string, accept: (rel: string) => boolean): MirrorResult {
  const result: MirrorResult = { copied: 0, unchanged: 0, removed: 0 };
  const sources = listFiles(from);
  const copies = listFiles(to);
  const emptied = new Set<string>();
  for (const [rel, stat] of sources) {
    if (!accept(rel)) continue;
    const copy = copies.get(rel);
    if (copy && copy.size === stat.size && Math.trunc(copy.mtimeMs) === Math.trunc(stat.mtimeMs)) {
      result.unchanged++;
      continue;
    }
    const dest = path.join(to, rel);
    // No writing through a link planted in the site: not in a folder on the way, not in the file's place.
    assertNoLinks(path.dirname(to), dest);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(path.join(from, rel), dest);
    fs.utimesSync(dest, stat.atime, stat.mtime);
    result.copied++;
  }
  for (const rel of copies.keys()) {
    if (sources.has(rel) && accept(rel)) continue;
    fs.rmSync(path.join(to, rel), { force: true });
    emptied.add(path.dirname(path.join(to, rel)));
    result.removed++;
  }
  pruneEmptyDirs(to, emptied);
  return result;
}
