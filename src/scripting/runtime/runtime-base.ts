// What every PythonRuntime shares whatever runs Python: request checks, time limits per kind, the
// counters, and the ABI v1 calling conventions (macro, transform, utility, script check).
import { z } from 'zod';
import {
  MacroContextSchema,
  MacroResultObjectSchema,
  PostDataSchema,
  ScriptCheckSchema,
  TransformContextSchema,
  TransformPostSchema,
  UtilityContextSchema,
  describeAbiIssue,
  isPlainMacroContext,
  pythonTypeName,
  type JsonValue,
  type MacroContextV1,
  type MacroOutput,
  type PostDataV1,
  type ScriptCheck,
  type TransformContext,
  type TransformPost,
  type UtilityContext,
} from '../../core/abi.js';
import { BdsError, isBdsError } from '../../core/errors.js';
import type { DocumentJob, DocumentJobResult } from '../../render/types.js';
import { RUN_KINDS, type OutputStream, type RunCall, type RunKind } from './protocol.js';
import {
  DEFAULT_TIMEOUTS,
  type ApiHandler,
  type MacroRenderResult,
  type PythonCallOptions,
  type PythonRunRequest,
  type PythonRunResult,
  type PythonRuntime,
  type PythonRuntimeCounters,
  type PythonRuntimeMode,
  type PythonScriptRef,
  type PythonTimeouts,
  type TransformRunResult,
  type UtilityRunResult,
} from './types.js';

/** A request after checks and defaults: what a runtime executes. */
export interface PreparedCall extends RunCall {
  timeoutMs: number;
  onOutput?: (stream: OutputStream, text: string) => void;
  apiHandler?: ApiHandler;
  signal?: AbortSignal;
}

export function resolveTimeouts(timeouts: Partial<PythonTimeouts> = {}): PythonTimeouts {
  const out = { ...DEFAULT_TIMEOUTS };
  for (const kind of RUN_KINDS) {
    const value = timeouts[kind];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value < 0) {
      throw new BdsError('invalid-argument', `timeouts.${kind} must be a number of ms >= 0, got ${value}`);
    }
    out[kind] = value;
  }
  return out;
}

function invalidInput(root: string, error: z.ZodError): BdsError {
  const { field, message } = describeAbiIssue(root, error);
  return new BdsError('python-invalid-input', `${field} ${message}`, { details: { field } });
}

/** Which script a result came from, for the error that says it is invalid. */
export interface ScriptIdentity {
  filename?: string;
  cacheKey: string;
}

function identityOf(script: PythonScriptRef): ScriptIdentity {
  return { filename: script.filename, cacheKey: `${script.id}:${script.version}` };
}

function invalidResult(script: ScriptIdentity, field: string, message: string): BdsError {
  return new BdsError('python-invalid-result', `invalid result: ${field} ${message}`, {
    file: script.filename,
    details: { field, cacheKey: script.cacheKey },
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const LocationSchema = { file: z.string(), line: z.number(), column: z.number() };
const DocumentJobResultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('rendered'),
    html: z.string(),
    warnings: z.array(z.looseObject({ code: z.string(), message: z.string(), ...LocationSchema })),
    failures: z.array(
      z.looseObject({ macro: z.string(), reason: z.string(), message: z.string(), ...LocationSchema }),
    ),
    counters: z.object({ builtin: z.number(), python: z.number(), unknown: z.number(), failed: z.number() }),
    firstParagraph: z.string(),
    deps: z.array(
      z.union([
        z.tuple([z.enum(['post', 'media', 'script']), z.string(), z.string().nullable()]),
        z.tuple([z.literal('slugs'), z.string()]),
      ]),
    ),
    pythonCalls: z.number(),
    pythonFailures: z.number(),
    htmlHash: z.string().optional(),
    excerpt: z.string().optional(),
  }),
  z.object({
    kind: z.literal('macros'),
    outcomes: z.array(
      z.union([
        z.object({ ok: z.literal(true), html: z.string(), warnings: z.array(z.string()).optional() }),
        z.object({
          ok: z.literal(false),
          reason: z.enum(['exception', 'timeout', 'invalid-result', 'untrusted']),
          message: z.string(),
        }),
      ]),
    ),
    pythonCalls: z.number(),
    pythonFailures: z.number(),
  }),
  z.object({ kind: z.literal('context-needed') }),
  z.object({ kind: z.literal('host'), why: z.string() }),
]);

