// Warnings a build reports without failing: render warnings of posts (unknown macros, unresolved links)
// and the site's own (route conflicts, no public URL, a template that could not be read).
import type { ErrorCode } from '../core/errors.js';

export interface SiteWarning {
  code: ErrorCode;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

/** `file:line:col: message` (as much of the position as is known). */
export function formatSiteWarning(w: SiteWarning): string {
  if (!w.file) return w.message;
  const at = [w.file, w.line, w.line !== undefined ? w.column : undefined].filter((x) => x !== undefined);
  return `${at.join(':')}: ${w.message}`;
}
