// Turns what the Python runner reports into BdsErrors with stable codes, the script line, and the
// traceback in the details.
import { BdsError, isBdsError } from '../../core/errors.js';
import type { PythonMacroOutcome } from '../../render/types.js';
import type { PythonEnvelope, PythonFailure } from './protocol.js';

export interface CallIdentity {
  filename: string;
  cacheKey: string;
  stdout?: string;
  stderr?: string;
}

const SYNTAX_TYPES = new Set(['SyntaxError', 'IndentationError', 'TabError']);

export function failureToError(failure: PythonFailure, call: CallIdentity): BdsError {
  const details: Record<string, unknown> = {
    pythonType: failure.type,
    cacheKey: call.cacheKey,
    ...(failure.phase ? { phase: failure.phase } : {}),
    ...(failure.traceback ? { traceback: failure.traceback } : {}),
    ...(call.stdout ? { stdout: call.stdout } : {}),
    ...(call.stderr ? { stderr: call.stderr } : {}),
  };
  const where = { file: call.filename, line: failure.line, column: failure.column, details };
  if (failure.type === 'EntrypointError') return new BdsError('python-entrypoint', failure.message, where);
  if (failure.type === 'InvalidResult') {
    return new BdsError('python-invalid-result', `invalid result: ${failure.message}`, {
      ...where,
      details: { ...details, field: failure.field },
    });
  }
  if (failure.phase === 'compile' && SYNTAX_TYPES.has(failure.type)) {
    const at = failure.line ? ` (line ${failure.line}, column ${failure.column ?? 1})` : '';
    return new BdsError('python-syntax', `${failure.message}${at}`, {
      ...where,
      details: { ...details, endLine: failure.endLine, endColumn: failure.endColumn },
    });
  }
  // Named by file where the script has one, so a message alone says where to look.
  const named = call.filename && !call.filename.startsWith('<');
  const at = failure.line ? (named ? ` (${call.filename}:${failure.line})` : ` (line ${failure.line})`) : '';
  const during = failure.phase === 'load' ? ' while loading the script' : '';
  return new BdsError('python-error', `${failure.message}${during}${at}`, where);
}

/** An envelope already parsed, checked; a malformed one (a bug) becomes an `internal` error. */
export function checkedEnvelope(value: unknown): PythonEnvelope {
  const envelope = value as PythonEnvelope | null;
  if (typeof envelope === 'object' && envelope !== null && typeof envelope.ok === 'boolean') return envelope;
  throw new BdsError('internal', 'the Python runtime answered with a malformed envelope');
}

/** Parse an envelope; a malformed one (a bug) becomes an `internal` error rather than a crash. */
export function parseEnvelope(json: string): PythonEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // checked below
  }
  return checkedEnvelope(value);
}

export function timeoutError(call: CallIdentity, timeoutMs: number): BdsError {
  return new BdsError('python-timeout', `the script ran longer than ${timeoutMs} ms and was stopped`, {
    file: call.filename,
    details: { cacheKey: call.cacheKey, timeoutMs, stdout: call.stdout, stderr: call.stderr },
  });
}

export function closedError(): BdsError {
  return new BdsError('python-runtime-closed', 'the Python runtime was disposed before the call ran');
}

/** How a macro call that threw shows in a document: its reason and message. */
export function macroFailureOutcome(e: unknown): PythonMacroOutcome & { ok: false } {
  const message = e instanceof Error ? e.message : String(e);
  if (isBdsError(e) && e.code === 'python-timeout') return { ok: false, reason: 'timeout', message };
  if (isBdsError(e) && (e.code === 'python-invalid-result' || e.code === 'python-invalid-input')) {
    return { ok: false, reason: 'invalid-result', message };
  }
  return { ok: false, reason: 'exception', message };
}
