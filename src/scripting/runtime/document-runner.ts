// A Python worker's side of rendering a whole document (render/document-job.ts): it keeps the build's
// context, runs the document's macros on this thread's interpreter with the checks the host makes for
// a single macro, and answers with the rendered document as the run's value.
import { hash } from 'node:crypto';
import type { MacroContextV1, PostDataV1 } from '../../core/abi.js';
import { renderDocumentJob } from '../../render/document-job.js';
import { postExcerpt } from '../../render/excerpt.js';
import type {
  DocumentContext,
  DocumentJob,
  DocumentJobResult,
  DocumentScript,
  PythonMacroOutcome,
} from '../../render/types.js';
import type { PyodideEngine } from './engine.js';
import { failureToError, macroFailureOutcome, parseEnvelope } from './failures.js';
import { MACRO_SEQ_INDEX } from './protocol.js';
import { INTERRUPTED_ENVELOPE_PREFIX } from './python-source.js';
import type { RunValue } from './run-loop.js';
import { checkedMacroArgs, macroOutput } from './runtime-base.js';

interface Held {
  context: DocumentContext;
  scripts: Map<string, DocumentScript>;
}

/** The contexts of the builds whose documents this worker renders lately (builds may overlap). */
const held = new Map<string, Held>();
const MAX_HELD = 2;

/** The run's value, sent to the host as data. */
function answer(value: DocumentJobResult): RunValue {
  return { value };
}

/**
 * Render one document; returns the run's value, or its envelope when interrupted. A macro stopped by
 * the host's watchdog ends the whole run as interrupted (the host then renders the document itself,
 * each macro with its own time limit), and an interpreter that broke throws, as a single call's run
 * would.
 */
export async function runDocumentJob(
  engine: Pick<PyodideEngine, 'run'>,
  job: DocumentJob,
  control?: Int32Array,
): Promise<RunValue | string> {
  let known = held.get(job.contextId);
  if (!known && job.context) {
    known = { context: job.context, scripts: new Map(job.context.scripts.map((s) => [s.slug, s])) };
    if (held.size >= MAX_HELD) held.delete(held.keys().next().value!);
    held.set(job.contextId, known);
  }
  if (!known) return answer({ kind: 'context-needed' });
  const { context, scripts } = known;
  let interrupted: string | undefined;
  let slow: string | undefined;
  let broken: { error: unknown } | undefined;
  const runOne = async (
    script: DocumentScript,
    macroContext: MacroContextV1,
    post: PostDataV1 | null,
  ): Promise<PythonMacroOutcome | null> => {
    // Once a macro has stopped the run, the document's other macros do not run.
    if (interrupted !== undefined || slow !== undefined || broken) return null;
    let args: MacroContextV1;
    try {
      args = checkedMacroArgs(macroContext, post);
    } catch (e) {
      return macroFailureOutcome(e);
    }
    // The host's watchdog sees each macro start, and gives it a time limit of its own.
    if (control) Atomics.add(control, MACRO_SEQ_INDEX, 1);
    const started = performance.now();
    let out: string;
    try {
      const pending = engine.run({
        kind: 'macro',
        cacheKey: script.cacheKey,
        source: script.source,
        entrypoint: script.entrypoint,
        argsJson: '',
        args: [args, post],
        filename: script.filename,
        lineOffset: script.lineOffset,
      });
      out = typeof pending === 'string' ? pending : await pending;
    } catch (e) {
      broken = { error: e };
      return null;
    }
    if (out.startsWith(INTERRUPTED_ENVELOPE_PREFIX)) {
      interrupted = out;
      return null;
    }
    // The host would have stopped this call: let it run the document, with that limit per macro.
    if (context.macroTimeoutMs > 0 && performance.now() - started > context.macroTimeoutMs) {
      slow = script.slug;
      return null;
    }
    try {
      const result = parseEnvelope(out);
      if (!result.ok) throw failureToError(result.error, script);
      const output = macroOutput(script, result.value);
      return { ok: true, html: output.html, warnings: output.warnings };
    } catch (e) {
      return macroFailureOutcome(e);
    }
  };
  // The dispatcher starts a document's macros together; Python runs them one after another, as the
  // host's calls to a worker would (`async def` entrypoints would otherwise overlap).
  let queue: Promise<unknown> = Promise.resolve();
  const run = (script: DocumentScript, macroContext: MacroContextV1, post: PostDataV1 | null) => {
    const next = queue.then(() => runOne(script, macroContext, post));
    queue = next;
    return next;
  };
  const result = await renderDocumentJob(context, scripts, job.doc, run);
  if (broken) throw broken.error;
  if (interrupted !== undefined) return interrupted;
  if (result === null) {
    return answer({ kind: 'host', why: `macro script "${slow}" ran longer than its time limit` });
  }
  if (result.kind === 'rendered') {
    result.htmlHash = hash('sha256', result.html, 'hex');
    result.excerpt = postExcerpt(job.doc.post?.excerpt, result.firstParagraph);
  }
  return answer(result);
}
