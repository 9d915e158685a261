// Walk a folder for content files, skipping dot-files/folders (temp files of atomic writes included).
import fs from 'node:fs';
import path from 'node:path';

/** Project-relative POSIX paths of the files under `root/sub` whose names pass `accept`, sorted. */
export function walkFiles(root: string, sub: string, accept: (name: string) => boolean): string[] {
  const out: string[] = [];
  const start = path.join(root, sub);
  const visit = (dir: string, rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const childRel = `${rel}/${e.name}`;
      if (e.isDirectory()) visit(path.join(dir, e.name), childRel);
      else if (e.isFile() && accept(e.name)) out.push(childRel);
    }
  };
  visit(start, sub);
  return out.sort();
}

export const isMarkdownFile = (name: string): boolean => /\.(md|markdown)$/i.test(name);
