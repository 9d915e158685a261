// Scripts: `scripts/*.py` files are the truth, the index rows are derived. Writes through bds are
// trusted; anything that appears or changes from outside waits for the user's trust.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { decodeUtf8 } from '../../core/frontmatter.js';
import { formatIsoInZone } from '../../core/dates.js';
import { BdsError, problemFrom, type Problem } from '../../core/errors.js';
import { assertSafeSlug, isValidScriptSlug, slugifyScript, uniqueSlug } from '../../core/slug.js';
import { readContentFile, statContentFile, walkFiles } from '../../core/walk.js';
import type { Project } from '../../content/project.js';
import type { ProblemIndex } from '../../store/problem-index.js';
import type { ScriptIndex, ScriptRow } from '../../store/script-index.js';
import {
  DEFAULT_ENTRYPOINT,
  hashText,
  parseScriptText,
  SCRIPT_KINDS,
  scriptRelPath,
  serializeScript,
  STARTER_CODE,
  type ScriptDocument,
  type ScriptKind,
  type ScriptMeta,
} from './script-file.js';
import { paramsReadBy } from './params.js';
import type { TrustStore } from './trust.js';

/** Scripts larger than this are refused (a macro is a few hundred lines at most). */
export const MAX_SCRIPT_BYTES = 1024 * 1024;

export interface Script extends ScriptRow {
  trusted: boolean;
  /** For a macro: the parameters its code reads (`params.get("x")`), for the editor's completion. */
  params: string[];
}

export interface CreateScriptInput {
  title: string;
  kind: ScriptKind;
  code?: string;
  slug?: string;
  entrypoint?: string;
  enabled?: boolean;
  order?: number;
}

export interface UpdateScriptInput {
  title?: string;
  kind?: ScriptKind;
  code?: string;
  entrypoint?: string;
  enabled?: boolean;
  order?: number;
}

export type GitChange =
  | { status: 'added' | 'modified' | 'deleted'; path: string }
  | { status: 'renamed'; path: string; previousPath: string };

export interface ScriptIndexReport {
  indexed: number;
  removed: number;
  problems: Problem[];
}

const isScriptFile = (name: string) => name.endsWith('.py');

