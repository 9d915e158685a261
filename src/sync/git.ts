// Git for one project folder over the real git CLI (through simple-git). Nothing ever prompts: no
// terminal, no askpass, ssh in batch mode; every action reports success or a classified failure.
import fs from 'node:fs';
import path from 'node:path';
import type { SimpleGit, SimpleGitOptions } from 'simple-git';
import { BdsError } from '../core/errors.js';
import { classifyGitFailure, type GitActionResult } from './git-errors.js';

export type { GitActionResult, GitFailureCode } from './git-errors.js';

export interface GitAvailability {
  gitFound: boolean;
  version?: string;
}

export interface GitRepoState {
  isRepo: boolean;
  /** The repository's top folder (the project folder, or a folder above it). */
  rootPath?: string;
  currentBranch?: string;
  /** A remote is configured. */
  hasRemote: boolean;
  /** The current branch tracks a remote branch. */
  hasUpstream: boolean;
}

export type GitFileStatus = 'untracked' | 'added' | 'modified' | 'deleted' | 'renamed' | 'conflicted';

export interface GitStatusFile {
  /** Relative to the project folder, with `/`. */
  path: string;
  status: GitFileStatus;
  previousPath?: string;
  /** The change is in the index (will be part of the next commit as is). */
  staged: boolean;
}

export interface GitStatus {
  files: GitStatusFile[];
  counts: {
    untracked: number;
    added: number;
    modified: number;
    deleted: number;
    renamed: number;
    conflicted: number;
    staged: number;
    total: number;
  };
}

export type SyncStatus = 'both' | 'local-only' | 'remote-only';

export interface GitCommitInfo {
  hash: string;
  shortHash: string;
  /** Author date, ISO-8601 with offset. */
  date: string;
  subject: string;
  author: string;
  /** Present when the branch has an upstream. */
  syncStatus?: SyncStatus;
}

export interface GitRemoteState {
  localBranch?: string;
  upstreamBranch?: string;
  hasUpstream: boolean;
  /** Commits here that the upstream lacks. */
  ahead: number;
  /** Commits on the upstream that are not here. */
  behind: number;
}

/** One file a pull changed, relative to the project folder. */
export type GitChange =
  | { status: 'added' | 'modified' | 'deleted'; path: string }
  | { status: 'renamed'; path: string; previousPath: string };

export interface GitPullResult extends GitActionResult {
  /** HEAD moved (new commits arrived). */
  headMoved: boolean;
  /** What changed between the old and the new HEAD; empty when HEAD did not move. */
  changes: GitChange[];
  /** Files left with conflict markers by a merge that stopped. */
  conflicts?: string[];
  message?: string;
}

export interface GitCommitResult extends GitActionResult {
  /** The new commit's hash. */
  commit?: string;
  /** The working tree was clean: nothing was committed (not a failure). */
  nothingToCommit?: boolean;
}

export interface GitInitResult extends GitActionResult {
  rootPath?: string;
}

export interface GitSyncOptions {
  /** The environment git starts from (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Kill a git process that prints nothing for this long (ms). Default 120 s. */
  timeoutMs?: number;
}

/** Folders bds regenerates; kept out of commits even when a project has no .gitignore. */
const GENERATED = ['/.bds/', '/html/', '/thumbnails/'];

// User variables that only describe who commits; every other GIT_* variable (GIT_DIR, GIT_WORK_TREE,
// GIT_EDITOR ...) could point git elsewhere or start a program, so it is dropped.
const KEPT_GIT_VARS = new Set([
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_AUTHOR_DATE',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_COMMITTER_DATE',
  'GIT_SSH_COMMAND',
]);
const DROPPED_VARS = new Set(['EDITOR', 'VISUAL', 'PAGER', 'PREFIX', 'SSH_ASKPASS', 'SSH_ASKPASS_REQUIRE']);