/** Posts that passed PostDataSchema: a post with several macros is checked once. */
const VALID_POSTS = new WeakSet<PostDataV1>();

/** A macro call's context (as checked) after checking it and the post against ABI v1; throws python-invalid-input. */
export function checkedMacroArgs(context: MacroContextV1, post: PostDataV1 | null): MacroContextV1 {
  const ctx = isPlainMacroContext(context)
    ? { success: true as const, data: context }
    : MacroContextSchema.safeParse(context);
  if (!ctx.success) throw invalidInput('context', ctx.error);
  // A post is checked once however many of its macros run.
  if (post !== null && !VALID_POSTS.has(post)) {
    const parsed = PostDataSchema.safeParse(post);
    if (!parsed.success) throw invalidInput('post', parsed.error);
    VALID_POSTS.add(post);
  }
  return ctx.data;
}
export abstract class PythonRuntimeBase implements PythonRuntime {
  abstract readonly mode: PythonRuntimeMode;
  protected readonly timeouts: PythonTimeouts;
  private readonly count: PythonRuntimeCounters = { macroCount: 0, errorCount: 0, timeoutCount: 0 };

  protected constructor(timeouts?: Partial<PythonTimeouts>) {
    this.timeouts = resolveTimeouts(timeouts);
  }

  abstract start(): Promise<void>;
  abstract dispose(): Promise<void>;
  protected abstract execute(call: PreparedCall): Promise<PythonRunResult>;

  get counters(): Readonly<PythonRuntimeCounters> {
    return { ...this.count };
  }

  resetCounters(): void {
    this.count.macroCount = 0;
    this.count.errorCount = 0;
    this.count.timeoutCount = 0;
  }

  async run(request: PythonRunRequest): Promise<PythonRunResult> {
    const call = this.prepare(request);
    if (call.kind === 'macro') this.count.macroCount++;
    try {
      return await this.execute(call);
    } catch (e) {
      this.countFailure(e);
      throw e;
    }
  }

  async renderMacro(
    script: PythonScriptRef,
    context: MacroContextV1,
    post: PostDataV1 | null,
    options: PythonCallOptions & { postJson?: string } = {},
  ): Promise<MacroRenderResult> {
    const ctx = this.checked(() => checkedMacroArgs(context, post));
    // (Objects made field by field, not spread: a warm call's own time on this thread is most of its
    // latency, and fields defined after a spread take V8's slow path.)
    const request: PythonRunRequest = this.scriptRequest(script, 'macro', 'render', options);
    const postJson = options.postJson;
    if (postJson === undefined) {
      // Checked values: the worker serialises them (the post's Markdown is most of the JSON).
      request.args = [ctx, post];
      request.argsChecked = true;
    } else {
      request.argsJson = `[${JSON.stringify(ctx)},${post === null ? 'null' : postJson}]`;
    }
    const result = await this.run(request);
    const output = this.checked(() => macroOutput(identityOf(script), result.value));
    const rendered: MacroRenderResult = {
      html: output.html,
      warnings: output.warnings,
      stdout: result.stdout,
      stderr: result.stderr,
      durationMs: result.durationMs,
    };
    if (output.data !== undefined) rendered.data = output.data;
    return rendered;
  }

