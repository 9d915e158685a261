// The macro grammar: reads one `[[name key="value" n=42 flag]]` at a given position. It knows nothing of
// Markdown (the markdown-it rules in macro-rules.ts decide where a macro may start); it never throws.
//
// Grammar (one line; a macro never spans lines):
//   macro  = "[[" name { ws+ param } ws* "]]"
//   name   = [A-Za-z0-9_]+            (lower-cased: names match ignoring case)
//   param  = key [ "=" value ]        (a bare key is the flag `true`)
//   key    = [A-Za-z0-9_-]+
//   value  = '"' chars '"' | "'" chars "'" | unquoted
//   Quoted values take backslash escapes (\" \' \\ \n \t, and \X → X); they are always strings.
//   An unquoted value runs to whitespace or `]` and holds no `[`; `true`/`false` become booleans, and a
//   number becomes a number only when it prints back the same (so `007` and long ids stay strings).
//   The last of duplicate keys wins.
// `[[` not followed by a name character (`[[ x]]`, `[[[`), a name followed by anything other than
// whitespace or `]]` (`[[Page|Label]]`), and a `|` where a parameter should start (`[[Old Page|x]]`, a
// wiki link) are not macros. Anything else that starts like a macro but breaks the grammar is malformed.
import type { MacroParamValue } from './types.js';

const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const PIPE = 0x7c;
const EQUALS = 0x3d;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;

function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
}

function isKeyChar(c: number): boolean {
  return isNameChar(c) || c === 0x2d;
}

function isLineBreak(c: number): boolean {
  return c === LF || c === CR;
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** Types an unquoted value: booleans, numbers that print back the same, else the string. */
export function typeUnquotedValue(text: string): MacroParamValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n) && String(n) === text) return n;
  }
  return text;
}

export type MacroAttempt =
  | { kind: 'macro'; name: string; params: Record<string, MacroParamValue>; end: number }
  | { kind: 'none' }
  | { kind: 'malformed'; message: string };

/** The outcome of scanning a macro without building its parameters. */
export type MacroShape =
  { kind: 'macro'; name: string; end: number } | { kind: 'none' } | { kind: 'malformed' };

const QUOTED_ESCAPES: Record<string, string> = { n: '\n', t: '\t' };

