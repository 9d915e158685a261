// A document whose macros are still running renders at once, with a placeholder where each macro goes;
// its macros' HTML is filled in when they have run. Its parsed tokens are let go at once: a build keeps
// many documents waiting on their macros at the same time, and tokens held over are copied by every
// young-generation garbage collection in the meantime (most of a build's cost per macro on its thread).
// A macro whose HTML is a block moves out of its paragraph (macro-blocks.ts): where that is more than
// putting it in the paragraph's place, the document renders again with its macros' HTML.
import type { MarkdownIt, Token } from 'markdown-it';
import type { MacroRendering } from './dispatcher.js';
import { isBlockHtml } from './macro-blocks.js';
import { MACRO_TOKEN, macroMeta, type MadeMacro } from './macro-rules.js';
import type { Macro } from './types.js';

// Control characters: an entity for one gives U+FFFD, and a document that has them anyway (as they are,
// or percent-encoded in an autolink's text) renders the usual way (the placeholders are counted). Latin-1 on purpose: V8 stores a
// string with any character beyond it two bytes a character, and so every string cut from it or joined
// with it. Placeholders beyond Latin-1 (they were U+FDD0/U+FDD1) made every body with a script's macro
// two-byte: twice the memory, and its pages ~3 times slower to encode as UTF-8 for hashing and writing
// (4,000 posts with one macro each: ~150 ms more of the build's thread).
const OPEN = '\x1E';
const CLOSE = '\x1F';
const PARAGRAPH_OPEN = '<p>';
const PARAGRAPH_CLOSE = '</p>\n';

/**
 * Where a macro's HTML goes when it is a block (or empty): `stays` in its place (a heading, a table
 * cell, inside emphasis or a link); `alone` in a paragraph of its own, whose place it takes; `beside`
 * text in a paragraph (a block splits it, empty HTML just disappears); `other`: the full render places it.
 */
type Place = 'stays' | 'alone' | 'beside' | 'other';

export interface EarlyRender {
  /** The document's HTML around its placeholders: one more piece than there are placeholders. */
  pieces: string[];
  /** Which macro each placeholder is, in the order of the HTML. */
  order: number[];
  macros: { macro: Macro; place: Place }[];
}

function isBreak(t: Token): boolean {
  return t.type === 'softbreak' || t.type === 'hardbreak';
}

function placeOf(made: MadeMacro): Place {
  const { token, inline, paragraph } = made;
  if (!inline) return 'other';
  if (!paragraph) return 'stays';
  const children = inline.children ?? [];
  let depth = 0;
  let at = -1;
  let macrosOnly = true;
  for (const child of children) {
    if (child === token) at = depth;
    depth += child.nesting;
    const blank = child.type === 'text' && child.content.trim() === '';
    if (child.type !== MACRO_TOKEN && !isBreak(child) && !blank) macrosOnly = false;
  }
  if (at < 0) return 'other';
  if (at > 0) return 'stays';
  if (macrosOnly) return children.length === 1 && !paragraph.hidden ? 'alone' : 'other';
  return 'beside';
}

/** The document rendered with placeholders for `made` (its macro tokens), or null where they cannot be. */
export function renderWithPlaceholders(
  md: MarkdownIt,
  tokens: Token[],
  env: object,
  made: readonly MadeMacro[],
): EarlyRender | null {
  made.forEach((m, i) => (macroMeta(m.token).html = `${OPEN}${i}${CLOSE}`));
  const html = md.renderer.render(tokens, md.options, env);
  for (const m of made) delete macroMeta(m.token).html;
  // Each placeholder once, and nothing else that looks like one.
  const pieces: string[] = [];
  const order: number[] = [];
  const seen = new Uint8Array(made.length);
  let from = 0;
  for (let at = html.indexOf(OPEN); at >= 0; at = html.indexOf(OPEN, from)) {
    const end = html.indexOf(CLOSE, at);
    const digits = end < 0 ? '' : html.slice(at + 1, end);
    const i = /^\d+$/.test(digits) ? Number(digits) : -1;
    if (!(i >= 0 && i < made.length) || seen[i]) return null;
    seen[i] = 1;
    pieces.push(html.slice(from, at));
    order.push(i);
    from = end + 1;
  }
  if (order.length !== made.length) return null;
  pieces.push(html.slice(from));
  return { pieces, order, macros: made.map((m) => ({ macro: macroMeta(m.token).macro, place: placeOf(m) })) };
}

/**
 * The HTML with each placeholder replaced by its macro's (`null`: the macro's text as written), or null
 * when a block must move further than into its paragraph's place (then render the document again).
 */
export function fillPlaceholders(
  md: MarkdownIt,
  early: EarlyRender,
  renderingOf: (macro: Macro) => MacroRendering | undefined,
): string | null {
  const { pieces, order, macros } = early;
  let html = '';
  let before = pieces[0]!;
  for (let k = 0; k < order.length; k++) {
    const { macro, place } = macros[order[k]!]!;
    let after = pieces[k + 1]!;
    const rendering = renderingOf(macro);
    let text = rendering ?? md.utils.escapeHtml(macro.raw);
    const moves =
      rendering !== null &&
      rendering !== undefined &&
      place !== 'stays' &&
      (rendering === '' || isBlockHtml(rendering)) &&
      !(place === 'beside' && rendering === '');
    if (moves) {
      // A paragraph of its own (`<p>` + the macro + `</p>`): the block takes its place.
      if (place !== 'alone' || !before.endsWith(PARAGRAPH_OPEN) || !after.startsWith(PARAGRAPH_CLOSE)) {
        return null;
      }
      before = before.slice(0, -PARAGRAPH_OPEN.length);
      after = after.slice(PARAGRAPH_CLOSE.length);
      text = rendering === '' ? '' : `${rendering}\n`;
    }
    html += before + text;
    before = after;
  }
  return html + before;
}