  async renderDocument(job: DocumentJob, options: PythonCallOptions = {}): Promise<DocumentJobResult> {
    if (this.mode !== 'worker') {
      throw new BdsError('internal', `a ${this.mode} Python runtime does not render documents`);
    }
    const macroMs = this.timeouts.macro;
    const context = job.context && { ...job.context, macroTimeoutMs: macroMs };
    // The limit is per macro: the worker counts the macros it starts, and the watchdog gives each one
    // its own (worker-slot.ts).
    const result = await this.execute(
      this.prepare({
        kind: 'macro',
        cacheKey: 'document',
        source: '',
        entrypoint: 'render',
        argsJson: '[]',
        filename: job.doc ? job.doc.file : '<macros>',
        document: context ? { ...job, context } : job,
        ...options,
        timeoutMs: macroMs,
      }),
    );
    // What a worker answers is checked like what Python answers: a wrong shape is a failed run (the
    // host then renders the document), never a body or a cache entry.
    const parsed = DocumentJobResultSchema.safeParse(result.value);
    if (!parsed.success) {
      throw new BdsError(
        'python-invalid-result',
        'a Python worker answered a document in an unexpected shape',
      );
    }
    const value = parsed.data as DocumentJobResult;
    if (value.kind === 'rendered' || value.kind === 'macros') {
      this.count.macroCount += value.pythonCalls;
      this.count.errorCount += value.pythonFailures;
    }
    return value;
  }

  async runTransform(
    script: PythonScriptRef,
    post: TransformPost,
    context: TransformContext,
    options: PythonCallOptions = {},
  ): Promise<TransformRunResult> {
    const input = TransformPostSchema.safeParse(post);
    if (!input.success) throw this.counted(invalidInput('post', input.error));
    const ctx = TransformContextSchema.safeParse(context);
    if (!ctx.success) throw this.counted(invalidInput('context', ctx.error));
    const result = await this.run({
      ...this.scriptRequest(script, 'transform', 'transform', options),
      args: [input.data, ctx.data],
    });
    const out = this.checked(() => transformOutput(identityOf(script), result.value));
    return {
      post: out,
      changed: JSON.stringify(out) !== JSON.stringify(input.data),
      stdout: result.stdout,
      stderr: result.stderr,
      durationMs: result.durationMs,
    };
  }

  async runUtility(
    script: PythonScriptRef,
    context: UtilityContext,
    options: PythonCallOptions = {},
  ): Promise<UtilityRunResult> {
    const ctx = UtilityContextSchema.safeParse(context);
    if (!ctx.success) throw this.counted(invalidInput('context', ctx.error));
    const result = await this.run({
      ...this.scriptRequest(script, 'utility', 'main', options),
      args: [ctx.data],
    });
    return {
      value: (result.value ?? null) as JsonValue,
      stdout: result.stdout,
      stderr: result.stderr,
      durationMs: result.durationMs,
    };
  }

