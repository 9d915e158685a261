// The transform pipeline of a blogmark: the enabled, trusted `transform` scripts run over the starting post
// in their order (then slug), each on the post the previous one left. A script that raises, runs past its
// time limit or returns something that is not a post is recorded and passed over; the post stays as it
// was before it. Transforms may read the blog through bds_api and tell the user things with `toast`.
import type { JsonValue, TransformContext, TransformPost } from '../core/abi.js';
import { BdsError, isBdsError } from '../core/errors.js';
import { TOAST_LIMITS } from '../scripting/api/contract.js';
import type { ApiHandler, PythonRuntime } from '../scripting/index.js';
import type { Script } from '../scripting/scripts/script-store.js';
import type { ScriptRun } from '../store/index.js';
import { scriptRef } from './python.js';
import type { AppServices } from './services.js';

export interface TransformStep {
  id: string;
  slug: string;
  title: string;
  order: number;
}

export interface SkippedTransform extends TransformStep {
  reason: 'disabled' | 'untrusted';
}

export interface TransformPlan {
  /** Scripts that will run, in their order. */
  run: Script[];
  skipped: SkippedTransform[];
}

export interface AppliedTransform extends TransformStep {
  /** False when the script gave the post back as it was. */
  changed: boolean;
  ms: number;
}

export interface FailedTransform extends TransformStep {
  /** `python-error`, `python-timeout`, `python-invalid-result`... */
  code: string;
  message: string;
  line?: number;
}

export interface Toast {
  script: string;
  message: string;
}

export interface PipelineResult {
  post: TransformPost;
  applied: AppliedTransform[];
  errors: FailedTransform[];
  toasts: Toast[];
  /** Toasts past the limits, or empty: counted, not shown. */
  toastsDropped: number;
  /** One per script that ran, for its run history. */
  runs: ScriptRun[];
}

const step = (s: Script): TransformStep => ({ id: s.id, slug: s.slug, title: s.title, order: s.order });

/** Which transforms a capture runs now, and which it passes over (and why). */
export function transformPlan(app: Pick<AppServices, 'scripts'>): TransformPlan {
  const enabled = app.scripts.enabledTransforms();
  const run = enabled.filter((s) => s.trusted);
  const skipped: SkippedTransform[] = [
    ...enabled.filter((s) => !s.trusted).map((s) => ({ ...step(s), reason: 'untrusted' as const })),
    ...app.scripts
      .list()
      .filter((s) => s.kind === 'transform' && !s.enabled)
      .map((s) => ({ ...step(s), reason: 'disabled' as const })),
  ];
  return { run, skipped };
}

/** The toasts of one capture, within TOAST_LIMITS. */
export class ToastCollector {
  readonly toasts: Toast[] = [];
  dropped = 0;
  private readonly perScript = new Map<string, number>();

  /** True when the message will be shown. */
  add(script: string, message: string): boolean {
    const text = [...message.trim()].slice(0, TOAST_LIMITS.chars).join('');
    if (text === '') return false;
    const mine = this.perScript.get(script) ?? 0;
    if (mine >= TOAST_LIMITS.perScript || this.toasts.length >= TOAST_LIMITS.perCapture) {
      this.dropped++;
      return false;
    }
    this.perScript.set(script, mine + 1);
    this.toasts.push({ script, message: text });
    return true;
  }

  /** bds_api for one script: `app.toast` lands here, everything else goes to the transform's handler. */
  handler(script: string, base: ApiHandler): ApiHandler {
    return (method, args: Record<string, JsonValue>, blocking) => {
      if (method !== 'app.toast') return base(method, args, blocking);
      const message = args.message;
      if (typeof message !== 'string') {
        throw new BdsError('invalid-argument', 'app.toast: "message" must be a string');
      }
      return this.add(script, message);
    };
  }
}

function failure(s: Script, e: unknown): FailedTransform {
  const err = isBdsError(e) ? e : new BdsError('python-error', e instanceof Error ? e.message : String(e));
  return { ...step(s), code: err.code, message: err.message, ...(err.line ? { line: err.line } : {}) };
}

function runStatus(code: string): ScriptRun['status'] {
  return code === 'python-timeout' ? 'timeout' : code === 'task-cancelled' ? 'stopped' : 'error';
}

/** Run `plan.run` over `start`, one after the other. Never throws for what a script does. */
export async function runTransforms(
  app: Pick<AppServices, 'apiHandler'>,
  runtime: PythonRuntime,
  plan: TransformPlan,
  start: TransformPost,
  context: TransformContext,
  signal?: AbortSignal,
): Promise<PipelineResult> {
  const toasts = new ToastCollector();
  const base = app.apiHandler('transform');
  const applied: AppliedTransform[] = [];
  const errors: FailedTransform[] = [];
  const runs: ScriptRun[] = [];
  let post = start;
  for (const s of plan.run) {
    if (signal?.aborted) break;
    const startedAt = new Date();
    const t0 = performance.now();
    try {
      const r = await runtime.runTransform(scriptRef(s), post, context, {
        apiHandler: toasts.handler(s.slug, base),
        ...(signal ? { signal } : {}),
      });
      post = r.post;
      const ms = performance.now() - t0;
      applied.push({ ...step(s), changed: r.changed, ms });
      runs.push({
        scriptId: s.id,
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(ms),
        status: 'ok',
        output: `${r.stdout}${r.stderr}`.slice(0, 64 * 1024),
        result: { changed: r.changed },
      });
    } catch (e) {
      const failed = failure(s, e);
      errors.push(failed);
      const details = isBdsError(e) ? e.details : undefined;
      const output = [details?.stdout, details?.stderr].filter((x) => typeof x === 'string').join('');
      runs.push({
        scriptId: s.id,
        startedAt: startedAt.toISOString(),
        durationMs: Math.round(performance.now() - t0),
        status: runStatus(failed.code),
        output: output.slice(0, 64 * 1024),
        result: { code: failed.code, message: failed.message, ...(failed.line ? { line: failed.line } : {}) },
      });
    }
  }
  return { post, applied, errors, toasts: toasts.toasts, toastsDropped: toasts.dropped, runs };
}
