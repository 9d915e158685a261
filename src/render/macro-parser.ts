// Finds the macros of a Markdown document the way the renderer does: markdown-it parses it with the
// macro rules, so a `[[...]]` in code, raw HTML or a link destination is not a macro. The editor marks
// macros with this too (it imports nothing of Node).
import { MacroScan, type MacroScanOptions, macroMeta } from './macro-rules.js';
import { markdownEngine, type BdsEnv } from './markdown-engine.js';
import type { Macro, RenderWarning } from './types.js';

export type ParseOptions = MacroScanOptions;

export interface ParsedMacros {
  /** The macros, in source order. */
  macros: Macro[];
  /** Well-formed `[[name ...]]` in text whose names `isMacro` refused: Markdown keeps them as text. */
  unknown: Macro[];
  /** Malformed macros in text (kept as text). */
  warnings: RenderWarning[];
  /** Characters the macro grammar looked at (the linearity tests count them). */
  steps: number;
}

/** Parses every macro of a Markdown document. Never throws; problems become warnings. */
export function parseMacros(source: string, options: ParseOptions = {}): ParsedMacros {
  if (!mayContainMacros(source)) return { macros: [], unknown: [], warnings: [], steps: 0 };
  const scan = new MacroScan(source, options);
  const env: BdsEnv = { bdsMacros: scan };
  const tokens = markdownEngine().parse(source, env);
  const macros = scan
    .placedIn(tokens, env)
    .map((m) => macroMeta(m.token).macro)
    .sort((a, b) => a.start - b.start);
  return { macros, unknown: scan.unknown, warnings: scan.warnings, steps: scan.steps };
}

/** True when the source may hold a macro or an escaped macro (the cheap test before parsing). */
export function mayContainMacros(source: string): boolean {
  return source.includes('[[');
}