/** The environment for git: never prompts, English messages (they are classified), batch-mode ssh. */
export function gitEnvironment(base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) {
    const upper = key.toUpperCase();
    if (value === undefined || DROPPED_VARS.has(upper)) continue;
    if (upper.startsWith('GIT_') && !KEPT_GIT_VARS.has(upper)) continue;
    env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  // An empty GIT_ASKPASS wins over core.askPass and SSH_ASKPASS: git then fails instead of asking.
  env.GIT_ASKPASS = '';
  env.SSH_ASKPASS = '';
  env.GIT_MERGE_AUTOEDIT = 'no';
  env.LC_ALL = 'C';
  env.LANGUAGE = '';
  if (!base.GIT_SSH_COMMAND) env.GIT_SSH_COMMAND = 'ssh -oBatchMode=yes -oConnectTimeout=10';
  return env;
}

type RunOutcome = { ok: true; out: string } | { ok: false; output: string };

export class GitSync {
  readonly root: string;
  private client?: Promise<SimpleGit>;
  private readonly clientOptions: Partial<SimpleGitOptions>;
  private readonly env: Record<string, string>;

  constructor(projectRoot: string, options: GitSyncOptions = {}) {
    this.root = path.resolve(projectRoot);
    const env = gitEnvironment(options.env ?? process.env);
    this.env = env as Record<string, string>;
    this.clientOptions = {
      baseDir: this.root,
      // The environment above is built for git on purpose; simple-git's guard would strip or refuse it.
      allowEnvironment: Object.keys(env),
      unsafe: { allowUnsafeSshCommand: true, allowUnsafeAskPass: true },
      timeout: { block: options.timeoutMs ?? 120_000 },
      // A failing git command is an error even when it printed only to stdout (commit, merge).
      errors: (error, result) =>
        result.exitCode !== 0 ? Buffer.concat([...result.stdOut, ...result.stdErr]) : error,
    };
  }

  /** simple-git loads on first use: commands that never touch git do not pay for it at start. */
  private git(): Promise<SimpleGit> {
    this.client ??= import('simple-git').then(({ simpleGit }) => simpleGit(this.clientOptions).env(this.env));
    return this.client;
  }

  // ------------------------------------------------------------------ queries

  async checkAvailability(): Promise<GitAvailability> {
    const v = await (await this.git()).version().catch(() => undefined);
    if (!v?.installed) return { gitFound: false };
    return { gitFound: true, version: `${v.major}.${v.minor}.${typeof v.patch === 'number' ? v.patch : 0}` };
  }

  async getRepoState(): Promise<GitRepoState> {
    const top = await this.tryRun(['rev-parse', '--show-toplevel']);
    if (!top.ok) return { isRepo: false, hasRemote: false, hasUpstream: false };
    const [branch, remotes, upstream] = await Promise.all([
      this.currentBranch(),
      this.remotes(),
      this.upstream(),
    ]);
    return {
      isRepo: true,
      rootPath: top.out.trim(),
      currentBranch: branch,
      hasRemote: remotes.length > 0,
      hasUpstream: upstream !== undefined,
    };
  }

  async getStatus(): Promise<GitStatus> {
    await this.assertRepo();
    const prefix = await this.prefix();
    const out = await this.run(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.']);
    const files = parsePorcelain(out, prefix);
    const counts = {
      untracked: 0,
      added: 0,
      modified: 0,
      deleted: 0,
      renamed: 0,
      conflicted: 0,
      staged: 0,
      total: files.length,
    };
    for (const f of files) {
      counts[f.status]++;
      if (f.staged) counts.staged++;
    }
    return { files, counts };
  }

  async getHistory(limit = 20): Promise<GitCommitInfo[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
      throw new BdsError('invalid-argument', `The history limit must be a whole number from 1, not ${limit}`);
    }
    await this.assertRepo();
    const head = await this.headCommit();
    const upstream = await this.upstream();
    const tips = [...(head ? ['HEAD'] : []), ...(upstream ? [upstream] : [])];
    if (tips.length === 0) return [];
    const out = await this.run([
      'log',
      `--max-count=${limit}`,
      '--date-order',
      '--format=%H%x1f%h%x1f%aI%x1f%an%x1f%s%x1e',
      ...tips,
      '--',
    ]);
    let localOnly = new Set<string>();
    let remoteOnly = new Set<string>();
    if (upstream) {
      localOnly = head ? await this.revList(`${upstream}..HEAD`) : new Set();
      remoteOnly = head ? await this.revList(`HEAD..${upstream}`) : await this.revList(upstream);
    }
    return out
      .split('\x1e')
      .map((rec) => rec.replace(/^\n/, ''))
      .filter((rec) => rec.length > 0)
      .map((rec) => {
        const [hash = '', shortHash = '', date = '', author = '', subject = ''] = rec.split('\x1f');
        const info: GitCommitInfo = { hash, shortHash, date, subject, author };
        if (upstream) {
          info.syncStatus = localOnly.has(hash)
            ? 'local-only'
            : remoteOnly.has(hash)
              ? 'remote-only'
              : 'both';
        }
        return info;
      });
  }

