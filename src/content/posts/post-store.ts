// Posts: files first, index second. Every use case writes the file atomically, then updates the index
// from what is on disk, so the index can always be rebuilt to the same state.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isLeftoverTemp, writeFileAtomic } from '../../core/atomic.js';
import { dateParts, formatIsoInZone } from '../../core/dates.js';
import { BdsError, problemFrom, unreadableError, type Problem } from '../../core/errors.js';
import type { PostFrontmatter, PostStatus } from '../../core/schemas.js';
import { assertSafeSlug, isValidPostSlug, slugifyPost, uniqueSlug } from '../../core/slug.js';
import { takeStatPrefetch } from '../../core/stat-prefetch.js';
import { CONTENT_FOLDERS, isFolder, isMarkdownFile, symlinkError, walkFiles } from '../../core/walk.js';
import {
  FILE_MTIME,
  FILE_SIZE,
  type PostIndex,
  type PostListQuery,
  type PostRow,
  type PostRowInput,
  type SearchHit,
} from '../../store/post-index.js';
import type { ProblemIndex } from '../../store/problem-index.js';
import type { Project } from '../project.js';
import {
  draftRelPath,
  parsePostText,
  postRelPath,
  readPostFile,
  serializePost,
  type PostDocument,
} from './post-file.js';
import { takePostPrefetch } from './post-prefetch.js';
import {
  finishInterruptedRewrites,
  rewritePosts,
  type FrontmatterChange,
  type RewriteHost,
  type RewriteReport,
} from './post-rewrite.js';

export interface PostInput {
  title?: string;
  body?: string;
  slug?: string;
  tags?: string[];
  categories?: string[];
  excerpt?: string | null;
  author?: string | null;
  language?: string | null;
  template?: string | null;
  media?: string[];
}

export interface CreatePostInput extends PostInput {
  title: string;
  publish?: boolean;
}

export interface Post extends PostRow {
  /** Pending edits of a published post (drafts/ID.md), if any. */
  pending?: { title: string; body: string; data: Record<string, unknown>; path: string };
}

export interface IndexReport {
  indexed: number;
  removed: number;
  problems: Problem[];
}

export interface WalkOptions {
  /** Remove the temp files crashed writers left (cleanTempFiles) on the walk: under the write lock only. */
  removeTempFiles?: boolean;
}

export class PostStore {
  /** Files this store wrote or removed, with their stat after the write (null: removed). */
  private readonly ownWrites = new Map<string, { mtimeMs: number; size: number } | null>();

