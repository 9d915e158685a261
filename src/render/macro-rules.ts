// Macros as markdown-it rules: the one place bds decides where a macro is. Markdown parses first, so a
// macro is recognised only where CommonMark has text (never in code, raw HTML, autolinks or link
// destinations), and a name that is not a macro is left to Markdown untouched.
// - The inline rule reads `[[name ...]]` (and the literal `\[[name ...]]`) in running text.
// - The block rule makes a line holding only a macro a block of its own where a block may start and
//   the next line would not continue it anyway; it never interrupts a paragraph, and never becomes a
//   setext heading (the underline stays a line of its own).
// Per document, a MacroScan in markdown-it's env says which names are macros and gathers positions,
// names that are not macros, and malformed macros. Without one, the rules do nothing.
import type { MarkdownIt, StateBlock, StateCore, StateInline, Token } from 'markdown-it';
import { InlinePositions } from './inline-positions.js';
import { MacroScanMemo, readMacro, scanMacro, type MacroShape } from './macro-grammar.js';
import type { Macro, RenderWarning } from './types.js';

/** The token of an expanded macro; `meta.macro` holds the Macro, `content` its text. */
export const MACRO_TOKEN = 'bds_macro';

export interface MacroTokenMeta {
  macro: Macro;
  /** The macro's HTML once it has run; without it the token renders as its text. */
  html?: string;
}

export interface MacroScanOptions {
  /** The post's file, for positions in warnings and failures. */
  file?: string;
  /** Lines of the file before the source (the frontmatter), so positions are file positions. */
  lineOffset?: number;
  /** Which (lower-cased) names are macros; other names stay Markdown. Default: every name. */
  isMacro?: (name: string) => boolean;
}

/** Past this many, malformed macros are still left to Markdown but no longer listed one by one. */
const MAX_SYNTAX_WARNINGS = 100;
/** How much of a malformed macro a warning shows. */
const WARNING_TEXT_LENGTH = 200;

const OPEN_BRACKET = 0x5b;
const BACKSLASH = 0x5c;
const BACKTICK = 0x60;
const LESS_THAN = 0x3c;

function isAsciiPunctuation(c: number): boolean {
  return (
    (c >= 0x21 && c <= 0x2f) ||
    (c >= 0x3a && c <= 0x40) ||
    (c >= 0x5b && c <= 0x60) ||
    (c >= 0x7b && c <= 0x7e)
  );
}

/** One document's macro recognition: what is a macro, and what was found where. */
export class MacroScan {
  /** Well-formed macros in text whose names are not macros (left to Markdown), in the order found. */
  readonly unknown: Macro[] = [];
  /** Every name taken for a macro, also in `\[[name ...]]` and in image descriptions (which do not run). */
  readonly names = new Set<string>();
  /** Malformed macros in text. */
  readonly warnings: RenderWarning[] = [];
  readonly file: string;
  readonly lineOffset: number;
  readonly isMacro: (name: string) => boolean;
  /** Macro tokens in the order made, with where each sits (one made into text later is left out). */
  private readonly made: MadeMacro[] = [];
  /** The inline token being parsed, and the paragraph it is the text of (if it is one's). */
  private inline: { token: Token; paragraph: Token | undefined } | null = null;
  /**
   * A memo per markdown-it state (one source string each): looked up by the state, because a Map keyed
   * by the string would hash the whole document.
   */
  private readonly memos = new WeakMap<object, MacroScanMemo>();
  private readonly allMemos: MacroScanMemo[] = [];
  private decodedSteps = 0;
  private readonly positions: InlinePositions;
  /** The last unknown macro recorded in one inline source: macros inside it are part of its text. */
  private lastUnknown: { state: StateInline; end: number } | null = null;

  constructor(
    /** The source as given (before markdown-it normalises line ends), for offsets. */
    readonly source: string,
    options: MacroScanOptions = {},
  ) {
    this.file = options.file ?? '';
    this.lineOffset = options.lineOffset ?? 0;
    this.isMacro = options.isMacro ?? (() => true);
    this.positions = new InlinePositions(source);
  }

  /** Characters the macro grammar looked at in this document (for the linearity tests). */
  get steps(): number {
    let n = this.decodedSteps;
    for (const memo of this.allMemos) n += memo.steps;
    return n;
  }