  async getRemoteState(): Promise<GitRemoteState> {
    await this.assertRepo();
    const [localBranch, upstream] = await Promise.all([this.currentBranch(), this.upstream()]);
    if (!upstream) return { localBranch, hasUpstream: false, ahead: 0, behind: 0 };
    const state = { localBranch, upstreamBranch: upstream, hasUpstream: true };
    if (!(await this.headCommit())) {
      // An unborn branch: everything on the upstream is still to come.
      return { ...state, ahead: 0, behind: (await this.revList(upstream)).size };
    }
    const counts = await this.run(['rev-list', '--left-right', '--count', `HEAD...${upstream}`]);
    const [ahead = '0', behind = '0'] = counts.trim().split(/\s+/);
    return { ...state, ahead: Number(ahead), behind: Number(behind) };
  }

  // ------------------------------------------------------------------ actions

  async fetch(): Promise<GitActionResult> {
    const bad = await this.checkRepo();
    if (bad) return bad;
    const remote = await this.defaultRemote();
    if (!remote) return noRemote();
    const r = await this.tryRun(['fetch', '--prune', remote]);
    return r.ok ? { success: true } : this.failure(r.output, remote);
  }

  async pull(): Promise<GitPullResult> {
    const bad = await this.checkRepo();
    if (bad) return { ...bad, headMoved: false, changes: [] };
    const branch = await this.currentBranch();
    if (!branch) return { ...detached(), headMoved: false, changes: [] };
    const oldHead = await this.headCommit();
    let upstream = await this.upstream();
    // Always a merge (fast-forward when possible), whatever pull.rebase or pull.ff say: two writers
    // must be able to pull diverged work, and a merge conflict is something a user can finish.
    const args = ['pull', '--no-rebase', '--ff', '--no-edit'];
    let remote: string | undefined;
    if (!upstream) {
      // A project that was `git init`-ed and then given a remote: pull its branch of the same name.
      remote = await this.defaultRemote();
      if (!remote) return { ...noRemote(), headMoved: false, changes: [] };
      const fetched = await this.tryRun(['fetch', '--prune', remote]);
      if (!fetched.ok)
        return { ...(await this.failure(fetched.output, remote)), headMoved: false, changes: [] };
      const exists = await this.tryRun(['rev-parse', '--verify', '-q', `refs/remotes/${remote}/${branch}`]);
      if (!exists.ok) {
        return {
          success: true,
          headMoved: false,
          changes: [],
          message: `The remote ${remote} has no branch ${branch} yet; push to create it.`,
        };
      }
      args.push(remote, branch);
      upstream = `${remote}/${branch}`;
    }
    const pulled = await this.tryRun(args);
    if (!pulled.ok) {
      const conflicts = await this.unmergedFiles();
      if (conflicts.length > 0) {
        const classified = classifyGitFailure(`CONFLICT\n${pulled.output}`);
        return {
          success: false,
          code: 'conflict',
          error: `The pull stopped on a merge conflict in ${conflicts.join(', ')}`,
          guidance: classified.guidance,
          conflicts,
          headMoved: false,
          changes: [],
        };
      }
      return { ...(await this.failure(pulled.output, remote)), headMoved: false, changes: [] };
    }
    if (remote) await this.tryRun(['branch', `--set-upstream-to=${upstream}`]);
    const newHead = await this.headCommit();
    if (!newHead || newHead === oldHead) return { success: true, headMoved: false, changes: [] };
    const changes = oldHead ? await this.diff(oldHead, newHead) : await this.allFiles(newHead);
    return { success: true, headMoved: true, changes };
  }