  constructor(
    private readonly project: Project,
    private readonly index: PostIndex,
    private readonly problems: ProblemIndex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get tz(): string {
    return this.project.settings.timezone;
  }

  private abs(rel: string): string {
    return path.join(this.project.root, rel);
  }

  private nowIso(): string {
    return formatIsoInZone(this.now(), this.tz);
  }

  // ---------------------------------------------------------------- indexing

  /**
   * Replace every post and draft row with what `posts/` and `drafts/` hold. With `removeTempFiles`
   * (under the project's write lock only), temp files crashed writers left there go on the same walk.
   */
  rebuildFromFiles(options: WalkOptions = {}): IndexReport {
    this.finishInterruptedRewrites();
    const { files, problems } = this.contentFiles(options);
    // The files as a thread started while the process loaded read and parsed them, when one did (a plain
    // walk: no links, dot-files or unreadable folders). It read them before this process took the write
    // lock and finished interrupted rewrites: a file is taken from it only when the disk still holds it
    // as it was then (its stats), else it is read here.
    const prefetched = takePostPrefetch(this.project.root, CONTENT_FOLDERS, this.tz);
    const at = prefetched && new Map(prefetched.files.map((rel, i) => [rel, i]));
    const base = this.project.root + path.sep;
    const taken = (rel: string): PostDocument | undefined => {
      const i = at?.get(rel);
      const doc = i === undefined ? undefined : prefetched!.doc(i);
      if (!doc) return undefined;
      const st = fs.lstatSync(base + rel, { throwIfNoEntry: false });
      return st?.isFile() && st.mtimeMs === doc.mtimeMs && st.size === doc.size ? doc : undefined;
    };
    this.index.clear();
    this.problems.clear('posts/');
    this.problems.clear('drafts/');
    for (const p of problems) this.problems.add(p);
    let indexed = 0;
    this.freshIds = new Set();
    try {
      for (const rel of files) {
        const p = this.indexFileUnchecked(rel, taken(rel));
        if (p) problems.push(p);
        else indexed++;
      }
    } finally {
      prefetched?.close();
      this.freshIds = undefined;
    }
    return { indexed, removed: 0, problems };
  }

  /** During a rebuild: ids and slugs indexed so far, so inserts can skip look-ups. */
  private freshIds?: Set<string>;

  /**
   * Apply edits made while bds was closed: changed, new and deleted files since the last index. With
   * `removeTempFiles` (under the project's write lock only), see rebuildFromFiles.
   */
  reconcile(options: WalkOptions = {}): IndexReport {
    this.finishInterruptedRewrites();
    const known = this.index.fileStates();
    // The files and their stats as a look taken while the process loaded found them, when one was
    // (a plain walk: no links, dot-files or unreadable folders), else as this walk finds them.
    const prefetched = takeStatPrefetch(this.project.root, CONTENT_FOLDERS);
    const { files: onDisk, problems } = prefetched
      ? { files: prefetched.files, problems: [] as Problem[] }
      : this.contentFiles(options);
    // What could not be walked is found again on every walk: the old reports go, the new ones come.
    for (const prefix of ['posts/', 'drafts/']) {
      this.problems.clearCode('file-symlink', prefix);
      this.problems.clearCode('file-unreadable', prefix);
    }
    for (const p of problems) this.problems.add(p);
    let indexed = 0;
    let removed = 0;
    // (Joined by hand: path.join's normalising is a tenth of a stat, and these are walked paths.)
    const base = this.project.root + path.sep;
    // Deletions first, so a renamed file's id and slug are free for its new path. (A file the earlier
    // look did not see may have been written since, by another bds process: only one gone now goes.)
    // (Every indexed file still walked, the common case, is told without a set of 50,000 paths.)
    let walkedKnown = 0;
    for (const rel of onDisk) if (known.has(rel)) walkedKnown++;
    if (walkedKnown < known.size) {
      const present = new Set(onDisk);
      const exists = prefetched ? exactNames() : undefined;
      for (const rel of known.keys()) {
        if (!present.has(rel) && !exists?.(base + rel)) {
          this.removeFile(rel);
          removed++;
        }
      }
    }
    for (let i = 0; i < onDisk.length; i++) {
      const rel = onDisk[i]!;
      const st = prefetched ? prefetched.stat(i) : fs.statSync(base + rel);
      const k = known.get(rel);
      if (k && k[FILE_MTIME] === st.mtimeMs && k[FILE_SIZE] === st.size) continue;
      // (indexFile reads the file as it is now, and forgets it when it is gone.)
      const p = this.indexFile(rel);
      if (p) problems.push(p);
      else indexed++;
    }
    // Files that failed earlier and have not changed keep their reported problem.
    return { indexed, removed, problems };
  }

  /**
   * True when the index holds the file as it is on disk now (the same stat, as `reconcile` compares):
   * another bds process wrote and indexed it. A read; it takes no lock.
   */
  isIndexedAsOnDisk(rel: string): boolean {
    const indexed = this.index.fileState(rel);
    if (!indexed) return false;
    const st = fs.statSync(this.abs(rel), { throwIfNoEntry: false });
    return st !== undefined && st.isFile() && st.mtimeMs === indexed.mtimeMs && st.size === indexed.size;
  }

  /**
   * True when the file is as this store last wrote (or removed) it: a watcher event for bds's own write,
   * which needs no work and is no outside change. Another process's write is an outside change even
   * though that process indexed it, so this remembers only this store's writes.
   */
  isOwnWrite(rel: string): boolean {
    if (!this.ownWrites.has(rel)) return false;
    const mine = this.ownWrites.get(rel);
    this.ownWrites.delete(rel);
    let now: { mtimeMs: number; size: number } | null;
    try {
      const st = fs.statSync(this.abs(rel));
      now = { mtimeMs: st.mtimeMs, size: st.size };
    } catch {
      now = null;
    }
    return mine === null
      ? now === null
      : now !== null && mine!.mtimeMs === now.mtimeMs && mine!.size === now.size;
  }

  private rememberWrite(rel: string): void {
    // Without a watcher nothing reads these back: keep the memory small.
    if (this.ownWrites.size > 1000) this.ownWrites.clear();
    try {
      const st = fs.statSync(this.abs(rel));
      this.ownWrites.set(rel, { mtimeMs: st.mtimeMs, size: st.size });
    } catch {
      this.ownWrites.set(rel, null);
    }
  }

  /**
   * Index one path under posts/ or drafts/ after it changed on disk (or remove it when it is gone). As a
   * rebuild does, a symbolic link is reported and not followed, whether it names a post or a folder.
   */
  indexFile(rel: string): Problem | undefined {
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(this.abs(rel), { throwIfNoEntry: false });
    } catch (e) {
      this.removeFile(rel);
      return this.report(problemFrom(unreadableError(rel, e), rel));
    }
    if (!st) {
      this.removeFile(rel);
      return undefined;
    }
    if (!isMarkdownFile(path.posix.basename(rel))) {
      this.problems.clearPath(rel);
      if (st.isSymbolicLink() && isFolder(this.abs(rel))) {
        return this.report(problemFrom(symlinkError(rel), rel));
      }
      return undefined;
    }
    return this.indexFileUnchecked(rel);
  }

