// Python in the application: one runtime per open workspace (started lazily), the macro resolver the
// render pipeline uses, script checks and utility runs. Every path passes the same ABI v1 context.
import path from 'node:path';
import type { MacroContextV1, PostDataV1, ScriptCheck, UtilityContext } from '../core/abi.js';
import { BdsError, isBdsError } from '../core/errors.js';
import type {
  BatchMacroCall,
  DocumentContext,
  DocumentInput,
  DocumentJobResult,
  DocumentRenderer,
  DocumentScript,
  DocumentSetup,
  DocumentWork,
  RenderedDocumentJob,
} from '../render/types.js';
import { withSource } from '../render/document-job.js';
import type { PythonMacroCall, PythonMacroOutcome, PythonMacroResolver } from '../render/types.js';
import { createPythonRuntime, macroFailureOutcome } from '../scripting/index.js';
import type {
  PythonCallOptions,
  PythonRuntime,
  PythonRuntimeOptions,
  PythonScriptRef,
} from '../scripting/index.js';
import { entrypointWarnings } from '../scripting/scripts/entrypoint.js';
import type { Script } from '../scripting/scripts/script-store.js';
import type { ScriptRun } from '../store/index.js';
import type { MachineSettings } from './machine-settings.js';
import type { AppServices } from './services.js';
import { scriptRef } from '../scripting/scripts/script-ref.js';

export { scriptRef };

/**
 * Create a runtime with `bds_api` installed in every interpreter, in the mode, size and time limits of
 * this machine's settings (never bds.json: a pulled file must not weaken the runtime's defences).
 */
export function createWorkspaceRuntime(
  home: string,
  machine: MachineSettings,
  bdsApiModule: string,
  options: PythonRuntimeOptions = {},
): PythonRuntime {
  return createPythonRuntime({
    mode: machine.pythonRuntimeMode,
    size: machine.pythonPoolSize,
    // The snapshot is a whole interpreter's memory (executable state): it lives in the user's BDS_HOME,
    // never in a project folder that could arrive from someone else.
    snapshotCacheDir: path.join(home, 'cache', 'python'),
    ...options,
    timeouts: { macro: machine.macroTimeoutMs, utility: machine.utilityTimeoutMs, ...options.timeouts },
    preludeModules: { bds_api: bdsApiModule, ...options.preludeModules },
  });
}

function assertTrusted(s: Script): void {
  if (!s.trusted) {
    throw new BdsError('script-untrusted', `Script "${s.slug}" changed outside bds and is not trusted yet`, {
      file: s.path,
    });
  }
}

/** Macro scripts by slug, looked up once per workspace until its scripts change (a build asks per macro). */
export class MacroScriptCache {
  private readonly scripts = new Map<string, Script | null>();

  constructor(private readonly lookup: (slug: string) => Script | undefined) {}

  get(slug: string): Script | undefined {
    let s = this.scripts.get(slug);
    if (s === undefined) {
      s = this.lookup(slug) ?? null;
      this.scripts.set(slug, s);
    }
    return s ?? undefined;
  }

  clear(): void {
    this.scripts.clear();
  }
}

const TRUST_RECHECK_MS = 1000;

/** Numbers the contexts of builds that render documents on workers. */
let documentContexts = 0;
/** Documents sent with their context until this many have come back rendered. */
const CONTEXT_WITH_FIRST = 8;

/** Macros sent to a worker in one batch at most. */
export const MACRO_BATCH_MAX = 32;

/**
 * Gathers the macros a build's documents wait on into batches for the workers: a batch goes once it is
 * full, or when the host has nothing else to do (every document started is waiting). A worker then runs
 * Python calls back to back instead of between Markdown renders, and the host sends one message per
 * batch instead of one per macro. A batch that fails (a macro ran too long, a worker crashed) runs its
 * macros again one by one, each with its own time limit.
 */
export class MacroBatcher {
  private waiting: { call: PythonMacroCall; resolve: (outcome: PythonMacroOutcome) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly send: (calls: BatchMacroCall[]) => Promise<PythonMacroOutcome[] | undefined>,
    private readonly one: (call: PythonMacroCall) => Promise<PythonMacroOutcome>,
    private readonly max = MACRO_BATCH_MAX,
  ) {}

