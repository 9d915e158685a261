// Where inline text is in the source file. markdown-it gives inline content (a paragraph's text, a
// cell, a heading) no offsets, only its block's first line; this maps an offset in that content back to
// a line and column of the source as written (line ends as given, before markdown-it normalises them).
import type { StateInline, Token } from 'markdown-it';

const BACKSLASH = 0x5c;
const PIPE = 0x7c;

/** Offsets where each line of `text` starts (after \n, \r\n or \r). */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  const breaks = /\r\n|\r|\n/g;
  for (let m = breaks.exec(text); m; m = breaks.exec(text)) starts.push(m.index + m[0].length);
  return starts;
}

/** Offsets where each line of `text` starts, lines ending at \n only. */
function newlineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Line `index` of `text`, given where its lines start. */
function lineAt(text: string, starts: readonly number[], index: number): string {
  return text.slice(starts[index], index + 1 < starts.length ? starts[index + 1]! - 1 : undefined);
}

/** The index of the last start at or before `offset`. */
function lineIndexOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

interface InlineParent {
  content: string;
  /** The source line (0-based) of the parent's first line. */
  line: number;
  /** For a table cell: which cell of its row. */
  cell?: number;
  lineStarts?: number[];
}

/**
 * Where a table cell's content starts and how it maps to its row's source line: markdown-it splits the
 * row at unescaped `|`, drops the backslash of `\|`, and trims each cell.
 */
function cellColumn(row: string, cell: number, offset: number): number {
  const first = row.length - row.trimStart().length;
  const line = row.trim();
  const bounds: [number, number][] = [];
  let from = 0;
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) === PIPE && (i === 0 || line.charCodeAt(i - 1) !== BACKSLASH)) {
      bounds.push([from, i]);
      from = i + 1;
    }
  }
  bounds.push([from, line.length]);
  if (bounds.length > 0 && bounds[0]![0] === bounds[0]![1]) bounds.shift();
  const range = bounds[cell];
  if (!range) return -1;
  let i = range[0];
  while (i < range[1] && /\s/.test(line[i]!)) i++;
  for (let c = 0; c < offset && i < range[1]; c++) {
    i += line.charCodeAt(i) === BACKSLASH && line.charCodeAt(i + 1) === PIPE ? 2 : 1;
  }
  return first + i;
}

export interface InlinePosition {
  /** 0-based line and column (UTF-16) in the source. */
  line: number;
  column: number;
  /** UTF-16 offset in the source as given. */
  offset: number;
}

/** Positions of inline text for one document, fed by the core rule as it parses each inline token. */
export class InlinePositions {
  private normalized = '';
  /** Where the lines of `normalized` and of the source start, found at the first `locate`. */
  private normalizedStarts?: number[];
  private originalStarts?: number[];
  private parent: InlineParent | null = null;
  /** Where nested parses (image descriptions, inline footnotes) start in their parent's content. */
  private readonly nestedBases = new WeakMap<StateInline, number>();
  private nestedCursor = 0;
  private lastFallback = { line: -1, column: -1 };

  constructor(private readonly source: string) {}

  /** The source as markdown-it normalised it (line ends as \n): block maps count its lines. */
  setNormalized(src: string): void {
    this.normalized = src;
    this.normalizedStarts = undefined;
  }

  /** The inline token being parsed, the source line it starts on, and for a table cell its index. */
  enterInline(token: Token, line: number, cell?: number): void {
    this.parent = { content: token.content, line, ...(cell === undefined ? {} : { cell }) };
    this.nestedCursor = 0;
  }

  /**
   * Where an inline source starts in its block's content: 0, or for a nested parse (an image
   * description, an inline footnote: they run left to right) the next place its text occurs.
   */
  private baseOf(state: StateInline, parent: InlineParent): number {
    if (state.src === parent.content) return 0;
    let base = this.nestedBases.get(state);
    if (base === undefined) {
      base = parent.content.indexOf(state.src, this.nestedCursor);
      if (base < 0) base = parent.content.indexOf(state.src);
      if (base >= 0) this.nestedCursor = base + 1;
      this.nestedBases.set(state, base);
    }
    return base;
  }

  /**
   * Where `raw`, at `start` of an inline source, is in the file. A content line is the end of its
   * source line (markers and indentation cut off the front), so the distance to the end of the line
   * is the same in both. Table cells are found by splitting their row as markdown-it does; a heading's
   * closing #s are found by looking for the content on its line; anything else by looking for `raw`.
   */
  locate(state: StateInline, start: number, raw: string): InlinePosition {
    const lineStarts = (this.normalizedStarts ??= newlineStarts(this.normalized));
    // Without \r the source and its normalised form have the same lines.
    this.originalStarts ??= this.source.includes('\r') ? lineStartsOf(this.source) : lineStarts;
    const parent = this.parent ?? { content: state.src, line: 0 };
    const base = this.baseOf(state, parent);
    const offset = base >= 0 ? base + start : 0;
    const starts = (parent.lineStarts ??= newlineStarts(parent.content));
    const k = lineIndexOf(starts, offset);
    const lineIndex = Math.min(parent.line + k, lineStarts.length - 1);
    const sourceLine = lineAt(this.normalized, lineStarts, lineIndex);
    const contentLine = parent.content.slice(
      starts[k]!,
      k + 1 < starts.length ? starts[k + 1]! - 1 : undefined,
    );
    const inLine = offset - starts[k]!;
    const fits = (column: number) => base >= 0 && column >= 0 && sourceLine.startsWith(raw, column);
    let column =
      parent.cell === undefined
        ? sourceLine.trimEnd().length - (contentLine.trimEnd().length - inLine)
        : cellColumn(sourceLine, parent.cell, offset);
    if (!fits(column)) {
      const at = sourceLine.indexOf(contentLine.trim());
      if (at >= 0) column = at + inLine - (contentLine.length - contentLine.trimStart().length);
    }
    if (!fits(column)) {
      const from = this.lastFallback.line === lineIndex ? this.lastFallback.column + 1 : 0;
      column = sourceLine.indexOf(raw, from);
      if (column < 0) column = sourceLine.indexOf(raw);
      if (column < 0) {
        const head = /^\\?\[\[[A-Za-z0-9_]*/.exec(raw)?.[0] ?? '[[';
        column = Math.max(0, sourceLine.indexOf(head, from));
      }
      this.lastFallback = { line: lineIndex, column };
    }
    return { line: lineIndex, column, offset: (this.originalStarts[lineIndex] ?? 0) + column };
  }
}