  /** `read`: the file as another thread read it (post-prefetch.ts), if one did. */
  private indexFileUnchecked(rel: string, read?: PostDocument): Problem | undefined {
    // A rebuild cleared every problem of posts/ and drafts/ before it began.
    if (!this.freshIds) this.problems.clearPath(rel);
    let doc: PostDocument;
    try {
      doc = read ?? readPostFile(this.project.root, rel, this.tz);
    } catch (e) {
      // A file that no longer parses leaves the index; its problem is reported.
      if (rel.startsWith('drafts/')) this.index.removeDraftByPath(rel);
      else this.index.removeByPath(rel);
      return this.report(problemFrom(e, rel));
    }
    return rel.startsWith('drafts/') ? this.indexDraftDoc(doc) : this.indexPostDoc(doc);
  }

  private report(p: Problem): Problem {
    this.problems.add(p);
    return p;
  }

  private indexPostDoc(doc: PostDocument): Problem | undefined {
    const { fm } = doc;
    const fresh = this.freshIds;
    if (fresh && !fresh.has(`id:${fm.id}`) && !fresh.has(`slug:${fm.slug}`)) {
      fresh.add(`id:${fm.id}`).add(`slug:${fm.slug}`);
      this.index.upsert(this.toRow(doc), true);
      return undefined;
    }
    const byId = this.index.getById(fm.id);
    if (byId && byId.path !== doc.path && fs.existsSync(this.abs(byId.path))) {
      this.index.removeByPath(doc.path);
      return this.report({
        code: 'duplicate-id',
        message: `${doc.path}: id "${fm.id}" is already used by ${byId.path}; this file is not indexed`,
        file: doc.path,
      });
    }
    const owner = this.index.idOwningSlug(fm.slug);
    if (owner && owner !== fm.id) {
      const other = this.index.getById(owner);
      if (other && other.path !== doc.path && fs.existsSync(this.abs(other.path))) {
        this.index.removeByPath(doc.path);
        return this.report({
          code: 'duplicate-slug',
          message: `${doc.path}: slug "${fm.slug}" is already used by ${other.path}; this file is not indexed`,
          file: doc.path,
        });
      }
      if (other) this.index.removeByPath(other.path);
    }
    this.index.upsert(this.toRow(doc));
    return undefined;
  }

