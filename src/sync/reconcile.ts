// After a pull moved HEAD: apply the changed project files (posts, drafts, meta, media sidecars,
// scripts, templates) to the open project's index, and report what changed. A failure is never silent.
import type { Problem } from '../core/errors.js';
import type { GitChange, GitPullResult, GitSync } from './git.js';

/** What the reconcile needs from an open project (the app layer's Workspace provides it). */
export interface ReconcileTarget {
  applyExternalChange(relPath: string): void;
  transaction<T>(fn: () => T): T;
  problems(): Problem[];
}

export type ReconcileArea = 'posts' | 'drafts' | 'meta' | 'media' | 'scripts' | 'templates';

export interface ReconcileReport {
  /** Paths handed to the index (a rename counts its old and its new path). */
  applied: number;
  byArea: Partial<Record<ReconcileArea, number>>;
  /** `path: message` for each path that could not be applied. */
  errors: string[];
  /** Content problems in the changed files (bad frontmatter...): the files load once fixed. */
  problems: Problem[];
}

export interface PullAndReconcileResult extends GitPullResult {
  reconcile?: ReconcileReport;
}

/** The area a project path belongs to, or undefined when the index does not care about it. */
export function areaOf(rel: string): ReconcileArea | undefined {
  const top = rel.split('/')[0];
  switch (top) {
    case 'posts':
    case 'drafts':
    case 'meta':
    case 'scripts':
    case 'templates':
      return rel.includes('/') ? top : undefined;
    case 'media':
      // Binaries are described by their sidecars; the sidecar is what the index reads.
      return rel.endsWith('.meta.yaml') ? 'media' : undefined;
    default:
      return undefined;
  }
}

/**
 * Apply pulled changes to the index: removals first (deleted files and the old side of renames), so a
 * renamed post never meets its own id twice, then additions, edits and the new side of renames.
 */
export function reconcileAfterPull(target: ReconcileTarget, changes: readonly GitChange[]): ReconcileReport {
  const report: ReconcileReport = { applied: 0, byArea: {}, errors: [], problems: [] };
  const gone: string[] = [];
  const present: string[] = [];
  for (const c of changes) {
    if (c.status === 'renamed') gone.push(c.previousPath);
    if (c.status === 'deleted') gone.push(c.path);
    else present.push(c.path);
  }
  const touched = new Set<string>();
  target.transaction(() => {
    for (const rel of [...gone, ...present]) {
      const area = areaOf(rel);
      if (!area) continue;
      try {
        target.applyExternalChange(rel);
        report.applied++;
        report.byArea[area] = (report.byArea[area] ?? 0) + 1;
        touched.add(rel);
      } catch (e) {
        report.errors.push(`${rel}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  });
  report.problems = target.problems().filter((p) => touched.has(p.file));
  return report;
}

/** Pull, then reconcile what arrived. A reconcile failure turns the result into a failure with the reason. */
export async function pullAndReconcile(
  target: ReconcileTarget,
  git: Pick<GitSync, 'pull'>,
): Promise<PullAndReconcileResult> {
  const pulled = await git.pull();
  if (!pulled.success || !pulled.headMoved) return pulled;
  let reconcile: ReconcileReport;
  try {
    reconcile = reconcileAfterPull(target, pulled.changes);
  } catch (e) {
    return {
      ...pulled,
      success: false,
      code: 'action-failed',
      error: `The pull succeeded but updating the index failed: ${e instanceof Error ? e.message : String(e)}`,
      guidance: ['Run `bds rebuild` to recreate the index from the files.'],
    };
  }
  if (reconcile.errors.length > 0) {
    return {
      ...pulled,
      reconcile,
      success: false,
      code: 'action-failed',
      error: `The pull succeeded but ${reconcile.errors.length} changed file(s) could not be applied to the index:\n${reconcile.errors.join('\n')}`,
      guidance: ['Run `bds rebuild` to recreate the index from the files.'],
    };
  }
  return { ...pulled, reconcile };
}
