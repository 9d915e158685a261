// Macros whose HTML is a block (a <div> cannot sit in a <p>), placed once they have run: the paragraph
// around one is split, the text before and after stays in paragraphs, and the macro becomes a block.
import type { Token } from 'markdown-it';
import { MACRO_TOKEN, macroMeta } from './macro-rules.js';

const BLOCK_HTML =
  /^\s*(?:$|<!--|<(?:address|article|aside|audio|blockquote|canvas|details|dialog|div|dl|fieldset|figure|footer|form|h[1-6]|header|hr|iframe|main|nav|noscript|ol|p|picture|pre|script|section|style|table|template|ul|video)[\s/>])/i;

/** True when HTML starts with a block element (or is empty), so it must not sit inside a <p>. */
export function isBlockHtml(html: string): boolean {
  return BLOCK_HTML.test(html);
}

type TokenClass = new (type: string, tag: string, nesting: -1 | 0 | 1) => Token;

function isBreak(t: Token | undefined): boolean {
  return t !== undefined && (t.type === 'softbreak' || t.type === 'hardbreak');
}

function htmlOf(t: Token): string | undefined {
  return t.type === MACRO_TOKEN ? macroMeta(t).html : undefined;
}

/**
 * Whether placeBlockMacros may move anything: some macro's HTML is a block, or empty (most macros give
 * inline HTML, and then no paragraph needs a look).
 */
export function mayPlaceBlocks(macroTokens: readonly Token[]): boolean {
  return macroTokens.some((t) => {
    const html = htmlOf(t);
    return html !== undefined && (html === '' || isBlockHtml(html));
  });
}

/**
 * Splits paragraphs around macros whose HTML is a block. Macros inside emphasis or a link stay where
 * they are, so tags keep their nesting. An empty rendering (a failed macro in the site) is lifted out
 * only from a paragraph of macros alone, so it leaves no empty <p>; inside a sentence it just disappears
 * and the sentence stays whole. Returns the tokens to render (the same array when nothing moved).
 */
export function placeBlockMacros(tokens: Token[], TokenCtor: TokenClass): Token[] {
  const out: Token[] = [];
  let changed = false;
  for (let i = 0; i < tokens.length; i++) {
    const open = tokens[i]!;
    const inline = tokens[i + 1];
    const close = tokens[i + 2];
    const children = inline?.children ?? [];
    if (
      open.type !== 'paragraph_open' ||
      inline?.type !== 'inline' ||
      close?.type !== 'paragraph_close' ||
      !children.some((c) => htmlOf(c) !== undefined)
    ) {
      out.push(open);
      continue;
    }
    const macrosOnly = children.every(
      (c) => c.type === MACRO_TOKEN || isBreak(c) || (c.type === 'text' && c.content.trim() === ''),
    );
    const isBlock = (t: Token): boolean => {
      const html = htmlOf(t);
      if (html === undefined) return false;
      return html === '' ? macrosOnly : isBlockHtml(html);
    };
    // Children in order; a macro at the top level whose HTML is a block splits the paragraph.
    let depth = 0;
    const splitsAt = new Set<Token>();
    for (const child of children) {
      if (depth === 0 && isBlock(child)) splitsAt.add(child);
      depth += child.nesting;
    }
    if (splitsAt.size === 0) {
      out.push(open);
      continue;
    }
    changed = true;
    let pending: Token[] = [];
    const flushParagraph = (): void => {
      // Whitespace and line breaks next to a lifted block belong to neither side.
      while (isBreak(pending[0])) pending.shift();
      while (isBreak(pending[pending.length - 1])) pending.pop();
      const first = pending[0];
      const last = pending[pending.length - 1];
      if (first?.type === 'text') first.content = first.content.replace(/^\s+/, '');
      if (last?.type === 'text') last.content = last.content.replace(/\s+$/, '');
      pending = pending.filter((t) => t.type !== 'text' || t.content !== '');
      if (pending.length === 0) return;
      const po = new TokenCtor('paragraph_open', 'p', 1);
      const text = new TokenCtor('inline', '', 0);
      const pc = new TokenCtor('paragraph_close', 'p', -1);
      po.attrs = open.attrs;
      for (const t of [po, pc]) {
        // The pieces share the source paragraph's map: the excerpt joins them back into one paragraph.
        t.map = open.map;
        t.level = open.level;
        t.block = true;
        t.hidden = open.hidden;
      }
      text.map = inline.map;
      text.level = inline.level;
      text.children = pending;
      text.content = pending.map((t) => (isBreak(t) ? '\n' : t.content)).join('');
      out.push(po, text, pc);
      pending = [];
    };
    for (const child of children) {
      if (!splitsAt.has(child)) {
        pending.push(child);
        continue;
      }
      flushParagraph();
      const html = htmlOf(child)!;
      const block = new TokenCtor('html_block', '', 0);
      // An empty rendering (a failed macro in the site) leaves no blank line behind.
      block.content = html ? `${html}\n` : '';
      block.map = inline.map;
      block.level = open.level;
      block.block = true;
      out.push(block);
    }
    flushParagraph();
    i += 2;
  }
  return changed ? out : tokens;
}