  private indexDraftDoc(doc: PostDocument): Problem | undefined {
    const expected = draftRelPath(doc.fm.id);
    if (expected !== doc.path) {
      this.index.removeDraftByPath(doc.path);
      return this.report({
        code: 'frontmatter-invalid',
        message: `${doc.path}: a pending edit must be named after its post id (${expected})`,
        file: doc.path,
      });
    }
    this.index.upsertDraft({
      postId: doc.fm.id,
      path: doc.path,
      title: doc.fm.title,
      data: { ...doc.extra, ...doc.fm },
      body: doc.body,
      mtimeMs: doc.mtimeMs,
      size: doc.size,
    });
    return undefined;
  }

  private removeFile(rel: string): void {
    this.problems.clearPath(rel);
    if (rel.startsWith('drafts/')) this.index.removeDraftByPath(rel);
    else this.index.removeByPath(rel);
  }

  private toRow(doc: PostDocument): PostRowInput {
    const { fm } = doc;
    const when = fm.publishedAt ?? fm.createdAt;
    const d = dateParts(when, this.tz);
    return {
      id: fm.id,
      path: doc.path,
      slug: fm.slug,
      title: fm.title,
      status: fm.status,
      createdAt: fm.createdAt,
      updatedAt: fm.updatedAt,
      publishedAt: fm.publishedAt,
      sortDate: new Date(when).toISOString(),
      dateKey: `${d.year}-${d.month}-${d.day}`,
      excerpt: fm.excerpt,
      author: fm.author,
      language: fm.language,
      template: fm.template,
      tags: fm.tags,
      categories: fm.categories,
      media: fm.media,
      extra: doc.extra,
      body: doc.body,
      bodyLine: doc.bodyLine,
      mtimeMs: doc.mtimeMs,
      size: doc.size,
    };
  }

  postFiles(problems?: Problem[], onDotFile?: (abs: string, name: string) => void): string[] {
    return walkFiles(this.project.root, CONTENT_FOLDERS[0], isMarkdownFile, problems, onDotFile);
  }

  draftFiles(problems?: Problem[], onDotFile?: (abs: string, name: string) => void): string[] {
    return walkFiles(this.project.root, CONTENT_FOLDERS[1], isMarkdownFile, problems, onDotFile);
  }

  /** Every post and draft file, and what under posts/ and drafts/ could not be walked. */
  private contentFiles(options: WalkOptions): { files: string[]; problems: Problem[] } {
    const problems: Problem[] = [];
    const onDotFile = options.removeTempFiles
      ? (abs: string, name: string) => {
          if (isLeftoverTemp(name)) fs.rmSync(abs, { force: true });
        }
      : undefined;
    const files = [...this.postFiles(problems, onDotFile), ...this.draftFiles(problems, onDotFile)];
    return { files, problems };
  }

  // ---------------------------------------------------------------- queries

  /** A post by id or slug, with its pending edits. Throws `post-not-found`. */
  get(ref: string): Post {
    const row = this.index.getById(ref) ?? this.index.getBySlug(ref);
    if (!row) throw new BdsError('post-not-found', `No post with id or slug "${ref}"`);
    return this.withPending(row);
  }

  find(ref: string): Post | undefined {
    const row = this.index.getById(ref) ?? this.index.getBySlug(ref);
    return row ? this.withPending(row) : undefined;
  }

