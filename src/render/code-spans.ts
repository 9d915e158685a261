// Code spans as CommonMark defines them (spec 6.1), replacing markdown-it 14's `backticks` rule. That
// rule remembers where closers are across calls, and its memory goes wrong once a scan was cut short
// (inside a link label, say): a later opener then finds no closer that is there, and `` a`b `` stays
// text. bds uses markdown-it 14 because 15 builds every token through a slow property helper (about 40%
// of a page's render time); this rule keeps the code spans 15 gets right.
import type { MarkdownIt, StateInline } from 'markdown-it';

const BACKTICK = 0x60;

/** For each length of backtick run in `src`, where its last run starts. */
function lastRunStarts(src: string): number[] {
  const last: number[] = [];
  for (let at = src.indexOf('`'); at !== -1;) {
    let end = at + 1;
    while (src.charCodeAt(end) === BACKTICK) end++;
    last[end - at] = at;
    at = src.indexOf('`', end);
  }
  return last;
}

const runsOf = new WeakMap<StateInline, number[]>();

/** A backtick run opens a code span that ends at the next run of the same length, or is text. */
function codeSpan(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== BACKTICK) return false;
  const max = state.posMax;
  let pos = start + 1;
  while (pos < max && src.charCodeAt(pos) === BACKTICK) pos++;
  const length = pos - start;
  let runs = runsOf.get(state);
  if (runs === undefined) {
    runs = lastRunStarts(src);
    runsOf.set(state, runs);
  }
  if ((runs[length] ?? -1) >= pos) {
    for (let at = src.indexOf('`', pos); at !== -1 && at < max; at = src.indexOf('`', at)) {
      let end = at + 1;
      while (src.charCodeAt(end) === BACKTICK) end++;
      // A run that goes on past the end of this inline part is not a closer here.
      if (end > max) break;
      if (end - at === length) {
        if (!silent) {
          const token = state.push('code_inline', 'code', 0);
          token.markup = src.slice(start, pos);
          let content = src.slice(pos, at).replace(/\n/g, ' ');
          if (content.startsWith(' ') && content.endsWith(' ') && /[^ ]/.test(content)) {
            content = content.slice(1, -1);
          }
          token.content = content;
        }
        state.pos = end;
        return true;
      }
      at = end;
    }
  }
  if (!silent) state.pending += src.slice(start, pos);
  state.pos = pos;
  return true;
}

/** The plugin: markdown-it's `backticks` rule becomes `codeSpan`. */
export function commonmarkCodeSpans(md: MarkdownIt): void {
  md.inline.ruler.at('backticks', codeSpan);
}
