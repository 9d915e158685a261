// The macro grammar: finds `[[name key="value" n=42 flag]]` in Markdown source, outside code, with
// positions. Its own parser, separate from rendering; one linear pass, and it never throws.
//
// Grammar (one line; a macro never spans lines):
//   macro  = "[[" name { ws+ param } ws* "]]"
//   name   = [A-Za-z0-9_]+            (lower-cased)
//   param  = key [ "=" value ]        (a bare key is the flag `true`)
//   key    = [A-Za-z0-9_-]+
//   value  = '"' chars '"' | "'" chars "'" | unquoted
//   Quoted values take backslash escapes (\" \' \\ \n \t, and \X → X); they are always strings.
//   An unquoted value runs to whitespace or `]` and holds no `[`; `true`/`false` become booleans, and a number becomes
//   a number only when it prints back the same (so `007` and long ids stay strings).
//   The last of duplicate keys wins.
// `[[` not followed by a name character (`[[ x]]`, `[[[`), a name followed by anything other than
// whitespace or `]]` (`[[Page|Label]]`), and a `|` where a parameter should start (`[[Old Page|x]]`,
// a wiki link) are plain text. Anything else that starts like a macro but
// breaks the grammar is kept as text and reported as a `macro-syntax` warning.
// `\[[...]]` is an escaped macro: written out literally without the backslash.
//
// Code, where nothing is expanded (CommonMark's rules, simplified on purpose):
// - code spans: a run of N backticks up to the next run of exactly N backticks in the same paragraph
//   (a backslash-escaped backtick opens nothing);
// - fenced blocks: ``` or ~~~ (3+), indented at most 3 spaces past the list content, with any info
//   string; closed by a run of the same character at least as long; an unclosed fence runs to the end;
// - indented blocks: lines indented 4+ columns (a tab counts to the next multiple of 4) past the
//   current list item's content, when the line before is blank, a heading, code, or the start of the
//   document (never as a paragraph continuation). List items are tracked by their content indent.
// Blockquote markers (`>`) are stripped before a line is classified.
import type { Macro, MacroParamValue, RenderWarning } from './types.js';

export type MacroSegment =
  | { kind: 'text'; start: number; end: number }
  | { kind: 'macro'; macro: Macro }
  /** `\[[...]]`: `text` is the macro as written, without the backslash. */
  | { kind: 'escaped'; start: number; end: number; text: string };

export interface ParsedMacros {
  macros: Macro[];
  /** The whole source in order: text, macros and escaped macros, without gaps. */
  segments: MacroSegment[];
  warnings: RenderWarning[];
}

export interface ParseOptions {
  file?: string;
  /** Lines of the file before `source` (the frontmatter), so positions are file positions. */
  lineOffset?: number;
}

/** Past this many, malformed macros are still kept as text but no longer listed one by one. */
const MAX_SYNTAX_WARNINGS = 100;

const BACKSLASH = 0x5c;
const BACKTICK = 0x60;
const TILDE = 0x7e;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const GT = 0x3e;

function isNameChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
}

function isKeyChar(c: number): boolean {
  return isNameChar(c) || c === 0x2d;
}

function isAsciiPunctuation(c: number): boolean {
  return (
    (c >= 0x21 && c <= 0x2f) ||
    (c >= 0x3a && c <= 0x40) ||
    (c >= 0x5b && c <= 0x60) ||
    (c >= 0x7b && c <= 0x7e)
  );
}