  async checkScript(
    source: string,
    options: { filename?: string; lineOffset?: number; timeoutMs?: number } = {},
  ): Promise<ScriptCheck> {
    const result = await this.run({
      kind: 'check',
      cacheKey: 'check',
      source,
      entrypoint: '',
      argsJson: '[]',
      filename: options.filename ?? '<script>',
      lineOffset: options.lineOffset ?? 0,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    const parsed = ScriptCheckSchema.safeParse(result.value);
    if (!parsed.success) throw new BdsError('internal', 'the script check answered in an unexpected shape');
    return parsed.data;
  }

  /** The request for a script's call, with the call's options (only those: nothing else a caller passed). */
  private scriptRequest(
    script: PythonScriptRef,
    kind: RunKind,
    defaultEntrypoint: string,
    options: PythonCallOptions,
  ): Omit<PythonRunRequest, 'args' | 'argsJson'> {
    const request: PythonRunRequest = {
      kind,
      cacheKey: `${script.id}:${script.version}`,
      source: script.source,
      entrypoint: script.entrypoint ?? defaultEntrypoint,
    };
    if (script.filename !== undefined) request.filename = script.filename;
    if (script.lineOffset !== undefined) request.lineOffset = script.lineOffset;
    if (options.timeoutMs !== undefined) request.timeoutMs = options.timeoutMs;
    if (options.onOutput !== undefined) request.onOutput = options.onOutput;
    if (options.apiHandler !== undefined) request.apiHandler = options.apiHandler;
    if (options.signal !== undefined) request.signal = options.signal;
    return request;
  }

  private prepare(request: PythonRunRequest): PreparedCall {
    if (!(RUN_KINDS as readonly string[]).includes(request.kind)) {
      throw new BdsError('invalid-argument', `unknown kind of Python call: ${String(request.kind)}`);
    }
    if (typeof request.cacheKey !== 'string' || request.cacheKey === '') {
      throw new BdsError('invalid-argument', 'a Python call needs a cache key such as "scriptId:version"');
    }
    if (typeof request.source !== 'string') throw new BdsError('invalid-argument', 'source must be a string');
    if (request.kind !== 'check' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(request.entrypoint)) {
      throw new BdsError('python-entrypoint', `"${request.entrypoint}" is not a Python function name`);
    }
    // Checked arguments cross as data and the worker serialises them; `argsJson` is then empty.
    const checkedArgs =
      request.argsChecked === true && request.argsJson === undefined ? request.args : undefined;
    let argsJson = checkedArgs === undefined ? request.argsJson : '';
    if (argsJson === undefined) {
      try {
        argsJson = JSON.stringify(request.args ?? []);
      } catch (e) {
        throw new BdsError('python-invalid-input', 'the arguments are not JSON', { cause: e });
      }
    }
    const timeoutMs = request.timeoutMs ?? this.timeouts[request.kind];
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new BdsError('invalid-argument', `timeoutMs must be a number of ms >= 0, got ${timeoutMs}`);
    }
    const scriptId = request.cacheKey.includes(':')
      ? request.cacheKey.slice(0, request.cacheKey.lastIndexOf(':'))
      : request.cacheKey;
    const call: PreparedCall = {
      kind: request.kind,
      cacheKey: request.cacheKey,
      source: request.source,
      entrypoint: request.entrypoint,
      argsJson,
      filename: request.filename ?? `<script ${scriptId}>`,
      lineOffset: Math.max(0, Math.floor(request.lineOffset ?? 0)),
      timeoutMs,
    };
    if (checkedArgs !== undefined) call.args = checkedArgs;
    if (request.document) call.document = request.document;
    if (request.onOutput) call.onOutput = request.onOutput;
    if (request.apiHandler) call.apiHandler = request.apiHandler;
    if (request.signal) call.signal = request.signal;
    return call;
  }

  private countFailure(e: unknown): void {
    if (isBdsError(e) && e.code === 'python-timeout') this.count.timeoutCount++;
    else this.count.errorCount++;
  }

  private counted(e: BdsError): BdsError {
    this.countFailure(e);
    return e;
  }

  private checked<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      this.countFailure(e);
      throw e;
    }
  }
}

/** A macro's return value as ABI v1 output, or a python-invalid-result error naming the field. */
export function macroOutput(script: ScriptIdentity, value: unknown): MacroOutput {
  if (typeof value === 'string') return { html: value, warnings: [] };
  if (!isPlainObject(value)) {
    throw invalidResult(
      script,
      'result',
      `must be an HTML string or a dict with "html", got ${pythonTypeName(value)}`,
    );
  }
  const parsed = MacroResultObjectSchema.safeParse(value);
  if (!parsed.success) {
    const { field, message } = describeAbiIssue('result', parsed.error);
    throw invalidResult(script, field, message);
  }
  return {
    html: parsed.data.html,
    warnings: parsed.data.warnings ?? [],
    ...(parsed.data.data === undefined ? {} : { data: parsed.data.data }),
  };
}

function transformOutput(script: ScriptIdentity, value: unknown): TransformPost {
  if (!isPlainObject(value)) {
    throw invalidResult(script, 'result', `must be a post dict or None, got ${pythonTypeName(value)}`);
  }
  const parsed = TransformPostSchema.safeParse(value);
  if (!parsed.success) {
    const { field, message } = describeAbiIssue('result', parsed.error);
    throw invalidResult(script, field, message);
  }
  return parsed.data;
}
