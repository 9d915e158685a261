// Shared pieces of the Python runtime tests: scripts written inline, ABI v1 contexts, and the folder
// where Pyodide memory snapshots are kept between test files (the first full load makes it).
import os from 'node:os';
import path from 'node:path';
import type { MacroContextV1, PostDataV1, UtilityContext } from '../../../src/core/abi.js';
import type { DocumentContext, DocumentScript } from '../../../src/render/types.js';
import { PythonWorkerPool, type PythonScriptRef } from '../../../src/scripting/index.js';

export const SNAPSHOT_DIR = path.join(os.tmpdir(), 'bds-test-pyodide-snapshots');

let counter = 0;

/** A script with a fresh id; `code` is dedented so tests can write it indented. */
export function script(code: string, extra: Partial<PythonScriptRef> = {}): PythonScriptRef {
  counter++;
  return { id: `script-${counter}`, version: 1, source: dedent(code), ...extra };
}

export function dedent(code: string): string {
  const lines = code.replace(/^\n/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => l.match(/^ */)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut)).join('\n');
}

export function macroContext(params: MacroContextV1['params'] = {}, id = 'demo'): MacroContextV1 {
  return {
    params,
    language: 'en',
    post_slug: 'spring-trip',
    env: { isPreview: false, mainLanguage: 'en', source: { kind: 'macro', id } },
  };
}

export const POST: PostDataV1 = {
  id: 'post-1',
  title: 'Spring trip',
  slug: 'spring-trip',
  content: 'We walked to the lake.',
  tags: ['travel', 'spring'],
  categories: ['journal'],
  createdAt: '2024-05-01T10:00:00Z',
  updatedAt: '2024-05-02T10:00:00Z',
  publishedAt: null,
  language: 'en',
};

export function utilityContext(params: UtilityContext['params'] = {}): UtilityContext {
  return { params, env: { mainLanguage: 'en', source: { kind: 'script', id: 'tool' } } };
}

/** A utility whose `main` body is `body` (indented by the helper). */
export function utility(body: string): PythonScriptRef {
  const inner = dedent(body)
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return script(`def main(context):\n${inner}\n`);
}

/** A build's context for documents and batches of macros on a worker, with these scripts. */
export function documentContext(scripts: DocumentScript[]): DocumentContext {
  return {
    mode: 'site',
    mainLanguage: 'en',
    postUrls: new Map(),
    slugs: scripts.map((s) => s.slug),
    scripts,
    versions: new Map(),
    slugsFp: 'fp',
    macroTimeoutMs: 0,
  };
}

/**
 * One started worker with a macro time limit of `macroMs` and a generous grace: a worker that answers
 * the interrupt at all is not replaced, however busy the machine running the tests.
 */
export async function startedWorker(macroMs: number): Promise<PythonWorkerPool> {
  const runtime = new PythonWorkerPool({
    size: 1,
    snapshotCacheDir: SNAPSHOT_DIR,
    timeouts: { macro: macroMs },
    graceMs: 5000,
  });
  await runtime.start();
  return runtime;
}