  private withPending(row: PostRow): Post {
    if (!row.hasDraft) return row;
    const d = this.index.getDraft(row.id);
    return d ? { ...row, pending: { title: d.title, body: d.body, data: d.data, path: d.path } } : row;
  }

  list(q: PostListQuery = {}): PostRow[] {
    return this.index.list(q);
  }

  /** Every post without its body; see PostIndex.siteList. */
  siteList(): PostRow[] {
    return this.index.siteList();
  }

  /** Every post's body and first body line, from the index. */
  texts(): Generator<{ id: string; body: string; bodyLine: number }> {
    return this.index.texts();
  }

  /** A post's body and its first line in the file, from the index. */
  text(id: string): { body: string; bodyLine: number } | undefined {
    return this.index.text(id);
  }

  search(text: string, options: { limit?: number; status?: string } = {}): SearchHit[] {
    return this.index.search(text, options);
  }

  // ---------------------------------------------------------------- use cases

  create(input: CreatePostInput): Post {
    const title = input.title?.trim();
    if (!title) throw new BdsError('post-invalid', 'A post needs a title');
    const base = input.slug !== undefined ? this.checkSlug(input.slug) : slugifyPost(title);
    const now = this.nowIso();
    const slug = uniqueSlug(base, (s) => this.slugTaken(s, now));
    const fm: PostFrontmatter = {
      id: randomUUID(),
      title,
      slug,
      status: input.publish ? 'published' : 'draft',
      createdAt: now,
      updatedAt: now,
      publishedAt: input.publish ? now : undefined,
      tags: normaliseList(input.tags),
      categories: normaliseList(input.categories),
      media: input.media ?? [],
    };
    applyOptional(fm, input);
    const rel = postRelPath(fm, this.tz);
    this.writePost(rel, fm, {}, input.body ?? '');
    return this.get(fm.id);
  }

  /** Edit a post. Edits to a published post wait in drafts/ID.md until published or discarded. */
  update(ref: string, patch: PostInput): Post {
    const post = this.get(ref);
    const doc = this.readDoc(post.path);
    if (post.status === 'published') {
      if (patch.slug !== undefined && patch.slug !== post.slug) {
        throw new BdsError('post-state', `The slug of published post "${post.slug}" never changes`, {
          hint: 'Links to a published post must keep working; create a new post instead.',
        });
      }
      const base = post.pending ? this.readDoc(post.pending.path) : doc;
      const fm = { ...base.fm, ...this.patchFields(patch), updatedAt: this.nowIso() } as PostFrontmatter;
      fm.slug = post.slug;
      fm.status = 'published';
      const body = patch.body ?? base.body;
      this.writeFileAndIndex(draftRelPath(post.id), serializePost(fm, base.extra, body));
      return this.get(post.id);
    }
    const fm = { ...doc.fm, ...this.patchFields(patch), updatedAt: this.nowIso() } as PostFrontmatter;
    let rel = post.path;
    if (patch.slug !== undefined && patch.slug !== post.slug) {
      if (post.publishedAt) {
        throw new BdsError('post-state', `Post "${post.slug}" was published once; its slug never changes`);
      }
      fm.slug = uniqueSlug(this.checkSlug(patch.slug), (s) => this.slugTaken(s, fm.createdAt, post.id));
      rel = postRelPath(fm, this.tz);
    }
    this.writePost(rel, fm, doc.extra, patch.body ?? doc.body, post.path);
    return this.get(post.id);
  }

  publish(ref: string): Post {
    const post = this.get(ref);
    const now = this.nowIso();
    if (post.pending) {
      const draft = this.readDoc(post.pending.path);
      const current = this.readDoc(post.path);
      const fm: PostFrontmatter = {
        ...draft.fm,
        id: post.id,
        slug: post.slug,
        createdAt: current.fm.createdAt,
        status: 'published',
        publishedAt: current.fm.publishedAt ?? now,
        updatedAt: now,
      };
      this.writePost(post.path, fm, { ...current.extra, ...draft.extra }, draft.body);
      this.removeFileAndIndex(post.pending.path);
      return this.get(post.id);
    }
    if (post.status === 'published') return post;
    return this.setStatus(post, 'published');
  }

