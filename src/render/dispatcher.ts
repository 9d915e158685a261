// MacroDispatcher: renders a document's macros. A built-in always wins; any other name goes to an
// enabled macro script through the PythonMacroResolver; an unknown name stays as written.
import { BUILTIN_MACROS } from './builtins/index.js';
import { MacroParamError, type BuiltinMacro } from './builtins/types.js';
import { escapeHtml } from './html.js';
import type {
  Macro,
  MacroContext,
  MacroFailure,
  MacroCounters,
  MacroFailureReason,
  PostData,
  PythonMacroCall,
  PythonMacroResolver,
  RenderData,
  RenderMode,
  RenderWarning,
} from './types.js';

export type { MacroCounters } from './types.js';

export interface MacroDocument {
  file: string;
  post: PostData | null;
  mode: RenderMode;
  /** The document's language: the post's, else the project's main language. */
  language: string;
  mainLanguage: string;
}

/** What replaces one macro: its HTML, or `null` to keep the macro text exactly as written. */
export type MacroRendering = string | null;

export interface DispatchResult {
  /** One entry per macro, in the order given. */
  renderings: MacroRendering[];
  warnings: RenderWarning[];
  failures: MacroFailure[];
  counters: MacroCounters;
}

export interface MacroDispatcherOptions {
  data: RenderData;
  /** Without a resolver every non-built-in name is unknown. */
  resolver?: PythonMacroResolver | null;
  /** Replaces the built-in table (tests); defaults to BUILTIN_MACROS. */
  builtins?: ReadonlyMap<string, BuiltinMacro>;
}

/** The visible box a failed macro becomes in preview. Every value is escaped. */
export function renderMacroErrorBox(failure: MacroFailure): string {
  const who = failure.script ? `script “${failure.script}”` : `built-in macro “${failure.macro}”`;
  return [
    `<div class="bds-macro-error" role="alert" data-macro="${escapeHtml(failure.macro)}" data-reason="${escapeHtml(failure.reason)}">`,
    `<strong class="bds-macro-error-title">Macro [[${escapeHtml(failure.macro)}]] failed (${escapeHtml(failure.reason)}) in ${escapeHtml(who)}</strong>`,
    `<span class="bds-macro-error-where">${escapeHtml(`${failure.file}:${failure.line}:${failure.column}`)}</span>`,
    `<pre class="bds-macro-error-message">${escapeHtml(failure.message)}</pre>`,
    '</div>',
  ].join('\n');
}

/** One line for a build log: `file:line:col: macro "name" (script s) failed (reason): message`. */
export function formatMacroFailure(f: MacroFailure): string {
  const script = f.script ? ` (script ${f.script})` : '';
  return `${f.file}:${f.line}:${f.column}: macro "${f.macro}"${script} failed (${f.reason}): ${f.message}`;
}

function collect(result: DispatchResult, outcomes: readonly MacroOutcome[]): DispatchResult {
  for (const outcome of outcomes) {
    result.renderings.push(outcome.rendering);
    result.warnings.push(...outcome.warnings);
    if (outcome.failure) {
      result.failures.push(outcome.failure);
      result.counters.failed++;
    }
    if (outcome.kind !== 'lookup-failed') result.counters[outcome.kind]++;
  }
  return result;
}

/** The enabled macro scripts, or why they could not be listed. */
type Slugs = ReadonlySet<string> | Error;

const NO_SLUGS: ReadonlySet<string> = new Set();

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface DispatchOptions {
  /**
   * The enabled macro scripts when the caller has looked them up already (or why that failed); without
   * it they are looked up here, once, when a name is not built in.
   */
  scripts?: ReadonlySet<string> | Error;
}

/** What one macro came to; assembled in document order once every macro has run. */
interface MacroOutcome {
  rendering: MacroRendering;
  kind: 'builtin' | 'python' | 'unknown' | 'lookup-failed';
  failure?: MacroFailure;
  warnings: RenderWarning[];
}

