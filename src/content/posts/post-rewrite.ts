// One change to the frontmatter of many posts (tag rename and merge, media unlink), all or nothing.
// Files with problems are left alone and reported. The new texts are prepared, checked and staged under
// .bds/rewrites/ first; a journal written after the last staged file is the commit point. A failure
// before it changes nothing; the renames after it are undone when one fails, and a process that dies
// among them has its rewrite finished by the next one that opens the project or rewrites posts.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { BdsError, isBdsError, problemFrom, type Problem } from '../../core/errors.js';
import type { PostFrontmatter } from '../../core/schemas.js';
import { readPostSource, rewritePostText, type PostDocument, type PostSource } from './post-file.js';

export type FrontmatterChange = (fm: PostFrontmatter) => Partial<PostFrontmatter> | undefined;

export interface RewriteReport {
  /** Files rewritten, project-relative. */
  rewritten: string[];
  /** Files left unchanged because of a problem, with the file and why. */
  skipped: Problem[];
}

export interface RewriteHost {
  root: string;
  timezone: string;
  /** Where batches are staged: inside the project, so the renames stay on one file system. */
  stagingDir: string;
  /** The post and draft files to look at. */
  files: string[];
  /** Why a readable file must not be rewritten (a reported problem, not indexed as itself), if it must not. */
  problemOf(doc: PostDocument): Problem | undefined;
  /** Called after a file was replaced (or put back). */
  replaced(rel: string): void;
}

interface Entry {
  file: string;
  /** Names inside the batch folder: the new text, and a hard link to (or copy of) the old file. */
  staged: string;
  backup: string;
  /** sha256 of the old and new bytes: what recovery compares the file on disk against. */
  before: string;
  after: string;
}

interface Journal {
  version: 1;
  entries: Entry[];
}

const JOURNAL = 'journal.json';
/** Present while a failed batch is being undone: recovery then puts the old files back. */
const ROLLBACK = 'rollback';

/** Rewrite every file `change` asks for, all or nothing; files with problems are skipped and reported. */
export function rewritePosts(host: RewriteHost, change: FrontmatterChange): RewriteReport {
  const skipped: Problem[] = [];
  const planned: { rel: string; source: PostSource; text: string }[] = [];
  for (const rel of host.files) {
    let source: PostSource;
    try {
      source = readPostSource(host.root, rel, host.timezone);
    } catch (e) {
      // A file that does not read may carry the tag: the user has to know it was not rewritten.
      skipped.push(skipFrom(e, rel));
      continue;
    }
    // A plain Markdown file has derived frontmatter (no tags, no media): nothing to rewrite.
    if (source.doc.adopted) continue;
    const patch = change(source.doc.fm);
    if (!patch) continue;
    const problem = host.problemOf(source.doc);
    if (problem) {
      skipped.push(problem);
      continue;
    }
    try {
      planned.push({ rel, source, text: rewritePostText(source, patch, host.timezone) });
    } catch (e) {
      skipped.push(skipFrom(e, rel));
    }
  }
  if (planned.length === 0) return { rewritten: [], skipped: sortProblems(skipped) };

  const batch = path.join(host.stagingDir, `${Date.now()}-${randomUUID()}`);
  const entries: Entry[] = [];
  try {
    fs.mkdirSync(batch, { recursive: true });
    checkSameFileSystem(
      batch,
      host.root,
      planned.map((p) => p.rel),
    );
    planned.forEach((p, i) => {
      const abs = path.join(host.root, p.rel);
      const staged = `${i}.new`;
      const backup = `${i}.old`;
      const bytes = Buffer.from(p.text, 'utf8');
      // The rewritten file keeps the old one's permissions.
      writeDurable(path.join(batch, staged), bytes, fs.statSync(abs).mode & 0o7777);
      keepOld(abs, path.join(batch, backup));
      // The backup is the file as it is now: if it is no longer what the new text was made from,
      // someone changed it meanwhile, and their change wins.
      const before = sha256(p.source.bytes);
      if (sha256(fs.readFileSync(path.join(batch, backup))) !== before) {
        skipped.push({
          code: 'io-error',
          message: `${p.rel}: changed on disk while bds was preparing the rewrite, so it was not rewritten`,
          file: p.rel,
        });
        return;
      }
      entries.push({ file: p.rel, staged, backup, before, after: sha256(bytes) });
    });
    if (entries.length > 0) {
      const journal: Journal = { version: 1, entries };
      writeFileAtomic(path.join(batch, JOURNAL), `${JSON.stringify(journal)}\n`);
      syncDir(batch);
    }
  } catch (e) {
    fs.rmSync(batch, { recursive: true, force: true });
    throw new BdsError(
      'io-error',
      `Could not prepare the rewrite of ${planned.length} post file(s): ${message(e)}`,
      {
        hint: 'No file was changed. Check permissions and free disk space, then try again.',
        cause: e,
      },
    );
  }
  if (entries.length === 0) {
    fs.rmSync(batch, { recursive: true, force: true });
    return { rewritten: [], skipped: sortProblems(skipped) };
  }

  // Committed. The renames run in a tight loop; each one replaces a whole file.
  let done = 0;
  try {
    for (const e of entries) {
      fs.renameSync(path.join(batch, e.staged), path.join(host.root, e.file));
      done++;
      host.replaced(e.file);
    }
  } catch (e) {
    const failed = entries[done]!.file;
    const undone = rollBack(host, batch, entries);
    throw new BdsError(
      'io-error',
      undone
        ? `Could not rewrite ${failed}: ${message(e)}; no file was changed`
        : `Could not rewrite ${failed}: ${message(e)}; ${done} file(s) were, and bds puts them back the next time it opens the project`,
      { file: failed, cause: e, hint: 'Check the permissions of the folder, then try again.' },
    );
  }
  fs.rmSync(batch, { recursive: true, force: true });
  return { rewritten: entries.map((e) => e.file), skipped: sortProblems(skipped) };
}

