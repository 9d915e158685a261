// The messages between the app page and the Python frame (a hidden frame of the preview origin that
// owns the browser's Python worker). Each side checks the other's origin and window.
import type {
  MacroContextV1,
  ScriptCheck,
  TransformContext,
  TransformPost,
  UtilityContext,
} from '../../../src/core/abi.js';
import type { PythonScriptRef } from '../../../src/scripting/runtime/types.js';

export const FRAME_MESSAGE = 'bds-python';

export type FrameRequest =
  /**
   * Run the trusted Python macros of a draft: answers `{outputs, calls, ms}`. `sandbox`: scripts not
   * trusted yet run too, every one without bds_api.
   */
  | { op: 'draft'; postId: string; title: string; body: string; sandbox?: boolean }
  /** Syntax and entrypoints with Python's own parser: answers a ScriptCheck. */
  | { op: 'check'; source: string; filename: string; lineOffset: number }
  /**
   * Run a script. `sandbox`: no bds_api at all (a script not trusted yet). Answers the run's value with
   * its output and duration.
   */
  | {
      op: 'run';
      script: PythonScriptRef;
      sandbox: boolean;
      call:
        | { kind: 'macro'; context: MacroContextV1; post: unknown }
        | { kind: 'transform'; post: TransformPost; context: TransformContext }
        | { kind: 'utility'; context: UtilityContext };
      timeoutMs?: number;
    }
  | { op: 'stop'; target: number };

export type FrameRequestMessage = FrameRequest & { type: typeof FRAME_MESSAGE; id: number };

export interface FrameError {
  code: string;
  message: string;
  line?: number;
  column?: number;
}

export interface RuntimeInfo {
  pythonVersion: string;
  pyodideVersion: string;
  loadMs: number;
  /** The frame is cross-origin isolated: interrupts reach Python without restarting the worker. */
  isolated: boolean;
}

export type FrameEvent =
  | { event: 'ready'; info: RuntimeInfo }
  | { event: 'failed'; message: string }
  | { event: 'output'; id: number; stream: 'stdout' | 'stderr'; text: string }
  | { event: 'result'; id: number; ok: true; value: unknown }
  | { event: 'result'; id: number; ok: false; error: FrameError };

export type FrameEventMessage = FrameEvent & { type: typeof FRAME_MESSAGE };

/** What `draft` answers: the macro outputs by call key, as the preview's render takes them. */
export interface DraftMacros {
  outputs: Record<
    string,
    { ok: true; html: string; warnings: readonly string[] } | { ok: false; reason: string; message: string }
  >;
  calls: number;
  ms: number;
}

export type { ScriptCheck };