export class MacroDispatcher {
  private readonly builtins: ReadonlyMap<string, BuiltinMacro>;

  constructor(private readonly options: MacroDispatcherOptions) {
    this.builtins = options.builtins ?? BUILTIN_MACROS;
  }

  /** True when `name` (lower case) is a built-in macro of this dispatcher. */
  isBuiltin(name: string): boolean {
    return this.builtins.has(name);
  }

  /**
   * The enabled macro scripts (none without a resolver), or why they could not be listed; at once when
   * the resolver knows them at once (a build's thousands of documents then wait for nothing).
   */
  scriptSlugs(): Slugs | Promise<Slugs> {
    const resolver = this.options.resolver;
    if (!resolver) return NO_SLUGS;
    let slugs: ReturnType<PythonMacroResolver['macroSlugs']>;
    try {
      slugs = resolver.macroSlugs();
    } catch (e) {
      return asError(e);
    }
    return isPromiseLike(slugs) ? Promise.resolve(slugs).then((set) => set, asError) : slugs;
  }

  /**
   * Renders the macros of one document. Built-ins run at once; Python macros all go to the resolver
   * together (its worker pool runs them side by side); renderings, failures and warnings come back in
   * the order of `macros` whatever order the scripts finish in: at once when no script runs.
   */
  render(
    macros: readonly Macro[],
    doc: MacroDocument,
    options: DispatchOptions = {},
  ): DispatchResult | Promise<DispatchResult> {
    const result: DispatchResult = {
      renderings: [],
      warnings: [],
      failures: [],
      counters: { builtin: 0, python: 0, unknown: 0, failed: 0 },
    };
    if (macros.length === 0) return result;

    let scripts: Slugs | Promise<Slugs> | undefined = options.scripts;
    const postJson = new PostJson(doc.post);
    const outcomes: (MacroOutcome | Promise<MacroOutcome>)[] = [];
    for (const macro of macros) {
      const builtin = this.builtins.get(macro.name);
      if (builtin) {
        outcomes.push(this.renderBuiltin(builtin, macro, doc));
        continue;
      }
      if (!this.options.resolver) {
        outcomes.push(unknownOutcome(macro));
        continue;
      }
      scripts ??= this.scriptSlugs();
      outcomes.push(this.renderNamed(scripts, macro, doc, postJson));
    }
    // Built-ins alone answer at once; a script's macro is a promise.
    if (outcomes.some(isPromiseLike)) {
      return Promise.all(outcomes).then((settled) => collect(result, settled));
    }
    return collect(result, outcomes as MacroOutcome[]);
  }

  /** A name that is not built in: a script's, an unknown one, or one we cannot tell. */
  private renderNamed(
    scripts: Slugs | Promise<Slugs>,
    macro: Macro,
    doc: MacroDocument,
    postJson: PostJson,
  ): MacroOutcome | Promise<MacroOutcome> {
    if (isPromiseLike(scripts)) return scripts.then((known) => this.renderNamed(known, macro, doc, postJson));
    const known = scripts;
    if (known instanceof Error) {
      // We cannot tell a script from imported `[[...]]` text: keep the text in the site, show it in preview.
      const failure = macroFailure(macro, 'lookup-failed', `Could not list macro scripts: ${known.message}`);
      return {
        rendering: doc.mode === 'preview' ? renderMacroErrorBox(failure) : null,
        kind: 'lookup-failed',
        failure,
        warnings: [],
      };
    }
    if (!known.has(macro.name)) return unknownOutcome(macro);
    return this.renderPython(this.options.resolver!, macro, doc, postJson);
  }

  private renderBuiltin(builtin: BuiltinMacro, macro: Macro, doc: MacroDocument): MacroOutcome {
    try {
      const rendering = builtin(macro.params, {
        macro,
        post: doc.post,
        data: this.options.data,
        language: doc.language,
        mode: doc.mode,
      });
      return { rendering, kind: 'builtin', warnings: [] };
    } catch (e) {
      const reason = e instanceof MacroParamError ? 'invalid-params' : 'exception';
      return failedOutcome('builtin', macroFailure(macro, reason, errorMessage(e)), doc);
    }
  }