/** Reads a macro whose `[[` is at `start`, with its typed parameters; stops at the end of the line. */
export function readMacro(src: string, start: number): MacroAttempt {
  const len = src.length;
  let i = start + 2;
  const nameStart = i;
  while (i < len && isNameChar(src.charCodeAt(i))) i++;
  if (i === nameStart) return { kind: 'none' };
  const name = src.slice(nameStart, i).toLowerCase();
  // A Map while reading (a key such as "__proto__" is just a key), an object made at the end.
  const params = new Map<string, MacroParamValue>();
  const afterName = i < len ? src.charCodeAt(i) : -1;
  if (!isBlank(afterName) && afterName !== CLOSE_BRACKET && afterName !== -1 && !isLineBreak(afterName)) {
    return { kind: 'none' };
  }
  if (afterName === CLOSE_BRACKET && src.charCodeAt(i + 1) !== CLOSE_BRACKET) return { kind: 'none' };
  for (;;) {
    const beforeSpace = i;
    while (i < len && isBlank(src.charCodeAt(i))) i++;
    if (i >= len || isLineBreak(src.charCodeAt(i))) {
      return { kind: 'malformed', message: `macro "${name}" is missing its closing "]]"` };
    }
    const c = src.charCodeAt(i);
    if (c === CLOSE_BRACKET && src.charCodeAt(i + 1) === CLOSE_BRACKET) {
      return { kind: 'macro', name, params: Object.fromEntries(params), end: i + 2 };
    }
    // `[[Some Page|label]]` is a wiki link from an imported post, not a broken macro.
    if (c === PIPE) return { kind: 'none' };
    if (i === beforeSpace) {
      return { kind: 'malformed', message: `macro "${name}" needs a space before "${src[i]}"` };
    }
    const keyStart = i;
    while (i < len && isKeyChar(src.charCodeAt(i))) i++;
    if (i === keyStart) {
      return {
        kind: 'malformed',
        message: `macro "${name}" has an unexpected "${src[i]}" where a parameter name was expected`,
      };
    }
    const key = src.slice(keyStart, i);
    if (src.charCodeAt(i) !== EQUALS) {
      params.set(key, true);
      continue;
    }
    i++;
    const q = i < len ? src.charCodeAt(i) : -1;
    if (q === DOUBLE_QUOTE || q === SINGLE_QUOTE) {
      i++;
      let value = '';
      let chunkStart = i;
      let closed = false;
      while (i < len) {
        const ch = src.charCodeAt(i);
        if (ch === q) {
          value += src.slice(chunkStart, i);
          i++;
          closed = true;
          break;
        }
        if (isLineBreak(ch)) break;
        if (ch === BACKSLASH && i + 1 < len && !isLineBreak(src.charCodeAt(i + 1))) {
          value += src.slice(chunkStart, i);
          const next = src[i + 1]!;
          value += QUOTED_ESCAPES[next] ?? next;
          i += 2;
          chunkStart = i;
          continue;
        }
        i++;
      }
      if (!closed) {
        return {
          kind: 'malformed',
          message: `macro "${name}" has an unterminated quoted value for "${key}"`,
        };
      }
      params.set(key, value);
      const after = i < len ? src.charCodeAt(i) : -1;
      if (!isBlank(after) && after !== CLOSE_BRACKET) {
        return {
          kind: 'malformed',
          message:
            after === -1 || isLineBreak(after)
              ? `macro "${name}" is missing its closing "]]"`
              : `macro "${name}" needs a space after the value of "${key}"`,
        };
      }
      continue;
    }
    const valueStart = i;
    while (i < len) {
      const ch = src.charCodeAt(i);
      if (isBlank(ch) || ch === CLOSE_BRACKET || ch === OPEN_BRACKET || isLineBreak(ch)) break;
      i++;
    }
    params.set(key, typeUnquotedValue(src.slice(valueStart, i)));
    const stop = src.charCodeAt(i);
    if (stop === OPEN_BRACKET || (stop === CLOSE_BRACKET && src.charCodeAt(i + 1) !== CLOSE_BRACKET)) {
      return {
        kind: 'malformed',
        message: `macro "${name}" has a "${src[i]}" in the unquoted value of "${key}"; quote it`,
      };
    }
  }
}

const UNKNOWN = -2;
const UNCLOSED = -1;

/**
 * What earlier scans of one string found, so that scanning every `[[` of a line stays linear: a later
 * macro can start inside an earlier one's quoted value (`[[a b="\" [[a b="\" ...`), and would otherwise
 * read the same text again. Two scans of a quoted value with the same quote character agree from the
 * first position both visit, so each position remembers where its quoted value closes; and what follows
 * a closing quote does not depend on where the macro started, so each closing quote remembers the outcome.
 */
export class MacroScanMemo {
  /** Characters the scans looked at (what the linearity tests count). */
  steps = 0;
  private readonly closes = new Map<number, Int32Array>();
  private readonly afterClose = new Map<number, MacroShape>();

  constructor(readonly src: string) {}

  /** Where a quoted value that starts at `from` closes: the index of its quote, or -1 at the line end. */
  closeOf(quote: number, from: number): number {
    const src = this.src;
    let cache = this.closes.get(quote);
    if (!cache) {
      cache = new Int32Array(src.length + 1).fill(UNKNOWN);
      this.closes.set(quote, cache);
    }
    const path: number[] = [];
    let i = from;
    let result = UNCLOSED;
    while (i < src.length) {
      const known = cache[i]!;
      if (known !== UNKNOWN) {
        result = known;
        break;
      }
      path.push(i);
      this.steps++;
      const ch = src.charCodeAt(i);
      if (ch === quote) {
        result = i;
        break;
      }
      if (isLineBreak(ch)) break;
      i += ch === BACKSLASH && i + 1 < src.length && !isLineBreak(src.charCodeAt(i + 1)) ? 2 : 1;
    }
    for (const p of path) cache[p] = result;
    return result;
  }

