// The one client-side store of what the server holds: the project, the posts list, problems, tasks and
// the connection, fed by the typed client and kept current by the event stream. Components read it with
// `useStore` and never keep a second copy of server state.
import { useSyncExternalStore } from 'react';
import { ApiError, BdsClient, type StreamMessage } from '../../src/client/index.js';
import type { OutputOf } from '../../src/app/index.js';
import { browserPython } from './python/client.js';

export type PostSummary = OutputOf<'posts.list'>[number];
export type Post = OutputOf<'posts.get'>;
export type Problem = OutputOf<'project.problems'>[number];
export type MediaItem = OutputOf<'media.list'>[number];
export type Tag = OutputOf<'tags.list'>[number];
export type ScriptSummary = OutputOf<'scripts.list'>[number];
export type TemplateSummary = OutputOf<'templates.list'>[number];

export interface TaskInfo {
  id: string;
  name: string;
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  progress: number;
  message: string;
  createdAt?: number;
  startTime?: number;
  endTime?: number;
  error?: string;
}

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
  hint?: string;
}

export interface AppState {
  connected: boolean;
  /** False until the first answers arrived. */
  ready: boolean;
  project?: OutputOf<'project.summary'>;
  previewUrl?: string;
  posts: PostSummary[];
  /** Bumped on every outside change to the posts: an open post checks its file again. */
  postsVersion: number;
  /** Paths changed on disk by something other than this app, in the last event. */
  externalPaths: string[];
  problems: Problem[];
  /** The media library, read when the Media section first opens; undefined until then. */
  media?: MediaItem[];
  /** Bumped on every change to the media library: open details read their item again. */
  mediaVersion: number;
  /** The git branch and the count of changed files; undefined when the project is not a repository. */
  git?: { branch?: string; changes: number };
  /** The scripts, read when the Scripts section first opens; undefined until then. */
  scripts?: ScriptSummary[];
  /** Bumped on every change to the scripts: an open script checks its file again. */
  scriptsVersion: number;
  /** The templates, read when the Templates section first opens; undefined until then. */
  templates?: TemplateSummary[];
  /** Bumped on every change to templates/: an open template reads its file again. */
  templatesVersion: number;
  /** Tags with their colours and counts, for chips and completion. */
  tags: Tag[];
  tasks: TaskInfo[];
  toasts: Toast[];
}

export const client = new BdsClient();

let state: AppState = {
  connected: false,
  ready: false,
  posts: [],
  postsVersion: 0,
  externalPaths: [],
  problems: [],
  mediaVersion: 0,
  scriptsVersion: 0,
  templatesVersion: 0,
  tags: [],
  tasks: [],
  toasts: [],
};
const listeners = new Set<() => void>();

function set(patch: Partial<AppState>): void {
  state = { ...state, ...patch };
  for (const l of listeners) l();
}

export function getState(): AppState {
  return state;
}

export function useStore<T>(select: (s: AppState) => T): T {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => select(state),
  );
}

let toastId = 0;
/** Shows what went wrong where the user can read it: the catalogue message and its hint. */
export function reportError(e: unknown, context?: string): void {
  const err = e instanceof ApiError ? e : undefined;
  const message = `${context ? `${context}: ` : ''}${e instanceof Error ? e.message : String(e)}`;
  const toast: Toast = { id: ++toastId, kind: 'error', message, ...(err?.hint ? { hint: err.hint } : {}) };
  set({ toasts: [...state.toasts, toast] });
  setTimeout(() => dismissToast(toast.id), 12_000);
}

export function notify(message: string): void {
  const toast: Toast = { id: ++toastId, kind: 'info', message };
  set({ toasts: [...state.toasts, toast] });
  setTimeout(() => dismissToast(toast.id), 4000);
}

export function dismissToast(id: number): void {
  set({ toasts: state.toasts.filter((t) => t.id !== id) });
}

export async function refreshPosts(): Promise<void> {
  try {
    const posts = await client.call('posts.list', {});
    set({ posts });
  } catch (e) {
    reportError(e, 'Reading the posts');
  }
}

async function refreshProject(): Promise<void> {
  try {
    const [project, problems] = await Promise.all([
      client.call('project.summary', {}),
      client.call('project.problems', {}),
    ]);
    set({ project, problems });
    void refreshTags();
    refreshGitSoon();
  } catch (e) {
    reportError(e, 'Reading the project');
  }
}

let mediaLoad: Promise<void> | undefined;
/** Reads the media library (once at a time; a second call during a read waits for it). */
export function refreshMedia(): Promise<void> {
  mediaLoad ??= client
    .call('media.list', {})
    .then(
      (media) => set({ media }),
      (e: unknown) => reportError(e, 'Reading the media library'),
    )
    .finally(() => {
      mediaLoad = undefined;
    });
  return mediaLoad;
}

/** Puts an item the page just changed into the library at once. */
export function applyMedia(item: MediaItem, removed = false): void {
  if (!state.media) return;
  const rest = state.media.filter((m) => m.id !== item.id);
  const i = state.media.findIndex((m) => m.id === item.id);
  set({ media: removed ? rest : i >= 0 ? state.media.with(i, item) : [item, ...rest] });
}

let gitTimer: ReturnType<typeof setTimeout> | undefined;
/** The status bar's git state, read again a little after changes (saves come in bursts). */
export function refreshGitSoon(delay = 1500): void {
  clearTimeout(gitTimer);
  gitTimer = setTimeout(() => {
    void (async () => {
      try {
        const repo = await client.call('git.repoState', {});
        if (!repo.isRepo) {
          set({ git: undefined });
          return;
        }
        const status = await client.call('git.status', {});
        set({ git: { branch: repo.currentBranch, changes: status.counts.total } });
      } catch {
        // git missing or busy: the status bar shows nothing for git, the Git section will say why.
        set({ git: undefined });
      }
    })();
  }, delay);
}