  async push(): Promise<GitActionResult> {
    const bad = await this.checkRepo();
    if (bad) return bad;
    const branch = await this.currentBranch();
    if (!branch) return detached();
    if (!(await this.headCommit())) {
      return {
        success: false,
        code: 'action-failed',
        error: 'There is nothing to push yet: the branch has no commits.',
        guidance: ['Commit first: bds git commit -m "First version"'],
      };
    }
    const upstream = await this.upstream();
    if (upstream) {
      const r = await this.tryRun(['push']);
      return r.ok ? { success: true } : this.failure(r.output);
    }
    const remote = await this.defaultRemote();
    if (!remote) return noRemote();
    const r = await this.tryRun(['push', '-u', remote, branch]);
    return r.ok ? { success: true } : this.failure(r.output, remote);
  }

  /** Stage every change in the project folder (additions, edits, deletions) and commit it. */
  async commitAll(message: string): Promise<GitCommitResult> {
    if (typeof message !== 'string' || message.trim() === '') {
      return {
        success: false,
        code: 'action-failed',
        error: 'A commit message is required.',
        guidance: ['Say what changed: bds git commit -m "New post about ..."'],
      };
    }
    const bad = await this.checkRepo();
    if (bad) return bad;
    const unmerged = await this.unmergedFiles();
    const marked = unmerged.filter((f) => hasConflictMarkers(path.join(this.root, f)));
    if (marked.length > 0) {
      return {
        success: false,
        code: 'conflict',
        error: `These files still hold conflict markers: ${marked.join(', ')}`,
        guidance: [
          'Edit each file: keep the text you want and remove the <<<<<<< ======= >>>>>>> lines, then commit again.',
        ],
      };
    }
    await this.excludeGenerated();
    const added = await this.tryRun(['add', '-A', '--', '.']);
    if (!added.ok) return this.failure(added.output);
    const merging = await this.isMerging();
    const staged = await this.run(['diff', '--cached', '--name-only', '-z']);
    if (staged === '' && !merging) return { success: true, nothingToCommit: true };
    // In a project below the repository's top folder, commit only the project's files.
    const onlyHere = !merging && (await this.prefix()) !== '';
    const r = await this.tryRun(['commit', `--message=${message}`, ...(onlyHere ? ['--', '.'] : [])]);
    if (!r.ok) return this.failure(r.output);
    return { success: true, commit: await this.headCommit() };
  }

  /** Make the project folder a repository on branch main, optionally with `origin` set to `remote`. */
  async initRepo(options: { remote?: string } = {}): Promise<GitInitResult> {
    const remote = options.remote?.trim();
    if (remote !== undefined && (remote === '' || remote.startsWith('-') || /\s/.test(remote))) {
      return {
        success: false,
        code: 'action-failed',
        error: `"${options.remote}" is not a remote URL.`,
        guidance: ['Pass a URL such as git@example.com:me/blog.git or https://example.com/me/blog.git'],
      };
    }
    const state = await this.getRepoState();
    if (state.isRepo && samePath(state.rootPath!, this.root)) {
      if (!remote) {
        return {
          success: false,
          code: 'action-failed',
          error: `${this.root} is already a git repository.`,
          guidance: ['Add a remote with: bds git init --remote URL'],
        };
      }
      if ((await this.remotes()).includes('origin')) {
        return {
          success: false,
          code: 'action-failed',
          error: 'The repository already has a remote named origin.',
          guidance: ['Change it with: git remote set-url origin URL'],
        };
      }
    } else {
      let r = await this.tryRun(['init', '-b', 'main']);
      if (!r.ok && /unknown switch/i.test(r.output)) {
        // git before 2.28 has no -b: name the unborn branch by hand.
        r = await this.tryRun(['init']);
        if (r.ok) r = await this.tryRun(['symbolic-ref', 'HEAD', 'refs/heads/main']);
      }
      if (!r.ok) return this.failure(r.output);
      await this.excludeGenerated();
    }
    if (remote) {
      const r = await this.tryRun(['remote', 'add', 'origin', remote]);
      if (!r.ok) return this.failure(r.output);
    }
    return { success: true, rootPath: this.root };
  }