  unpublish(ref: string): Post {
    const post = this.applyPending(this.get(ref));
    if (post.status === 'draft') return post;
    return this.setStatus(post, 'draft');
  }

  archive(ref: string): Post {
    const post = this.applyPending(this.get(ref));
    if (post.status === 'archived') return post;
    return this.setStatus(post, 'archived');
  }

  /** Throw away the pending edits of a published post. */
  discard(ref: string): Post {
    const post = this.get(ref);
    if (!post.pending)
      throw new BdsError('post-state', `Post "${post.slug}" has no pending edits to discard`);
    this.removeFileAndIndex(post.pending.path);
    return this.get(post.id);
  }

  delete(ref: string): { id: string; slug: string } {
    const post = this.get(ref);
    if (post.pending) this.removeFileAndIndex(post.pending.path);
    this.removeFileAndIndex(post.path);
    return { id: post.id, slug: post.slug };
  }

  /**
   * Rewrite the frontmatter of every post (and pending edit) for which `change` returns a new value, all
   * or nothing (post-rewrite.ts). Files with a problem are left as they are and reported as skipped.
   */
  rewriteAll(change: FrontmatterChange): RewriteReport {
    for (const rel of this.finishInterruptedRewrites()) this.indexFile(rel);
    const reported = new Map<string, Problem>();
    for (const p of this.problems.list()) if (!reported.has(p.file)) reported.set(p.file, p);
    const report = rewritePosts(
      {
        ...this.rewriteHost(),
        timezone: this.tz,
        files: [...this.postFiles(), ...this.draftFiles()],
        problemOf: (doc) => reported.get(doc.path) ?? this.notIndexedAsItself(doc),
      },
      change,
    );
    for (const rel of report.rewritten) this.indexFile(rel);
    return report;
  }

  /** Complete (or undo) a many-file rewrite a killed process left half done; returns the files it replaced. */
  private finishInterruptedRewrites(): string[] {
    return finishInterruptedRewrites(this.rewriteHost());
  }

  private rewriteHost(): Pick<RewriteHost, 'root' | 'stagingDir' | 'replaced'> {
    return {
      root: this.project.root,
      stagingDir: path.join(this.project.paths.cache, 'rewrites'),
      replaced: (rel) => this.rememberWrite(rel),
    };
  }

  /** A file the index does not hold under its id (another file has it, or it was never indexed). */
  private notIndexedAsItself(doc: PostDocument): Problem | undefined {
    const { path: rel, fm } = doc;
    const held = rel.startsWith('drafts/')
      ? this.index.getDraft(fm.id)?.path
      : this.index.getById(fm.id)?.path;
    if (held === rel) return undefined;
    if (held && !rel.startsWith('drafts/')) {
      return {
        code: 'duplicate-id',
        message: `${rel}: id "${fm.id}" is already used by ${held}; this file is not indexed`,
        file: rel,
      };
    }
    return {
      code: 'post-state',
      message: `${rel}: not in the index yet (changed outside bds?); open the project again or run \`bds rebuild\``,
      file: rel,
    };
  }

  // ---------------------------------------------------------------- helpers

  private applyPending(post: Post): Post {
    if (!post.pending) return post;
    const draft = this.readDoc(post.pending.path);
    const current = this.readDoc(post.path);
    const fm = { ...draft.fm, slug: post.slug, createdAt: current.fm.createdAt, status: current.fm.status };
    this.writePost(post.path, fm, { ...current.extra, ...draft.extra }, draft.body);
    this.removeFileAndIndex(post.pending.path);
    return this.get(post.id);
  }