/**
 * Finish the rewrites a process left behind: a batch without a journal never began (its staged files
 * are removed), one with a journal is completed, one being undone is undone. A file changed since by
 * someone else keeps their change. Returns the files that were replaced.
 */
export function finishInterruptedRewrites(
  host: Pick<RewriteHost, 'root' | 'stagingDir' | 'replaced'>,
): string[] {
  let batches: string[];
  try {
    batches = fs.readdirSync(host.stagingDir).sort();
  } catch {
    return [];
  }
  const touched: string[] = [];
  for (const name of batches) {
    const batch = path.join(host.stagingDir, name);
    const journal = readJournal(batch);
    if (journal) {
      const back = fs.existsSync(path.join(batch, ROLLBACK));
      for (const e of journal.entries) {
        const abs = path.join(host.root, e.file);
        const current = hashOf(abs);
        const from = path.join(batch, back ? e.backup : e.staged);
        // Only a file still as this batch left it moves: never over someone else's later edit.
        const expected = back ? e.after : e.before;
        if (current === expected && fs.existsSync(from)) {
          fs.renameSync(from, abs);
          host.replaced(e.file);
          touched.push(e.file);
        }
      }
    }
    fs.rmSync(batch, { recursive: true, force: true });
  }
  return touched;
}

/** Undo the renames of a failed batch: every file that holds the new text gets its old one back. */
function rollBack(host: RewriteHost, batch: string, entries: Entry[]): boolean {
  try {
    writeDurable(path.join(batch, ROLLBACK), Buffer.from('undo\n'));
    syncDir(batch);
    for (const e of entries) {
      const abs = path.join(host.root, e.file);
      if (hashOf(abs) !== e.after) continue;
      fs.renameSync(path.join(batch, e.backup), abs);
      host.replaced(e.file);
    }
  } catch {
    return false; // The batch stays; the next open finishes the undo.
  }
  fs.rmSync(batch, { recursive: true, force: true });
  return true;
}

function readJournal(batch: string): Journal | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(batch, JOURNAL), 'utf8')) as Journal;
    return j.version === 1 && Array.isArray(j.entries) ? j : undefined;
  } catch {
    // No journal: the batch was never committed (the journal is written atomically, whole or not at all).
    return undefined;
  }
}

function checkSameFileSystem(batch: string, root: string, files: string[]): void {
  const dev = fs.statSync(batch).dev;
  for (const dir of new Set(files.map((f) => path.dirname(path.join(root, f))))) {
    if (fs.statSync(dir).dev !== dev) {
      throw new BdsError(
        'io-error',
        `${path.relative(root, dir)} is on another file system than .bds/, so bds cannot replace its files in one step`,
      );
    }
  }
}

/** A hard link keeps the old file at no cost (a rename over the target leaves its inode here). */
function keepOld(abs: string, backup: string): void {
  try {
    fs.linkSync(abs, backup);
  } catch {
    fs.copyFileSync(abs, backup);
    const fd = fs.openSync(backup, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
}

function writeDurable(file: string, bytes: Uint8Array, mode = 0o644): void {
  const fd = fs.openSync(file, 'w', mode);
  try {
    fs.fchmodSync(fd, mode); // open's mode is masked by the umask
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Make the names in a folder durable (where the platform lets a folder be opened). */
function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot fsync a folder; the journal file itself was fsynced.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function hashOf(abs: string): string | undefined {
  try {
    return sha256(fs.readFileSync(abs));
  } catch {
    return undefined;
  }
}

function skipFrom(e: unknown, rel: string): Problem {
  if (isBdsError(e)) return problemFrom(e, rel);
  return { code: 'io-error', message: `${rel}: ${message(e)}; it was not rewritten`, file: rel };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function sortProblems(list: Problem[]): Problem[] {
  return list.sort((a, b) => a.file.localeCompare(b.file));
}
