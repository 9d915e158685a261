// A saved script as the Python runtime takes it: its cache key changes with the version and the content,
// and reported lines are file lines. Shared by the server and the browser's run panel.
import type { PythonScriptRef } from '../runtime/types.js';

export interface ScriptForRuntime {
  id: string;
  version: number;
  hash: string;
  code: string;
  entrypoint: string;
  path: string;
  /** The file line the code starts on, after the frontmatter docstring. */
  codeLine: number;
}

export function scriptRef(s: ScriptForRuntime): PythonScriptRef {
  return {
    id: s.id,
    version: `${s.version}:${s.hash.slice(0, 12)}`,
    source: s.code,
    entrypoint: s.entrypoint,
    filename: s.path,
    lineOffset: s.codeLine - 1,
  };
}