  outcomeAfter(close: number): MacroShape | undefined {
    return this.afterClose.get(close);
  }

  rememberAfter(closes: readonly number[], outcome: MacroShape): void {
    for (const c of closes) this.afterClose.set(c, outcome);
  }
}

/**
 * Scans a macro whose `[[` is at `start` without building its parameters: what `readMacro` would answer,
 * without the messages and values (read those with `readMacro` when they are needed).
 */
export function scanMacro(src: string, start: number, memo: MacroScanMemo): MacroShape {
  const len = src.length;
  let i = start + 2;
  const nameStart = i;
  while (i < len && isNameChar(src.charCodeAt(i))) i++;
  memo.steps += i - start;
  if (i === nameStart) return { kind: 'none' };
  const name = src.slice(nameStart, i).toLowerCase();
  const afterName = i < len ? src.charCodeAt(i) : -1;
  if (!isBlank(afterName) && afterName !== CLOSE_BRACKET && afterName !== -1 && !isLineBreak(afterName)) {
    return { kind: 'none' };
  }
  if (afterName === CLOSE_BRACKET && src.charCodeAt(i + 1) !== CLOSE_BRACKET) return { kind: 'none' };
  const closes: number[] = [];
  const done = (outcome: MacroShape): MacroShape => {
    if (closes.length > 0)
      memo.rememberAfter(closes, outcome.kind === 'macro' ? { ...outcome, name: '' } : outcome);
    return outcome;
  };
  for (;;) {
    const beforeSpace = i;
    while (i < len && isBlank(src.charCodeAt(i))) i++;
    memo.steps += i - beforeSpace + 1;
    if (i >= len || isLineBreak(src.charCodeAt(i))) return done({ kind: 'malformed' });
    const c = src.charCodeAt(i);
    if (c === CLOSE_BRACKET && src.charCodeAt(i + 1) === CLOSE_BRACKET)
      return done({ kind: 'macro', name, end: i + 2 });
    if (c === PIPE) return done({ kind: 'none' });
    if (i === beforeSpace) return done({ kind: 'malformed' });
    const keyStart = i;
    while (i < len && isKeyChar(src.charCodeAt(i))) i++;
    memo.steps += i - keyStart;
    if (i === keyStart) return done({ kind: 'malformed' });
    if (src.charCodeAt(i) !== EQUALS) continue;
    i++;
    const q = i < len ? src.charCodeAt(i) : -1;
    if (q === DOUBLE_QUOTE || q === SINGLE_QUOTE) {
      const close = memo.closeOf(q, i + 1);
      if (close === UNCLOSED) return done({ kind: 'malformed' });
      const known = memo.outcomeAfter(close);
      if (known) {
        // The scan that read on from this quote before found the rest; only the name is this macro's.
        const outcome = known.kind === 'macro' ? { ...known, name } : known;
        return done(outcome);
      }
      closes.push(close);
      i = close + 1;
      const after = i < len ? src.charCodeAt(i) : -1;
      if (!isBlank(after) && after !== CLOSE_BRACKET) return done({ kind: 'malformed' });
      continue;
    }
    const valueStart = i;
    while (i < len) {
      const ch = src.charCodeAt(i);
      if (isBlank(ch) || ch === CLOSE_BRACKET || ch === OPEN_BRACKET || isLineBreak(ch)) break;
      i++;
    }
    memo.steps += i - valueStart;
    const stop = src.charCodeAt(i);
    if (stop === OPEN_BRACKET || (stop === CLOSE_BRACKET && src.charCodeAt(i + 1) !== CLOSE_BRACKET)) {
      return done({ kind: 'malformed' });
    }
  }
}
