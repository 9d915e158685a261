// A Python worker's side of rendering a whole document (render/document-job.ts): it keeps the build's
// context, runs the document's macros on this thread's interpreter with the checks the host makes for
// a single macro, and answers with the rendered document as the run's value.
import { hash } from 'node:crypto';
import type { MacroContextV1, PostDataV1 } from '../../core/abi.js';
import { BdsError } from '../../core/errors.js';
import { renderDocumentJob, scriptFor, withSource } from '../../render/document-job.js';
import { postExcerpt } from '../../render/excerpt.js';
import type {
  BatchMacroCall,
  DocumentContext,
  DocumentJob,
  DocumentJobResult,
  DocumentScript,
  MacroBatchResult,
  PythonMacroOutcome,
} from '../../render/types.js';
import type { EngineMacroCall, PyodideEngine } from './engine.js';
import { checkedEnvelope, failureToError, macroFailureOutcome, parseEnvelope } from './failures.js';
import { MACRO_SEQ_INDEX, type PythonEnvelope } from './protocol.js';
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

/** A macro's outcome from what Python answered for it, as the host would make it of a single call. */
function macroOutcome(script: DocumentScript, envelope: PythonEnvelope): PythonMacroOutcome {
  try {
    if (!envelope.ok) throw failureToError(envelope.error, script);
    const output = macroOutput(script, envelope.value);
    return { ok: true, html: output.html, warnings: output.warnings };
  } catch (e) {
    return macroFailureOutcome(e);
  }
}

/** Stand-ins for what Python answers for a call it made no envelope for (see runMacros). */
const SOURCE_NEEDED_VALUE = Symbol('source needed');
const ASYNC_VALUE = Symbol('async');

/** The envelopes of a batch, checked like a single call's (parseEnvelope). */
function parseEnvelopes(
  json: string,
  count: number,
): (PythonEnvelope | typeof SOURCE_NEEDED_VALUE | typeof ASYNC_VALUE)[] {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    // thrown below
  }
  if (!Array.isArray(list) || list.length !== count) {
    // An envelope in place of the list: the batch failed as a whole (it should not).
    throw new BdsError('internal', 'the Python runtime answered a batch with a malformed list');
  }
  return list.map((item: unknown) => {
    const envelope = checkedEnvelope(item) as PythonEnvelope & {
      sourceNeeded?: unknown;
      awaitable?: unknown;
    };
    if (envelope.sourceNeeded === true) return SOURCE_NEEDED_VALUE;
    if (envelope.awaitable === true) return ASYNC_VALUE;
    return envelope;
  });
}

/** The run's value, sent to the host as data. */
function answer(value: DocumentJobResult): RunValue {
  return { value };
}

/**
 * Render one document, or run a batch of macros; returns the run's value, or its envelope when interrupted. A macro stopped by
 * the host's watchdog ends the whole run as interrupted (the host then renders the document itself,
 * each macro with its own time limit), and an interpreter that broke throws, as a single call's run
 * would.
 */
export async function runDocumentJob(
  engine: Pick<PyodideEngine, 'run' | 'runMacros'>,
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
      return macroOutcome(script, parseEnvelope(out));
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
  if (job.macros) {
    const batch = await runMacros(engine, scripts, job.macros, context.macroTimeoutMs, runOne, control);
    if (broken) throw broken.error;
    if (interrupted !== undefined) return interrupted;
    if (typeof batch === 'string') {
      return batch.startsWith(INTERRUPTED_ENVELOPE_PREFIX)
        ? batch
        : answer({ kind: 'host', why: `macro script "${batch}" ran longer than its time limit` });
    }
    return answer(batch);
  }
  const result = await renderDocumentJob(context, scripts, job.doc, run);
  if (broken) throw broken.error;
  if (interrupted !== undefined) return interrupted;
  if (result === null) {
    return answer({ kind: 'host', why: `macro script "${slow}" ran longer than its time limit` });
  }
  if (result.kind === 'rendered' && job.doc) {
    result.htmlHash = hash('sha256', result.html, 'hex');
    result.excerpt = postExcerpt(job.doc.post?.excerpt, result.firstParagraph);
  }
  return answer(result);
}

/**
 * The macros of a batch (DocumentJob.macros), checked here and run in one call into Python: an outcome
 * for each, in order. A call Python does not make in a batch (an async entrypoint, a script it needs
 * the source of) is made alone through `alone`. Answers the interrupted envelope when the watchdog
 * stopped a macro, and the slug of a script that ran past its time limit (the host then runs the
 * batch's macros itself, one by one).
 */
async function runMacros(
  engine: Pick<PyodideEngine, 'runMacros'>,
  scripts: ReadonlyMap<string, DocumentScript>,
  calls: readonly BatchMacroCall[],
  timeoutMs: number,
  alone: (
    script: DocumentScript,
    context: MacroContextV1,
    post: PostDataV1 | null,
  ) => Promise<PythonMacroOutcome | null>,
  control?: Int32Array,
): Promise<MacroBatchResult | string> {
  const outcomes: PythonMacroOutcome[] = new Array<PythonMacroOutcome>(calls.length);
  const runs: { index: number; script: DocumentScript; context: MacroContextV1; call: EngineMacroCall }[] =
    [];
  let pythonCalls = 0;
  let pythonFailures = 0;
  calls.forEach((call, index) => {
    const script = scriptFor(scripts, call.slug);
    if ('ok' in script) {
      outcomes[index] = script;
      return;
    }
    pythonCalls++;
    try {
      // (Inside: a malformed context fails its own macro, not the batch.)
      const context = withSource(call.context, script);
      const args = [checkedMacroArgs(context, call.post), call.post] as const;
      const engineCall: EngineMacroCall = {
        cacheKey: script.cacheKey,
        source: script.source,
        entrypoint: script.entrypoint,
        filename: script.filename,
        lineOffset: script.lineOffset,
        args,
      };
      runs.push({ index, script, context, call: engineCall });
    } catch (e) {
      outcomes[index] = macroFailureOutcome(e);
      pythonFailures++;
    }
  });
  // The watchdog sees each macro start and gives it a time limit of its own; a script that calls
  // `tick` itself cannot move past the batch's end.
  const starts: number[] = [];
  const tick = (i: number): void => {
    if (i !== starts.length) return;
    starts.push(performance.now());
    if (control) Atomics.add(control, MACRO_SEQ_INDEX, 1);
  };
  const out =
    runs.length > 0
      ? engine.runMacros(
          runs.map((r) => r.call),
          tick,
        )
      : '[]';
  const ended = performance.now();
  if (out.startsWith(INTERRUPTED_ENVELOPE_PREFIX)) return out;
  const envelopes = parseEnvelopes(out, runs.length);
  for (let k = 0; k < runs.length; k++) {
    const { index, script, context, call } = runs[k]!;
    if (timeoutMs > 0 && (starts[k + 1] ?? ended) - (starts[k] ?? ended) > timeoutMs) return script.slug;
    const envelope = envelopes[k]!;
    let outcome: PythonMacroOutcome | null;
    if (envelope === SOURCE_NEEDED_VALUE || envelope === ASYNC_VALUE) {
      outcome = await alone(script, context, call.args[1] as PostDataV1 | null);
      if (outcome === null) return script.slug;
    } else {
      outcome = macroOutcome(script, envelope);
    }
    if (!outcome.ok) pythonFailures++;
    outcomes[index] = outcome;
  }
  return { kind: 'macros', outcomes, pythonCalls, pythonFailures };
}
