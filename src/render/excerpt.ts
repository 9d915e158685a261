// A post's excerpt when it has none: the first paragraph with text, as plain text, at most 280 chars.
import type { Token } from 'markdown-it';
import { parseMacros } from './macro-parser.js';
import { markdownEngine } from './markdown-engine.js';

export const EXCERPT_MAX_LENGTH = 280;
/** Most first paragraphs sit in the first few kilobytes; parse those before the whole post. */
const HEAD_LENGTH = 4096;

function withoutMacros(source: string): string {
  if (!source.includes('[[')) return source;
  const parsed = parseMacros(source);
  return parsed.segments
    .map((s) =>
      s.kind === 'text' ? source.slice(s.start, s.end) : s.kind === 'escaped' ? `\\${s.text}` : '',
    )
    .join('');
}

function plainText(children: readonly Token[], textOf: (text: string) => string): string {
  let text = '';
  for (const child of children) {
    if (child.type === 'text') text += textOf(child.content);
    else if (child.type === 'code_inline') text += child.content;
    else if (child.type === 'softbreak' || child.type === 'hardbreak') text += ' ';
  }
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The plain text of the first paragraph with text in parsed Markdown ('' when there is none); `textOf`
 * rewrites text nodes first (macro placeholders to their text).
 */
export function firstParagraphText(
  tokens: readonly Token[],
  textOf: (text: string) => string = (text) => text,
): string {
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.type !== 'paragraph_open') continue;
    let text = plainText(tokens[i + 1]?.children ?? [], textOf);
    if (!text) continue;
    // A paragraph split around a block macro is one paragraph of the source: its pieces share the
    // source map object, and the text beside the macro is all of it.
    const map = tokens[i]!.map;
    const inlineMap = tokens[i + 1]?.map;
    for (let j = i + 3; map && j < tokens.length; j++) {
      const t = tokens[j]!;
      if (t.type === 'paragraph_open' && t.map === map) {
        text = `${text} ${plainText(tokens[j + 1]?.children ?? [], textOf)}`.trim();
        j += 2;
      } else if (t.type !== 'html_block' || t.map !== inlineMap) break;
    }
    return text;
  }
  return '';
}

function firstParagraph(markdown: string): string {
  return firstParagraphText(markdownEngine().parse(markdown, {}));
}

/** Cuts at a word boundary and adds an ellipsis; the result is at most `max` characters. */
export function truncateText(text: string, max = EXCERPT_MAX_LENGTH): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  let cut = chars.slice(0, max - 1).join('');
  const space = cut.lastIndexOf(' ');
  if (space > cut.length / 2) cut = cut.slice(0, space);
  return `${cut.replace(/[\s,;:.!?\-–—]+$/u, '')}…`;
}

/** The first paragraph of Markdown as plain text (macros removed), at most `max` characters. */
export function excerptFromMarkdown(source: string, max = EXCERPT_MAX_LENGTH): string {
  const markdown = withoutMacros(source);
  let text = '';
  if (markdown.length > HEAD_LENGTH) {
    // Cut at a blank line so the head ends between blocks.
    const blank = markdown.indexOf('\n\n', HEAD_LENGTH);
    if (blank > 0) text = firstParagraph(markdown.slice(0, blank));
  }
  if (!text) text = firstParagraph(markdown);
  return truncateText(text, max);
}