  /** @internal The source as markdown-it normalised it (line ends as \n). */
  setNormalized(src: string): void {
    this.positions.setNormalized(src);
  }

  /** @internal The inline token being parsed, the source line it starts on, and its paragraph. */
  enterInline(token: Token, line: number, cell?: number, paragraph?: Token): void {
    this.positions.enterInline(token, line, cell);
    this.inline = { token, paragraph };
    this.lastUnknown = null;
  }

  /**
   * The macro tokens of the parsed document (`tokens`, parsed with `env`), in the order made, with where
   * each sits. Footnotes may drop what was parsed (a definition nothing refers to): then only those
   * still in the tokens.
   */
  placedIn(tokens: readonly Token[], env: object): MadeMacro[] {
    const made = this.made.filter((m) => m.token.type === MACRO_TOKEN);
    if ((env as { footnotes?: unknown }).footnotes === undefined) return made;
    const present = new Set<Token>();
    for (const token of tokens) {
      if (token.type !== 'inline') continue;
      for (const child of token.children ?? []) if (child.type === MACRO_TOKEN) present.add(child);
    }
    return made.filter((m) => present.has(m.token));
  }

  /** @internal */
  scan(state: StateBlock | StateInline, start: number): MacroShape {
    const src = state.src;
    let memo = this.memos.get(state);
    if (memo?.src !== src) {
      memo = new MacroScanMemo(src);
      this.memos.set(state, memo);
      this.allMemos.push(memo);
    }
    return scanMacro(src, start, memo);
  }

  /** @internal A macro token made in `state`. */
  noteToken(token: Token, state: StateInline): void {
    const inline = this.inline;
    // Not in the inline token's own text: an inline footnote's or an image description's.
    const direct = inline !== null && state.src === inline.token.content;
    this.made.push({
      token,
      inline: direct ? inline.token : undefined,
      paragraph: direct ? inline.paragraph : undefined,
    });
  }

  /** @internal A macro at `start` of an inline source, with its parameters and position. */
  macro(state: StateInline, start: number): Macro | null {
    const src = state.src;
    const attempt = readMacro(src, start);
    if (attempt.kind !== 'macro') return null;
    this.decodedSteps += attempt.end - start;
    const raw = src.slice(start, attempt.end);
    return { name: attempt.name, params: attempt.params, raw, ...this.position(state, start, raw) };
  }

  /** @internal A well-formed macro in text whose name is not a macro (escaped ones are not listed). */
  noteUnknown(state: StateInline, start: number, end: number, escaped: boolean): void {
    if (escaped) return;
    // A macro written inside another one's text (`[[a x="[[b]]"]]`) is part of that text.
    if (this.lastUnknown?.state === state && start < this.lastUnknown.end) return;
    const macro = this.macro(state, start);
    if (!macro) return;
    this.lastUnknown = { state, end };
    this.unknown.push(macro);
  }

  /** @internal A malformed macro in text. */
  noteMalformed(state: StateInline, start: number): void {
    const src = state.src;
    if (this.warnings.length >= MAX_SYNTAX_WARNINGS) return;
    // The warning shows the start of the macro; its message is read from that part too, so that a
    // hundred warnings on one long line cost a hundred short reads.
    let text = src.slice(start, start + WARNING_TEXT_LENGTH);
    const lineEnd = text.indexOf('\n');
    if (lineEnd >= 0) text = text.slice(0, lineEnd);
    const attempt = readMacro(text, 0);
    this.decodedSteps += text.length;
    if (attempt.kind !== 'malformed') return;
    const { line, column } = this.position(state, start, text.slice(0, 2));
    this.warnings.push({
      code: 'macro-syntax',
      message: `Malformed macro: ${attempt.message}; the text is kept as written`,
      file: this.file,
      line,
      column,
      text,
    });
  }

  /** Where the text at `start` of an inline source is in the file. */
  private position(state: StateInline, start: number, raw: string): Omit<Macro, 'name' | 'params' | 'raw'> {
    const at = this.positions.locate(state, start, raw);
    return {
      start: at.offset,
      end: at.offset + raw.length,
      file: this.file,
      line: at.line + 1 + this.lineOffset,
      column: at.column + 1,
    };
  }
}

