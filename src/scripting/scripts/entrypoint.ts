// Whether a script's entrypoint fits its kind, from Python's own check of the code: shared by the server's
// `scripts.check` and the browser's editor (nothing here depends on Node).
import type { ScriptCheck } from '../../core/abi.js';

export type ScriptKind = 'macro' | 'transform' | 'utility';

/** How bds calls each kind, with its default entrypoint. */
export const CALLED_AS: Record<ScriptKind, { name: string; params: string }> = {
  macro: { name: 'render', params: '(context, post)' },
  transform: { name: 'transform', params: '(post, context)' },
  utility: { name: 'main', params: '(context)' },
};

/** Warnings for a missing entrypoint or one that takes the wrong number of parameters (none with syntax errors). */
export function entrypointWarnings(
  check: ScriptCheck,
  s: { kind: ScriptKind; entrypoint: string; path: string },
): string[] {
  if (check.errors.length > 0) return [];
  const called = `${s.entrypoint}${CALLED_AS[s.kind].params}`;
  const fn = check.functions.find((f) => f.name === s.entrypoint);
  if (!fn) {
    return [
      `${s.path}: entrypoint "${s.entrypoint}" is not a top-level function; a ${s.kind} is called as ${called}`,
    ];
  }
  // `*args` shows up as a parameter named with a leading star, which accepts any count.
  const star = fn.params.some((p) => p.startsWith('*'));
  const n = fn.params.filter((p) => !p.startsWith('*')).length;
  const wanted = s.kind === 'macro' ? 2 : 1;
  const ok = star || n === wanted || (s.kind === 'transform' && n === 2);
  if (ok) return [];
  return [
    `${s.path}:${fn.line}: ${s.entrypoint} takes ${n} parameter(s); a ${s.kind} is called as ${CALLED_AS[s.kind].name}${CALLED_AS[s.kind].params}`,
  ];
}
