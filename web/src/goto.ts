// Opening a project file at a line, from anywhere (the build summary, the problems panel): the app goes to
// the editor for the file, and that editor takes the line once the file is shown.
import { getState, notify, refreshScripts } from './store.js';

export interface GotoTarget {
  /** The file, relative to the project (`posts/2026/04/a.md`, `scripts/shout.py`). */
  path: string;
  /** File line and column, 1-based. */
  line?: number;
  column?: number;
}

let pending: GotoTarget | undefined;

/** The line waiting for the editor of `path`, taken once. */
export function takeGoto(path: string): GotoTarget | undefined {
  if (pending?.path !== path) return undefined;
  const t = pending;
  pending = undefined;
  return t;
}

/** Open the editor for `target.path` and put the cursor at its line. */
export async function openFileAt(target: GotoTarget): Promise<void> {
  const post = getState().posts.find((p) => p.path === target.path);
  if (post) {
    pending = target;
    location.hash = `#post/${encodeURIComponent(post.id)}`;
    window.dispatchEvent(new CustomEvent('bds-goto'));
    return;
  }
  if (target.path.startsWith('scripts/')) {
    const scripts = getState().scripts ?? (await refreshScripts(), getState().scripts) ?? [];
    const script = scripts.find((s) => s.path === target.path);
    if (script) {
      pending = target;
      location.hash = `#script/${encodeURIComponent(script.id)}`;
      window.dispatchEvent(new CustomEvent('bds-goto'));
      return;
    }
  }
  if (target.path.startsWith('templates/')) {
    location.hash = '#templates';
    return;
  }
  notify(
    `${target.path}${target.line ? `:${target.line}` : ''} is not a file bds edits: open it in your editor.`,
  );
}