/** A macro token, and the inline token and paragraph it was parsed in (none for a nested parse's). */
export interface MadeMacro {
  token: Token;
  inline: Token | undefined;
  paragraph: Token | undefined;
}

export interface MacroEnv extends Record<string, unknown> {
  bdsMacros?: MacroScan;
}

/** The meta of a macro token. */
export function macroMeta(token: Token): MacroTokenMeta {
  return token.meta as unknown as MacroTokenMeta;
}

function scanOf(env: unknown): MacroScan | undefined {
  return (env as MacroEnv | undefined)?.bdsMacros;
}

/**
 * True when a code span, raw HTML or an autolink that starts inside `[[...]]` would end after it: there
 * Markdown wins, and the macro is not one.
 */
function crossesCodeOrHtml(state: StateInline, start: number, end: number): boolean {
  const src = state.src;
  const saved = state.pos;
  let p = start + 2;
  try {
    while (p < end) {
      const c = src.charCodeAt(p);
      if (c === BACKSLASH) {
        p += p + 1 < end && isAsciiPunctuation(src.charCodeAt(p + 1)) ? 2 : 1;
      } else if (c === BACKTICK || c === LESS_THAN) {
        state.pos = p;
        state.md.inline.skipToken(state);
        if (state.pos > end) return true;
        p = Math.max(state.pos, p + 1);
      } else p++;
    }
    return false;
  } finally {
    state.pos = saved;
  }
}

function macroInline(state: StateInline, silent: boolean): boolean {
  const scan = scanOf(state.env);
  // Silent calls come from a link label looking for its closing `]` (and refusing labels with a link
  // inside): there the brackets of `[[...]]` count as Markdown counts them, so a macro never decides
  // where a link or an image ends. The label's text is then parsed, macros included.
  if (!scan || silent) return false;
  const src = state.src;
  let start = state.pos;
  let escaped = false;
  const c = src.charCodeAt(start);
  if (c === BACKSLASH) {
    if (src.charCodeAt(start + 1) !== OPEN_BRACKET || src.charCodeAt(start + 2) !== OPEN_BRACKET)
      return false;
    escaped = true;
    start++;
  } else if (c !== OPEN_BRACKET || src.charCodeAt(start + 1) !== OPEN_BRACKET) return false;
  const shape = scan.scan(state, start);
  if (shape.kind === 'malformed') {
    if (!escaped) scan.noteMalformed(state, start);
    return false;
  }
  if (shape.kind === 'none' || shape.end > state.posMax) return false;
  if (!scan.isMacro(shape.name)) {
    scan.noteUnknown(state, start, shape.end, escaped);
    return false;
  }
  if (crossesCodeOrHtml(state, start, shape.end)) return false;
  scan.names.add(shape.name);
  const macro = escaped ? null : scan.macro(state, start);
  if (macro) {
    const token = state.push(MACRO_TOKEN, '', 0);
    token.content = macro.raw;
    token.meta = { macro } satisfies MacroTokenMeta as unknown as Record<string, unknown>;
    scan.noteToken(token, state);
  } else {
    // `\[[name ...]]`: the macro as written, without the backslash and without Markdown inside.
    const token = state.push('text', '', 0);
    token.content = src.slice(start, shape.end);
  }
  state.pos = shape.end;
  return true;
}

