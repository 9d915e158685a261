// A post's excerpt when it has none: the first paragraph with text, as plain text, at most 280 chars.
import type { Token } from 'markdown-it';
import { MacroScan } from './macro-rules.js';
import { markdownEngine, type BdsEnv } from './markdown-engine.js';

export const EXCERPT_MAX_LENGTH = 280;
/** Most first paragraphs sit in the first few kilobytes; parse those before the whole post. */
const HEAD_LENGTH = 4096;

function plainText(children: readonly Token[]): string {
  let text = '';
  for (const child of children) {
    if (child.type === 'text') text += child.content;
    else if (child.type === 'code_inline') text += child.content;
    else if (child.type === 'softbreak' || child.type === 'hardbreak') text += ' ';
  }
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The plain text of the first paragraph with text in parsed Markdown ('' when there is none): macros
 * are left out, escaped macros are their text.
 */
export function firstParagraphText(tokens: readonly Token[]): string {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.type !== 'paragraph_open') continue;
    let text = plainText(tokens[i + 1]?.children ?? []);
    if (!text) continue;
    // A paragraph split around a block macro is one paragraph of the source: its pieces share the
    // source map object, and the text beside the macro is all of it.
    const map = tokens[i]!.map;
    const inlineMap = tokens[i + 1]?.map;
    for (let j = i + 3; map && j < tokens.length; j++) {
      const t = tokens[j]!;
      if (t.type === 'paragraph_open' && t.map === map) {
        text = `${text} ${plainText(tokens[j + 1]?.children ?? [])}`.trim();
        j += 2;
      } else if (t.type !== 'html_block' || t.map !== inlineMap) break;
    }
    return text;
  }
  return '';
}

function firstParagraph(markdown: string, isMacro?: (name: string) => boolean): string {
  const env: BdsEnv = markdown.includes('[[') ? { bdsMacros: new MacroScan(markdown, { isMacro }) } : {};
  return firstParagraphText(markdownEngine().parse(markdown, env));
}

/**
 * Cuts at a word boundary and adds an ellipsis; the result is at most `max` characters (code points, as
 * `[...text]` counts them, lone surrogates one each). Walks only the first `max` of them: a first
 * paragraph is often long, and spreading it into an array was most of a short post's excerpt.
 */
export function truncateText(text: string, max = EXCERPT_MAX_LENGTH): string {
  if (text.length <= max) return text;
  let i = 0;
  let count = 0;
  let cutEnd = 0;
  while (i < text.length && count <= max) {
    if (count === max - 1) cutEnd = i;
    const c = text.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    i += pair ? 2 : 1;
    count++;
  }
  if (count <= max) return text;
  let cut = text.slice(0, cutEnd);
  const space = cut.lastIndexOf(' ');
  if (space > cut.length / 2) cut = cut.slice(0, space);
  return `${cut.replace(/[\s,;:.!?\-–—]+$/u, '')}…`;
}

/** A post's excerpt as pages show it: its own (trimmed), else its first paragraph cut short. */
export function postExcerpt(own: string | null | undefined, firstParagraph: string): string {
  return own?.trim() || truncateText(firstParagraph);
}

export interface ExcerptOptions {
  /** Which names are macros (left out of the text); default every name, as without the project's scripts. */
  isMacro?: (name: string) => boolean;
}

/** The first paragraph of Markdown as plain text (macros removed), at most `max` characters. */
export function excerptFromMarkdown(
  source: string,
  max = EXCERPT_MAX_LENGTH,
  options: ExcerptOptions = {},
): string {
  let text = '';
  if (source.length > HEAD_LENGTH) {
    // Cut at a blank line so the head ends between blocks.
    const blank = source.indexOf('\n\n', HEAD_LENGTH);
    if (blank > 0) text = firstParagraph(source.slice(0, blank), options.isMacro);
  }
  if (!text) text = firstParagraph(source, options.isMacro);
  return truncateText(text, max);
}