  private async renderPython(
    resolver: PythonMacroResolver,
    macro: Macro,
    doc: MacroDocument,
    postJson: PostJson,
  ): Promise<MacroOutcome> {
    const fail = (reason: MacroFailureReason, message: string): MacroOutcome =>
      failedOutcome('python', macroFailure(macro, reason, message, macro.name), doc);
    const context: MacroContext = {
      params: { ...macro.params },
      language: doc.language,
      post_slug: doc.post?.slug ?? null,
      env: {
        isPreview: doc.mode === 'preview',
        mainLanguage: doc.mainLanguage,
        source: { kind: 'macro', id: macro.name },
      },
    };
    const call = new PythonCall(macro.name, context, postJson, macro);
    let outcome: unknown;
    try {
      outcome = await resolver.render(call);
    } catch (e) {
      return fail('exception', errorMessage(e));
    }
    if (typeof outcome !== 'object' || outcome === null || !('ok' in outcome)) {
      return fail('invalid-result', 'the macro runtime returned no result');
    }
    const o = outcome as {
      ok: unknown;
      html?: unknown;
      warnings?: unknown;
      reason?: unknown;
      message?: unknown;
    };
    if (o.ok !== true) {
      const reason = typeof o.reason === 'string' ? (o.reason as MacroFailureReason) : 'exception';
      return fail(reason, typeof o.message === 'string' ? o.message : 'the macro failed');
    }
    if (typeof o.html !== 'string') return fail('invalid-result', '"html" must be a string');
    const warnings: RenderWarning[] = [];
    if (Array.isArray(o.warnings)) {
      for (const w of o.warnings) {
        warnings.push({
          code: 'macro-warning',
          message: `macro "${macro.name}": ${String(w)}`,
          file: macro.file,
          line: macro.line,
          column: macro.column,
          text: macro.raw,
        });
      }
    }
    return { rendering: o.html, kind: 'python', warnings };
  }
}

/**
 * A document's post as JSON, made once for all its macros and only if a runtime reads it (a worker pool
 * has the worker serialise the post instead).
 */
class PostJson {
  private json?: string;

  constructor(readonly post: PostData | null) {}

  get text(): string {
    return (this.json ??= JSON.stringify(this.post ?? null));
  }
}

/**
 * A call whose postJson is its document's, made when first read. A class, because an object literal with
 * a getter costs about 3 µs to make, more than the rest of the call's dispatch.
 */
class PythonCall implements PythonMacroCall {
  readonly post: PostData | null;

  constructor(
    readonly slug: string,
    readonly context: MacroContext,
    private readonly doc: PostJson,
    readonly macro: Macro,
  ) {
    this.post = doc.post;
  }

  get postJson(): string {
    return this.doc.text;
  }
}

function macroFailure(
  macro: Macro,
  reason: MacroFailureReason,
  message: string,
  script?: string,
): MacroFailure {
  return {
    macro: macro.name,
    ...(script === undefined ? {} : { script }),
    file: macro.file,
    line: macro.line,
    column: macro.column,
    reason,
    message,
  };
}

/** A known macro that failed: empty in the site, an error box in preview. */
function failedOutcome(kind: 'builtin' | 'python', failure: MacroFailure, doc: MacroDocument): MacroOutcome {
  return {
    rendering: doc.mode === 'preview' ? renderMacroErrorBox(failure) : '',
    kind,
    failure,
    warnings: [],
  };
}

function unknownOutcome(macro: Macro): MacroOutcome {
  return {
    rendering: null,
    kind: 'unknown',
    warnings: [
      {
        code: 'macro-unknown',
        message: `Unknown macro "${macro.name}": no built-in and no enabled macro script has this name; the text is kept as written`,
        file: macro.file,
        line: macro.line,
        column: macro.column,
        text: macro.raw,
      },
    ],
  };
}
