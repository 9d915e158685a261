// Use cases of git: the project's repository state and history, commit, fetch, pull (which applies what
// arrived to the index) and push. A failed git action is a catalogue error here; Python keeps receiving
// the GitActionResult value its scripts already read (`success`, `code`, `error`, `guidance`).
import { z } from 'zod';
import { BdsError, type ErrorCode } from '../core/errors.js';
import {
  pullAndReconcile,
  type GitActionResult,
  type GitAvailability,
  type GitCommitInfo,
  type GitFailureCode,
  type GitRemoteState,
  type GitRepoState,
  type GitStatus,
  type PullAndReconcileResult,
} from '../sync/index.js';
import type { AppServices } from './services.js';
import { shaped, workspaceUseCase, type PythonView } from './use-case.js';

const FAILURE_CODES: Record<GitFailureCode, ErrorCode> = {
  'auth-required': 'auth-required',
  conflict: 'git-conflict',
  'push-rejected': 'push-rejected',
  'remote-unreachable': 'remote-unreachable',
  network: 'network',
  'not-a-repo': 'git-not-a-repo',
  'action-failed': 'git-failed',
};
const GIT_CODES: Partial<Record<ErrorCode, GitFailureCode>> = Object.fromEntries(
  Object.entries(FAILURE_CODES).map(([git, code]) => [code, git as GitFailureCode]),
);

/** A failed action as a catalogue error; git's guidance becomes the hint, the rest stays in details. */
function orThrow<T extends GitActionResult>(result: T): T {
  if (result.success) return result;
  const { success: _s, code, error, guidance, ...details } = result;
  throw new BdsError(FAILURE_CODES[code ?? 'action-failed'], error ?? 'git failed', {
    ...(guidance?.length ? { hint: guidance.join(' ') } : {}),
    details: { ...details, guidance: guidance ?? [] },
  });
}

const GitActionResultSchema = z.looseObject({
  success: z.boolean(),
  code: z
    .enum([
      'auth-required',
      'conflict',
      'push-rejected',
      'remote-unreachable',
      'network',
      'not-a-repo',
      'action-failed',
    ])
    .optional(),
  error: z.string().optional(),
  guidance: z.array(z.string()).optional(),
});

/** Python receives a failed git action as `{success: false, code, error, guidance}`, as before. */
function gitActionView(method: string, description: string, params?: z.ZodObject): PythonView {
  return {
    method,
    description,
    ...(params ? { params } : {}),
    result: GitActionResultSchema,
    fromError: (e) => {
      const git = GIT_CODES[e.code];
      if (!git) throw e;
      const details = e.details ?? {};
      return {
        ...details,
        success: false,
        code: git,
        error: e.message,
        guidance: (details.guidance as string[] | undefined) ?? [e.hint],
      };
    },
  };
}

const gitChanged = (app: AppServices) => app.emit('git-changed', {});

const Change = z.union([
  z.object({ status: z.enum(['added', 'modified', 'deleted']), path: z.string() }),
  z.object({ status: z.literal('renamed'), path: z.string(), previousPath: z.string() }),
]);

export const gitAvailability = workspaceUseCase({
  name: 'git.availability',
  description: 'Whether git is installed, and its version.',
  input: z.object({}),
  output: shaped<GitAvailability>(z.looseObject({ gitFound: z.boolean(), version: z.string().optional() })),
  readOnly: true,
  waits: true,
  errors: [],
  http: { method: 'GET', path: '/api/git/availability' },
  python: { method: 'sync.checkAvailability' },
  run: (app) => app.git().checkAvailability(),
});

export const gitRepoState = workspaceUseCase({
  name: 'git.repoState',
  description: 'Whether the project is a git repository, its branch and whether a remote is configured.',
  input: z.object({}),
  output: shaped<GitRepoState>(z.looseObject({ isRepo: z.boolean() })),
  readOnly: true,
  waits: true,
  errors: [],
  http: { method: 'GET', path: '/api/git/repo' },
  python: { method: 'sync.getRepoState' },
  run: (app) => app.git().getRepoState(),
});

const StatusFile = z.looseObject({
  path: z.string(),
  status: z.string(),
  staged: z.boolean().optional(),
  previousPath: z.string().optional(),
});

export const gitStatus = workspaceUseCase({
  name: 'git.status',
  description: 'Changed files and counts.',
  input: z.object({}),
  output: shaped<GitStatus>(z.looseObject({ files: z.array(StatusFile) })),
  readOnly: true,
  waits: true,
  errors: ['git-not-a-repo'],
  http: { method: 'GET', path: '/api/git/status' },
  python: { method: 'sync.getStatus' },
  run: (app) => app.git().getStatus(),
});

const RemoteStateFields = z.looseObject({
  hasUpstream: z.boolean(),
  ahead: z.number(),
  behind: z.number(),
  localBranch: z.string().optional(),
  upstreamBranch: z.string().optional(),
});
const RemoteState = shaped<GitRemoteState>(RemoteStateFields);

export const gitRemoteState = workspaceUseCase({
  name: 'git.remoteState',
  description: 'Commits ahead of and behind the upstream branch (as of the last fetch).',
  input: z.object({}),
  output: RemoteState,
  readOnly: true,
  waits: true,
  errors: ['git-not-a-repo'],
  http: { method: 'GET', path: '/api/git/remote' },
  python: { method: 'sync.getRemoteState', description: 'Commits ahead of and behind the upstream branch.' },
  run: (app) => app.git().getRemoteState(),
});