function isBlankChar(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** True when `next` is a setext heading underline (`===` or `---`) in this block. */
function isUnderline(state: StateBlock, next: number): boolean {
  if (state.sCount[next]! < state.blkIndent) return false;
  let pos = state.bMarks[next]! + state.tShift[next]!;
  const max = state.eMarks[next]!;
  const marker = state.src.charCodeAt(pos);
  if (marker !== 0x3d /* = */ && marker !== 0x2d /* - */) return false;
  pos = state.skipSpaces(state.skipChars(pos, marker));
  return pos >= max;
}

/**
 * True when the line after a macro line would not continue its paragraph: it is blank or the end, or
 * starts a block that interrupts a paragraph, or underlines it (the macro stays a block, not a heading).
 * The lines after a macro mean in Markdown what they would mean without the block rule.
 */
function standsAlone(state: StateBlock, next: number, endLine: number): boolean {
  if (next >= endLine || state.isEmpty(next)) return true;
  if (state.sCount[next]! - state.blkIndent > 3 || state.sCount[next]! < 0) return false;
  if (isUnderline(state, next)) return true;
  const parentType = state.parentType;
  state.parentType = 'paragraph';
  try {
    return state.md.block.ruler.getRules('paragraph').some((rule) => rule(state, next, endLine, true));
  } finally {
    state.parentType = parentType;
  }
}

function macroBlock(state: StateBlock, startLine: number, endLine: number, silent: boolean): boolean {
  const scan = scanOf(state.env);
  if (!scan) return false;
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  const src = state.src;
  const pos = state.bMarks[startLine]! + state.tShift[startLine]!;
  const max = state.eMarks[startLine]!;
  if (src.charCodeAt(pos) !== OPEN_BRACKET || src.charCodeAt(pos + 1) !== OPEN_BRACKET) return false;
  const shape = scan.scan(state, pos);
  if (shape.kind !== 'macro' || !scan.isMacro(shape.name)) return false;
  for (let i = shape.end; i < max; i++) if (!isBlankChar(src.charCodeAt(i))) return false;
  // A code span or raw HTML opened inside the macro may close on a later line: the paragraph decides.
  for (let i = pos; i < shape.end; i++) {
    const ch = src.charCodeAt(i);
    if (ch === BACKTICK || ch === LESS_THAN) return false;
  }
  if (!standsAlone(state, startLine + 1, endLine)) return false;
  if (silent) return true;
  const open = state.push('paragraph_open', 'p', 1);
  open.map = [startLine, startLine + 1];
  const inline = state.push('inline', '', 0);
  inline.content = src.slice(pos, shape.end);
  inline.map = [startLine, startLine + 1];
  inline.children = [];
  state.push('paragraph_close', 'p', -1);
  state.line = startLine + 1;
  return true;
}

/** markdown-it's core `inline` rule, telling the scan which block each inline source belongs to. */
function inlineWithParents(state: StateCore): void {
  const scan = scanOf(state.env);
  let line = 0;
  let cell = 0;
  let previous: Token | undefined;
  for (const token of state.tokens) {
    // Table cells have no map of their own: their row's is the last one seen.
    if (token.map) line = token.map[0];
    if (token.type === 'tr_open') cell = 0;
    const inCell = previous?.type === 'td_open' || previous?.type === 'th_open';
    const paragraph = previous?.type === 'paragraph_open' ? previous : undefined;
    previous = token;
    if (token.type !== 'inline') continue;
    scan?.enterInline(token, line, inCell ? cell++ : undefined, paragraph);
    state.md.inline.parse(token.content, state.md, state.env, (token.children ??= []));
  }
}

/** An image's description is its alt text: a macro there stays text, as plain Markdown has it. */
function macrosInAltAsText(state: StateCore): void {
  const asText = (tokens: Token[] | null, inAlt: boolean): void => {
    for (const t of tokens ?? []) {
      if (inAlt && t.type === MACRO_TOKEN) {
        t.type = 'text';
        t.meta = null;
      }
      if (t.type === 'image') asText(t.children, true);
    }
  };
  if (!scanOf(state.env)) return;
  for (const token of state.tokens) if (token.type === 'inline') asText(token.children, false);
}

/** Installs the macro rules on a markdown-it instance. */
export function macroRules(md: MarkdownIt): void {
  md.core.ruler.after('normalize', 'bds_macro_source', (state) => {
    scanOf(state.env)?.setNormalized(state.src);
  });
  md.core.ruler.at('inline', inlineWithParents);
  md.core.ruler.after('inline', 'bds_macro_alt_text', macrosInAltAsText);
  md.block.ruler.before('lheading', 'bds_macro_block', macroBlock);
  md.inline.ruler.before('escape', 'bds_macro', macroInline);
  md.renderer.rules[MACRO_TOKEN] = (tokens, idx) => {
    const token = tokens[idx]!;
    return macroMeta(token).html ?? md.utils.escapeHtml(token.content);
  };
}