  // ------------------------------------------------------------------ helpers

  private async run(args: string[]): Promise<string> {
    return (await this.git()).raw(args);
  }

  private async tryRun(args: string[]): Promise<RunOutcome> {
    try {
      return { ok: true, out: await (await this.git()).raw(args) };
    } catch (e) {
      return { ok: false, output: e instanceof Error ? e.message : String(e) };
    }
  }

  /** A failure result for git's output, with guidance that names the remote's host when known. */
  private async failure(output: string, remote?: string): Promise<GitActionResult> {
    if (/ENOENT/.test(output) && /spawn/i.test(output)) return gitMissing();
    const name = remote ?? (await this.defaultRemote());
    const url = name ? await this.tryRun(['remote', 'get-url', name]) : undefined;
    return { success: false, ...classifyGitFailure(output, url?.ok ? url.out.trim() : undefined) };
  }

  /** `undefined` when the folder is a repository, else the failure to return. */
  private async checkRepo(): Promise<GitActionResult | undefined> {
    const r = await this.tryRun(['rev-parse', '--is-inside-work-tree']);
    if (r.ok && r.out.trim() === 'true') return undefined;
    if (!r.ok && /ENOENT/.test(r.output)) return gitMissing();
    return {
      success: false,
      code: 'not-a-repo',
      error: `${this.root} is not a git repository.`,
      guidance: ['Run `bds git init` (optionally with --remote URL) to make the project a repository.'],
    };
  }

  private async assertRepo(): Promise<void> {
    const bad = await this.checkRepo();
    if (bad) {
      throw new BdsError(bad.code === 'not-a-repo' ? 'git-not-a-repo' : 'git-failed', bad.error!, {
        hint: bad.guidance?.[0],
      });
    }
  }

  private async currentBranch(): Promise<string | undefined> {
    const r = await this.tryRun(['symbolic-ref', '--short', '-q', 'HEAD']);
    return r.ok && r.out.trim() ? r.out.trim() : undefined;
  }