  private setStatus(post: Post, status: PostStatus): Post {
    const doc = this.readDoc(post.path);
    const now = this.nowIso();
    const fm: PostFrontmatter = { ...doc.fm, status, updatedAt: now };
    if (status === 'published' && !fm.publishedAt) fm.publishedAt = now;
    this.writePost(post.path, fm, doc.extra, doc.body);
    return this.get(post.id);
  }

  private readDoc(rel: string): PostDocument {
    return readPostFile(this.project.root, rel, this.tz);
  }

  private patchFields(patch: PostInput): Partial<PostFrontmatter> {
    const out: Partial<PostFrontmatter> = {};
    if (patch.title !== undefined) {
      const t = patch.title.trim();
      if (!t) throw new BdsError('post-invalid', 'A post needs a title');
      out.title = t;
    }
    if (patch.tags !== undefined) out.tags = normaliseList(patch.tags);
    if (patch.categories !== undefined) out.categories = normaliseList(patch.categories);
    if (patch.media !== undefined) out.media = [...patch.media];
    applyOptional(out, patch);
    return out;
  }

  private checkSlug(slug: string): string {
    assertSafeSlug(slug, 'Slug');
    if (!isValidPostSlug(slug)) {
      throw new BdsError(
        'post-invalid',
        `Slug "${slug}" must be lower-case letters, digits and single dashes`,
      );
    }
    return slug;
  }

  private slugTaken(slug: string, createdAt: string, exceptId?: string): boolean {
    const owner = this.index.idOwningSlug(slug);
    if (owner && owner !== exceptId) return true;
    return fs.existsSync(this.abs(postRelPath({ slug, createdAt }, this.tz)));
  }

  /** Write a post file; when it moves, rename first so a crash never leaves two files with one id. */
  private writePost(
    rel: string,
    fm: PostFrontmatter,
    extra: Record<string, unknown>,
    body: string,
    from?: string,
  ) {
    if (from && from !== rel) {
      fs.mkdirSync(path.dirname(this.abs(rel)), { recursive: true });
      fs.renameSync(this.abs(from), this.abs(rel));
      this.rememberWrite(from);
      this.removeFile(from);
    }
    this.writeFileAndIndex(rel, serializePost(fm, extra, body));
  }

  private writeFileAndIndex(rel: string, text: string): void {
    // Validate what we are about to write with the same parser that reads it back.
    parsePostText(text, rel, { mtimeMs: 0, size: 0, timezone: this.tz });
    writeFileAtomic(this.abs(rel), text);
    this.rememberWrite(rel);
    const problem = this.indexFile(rel);
    if (problem) throw new BdsError(problem.code, problem.message, { file: rel });
  }

  private removeFileAndIndex(rel: string): void {
    fs.rmSync(this.abs(rel), { force: true });
    this.rememberWrite(rel);
    this.removeFile(rel);
  }
}

function normaliseList(list: string[] | undefined): string[] {
  return [...new Set((list ?? []).map((s) => s.trim()).filter((s) => s.length > 0))];
}

function applyOptional(target: Partial<PostFrontmatter>, input: PostInput): void {
  for (const key of ['excerpt', 'author', 'language', 'template'] as const) {
    const v = input[key];
    if (v === undefined) continue;
    // undefined (not delete) so that spreading the patch over existing frontmatter clears the key.
    target[key] = v === null || v === '' ? undefined : v;
  }
}

/**
 * Whether a file exists under exactly this name (a folder listing, read once per folder): on a disk that
 * ignores case, `A.md` renamed to `a.md` must not count as `A.md` still being there.
 */
function exactNames(): (abs: string) => boolean {
  const folders = new Map<string, Set<string>>();
  return (abs) => {
    const dir = path.dirname(abs);
    let names = folders.get(dir);
    if (!names) {
      try {
        names = new Set(fs.readdirSync(dir));
      } catch {
        names = new Set();
      }
      folders.set(dir, names);
    }
    return names.has(path.basename(abs));
  };
}