function isLineBreak(c: number): boolean {
  return c === LF || c === CR;
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

type MacroAttempt =
  | { kind: 'macro'; name: string; params: Record<string, MacroParamValue>; end: number }
  | { kind: 'none' }
  | { kind: 'malformed'; message: string };

const QUOTED_ESCAPES: Record<string, string> = { n: '\n', t: '\t' };

/** Reads a macro whose `[[` is at `start`; stops at the end of the line. */
export function readMacro(src: string, start: number): MacroAttempt {
  const len = src.length;
  let i = start + 2;
  const nameStart = i;
  while (i < len && isNameChar(src.charCodeAt(i))) i++;
  if (i === nameStart) return { kind: 'none' };
  const name = src.slice(nameStart, i).toLowerCase();
  const params: Record<string, MacroParamValue> = Object.create(null) as Record<string, MacroParamValue>;
  const afterName = i < len ? src.charCodeAt(i) : -1;
  if (
    afterName !== SPACE &&
    afterName !== TAB &&
    afterName !== CLOSE_BRACKET &&
    afterName !== -1 &&
    !isLineBreak(afterName)
  ) {
    return { kind: 'none' };
  }
  if (afterName === CLOSE_BRACKET && src.charCodeAt(i + 1) !== CLOSE_BRACKET) return { kind: 'none' };
  for (;;) {
    const beforeSpace = i;
    while (i < len && (src.charCodeAt(i) === SPACE || src.charCodeAt(i) === TAB)) i++;
    if (i >= len || isLineBreak(src.charCodeAt(i))) {
      return { kind: 'malformed', message: `macro "${name}" is missing its closing "]]"` };
    }
    const c = src.charCodeAt(i);
    if (c === CLOSE_BRACKET && src.charCodeAt(i + 1) === CLOSE_BRACKET) {
      return { kind: 'macro', name, params: { ...params }, end: i + 2 };
    }
    // `[[Some Page|label]]` is a wiki link from an imported post, not a broken macro.
    if (c === 0x7c /* | */) return { kind: 'none' };
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
    if (src.charCodeAt(i) !== 0x3d /* = */) {
      params[key] = true;
      continue;
    }
    i++;
    const q = i < len ? src.charCodeAt(i) : -1;
    if (q === 0x22 || q === 0x27) {
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
      params[key] = value;
      const after = i < len ? src.charCodeAt(i) : -1;
      if (after !== SPACE && after !== TAB && after !== CLOSE_BRACKET) {
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
      if (ch === SPACE || ch === TAB || ch === CLOSE_BRACKET || ch === OPEN_BRACKET || isLineBreak(ch)) break;
      i++;
    }
    params[key] = typeUnquotedValue(src.slice(valueStart, i));
    const stop = src.charCodeAt(i);
    if (stop === OPEN_BRACKET || (stop === CLOSE_BRACKET && src.charCodeAt(i + 1) !== CLOSE_BRACKET)) {
      return {
        kind: 'malformed',
        message: `macro "${name}" has a "${src[i]}" in the unquoted value of "${key}"; quote it`,
      };
    }
  }
}

interface LineInfo {
  start: number;
  /** End of the content, before the line break. */
  end: number;
}

function splitLines(src: string): LineInfo[] {
  const lines: LineInfo[] = [];
  let start = 0;
  const len = src.length;
  for (let i = 0; i < len; i++) {
    const c = src.charCodeAt(i);
    if (c === LF) {
      lines.push({ start, end: i });
      start = i + 1;
    } else if (c === CR) {
      lines.push({ start, end: i });
      if (src.charCodeAt(i + 1) === LF) i++;
      start = i + 1;
    }
  }
  lines.push({ start, end: len });
  return lines;
}

/** Finds maximal runs of backticks in [start, end) and answers "next run of exactly N at or after p". */
class BacktickRuns {
  private readonly byLength = new Map<number, number[]>();
  private readonly cursor = new Map<number, number>();

  constructor(src: string, start: number, end: number) {
    let i = start;
    while (i < end) {
      if (src.charCodeAt(i) !== BACKTICK) {
        i++;
        continue;
      }
      const runStart = i;
      while (i < end && src.charCodeAt(i) === BACKTICK) i++;
      const n = i - runStart;
      let list = this.byLength.get(n);
      if (!list) this.byLength.set(n, (list = []));
      list.push(runStart);
    }
  }

  /** Callers ask with non-decreasing `from` per length, so each list is walked once. */
  next(n: number, from: number): number {
    const list = this.byLength.get(n);
    if (!list) return -1;
    let k = this.cursor.get(n) ?? 0;
    while (k < list.length && list[k]! < from) k++;
    this.cursor.set(n, k);
    return k < list.length ? list[k]! : -1;
  }
}

interface Fence {
  char: number;
  length: number;
}

type LineKind = 'blank' | 'paragraph' | 'code' | 'other';

class MacroScanner {
  readonly macros: Macro[] = [];
  readonly segments: MacroSegment[] = [];
  readonly warnings: RenderWarning[] = [];
  private textStart = 0;
  private readonly lineStarts: number[];

  constructor(
    private readonly src: string,
    private readonly file: string,
    private readonly lineOffset: number,
    private readonly lines: LineInfo[],
  ) {
    this.lineStarts = lines.map((l) => l.start);
  }

  run(): void {
    const src = this.src;
    let fence: Fence | null = null;
    let previous: LineKind = 'blank';
    const listIndents: number[] = [];
    let runStart = -1;
    let runEnd = -1;
    const flush = (): void => {
      if (runStart >= 0) this.scanInline(runStart, runEnd);
      runStart = -1;
    };

    for (const line of this.lines) {
      let pos = line.start;
      // Blockquote markers: up to 3 spaces, `>`, one optional space; repeated.
      for (;;) {
        let p = pos;
        while (p < line.end && p - pos < 3 && src.charCodeAt(p) === SPACE) p++;
        if (p < line.end && src.charCodeAt(p) === GT) {
          pos = p + 1;
          if (src.charCodeAt(pos) === SPACE) pos++;
        } else break;
      }
      let indent = 0;
      let first = pos;
      while (first < line.end) {
        const c = src.charCodeAt(first);
        if (c === SPACE) indent++;
        else if (c === TAB) indent += 4 - (indent % 4);
        else break;
        first++;
      }
      const blank = first === line.end;
      const base = listIndents.length > 0 ? listIndents[listIndents.length - 1]! : 0;

      if (fence) {
        if (!blank && indent < base + 4 && this.closesFence(first, line.end, fence)) fence = null;
        previous = 'code';
        continue;
      }
      if (blank) {
        flush();
        previous = 'blank';
        continue;
      }
      if (indent >= base + 4 && previous !== 'paragraph') {
        flush();
        previous = 'code';
        continue;
      }
      const opened = this.opensFence(first, line.end);
      if (opened) {
        flush();
        fence = opened;
        previous = 'code';
        continue;
      }
      const itemContent = this.listItemContentIndent(first, line.end, indent);
      if (itemContent >= 0) {
        while (listIndents.length > 0 && listIndents[listIndents.length - 1]! > indent) listIndents.pop();
        listIndents.push(itemContent);
        flush();
      } else if (previous !== 'paragraph') {
        while (listIndents.length > 0 && listIndents[listIndents.length - 1]! > indent) listIndents.pop();
      }
      if (this.isAtxHeading(first, line.end)) {
        flush();
        this.scanInline(first, line.end);
        previous = 'other';
        continue;
      }
      if (runStart < 0) runStart = first;
      runEnd = line.end;
      previous = 'paragraph';
    }
    flush();
    if (this.textStart < src.length)
      this.segments.push({ kind: 'text', start: this.textStart, end: src.length });
  }

  private opensFence(first: number, end: number): Fence | null {
    const src = this.src;
    const c = src.charCodeAt(first);
    if (c !== BACKTICK && c !== TILDE) return null;
    let i = first;
    while (i < end && src.charCodeAt(i) === c) i++;
    const length = i - first;
    if (length < 3) return null;
    if (c === BACKTICK && src.slice(i, end).includes('`')) return null;
    return { char: c, length };
  }

  private closesFence(first: number, end: number, fence: Fence): boolean {
    const src = this.src;
    let i = first;
    while (i < end && src.charCodeAt(i) === fence.char) i++;
    if (i - first < fence.length) return false;
    while (i < end && (src.charCodeAt(i) === SPACE || src.charCodeAt(i) === TAB)) i++;
    return i === end;
  }

  /** For a list item line (`- `, `* `, `+ `, `1. `, `1) `), the column where its content starts; else -1. */
  private listItemContentIndent(first: number, end: number, indent: number): number {
    const src = this.src;
    let i = first;
    const c = src.charCodeAt(i);
    if (c === 0x2d || c === 0x2a || c === 0x2b) {
      i++;
    } else {
      while (i < end && i - first < 9 && src.charCodeAt(i) >= 0x30 && src.charCodeAt(i) <= 0x39) i++;
      if (i === first || (src.charCodeAt(i) !== 0x2e && src.charCodeAt(i) !== 0x29)) return -1;
      i++;
    }
    const markerWidth = i - first;
    if (i === end) return indent + markerWidth + 1;
    let spaces = 0;
    while (i < end && src.charCodeAt(i) === SPACE) {
      spaces++;
      i++;
    }
    if (spaces === 0 && src.charCodeAt(i) !== TAB) return -1;
    if (spaces === 0 || spaces > 4) spaces = 1;
    return indent + markerWidth + spaces;
  }

  private isAtxHeading(first: number, end: number): boolean {
    const src = this.src;
    let i = first;
    while (i < end && i - first < 7 && src.charCodeAt(i) === 0x23) i++;
    const level = i - first;
    return (
      level >= 1 && level <= 6 && (i === end || src.charCodeAt(i) === SPACE || src.charCodeAt(i) === TAB)
    );
  }

  /** Scans one paragraph (or heading) for code spans, escapes and macros. */
  private scanInline(start: number, end: number): void {
    const src = this.src;
    let runs: BacktickRuns | undefined;
    let i = start;
    while (i < end) {
      const c = src.charCodeAt(i);
      if (c === BACKSLASH) {
        const next = i + 1 < end ? src.charCodeAt(i + 1) : -1;
        if (next === OPEN_BRACKET && src.charCodeAt(i + 2) === OPEN_BRACKET && i + 2 < end) {
          const attempt = readMacro(src, i + 1);
          if (attempt.kind === 'macro') {
            this.pushText(i);
            this.segments.push({
              kind: 'escaped',
              start: i,
              end: attempt.end,
              text: src.slice(i + 1, attempt.end),
            });
            this.textStart = attempt.end;
            i = attempt.end;
          } else {
            i += 3; // Markdown itself turns `\[` into `[`.
          }
          continue;
        }
        i += next >= 0 && isAsciiPunctuation(next) ? 2 : 1;
        continue;
      }
      if (c === BACKTICK) {
        let j = i;
        while (j < end && src.charCodeAt(j) === BACKTICK) j++;
        const n = j - i;
        runs ??= new BacktickRuns(src, start, end);
        const closer = runs.next(n, j);
        i = closer >= 0 ? closer + n : j;
        continue;
      }
      if (c === OPEN_BRACKET && i + 1 < end && src.charCodeAt(i + 1) === OPEN_BRACKET) {
        const attempt = readMacro(src, i);
        if (attempt.kind === 'macro') {
          this.pushText(i);
          const { line, column } = this.locate(i);
          this.macros.push({
            name: attempt.name,
            params: attempt.params,
            raw: src.slice(i, attempt.end),
            start: i,
            end: attempt.end,
            file: this.file,
            line,
            column,
          });
          this.segments.push({ kind: 'macro', macro: this.macros[this.macros.length - 1]! });
          this.textStart = attempt.end;
          i = attempt.end;
        } else if (attempt.kind === 'malformed' && this.warnings.length < MAX_SYNTAX_WARNINGS) {
          const { line, column, lineEnd } = this.locate(i);
          this.warnings.push({
            code: 'macro-syntax',
            message: `Malformed macro: ${attempt.message}; the text is kept as written`,
            file: this.file,
            line,
            column,
            text: src.slice(i, Math.min(lineEnd, i + 200)),
          });
          i += 2;
        } else {
          i += attempt.kind === 'malformed' ? 2 : 1;
        }
        continue;
      }
      i++;
    }
  }

  private pushText(upTo: number): void {
    if (upTo > this.textStart) this.segments.push({ kind: 'text', start: this.textStart, end: upTo });
  }

  private locate(offset: number): { line: number; column: number; lineEnd: number } {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1 + this.lineOffset, column: offset - starts[lo]! + 1, lineEnd: this.lines[lo]!.end };
  }
}

/** Parses every macro of a Markdown document. Never throws; problems become warnings. */
export function parseMacros(source: string, options: ParseOptions = {}): ParsedMacros {
  const file = options.file ?? '';
  if (!source.includes('[[')) {
    return {
      macros: [],
      segments: source ? [{ kind: 'text', start: 0, end: source.length }] : [],
      warnings: [],
    };
  }
  const scanner = new MacroScanner(source, file, options.lineOffset ?? 0, splitLines(source));
  scanner.run();
  return { macros: scanner.macros, segments: scanner.segments, warnings: scanner.warnings };
}

/** True when the source may hold a macro or an escaped macro (the cheap test before parsing). */
export function mayContainMacros(source: string): boolean {
  return source.includes('[[');
}
