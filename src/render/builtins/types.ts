// What a built-in macro receives and how it reports a bad parameter.
import type { Macro, MacroParamValue, PostData, RenderData, RenderMode } from '../types.js';

export interface BuiltinContext {
  macro: Macro;
  post: PostData | null;
  data: RenderData;
  /** The document's language (the post's, else the project's main language). */
  language: string;
  mode: RenderMode;
}

/** A built-in renders synchronously to HTML; it throws `MacroParamError` for an invalid parameter. */
export type BuiltinMacro = (
  params: Readonly<Record<string, MacroParamValue>>,
  context: BuiltinContext,
) => string;

/** An invalid parameter of a built-in macro: a macro failure with reason `invalid-params`. */
export class MacroParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MacroParamError';
  }
}
