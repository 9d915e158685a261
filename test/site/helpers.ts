// Shared pieces of the site tests: fixture projects copied to a temp folder, the files a build wrote,
// and their modification times.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/project.js';

export const SITE_FIXTURES = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'site',
);

/** Copies `test/fixtures/site/NAME` (without its `expected/` folder) to a fresh temp folder. */
export function copyFixtureProject(name: string): string {
  const from = path.join(SITE_FIXTURES, name);
  const root = tempDir(`bds-site-${name}-`);
  fs.cpSync(from, root, {
    recursive: true,
    filter: (src) => path.relative(from, src).split(path.sep)[0] !== 'expected',
  });
  return root;
}

/** Every file under `dir`, as sorted POSIX paths relative to it. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}

/** Every folder under `dir` (relative, sorted). */
export function foldersUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .sort();
}

/** File → modification time in nanoseconds (exact, unlike mtimeMs). */
export function mtimes(dir: string): Map<string, bigint> {
  return new Map(filesUnder(dir).map((f) => [f, fs.statSync(path.join(dir, f), { bigint: true }).mtimeNs]));
}

/** Files whose modification time differs between two `mtimes` results, plus added and removed ones. */
export function changedFiles(before: Map<string, bigint>, after: Map<string, bigint>): string[] {
  const out = new Set<string>();
  for (const [f, t] of after) if (before.get(f) !== t) out.add(f);
  for (const f of before.keys()) if (!after.has(f)) out.add(f);
  return [...out].sort();
}

/**
 * Sets the site's own files to one old time, so a rewrite within the same clock tick still shows.
 * Media copies keep their times: the mirror compares them with the originals.
 */
export function ageFiles(dir: string): void {
  const old = new Date('2020-01-01T00:00:00Z');
  for (const f of filesUnder(dir)) {
    if (f.startsWith('media/') || f.startsWith('thumbnails/')) continue;
    fs.utimesSync(path.join(dir, f), old, old);
  }
}

export function read(dir: string, rel: string): string {
  return fs.readFileSync(path.join(dir, rel), 'utf8');
}
