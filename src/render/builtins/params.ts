// Reading typed macro parameters: built-ins accept `n=3` and `n="3"` alike.
import type { MacroParamValue } from '../types.js';

type Params = Readonly<Record<string, MacroParamValue>>;

/** The parameter as trimmed text; a bare flag (`true`) and a missing key give undefined. */
export function textParam(params: Params, key: string): string | undefined {
  const v = params[key];
  if (v === undefined || typeof v === 'boolean') return undefined;
  return String(v).trim();
}

/** The parameter as an integer, or undefined when missing or not an integer. */
export function intParam(params: Params, key: string): number | undefined {
  const v = params[key];
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
  return undefined;
}

/** An integer within [min, max], else the fallback. */
export function intInRange(params: Params, key: string, min: number, max: number, fallback: number): number {
  const n = intParam(params, key);
  return n !== undefined && n >= min && n <= max ? n : fallback;
}