  private async headCommit(): Promise<string | undefined> {
    const r = await this.tryRun(['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
    return r.ok && r.out.trim() ? r.out.trim() : undefined;
  }

  private async upstream(): Promise<string | undefined> {
    const r = await this.tryRun(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']);
    return r.ok && r.out.trim() ? r.out.trim() : undefined;
  }

  private async remotes(): Promise<string[]> {
    const r = await this.tryRun(['remote']);
    return r.ok ? r.out.split('\n').filter(Boolean) : [];
  }

  private async defaultRemote(): Promise<string | undefined> {
    const upstream = await this.upstream();
    const remotes = await this.remotes();
    const tracked = upstream && remotes.find((r) => upstream.startsWith(`${r}/`));
    return tracked || (remotes.includes('origin') ? 'origin' : remotes[0]);
  }

  /** The project folder relative to the repository's top folder ('' when they are the same). */
  private async prefix(): Promise<string> {
    return (await this.run(['rev-parse', '--show-prefix'])).trim();
  }

  private async revList(range: string): Promise<Set<string>> {
    const out = await this.run(['rev-list', range, '--']);
    return new Set(out.split('\n').filter(Boolean));
  }

  private async unmergedFiles(): Promise<string[]> {
    const r = await this.tryRun(['diff', '--name-only', '-z', '--diff-filter=U', '--relative']);
    return r.ok ? [...new Set(r.out.split('\0').filter(Boolean))] : [];
  }

  private async isMerging(): Promise<boolean> {
    return (await this.tryRun(['rev-parse', '--verify', '-q', 'MERGE_HEAD'])).ok;
  }

  private async diff(from: string, to: string): Promise<GitChange[]> {
    const out = await this.run(['diff', '--name-status', '-z', '-M', '--relative', from, to, '--']);
    return parseNameStatus(out);
  }

  private async allFiles(commit: string): Promise<GitChange[]> {
    const out = await this.run(['ls-tree', '-r', '-z', '--name-only', '--full-tree', commit]);
    const prefix = await this.prefix();
    return out
      .split('\0')
      .filter((p) => p && p.startsWith(prefix))
      .map((p) => ({ status: 'added' as const, path: p.slice(prefix.length) }));
  }

  /**
   * Keep the derived folders (index, built site, thumbnails) out of every commit, even in a project
   * without a .gitignore or inside a larger repository: listed in the repository's info/exclude, which
   * lives inside .git, so nothing is added to the project's own files.
   */
  private async excludeGenerated(): Promise<void> {
    try {
      const prefix = await this.prefix();
      const rel = (await this.run(['rev-parse', '--git-path', 'info/exclude'])).trim();
      const file = path.resolve(this.root, rel);
      const wanted = GENERATED.map((g) => `/${prefix}${g.slice(1)}`);
      const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      const missing = wanted.filter((g) => !existing.split('\n').includes(g));
      if (missing.length === 0) return;
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
      fs.appendFileSync(file, `${sep}# bds: generated folders\n${missing.join('\n')}\n`);
    } catch {
      // Best effort: the project's .gitignore normally lists these folders already.
    }
  }
}

/** Parse `git status --porcelain=v1 -z`; paths come relative to the repository's top folder. */
export function parsePorcelain(out: string, prefix = ''): GitStatusFile[] {
  const tokens = out.split('\0');
  const files: GitStatusFile[] = [];
  const rel = (p: string) => (prefix && p.startsWith(prefix) ? p.slice(prefix.length) : p);
  for (let i = 0; i < tokens.length; i++) {
    const entry = tokens[i]!;
    if (entry.length < 4) continue;
    const x = entry[0]!;
    const y = entry[1]!;
    const file = rel(entry.slice(3));
    if (x === '?' && y === '?') {
      files.push({ path: file, status: 'untracked', staged: false });
      continue;
    }
    if (x === '!') continue;
    const xy = x + y;
    if (x === 'U' || y === 'U' || xy === 'AA' || xy === 'DD') {
      files.push({ path: file, status: 'conflicted', staged: false });
      continue;
    }
    const staged = x !== ' ';
    if (x === 'R' || x === 'C' || y === 'R' || y === 'C') {
      const previous = rel(tokens[++i] ?? '');
      if (x === 'C' || y === 'C') files.push({ path: file, status: 'added', staged });
      else files.push({ path: file, status: 'renamed', previousPath: previous, staged });
      continue;
    }
    const status: GitFileStatus = x === 'D' || y === 'D' ? 'deleted' : x === 'A' ? 'added' : 'modified';
    files.push({ path: file, status, staged });
  }
  return files;
}

/** Parse `git diff --name-status -z -M`. */
export function parseNameStatus(out: string): GitChange[] {
  const tokens = out.split('\0');
  const changes: GitChange[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const code = tokens[i]!;
    if (!code) continue;
    const kind = code[0];
    if (kind === 'R') {
      const previousPath = tokens[++i] ?? '';
      const p = tokens[++i] ?? '';
      changes.push({ status: 'renamed', path: p, previousPath });
    } else if (kind === 'C') {
      i++;
      changes.push({ status: 'added', path: tokens[++i] ?? '' });
    } else {
      const p = tokens[++i] ?? '';
      const status = kind === 'A' ? 'added' : kind === 'D' ? 'deleted' : 'modified';
      changes.push({ status, path: p });
    }
  }
  return changes;
}

function hasConflictMarkers(file: string): boolean {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return /^<{7}( |$)/m.test(text) && /^>{7}( |$)/m.test(text);
  } catch {
    return false;
  }
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

function noRemote(): GitActionResult {
  return {
    success: false,
    code: 'action-failed',
    error: 'The repository has no remote to sync with.',
    guidance: ['Add one with: bds git init --remote URL (or git remote add origin URL)'],
  };
}

function detached(): GitActionResult {
  return {
    success: false,
    code: 'action-failed',
    error: 'No branch is checked out (detached HEAD).',
    guidance: ['Check out a branch first: git switch main'],
  };
}

function gitMissing(): GitActionResult {
  return {
    success: false,
    code: 'action-failed',
    error: 'git was not found on this machine.',
    guidance: ['Install git (https://git-scm.com/downloads) and make sure it is on the PATH.'],
  };
}