export class ScriptStore {
  constructor(
    private readonly project: Project,
    private readonly index: ScriptIndex,
    private readonly problems: ProblemIndex,
    private readonly trustStore: TrustStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private abs(rel: string): string {
    return path.join(this.project.root, rel);
  }

  // ---------------------------------------------------------------- indexing

  /** The script files; what cannot be walked (an unreadable folder, a link) goes to `problems`. */
  scriptFiles(problems?: Problem[]): string[] {
    return walkFiles(this.project.root, 'scripts', isScriptFile, problems);
  }

  /** Replace every script row with what scripts/*.py holds. */
  rebuildFromFiles(): ScriptIndexReport {
    const problems: Problem[] = [];
    const files = this.scriptFiles(problems);
    this.index.clear();
    this.problems.clear('scripts/');
    for (const p of problems) this.problems.add(p);
    let indexed = 0;
    for (const rel of files) {
      const found = this.indexFileUnchecked(rel);
      problems.push(...found);
      if (this.index.byPath(rel)) indexed++;
    }
    return { indexed, removed: 0, problems };
  }

  /** Apply edits made while bds was closed. */
  reconcile(): ScriptIndexReport {
    const known = this.index.fileStates();
    const problems: Problem[] = [];
    const files = this.scriptFiles(problems);
    // What could not be walked is found again on every walk: the old reports go, the new ones come.
    this.problems.clearCode('file-symlink', 'scripts/');
    this.problems.clearCode('file-unreadable', 'scripts/');
    for (const p of problems) this.problems.add(p);
    const present = new Set(files);
    let removed = 0;
    for (const rel of known.keys()) {
      if (!present.has(rel)) {
        this.removeFile(rel);
        removed++;
      }
    }
    let indexed = 0;
    for (const rel of files) {
      const st = fs.statSync(this.abs(rel));
      const k = known.get(rel);
      if (k && k.mtimeMs === st.mtimeMs && k.size === st.size) continue;
      problems.push(...this.indexFileUnchecked(rel));
      indexed++;
    }
    return { indexed, removed, problems };
  }

  /** Apply deltas from a git pull: added, modified, deleted and renamed script files. */
  reconcileFromGitChanges(changes: GitChange[]): ScriptIndexReport {
    const relevant = (p: string) => p.startsWith('scripts/') && isScriptFile(p);
    const problems: Problem[] = [];
    let indexed = 0;
    let removed = 0;
    for (const c of changes) {
      if (c.status === 'renamed' && relevant(c.previousPath)) {
        this.removeFile(c.previousPath);
        removed++;
      }
      if (c.status === 'deleted' && relevant(c.path)) {
        this.removeFile(c.path);
        removed++;
      }
    }
    for (const c of changes) {
      if (c.status !== 'deleted' && relevant(c.path)) {
        problems.push(...this.indexFile(c.path));
        indexed++;
      }
    }
    return { indexed, removed, problems };
  }

  /** Index one script file after it changed on disk (or drop its row when it is gone). */
  indexFile(rel: string): Problem[] {
    // lstat: a dangling link is still there, and reported as a link like any other.
    if (!fs.lstatSync(this.abs(rel), { throwIfNoEntry: false })) {
      this.removeFile(rel);
      return [];
    }
    return this.indexFileUnchecked(rel);
  }

  private removeFile(rel: string): void {
    this.problems.clearPath(rel);
    this.index.removeByPath(rel);
  }

  private indexFileUnchecked(rel: string): Problem[] {
    this.problems.clearPath(rel);
    let doc: ScriptDocument;
    let stat: fs.Stats;
    try {
      // As a rebuild's walk: links are reported, never followed; a read error names the file.
      stat = statContentFile(this.project.root, rel);
      if (stat.size > MAX_SCRIPT_BYTES) {
        throw new BdsError('file-too-large', `${rel} is larger than ${MAX_SCRIPT_BYTES / 1024} KB`, {
          file: rel,
        });
      }
      const text = decodeUtf8(readContentFile(this.project.root, rel), rel);
      doc = parseScriptText(text, {
        path: rel,
        mtimeMs: stat.mtimeMs,
        timezone: this.project.settings.timezone,
      });
    } catch (e) {
      this.index.removeByPath(rel);
      const p = problemFrom(e, rel);
      this.problems.add(p);
      return [p];
    }
    const found: Problem[] = doc.notices.map((n) => ({
      code: 'script-fallback' as const,
      message: `${rel}: ${n.field} ${n.message}`,
      file: rel,
      line: n.line,
    }));
    // Duplicates stay readable: the second file gets a derived id or a unique slug, and is reported.
    const sameId = this.index.byId(doc.meta.id);
    if (sameId && sameId.path !== rel && fs.existsSync(this.abs(sameId.path))) {
      const derived = hashText(`script:${rel}`).slice(0, 32);
      found.push({
        code: 'duplicate-id',
        message: `${rel}: id "${doc.meta.id}" is also used by ${sameId.path}; using "${derived}" here`,
        file: rel,
      });
      doc.meta.id = derived;
    }
    const sameSlug = this.index.bySlug(doc.meta.slug);
    if (
      sameSlug &&
      sameSlug.path !== rel &&
      sameSlug.id !== doc.meta.id &&
      fs.existsSync(this.abs(sameSlug.path))
    ) {
      const slug = uniqueSlug(
        doc.meta.slug,
        (s) => {
          const owner = this.index.bySlug(s);
          return Boolean(owner && owner.path !== rel);
        },
        '_',
      );
      found.push({
        code: 'duplicate-slug',
        message: `${rel}: slug "${doc.meta.slug}" is also used by ${sameSlug.path}; this script answers to [[${slug}]] until you rename one`,
        file: rel,
      });
      doc.meta.slug = slug;
    }
    this.index.upsert({
      ...doc.meta,
      path: rel,
      hash: doc.hash,
      code: doc.code,
      codeLine: doc.codeLine,
      hasFrontmatter: doc.hasFrontmatter,
      extra: doc.extra,
      notices: doc.notices,
      mtimeMs: stat.mtimeMs,
      size: stat.size,
    });
    for (const p of found) this.problems.add(p);
    return found;
  }

  // ---------------------------------------------------------------- queries

  private withTrust(row: ScriptRow): Script {
    return {
      ...row,
      trusted: this.trustStore.isTrusted(this.project.settings.id, row.hash),
      params: row.kind === 'macro' ? paramsReadBy(row.code) : [],
    };
  }

  list(): Script[] {
    return this.index.all().map((r) => this.withTrust(r));
  }

  /** A script by id or slug. Throws `script-not-found`. */
  get(ref: string): Script {
    const row = this.index.byId(ref) ?? this.index.bySlug(ref);
    if (!row) throw new BdsError('script-not-found', `No script with id or slug "${ref}"`);
    return this.withTrust(row);
  }

  find(ref: string): Script | undefined {
    const row = this.index.byId(ref) ?? this.index.bySlug(ref);
    return row ? this.withTrust(row) : undefined;
  }

  enabledMacroScripts(): Script[] {
    return this.index.enabled('macro').map((r) => this.withTrust(r));
  }

  /** Whether the user trusts this content of the script now (trust.json may change at any time). */
  isTrusted(script: Pick<Script, 'hash'>): boolean {
    return this.trustStore.isTrusted(this.project.settings.id, script.hash);
  }

  /** The enabled macro script answering to `[[slug]]`, if any (case-insensitive, like macro names). */
  macroBySlug(slug: string): Script | undefined {
    const row = this.index.bySlug(slug);
    return row && row.kind === 'macro' && row.enabled ? this.withTrust(row) : undefined;
  }

  enabledMacroSlugs(): string[] {
    return this.index.enabled('macro').map((r) => r.slug);
  }

  /** Enabled transforms in run order: `order` (lower first), then slug. */
  enabledTransforms(): Script[] {
    return this.index.enabled('transform').map((r) => this.withTrust(r));
  }

  runs(ref: string) {
    return this.index.runs(this.get(ref).id);
  }

  addRun(run: Parameters<ScriptIndex['addRun']>[0]): void {
    this.index.addRun(run);
  }

  // ---------------------------------------------------------------- use cases

  create(input: CreateScriptInput): Script {
    const title = input.title.trim();
    if (!title) throw new BdsError('invalid-argument', 'A script needs a title');
    if (!(SCRIPT_KINDS as readonly string[]).includes(input.kind)) {
      throw new BdsError('invalid-argument', `Kind must be macro, transform or utility, not "${input.kind}"`);
    }
    const base = input.slug !== undefined ? this.checkSlug(input.slug) : slugifyScript(title);
    const slug = uniqueSlug(
      base,
      (s) => Boolean(this.index.bySlug(s)) || fs.existsSync(this.abs(scriptRelPath(s))),
      '_',
    );
    const now = formatIsoInZone(this.now(), this.project.settings.timezone);
    const meta: ScriptMeta = {
      id: randomUUID(),
      slug,
      title,
      kind: input.kind,
      entrypoint: this.checkEntrypoint(input.entrypoint ?? DEFAULT_ENTRYPOINT[input.kind]),
      enabled: input.enabled ?? true,
      version: 1,
      order: input.order ?? 0,
      createdAt: now,
      updatedAt: now,
    };
    this.write(
      scriptRelPath(slug),
      serializeScript(meta, {}, input.code ?? STARTER_CODE[input.kind]),
      meta.id,
    );
    return this.get(meta.id);
  }

  /** Change a script; every save bumps `version`. The slug (macro name) never follows the title. */
  update(ref: string, patch: UpdateScriptInput): Script {
    const current = this.get(ref);
    const doc = this.readDoc(current.path);
    if (patch.kind !== undefined && !(SCRIPT_KINDS as readonly string[]).includes(patch.kind)) {
      throw new BdsError('invalid-argument', `Kind must be macro, transform or utility, not "${patch.kind}"`);
    }
    const meta: ScriptMeta = {
      ...doc.meta,
      id: current.id,
      slug: current.slug,
      title: patch.title !== undefined ? patch.title.trim() || current.slug : doc.meta.title,
      kind: patch.kind ?? doc.meta.kind,
      entrypoint:
        patch.entrypoint !== undefined ? this.checkEntrypoint(patch.entrypoint) : doc.meta.entrypoint,
      enabled: patch.enabled ?? doc.meta.enabled,
      order: patch.order ?? doc.meta.order,
      version: Math.max(doc.meta.version, current.version) + 1,
      updatedAt: formatIsoInZone(this.now(), this.project.settings.timezone),
    };
    if (
      patch.kind !== undefined &&
      patch.entrypoint === undefined &&
      doc.meta.entrypoint === DEFAULT_ENTRYPOINT[doc.meta.kind]
    ) {
      meta.entrypoint = DEFAULT_ENTRYPOINT[patch.kind];
    }
    this.write(
      current.path,
      serializeScript(meta, doc.extra, patch.code ?? doc.code, doc.description),
      current.id,
    );
    return this.get(current.id);
  }

  setEnabled(ref: string, enabled: boolean): Script {
    return this.update(ref, { enabled });
  }

  /**
   * Give a script a new slug (its macro name): the file moves. Returns the slugs of posts that still
   * use the old name, for the caller to show.
   */
  rename(
    ref: string,
    newSlug: string,
    postsUsing: (macro: string) => string[],
  ): { script: Script; stillUsedBy: string[] } {
    const current = this.get(ref);
    const slug = this.checkSlug(newSlug);
    if (slug === current.slug) return { script: current, stillUsedBy: [] };
    const owner = this.index.bySlug(slug);
    if ((owner && owner.id !== current.id) || fs.existsSync(this.abs(scriptRelPath(slug)))) {
      throw new BdsError('invalid-argument', `A script named "${slug}" already exists`);
    }
    const doc = this.readDoc(current.path);
    const to = scriptRelPath(slug);
    const meta: ScriptMeta = {
      ...doc.meta,
      id: current.id,
      slug,
      version: doc.meta.version + 1,
      updatedAt: formatIsoInZone(this.now(), this.project.settings.timezone),
    };
    const text = serializeScript(meta, doc.extra, doc.code, doc.description);
    // Trust first, then move and rewrite: a crash leaves either the old file or a trusted new one.
    this.trustStore.trust(this.project.settings.id, hashText(text), { scriptId: current.id, text });
    fs.renameSync(this.abs(current.path), this.abs(to));
    this.removeFile(current.path);
    this.write(to, text, current.id);
    return { script: this.get(current.id), stillUsedBy: postsUsing(current.slug) };
  }

  delete(ref: string): { id: string; slug: string } {
    const current = this.get(ref);
    fs.rmSync(this.abs(current.path), { force: true });
    this.removeFile(current.path);
    return { id: current.id, slug: current.slug };
  }

  /** The user trusts a script's current content. */
  trust(ref: string): Script {
    const current = this.get(ref);
    const text = this.readText(current.path);
    const copy =
      text !== undefined && hashText(text) === current.hash ? { scriptId: current.id, text } : undefined;
    this.trustStore.trust(this.project.settings.id, current.hash, copy);
    return this.get(current.id);
  }

  /**
   * What changed since the user last trusted the script: its file now and as last trusted (null when bds
   * has no copy: trusted before bds kept copies, or never trusted on this machine).
   */
  trustDiff(ref: string): { path: string; current: string; lastTrusted: string | null; trusted: boolean } {
    const current = this.get(ref);
    return {
      path: current.path,
      current: this.readText(current.path) ?? '',
      lastTrusted: this.trustStore.lastTrusted(this.project.settings.id, current.id) ?? null,
      trusted: current.trusted,
    };
  }

  private readText(rel: string): string | undefined {
    try {
      return decodeUtf8(fs.readFileSync(this.abs(rel)), rel);
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- helpers

  private readDoc(rel: string): ScriptDocument {
    const text = decodeUtf8(fs.readFileSync(this.abs(rel)), rel);
    const st = fs.statSync(this.abs(rel));
    return parseScriptText(text, {
      path: rel,
      mtimeMs: st.mtimeMs,
      timezone: this.project.settings.timezone,
    });
  }

  /** Write a script through bds: its content is trusted, then the file is written and indexed. */
  private write(rel: string, text: string, scriptId: string): void {
    this.trustStore.trust(this.project.settings.id, hashText(text), { scriptId, text });
    writeFileAtomic(this.abs(rel), text);
    this.indexFile(rel);
  }

  private checkSlug(slug: string): string {
    assertSafeSlug(slug, 'Script name');
    if (!isValidScriptSlug(slug)) {
      throw new BdsError(
        'invalid-argument',
        `"${slug}" is not a valid script name: use lower-case letters, digits and _ (a Python identifier)`,
      );
    }
    return slug;
  }

  private checkEntrypoint(name: string): string {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new BdsError('invalid-argument', `Entrypoint "${name}" is not a Python function name`);
    }
    return name;
  }
}