  add(call: PythonMacroCall): Promise<PythonMacroOutcome> {
    return new Promise((resolve) => {
      this.waiting.push({ call, resolve });
      if (this.waiting.length >= this.max) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  private flush(): void {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    const calls = batch.map(({ call }) => ({ slug: call.slug, context: call.context, post: call.post }));
    void this.send(calls)
      .catch(() => undefined)
      .then((outcomes) => {
        if (outcomes?.length === batch.length) {
          batch.forEach((waiter, i) => waiter.resolve(outcomes[i]!));
          return;
        }
        for (const waiter of batch) {
          void this.one(waiter.call).then(waiter.resolve, (e: unknown) =>
            waiter.resolve(macroFailureOutcome(e)),
          );
        }
      });
  }
}

/**
 * With this many workers or more, documents with script macros render whole on them; with fewer, on the
 * host with their macros batched. On the host the Markdown stays with the thread that renders every
 * other document and the workers only run Python: with two cores that is the faster (measured with
 * `bench:site`), and the workers' Markdown pays off only with cores to spare.
 */
export const WHOLE_DOCUMENTS_MIN_WORKERS = 4;

function untrustedMessage(script: Script): string {
  return `untrusted: ${script.path} changed outside bds; run \`bds script trust ${script.slug}\``;
}

/** Resolves `[[name]]` to enabled macro scripts and runs them (untrusted ones fail with "untrusted"). */
export class WorkspaceMacroResolver implements PythonMacroResolver {
  /** Script hashes found trusted, until when: a build asks once per script, not once per macro. */
  private readonly trustedUntil = new Map<string, number>();

  constructor(
    private readonly app: Pick<AppServices, 'scripts' | 'apiHandler'>,
    private readonly cache: MacroScriptCache,
    private readonly runtime: () => PythonRuntime,
  ) {}

  /**
   * Trust granted from another terminal counts at once (an untrusted answer is never kept); trust taken
   * back by editing the trust file counts within TRUST_RECHECK_MS.
   */
  private trusted(script: Script): boolean {
    const now = performance.now();
    if ((this.trustedUntil.get(script.hash) ?? 0) > now) return true;
    if (!this.app.scripts.isTrusted(script)) return false;
    this.trustedUntil.set(script.hash, now + TRUST_RECHECK_MS);
    return true;
  }

  macroSlugs(): ReadonlySet<string> {
    return new Set(this.app.scripts.enabledMacroSlugs());
  }

  /**
   * Documents whose macros call scripts render on the pool's workers (render/document-job.ts): the
   * scripts and their trust are taken now, for the whole build.
   */
  documents(setup: DocumentSetup, whole?: boolean): DocumentRenderer | undefined {
    const runtime = this.runtime();
    const renderDocument = runtime.renderDocument?.bind(runtime);
    if (runtime.mode !== 'worker' || !renderDocument) return undefined;
    // Trust as it stands when the build starts holds for the whole build.
    const all = this.app.scripts.enabledMacroSlugs();
    const scripts: DocumentScript[] = [];
    for (const slug of all) {
      const script = this.cache.get(slug);
      if (!script) continue;
      const ref = scriptRef(script);
      const trusted = this.trusted(script);
      scripts.push({
        slug,
        id: script.id,
        cacheKey: `${ref.id}:${ref.version}`,
        // An untrusted script's code does not leave the host.
        source: trusted ? ref.source : '',
        entrypoint: ref.entrypoint ?? 'render',
        filename: ref.filename ?? script.path,
        lineOffset: ref.lineOffset ?? 0,
        ...(trusted ? {} : { untrusted: untrustedMessage(script) }),
      });
    }
    const wholeDocuments = whole ?? (runtime.size ?? 1) >= WHOLE_DOCUMENTS_MIN_WORKERS;
    // Batches of macros need only the scripts: the post URLs (a build's every post) do not go.
    const shown = wholeDocuments
      ? setup
      : { ...setup, postUrls: new Map<string, string>(), mediaUrls: undefined };
    const context: DocumentContext = { ...shown, slugs: all, scripts, macroTimeoutMs: 0 };
    const contextId = `${process.pid}:${++documentContexts}`;
    const apiHandler = this.app.apiHandler('macro');
    const slugs = new Set(all);
    // The first jobs carry the context; a worker that has not got it asks, and the job goes again with it.
    let answered = 0;
    const run = async (job: DocumentWork): Promise<DocumentJobResult | undefined> => {
      try {
        let result = await renderDocument(
          answered < CONTEXT_WITH_FIRST ? { contextId, context, ...job } : { contextId, ...job },
          { apiHandler },
        );
        if (result.kind === 'context-needed') {
          result = await renderDocument({ contextId, context, ...job }, { apiHandler });
        }
        if (result.kind === 'context-needed' || result.kind === 'host') return undefined;
        answered++;
        return result;
      } catch {
        // A time limit, a crash, a worker that cannot: the host does it, each macro on its own.
        return undefined;
      }
    };
    const batches = new MacroBatcher(
      async (calls) => {
        const result = await run({ macros: calls });
        return result?.kind === 'macros' ? result.outcomes : undefined;
      },
      (call) => this.render(call),
    );
    return {
      slugs,
      media: setup.mediaUrls !== undefined,
      wholeDocuments,
      render: async (doc: DocumentInput): Promise<RenderedDocumentJob | undefined> => {
        const result = await run({ doc });
        return result?.kind === 'rendered' ? result : undefined;
      },
      macro: (call) => batches.add(call),
    };
  }

  /** The script and context a call runs with, for a runtime elsewhere (the browser's); trusted scripts unless asked. */
  plan(
    call: PythonMacroCall,
    options: { untrusted: boolean } = { untrusted: false },
  ): { script: PythonScriptRef; context: MacroContextV1 } | undefined {
    const script = this.cache.get(call.slug);
    if (!script || (!options.untrusted && !this.trusted(script))) return undefined;
    return { script: scriptRef(script), context: withSource(call.context, script) };
  }

  async render(call: PythonMacroCall): Promise<PythonMacroOutcome> {
    const script = this.cache.get(call.slug);
    if (!script) return { ok: false, reason: 'exception', message: `No enabled macro script "${call.slug}"` };
    if (!this.trusted(script)) return { ok: false, reason: 'untrusted', message: untrustedMessage(script) };
    const runtime = this.runtime();
    try {
      const context = withSource(call.context, script);
      const options: PythonCallOptions & { postJson?: string } = { apiHandler: this.app.apiHandler('macro') };
      // Workers serialise the post themselves, off the thread that renders the documents.
      if (runtime.mode !== 'worker') options.postJson = call.postJson;
      const out = await runtime.renderMacro(
        scriptRef(script),
        context,
        call.post as PostDataV1 | null,
        options,
      );
      return { ok: true, html: out.html, warnings: out.warnings };
    } catch (e) {
      return macroFailureOutcome(e);
    }
  }
}

export interface CheckReport extends ScriptCheck {
  warnings: string[];
}

/** Syntax errors with positions, top-level functions, and whether the entrypoint fits the kind. */
export async function checkScript(runtime: PythonRuntime, s: Script): Promise<CheckReport> {
  const check = await runtime.checkScript(s.code, { filename: s.path, lineOffset: s.codeLine - 1 });
  return { ...check, warnings: entrypointWarnings(check, s) };
}

export interface UtilityRunReport {
  script: string;
  status: ScriptRun['status'];
  value?: unknown;
  error?: { code: string; message: string; line?: number };
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Run a utility script with `main(context)`; output streams live and the run is kept in its history. */
export async function runUtility(
  app: Pick<AppServices, 'project' | 'scripts' | 'apiHandler'>,
  runtime: PythonRuntime,
  s: Script,
  args: Record<string, unknown>,
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void,
  signal?: AbortSignal,
): Promise<UtilityRunReport> {
  assertTrusted(s);
  const startedAt = new Date();
  let stdout = '';
  let stderr = '';
  const output = (stream: 'stdout' | 'stderr', text: string) => {
    if (stream === 'stdout') stdout += text;
    else stderr += text;
    onOutput?.(stream, text);
  };
  const context: UtilityContext = {
    params: args as UtilityContext['params'],
    env: { mainLanguage: app.project.settings.mainLanguage, source: { kind: 'script', id: s.id } },
  };
  let report: UtilityRunReport;
  try {
    const r = await runtime.runUtility(scriptRef(s), context, {
      onOutput: output,
      apiHandler: app.apiHandler('utility'),
      ...(signal ? { signal } : {}),
    });
    report = {
      script: s.slug,
      status: 'ok',
      value: r.value,
      stdout: stdout || r.stdout,
      stderr: stderr || r.stderr,
      durationMs: r.durationMs,
    };
  } catch (e) {
    const err = isBdsError(e) ? e : new BdsError('python-error', e instanceof Error ? e.message : String(e));
    report = {
      script: s.slug,
      status: err.code === 'python-timeout' ? 'timeout' : err.code === 'task-cancelled' ? 'stopped' : 'error',
      error: { code: err.code, message: err.message, line: err.line },
      stdout,
      stderr,
      durationMs: Date.now() - startedAt.getTime(),
    };
  }
  app.scripts.addRun({
    scriptId: s.id,
    startedAt: startedAt.toISOString(),
    durationMs: report.durationMs,
    status: report.status,
    output: `${report.stdout}${report.stderr}`.slice(0, 64 * 1024),
    result: report.status === 'ok' ? report.value : report.error,
  });
  return report;
}