export const gitLog = workspaceUseCase({
  name: 'git.log',
  description: 'Recent commits, newest first, marked when only here or only on the remote.',
  input: z.object({
    limit: z.number().int().min(1).max(1000).optional().describe('how many (default 20)'),
  }),
  output: shaped<GitCommitInfo[]>(
    z.array(
      z.looseObject({
        hash: z.string(),
        shortHash: z.string(),
        date: z.string(),
        author: z.string(),
        subject: z.string(),
        syncStatus: z.enum(['both', 'local-only', 'remote-only']).optional(),
      }),
    ),
  ),
  readOnly: true,
  waits: true,
  errors: ['git-not-a-repo'],
  http: { method: 'GET', path: '/api/git/log' },
  python: { method: 'sync.getHistory', description: 'Recent commits, newest first.' },
  run: (app, { limit }) => app.git().getHistory(limit ?? 20),
});

export const gitInit = workspaceUseCase({
  name: 'git.init',
  description: 'Make the project folder a git repository (branch main), optionally with a remote "origin".',
  input: z.object({ remote: z.string().min(1).optional().describe('URL of the remote "origin"') }),
  output: z.looseObject({ success: z.literal(true), rootPath: z.string().optional() }),
  readOnly: false,
  waits: true,
  errors: ['git-failed'],
  http: { method: 'POST', path: '/api/git/init' },
  run: async (app, { remote }) => {
    const r = orThrow(await app.git().initRepo({ remote }));
    gitChanged(app);
    return { ...r, success: true as const };
  },
});

export const gitCommit = workspaceUseCase({
  name: 'git.commit',
  description:
    'Stage every change in the project folder and commit it (never the index, html/ or thumbnails/).',
  input: z.object({
    message: z
      .string()
      .trim()
      .min(1, { message: 'A commit message is required.' })
      .describe('commit message'),
  }),
  output: z.looseObject({
    success: z.literal(true),
    commit: z.string().optional(),
    nothingToCommit: z.boolean().optional(),
  }),
  readOnly: false,
  waits: true,
  errors: ['git-not-a-repo', 'git-conflict', 'git-failed'],
  http: { method: 'POST', path: '/api/git/commit' },
  python: gitActionView('sync.commitAll', 'Stage every change and commit it.'),
  run: async (app, { message }) => {
    const r = orThrow(await app.git().commitAll(message));
    gitChanged(app);
    return { ...r, success: true as const };
  },
});

export const gitFetch = workspaceUseCase({
  name: 'git.fetch',
  description: 'Look at the remote without changing files; returns how the branch stands against it.',
  input: z.object({}),
  output: shaped<GitRemoteState & { success: true }>(RemoteStateFields.extend({ success: z.literal(true) })),
  readOnly: false,
  waits: true,
  errors: ['git-not-a-repo', 'auth-required', 'remote-unreachable', 'network', 'git-failed'],
  http: { method: 'POST', path: '/api/git/fetch' },
  python: gitActionView('sync.fetch', 'Fetch from the remote (never prompts).'),
  run: async (app) => {
    orThrow(await app.git().fetch());
    const remote = await app.git().getRemoteState();
    gitChanged(app);
    return { ...remote, success: true as const };
  },
});

const ReconcileSchema = z.object({
  applied: z.number(),
  byArea: z.record(z.string(), z.number()),
  errors: z.array(z.string()),
  problems: z.array(z.looseObject({ code: z.string(), message: z.string(), file: z.string() })),
});

export const gitPull = workspaceUseCase({
  name: 'git.pull',
  description:
    'Pull, then apply what changed to the index (posts, drafts, media sidecars, meta, scripts, templates); scripts changed by someone else become untrusted.',
  input: z.object({}),
  output: shaped<PullAndReconcileResult>(
    z.looseObject({
      success: z.literal(true),
      headMoved: z.boolean(),
      changes: z.array(Change),
      reconcile: ReconcileSchema.optional(),
      message: z.string().optional(),
    }),
  ),
  readOnly: false,
  waits: true,
  errors: ['git-not-a-repo', 'git-conflict', 'auth-required', 'remote-unreachable', 'network', 'git-failed'],
  http: { method: 'POST', path: '/api/git/pull' },
  python: gitActionView(
    'sync.pull',
    'Pull and apply what changed to the index (changed scripts become untrusted).',
  ),
  run: async (app) => {
    const r = await pullAndReconcile(app, app.git());
    if (r.headMoved) {
      app.scriptsChanged();
      gitChanged(app);
    }
    return orThrow(r);
  },
});

export const gitPush = workspaceUseCase({
  name: 'git.push',
  description: 'Send local commits to the remote (sets the upstream the first time).',
  input: z.object({}),
  output: z.looseObject({ success: z.literal(true) }),
  readOnly: false,
  waits: true,
  // A push changes no file of the project: saves need not wait for the network.
  serial: false,
  errors: ['git-not-a-repo', 'push-rejected', 'auth-required', 'remote-unreachable', 'network', 'git-failed'],
  http: { method: 'POST', path: '/api/git/push' },
  python: gitActionView('sync.push', 'Push, setting the upstream on the first push.'),
  run: async (app) => {
    const r = orThrow(await app.git().push());
    gitChanged(app);
    return { ...r, success: true as const };
  },
});

export const GIT_USE_CASES = [
  gitAvailability,
  gitRepoState,
  gitStatus,
  gitRemoteState,
  gitLog,
  gitInit,
  gitCommit,
  gitFetch,
  gitPull,
  gitPush,
] as const;
