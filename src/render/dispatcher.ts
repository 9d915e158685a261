// MacroDispatcher: renders a document's macros in order. A built-in always wins; any other name goes
// to an enabled macro script through the PythonMacroResolver; an unknown name stays as written.
import { BUILTIN_MACROS } from './builtins/index.js';
import { MacroParamError, type BuiltinMacro } from './builtins/types.js';
import { escapeHtml } from './html.js';
import type {
  Macro,
  MacroContext,
  MacroFailure,
  MacroFailureReason,
  PostData,
  PythonMacroCall,
  PythonMacroResolver,
  RenderData,
  RenderMode,
  RenderWarning,
} from './types.js';

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

export interface MacroCounters {
  /** Macros handled by a built-in (including failed ones). */
  builtin: number;
  /** Macros handled by a Python script (including failed ones). */
  python: number;
  /** Macros with no built-in and no enabled script; left as written. */
  unknown: number;
  /** Known macros that failed (also listed in `failures`). */
  failed: number;
}

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

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class MacroDispatcher {
  private readonly builtins: ReadonlyMap<string, BuiltinMacro>;

  constructor(private readonly options: MacroDispatcherOptions) {
    this.builtins = options.builtins ?? BUILTIN_MACROS;
  }

  /**
   * Renders the macros one after another (a site build runs documents in parallel instead, which keeps
   * each page's output and failure order deterministic).
   */
  async render(macros: readonly Macro[], doc: MacroDocument): Promise<DispatchResult> {
    const result: DispatchResult = {
      renderings: [],
      warnings: [],
      failures: [],
      counters: { builtin: 0, python: 0, unknown: 0, failed: 0 },
    };
    if (macros.length === 0) return result;

    let scripts: Promise<ReadonlySet<string> | Error> | undefined;
    let postJson: string | undefined;
    const fail = (
      macro: Macro,
      reason: MacroFailureReason,
      message: string,
      script?: string,
    ): MacroRendering => {
      const failure: MacroFailure = {
        macro: macro.name,
        ...(script === undefined ? {} : { script }),
        file: macro.file,
        line: macro.line,
        column: macro.column,
        reason,
        message,
      };
      result.failures.push(failure);
      result.counters.failed++;
      return doc.mode === 'preview' ? renderMacroErrorBox(failure) : '';
    };

    for (const macro of macros) {
      const builtin = this.builtins.get(macro.name);
      if (builtin) {
        result.counters.builtin++;
        result.renderings.push(this.renderBuiltin(builtin, macro, doc, fail));
        continue;
      }
      const resolver = this.options.resolver;
      if (!resolver) {
        result.renderings.push(this.unknown(macro, result));
        continue;
      }
      scripts ??= Promise.resolve()
        .then(() => resolver.macroSlugs())
        .catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
      const known = await scripts;
      if (known instanceof Error) {
        // We cannot tell a script from imported `[[...]]` text: keep the text in the site, show it in preview.
        const box = fail(macro, 'lookup-failed', `Could not list macro scripts: ${known.message}`);
        result.renderings.push(doc.mode === 'preview' ? box : null);
        continue;
      }
      if (!known.has(macro.name)) {
        result.renderings.push(this.unknown(macro, result));
        continue;
      }
      result.counters.python++;
      postJson ??= JSON.stringify(doc.post ?? null);
      result.renderings.push(await this.renderPython(resolver, macro, doc, postJson, result, fail));
    }
    return result;
  }

  private renderBuiltin(
    builtin: BuiltinMacro,
    macro: Macro,
    doc: MacroDocument,
    fail: (m: Macro, r: MacroFailureReason, msg: string) => MacroRendering,
  ): MacroRendering {
    try {
      return builtin(macro.params, {
        macro,
        post: doc.post,
        data: this.options.data,
        language: doc.language,
        mode: doc.mode,
      });
    } catch (e) {
      return fail(macro, e instanceof MacroParamError ? 'invalid-params' : 'exception', errorMessage(e));
    }
  }

  private async renderPython(
    resolver: PythonMacroResolver,
    macro: Macro,
    doc: MacroDocument,
    postJson: string,
    result: DispatchResult,
    fail: (m: Macro, r: MacroFailureReason, msg: string, script?: string) => MacroRendering,
  ): Promise<MacroRendering> {
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
    const call: PythonMacroCall = { slug: macro.name, context, post: doc.post, postJson, macro };
    let outcome: unknown;
    try {
      outcome = await resolver.render(call);
    } catch (e) {
      return fail(macro, 'exception', errorMessage(e), macro.name);
    }
    if (typeof outcome !== 'object' || outcome === null || !('ok' in outcome)) {
      return fail(macro, 'invalid-result', 'the macro runtime returned no result', macro.name);
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
      return fail(macro, reason, typeof o.message === 'string' ? o.message : 'the macro failed', macro.name);
    }
    if (typeof o.html !== 'string') {
      return fail(macro, 'invalid-result', '"html" must be a string', macro.name);
    }
    if (Array.isArray(o.warnings)) {
      for (const w of o.warnings) {
        result.warnings.push({
          code: 'macro-warning',
          message: `macro "${macro.name}": ${String(w)}`,
          file: macro.file,
          line: macro.line,
          column: macro.column,
          text: macro.raw,
        });
      }
    }
    return o.html;
  }

  private unknown(macro: Macro, result: DispatchResult): MacroRendering {
    result.counters.unknown++;
    result.warnings.push({
      code: 'macro-unknown',
      message: `Unknown macro "${macro.name}": no built-in and no enabled macro script has this name; the text is kept as written`,
      file: macro.file,
      line: macro.line,
      column: macro.column,
      text: macro.raw,
    });
    return null;
  }
}