export async function refreshScripts(): Promise<void> {
  try {
    set({ scripts: await client.call('scripts.list', {}) });
  } catch (e) {
    reportError(e, 'Reading the scripts');
  }
}

export async function refreshTemplates(): Promise<void> {
  try {
    set({ templates: await client.call('templates.list', {}) });
  } catch (e) {
    reportError(e, 'Reading the templates');
  }
}

export async function refreshTags(): Promise<void> {
  try {
    set({ tags: await client.call('tags.list', {}) });
  } catch (e) {
    reportError(e, 'Reading the tags');
  }
}

/** Files this page just saved: their change event needs no new list (the save's answer updated it). */
const ownSaves = new Set<string>();

/**
 * Puts a post the page saved into the list at once (no round trip), and remembers its file so the
 * change event of that save does not fetch the whole list again (ten thousand posts are megabytes).
 */
export function applySavedPost(post: Post): void {
  const { body: _body, bodyLine: _bodyLine, pending: _pending, ...summary } = post;
  const i = state.posts.findIndex((p) => p.id === post.id);
  const posts = i >= 0 ? state.posts.with(i, summary) : [summary, ...state.posts];
  set({ posts });
  ownSaves.add(post.path);
  if (post.pending) ownSaves.add(post.pending.path);
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;
/** One list refresh for a burst of changes (a pull, a tag rename touching many files). */
function refreshSoon(): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    void refreshPosts();
    void refreshProject();
  }, 150);
}

let mediaTimer: ReturnType<typeof setTimeout> | undefined;
function mediaSoon(): void {
  clearTimeout(mediaTimer);
  mediaTimer = setTimeout(() => void refreshMedia(), 150);
}

function onEvent(m: StreamMessage): void {
  switch (m.event) {
    case 'posts-changed': {
      const data = m.data as { paths: string[]; source: 'app' | 'external' };
      const external = data.source === 'external' ? data.paths : [];
      set({ postsVersion: state.postsVersion + 1, externalPaths: external });
      const mine = data.source === 'app' && data.paths.length > 0 && data.paths.every((p) => ownSaves.has(p));
      for (const p of data.paths) ownSaves.delete(p);
      if (mine) void refreshProject();
      else refreshSoon();
      break;
    }
    case 'scripts-changed':
      set({ scriptsVersion: state.scriptsVersion + 1 });
      if (state.scripts) void refreshScripts();
      break;
    case 'templates-changed':
      set({ templatesVersion: state.templatesVersion + 1 });
      if (state.templates) void refreshTemplates();
      break;
    case 'git-changed':
      refreshGitSoon(0);
      break;
    case 'media-changed':
      refreshGitSoon();
      set({ mediaVersion: state.mediaVersion + 1 });
      if (state.media) mediaSoon();
      break;
    case 'meta-changed':
      void refreshTags();
      // A meta file (tags, publishing settings) is a change for git too.
      refreshGitSoon();
      break;
    case 'problems-changed':
      set({ problems: (m.data as { problems: Problem[] }).problems });
      break;
    case 'task-progress': {
      const task = m.data as TaskInfo;
      const others = state.tasks.filter((t) => t.id !== task.id);
      set({ tasks: [...others, task].slice(-20) });
      break;
    }
    case 'settings-changed': {
      void refreshProject();
      // New time limits reach the browser's Python when its frame loads again.
      const keys = (m.data as { keys?: string[] }).keys ?? [];
      if (keys.some((k) => k === 'macroTimeoutMs' || k === 'utilityTimeoutMs')) browserPython.restart();
      break;
    }
    case 'resync':
      void refreshPosts();
      void refreshProject();
      if (state.media) void refreshMedia();
      break;
    default:
      break;
  }
}

/** The running and recent tasks as the server has them (events keep them current after). */
export async function refreshTasks(): Promise<void> {
  try {
    const tasks = await client.call('tasks.list', {});
    const byId = new Map(state.tasks.map((t) => [t.id, t]));
    for (const t of tasks) byId.set(t.id, t);
    set({ tasks: [...byId.values()].slice(-20) });
  } catch (e) {
    reportError(e, 'Reading the tasks');
  }
}

/** Loads the first state and follows the event stream for the life of the page. */
export async function start(): Promise<void> {
  void client.subscribe(onEvent, {
    onOpen: () => set({ connected: true }),
    onError: () => set({ connected: false }),
  });
  // The page carries the newest posts and the server's addresses (see the server's index page).
  const bootBlock = document.getElementById('bds-boot');
  if (bootBlock?.textContent) {
    try {
      const boot = JSON.parse(bootBlock.textContent) as {
        server: { previewUrl: string };
        posts: PostSummary[];
      };
      set({ posts: boot.posts, previewUrl: boot.server.previewUrl });
    } catch {
      // Asked for below.
    }
  }
  if (state.previewUrl && state.posts.length > 0) {
    await Promise.all([refreshPosts(), refreshProject()]);
    set({ ready: true });
    return;
  }
  // The newest posts first, for the first rows at once; then all of them (megabytes at 10,000 posts).
  const first = client.call('posts.list', { limit: 100 }).then(
    (posts) => {
      if (state.posts.length === 0) set({ posts });
    },
    (e: unknown) => reportError(e, 'Reading the posts'),
  );
  const server = fetch('/api/server')
    .then((r) => r.json() as Promise<{ previewUrl: string }>)
    .then(
      (s) => set({ previewUrl: s.previewUrl }),
      (e: unknown) => reportError(e, 'Reaching the bds server'),
    );
  await Promise.all([first, server]);
  await Promise.all([refreshPosts(), refreshProject()]);
  set({ ready: true });
}
