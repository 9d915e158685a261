// The one shared markdown-it instance and bds's rules on its token stream: macro placeholders (lifted
// out of paragraphs when they render a block), internal links, code language tags and heading ids.
import MarkdownIt from 'markdown-it';
import type { Env, MarkdownIt as MarkdownItInstance, StateCore, Token } from 'markdown-it';
import footnote from 'markdown-it-footnote';
import { escapeHtml } from './html.js';
import type { LinkResolver, RenderWarning } from './types.js';

/**
 * Per-document state the rules read from markdown-it's `env`. Macros reach markdown-it as placeholders
 * `O<index>O` (O a private-use character absent from the source). Renderers of text and raw HTML turn
 * them into `O<index>X`, "expand here"; anything left as `O<index>O` sits in an attribute or in code.
 */
export interface PlaceholderState {
  open: string;
  expand: string;
  /** Per index: rendered HTML, or null to show `raw` (unknown and escaped macros). */
  renderings: (string | null)[];
  /** Per index: the text as the reader should see it when not rendered. */
  raws: string[];
  /** The text of escaped macros (`\[[...]]`) by index, for plain-text excerpts. */
  escapedText?: Map<number, string>;
}

export interface BdsEnvState {
  file: string;
  lineOffset: number;
  /** Source lines, to give link warnings a column. */
  lines: string[];
  links: LinkResolver | null;
  warnings: RenderWarning[];
  placeholders: PlaceholderState | null;
  headingIds: Map<string, number>;
}

export interface BdsEnv extends Env {
  /** Read by markdown-it-footnote to make footnote ids unique per document. */
  docId?: string;
  bds?: BdsEnvState;
}

const BLOCK_HTML =
  /^\s*(?:$|<!--|<(?:address|article|aside|audio|blockquote|canvas|details|dialog|div|dl|fieldset|figure|footer|form|h[1-6]|header|hr|iframe|main|nav|noscript|ol|p|picture|pre|script|section|style|table|template|ul|video)[\s/>])/i;

/** True when HTML starts with a block element (or is empty), so it must not sit inside a <p>. */
export function isBlockHtml(html: string): boolean {
  return BLOCK_HTML.test(html);
}

function placeholderPattern(p: PlaceholderState, closing: string): RegExp {
  return new RegExp(`${p.open}(\\d+)${closing}`, 'g');
}

function markExpandable(html: string, env: Env | undefined): string {
  const p = (env as BdsEnv | undefined)?.bds?.placeholders;
  if (!p || !html.includes(p.open)) return html;
  return html.replace(placeholderPattern(p, p.open), `${p.open}$1${p.expand}`);
}

/** The final pass: every placeholder becomes its HTML (text context) or safe text (attribute/code). */
export function substitutePlaceholders(html: string, p: PlaceholderState): string {
  if (!html.includes(p.open)) return html;
  return html.replace(
    new RegExp(`${p.open}(\\d+)([${p.open}${p.expand}])`, 'g'),
    (_m, index: string, kind: string) => {
      const i = Number(index);
      const rendering = p.renderings[i];
      const raw = p.raws[i] ?? '';
      if (kind === p.expand) return rendering ?? escapeHtml(raw);
      // In an attribute or code: plain text output (a URL, a word) can go in as is; markup cannot.
      return rendering !== null && rendering !== undefined && !/[<>"]/.test(rendering)
        ? rendering
        : escapeHtml(raw);
    },
  );
}

function isBreak(t: Token | undefined): boolean {
  return t !== undefined && (t.type === 'softbreak' || t.type === 'hardbreak');
}

/**
 * Splits a paragraph around macros whose HTML is a block (a `<div>` cannot sit in a `<p>`): the text
 * before and after stays in paragraphs, the macro becomes a block of its own. Macros inside emphasis
 * or a link stay where they are, so tags keep their nesting.
 */
function liftBlockMacros(state: StateCore): void {
  const p = (state.env as BdsEnv).bds?.placeholders;
  if (!p) return;
  const split = new RegExp(`(${p.open}\\d+${p.open})`);
  const every = new RegExp(`${p.open}\\d+${p.open}`, 'g');
  // An empty rendering (a failed macro in the site) is lifted out only from a paragraph of macros alone,
  // so it leaves no empty <p>; inside a sentence it just disappears and the sentence stays whole.
  let macrosOnly = false;
  const isBlockIndex = (index: number): boolean => {
    const rendering = p.renderings[index];
    if (rendering === null || rendering === undefined) return false;
    return rendering === '' ? macrosOnly : isBlockHtml(rendering);
  };
  const tokens = state.tokens;
  const out: Token[] = [];
  let changed = false;
  for (let i = 0; i < tokens.length; i++) {
    const open = tokens[i]!;
    const inline = tokens[i + 1];
    const close = tokens[i + 2];
    if (
      open.type !== 'paragraph_open' ||
      inline?.type !== 'inline' ||
      close?.type !== 'paragraph_close' ||
      !inline.content.includes(p.open)
    ) {
      out.push(open);
      continue;
    }
    macrosOnly = inline.content.replace(every, '').trim() === '';
    // Children in order, with top-level text cut at block placeholders; a number marks a block.
    const pieces: (Token | number)[] = [];
    let depth = 0;
    let found = false;
    for (const child of inline.children ?? []) {
      if (child.type !== 'text' || depth > 0 || !child.content.includes(p.open)) {
        depth += child.nesting;
        pieces.push(child);
        continue;
      }
      for (const part of child.content.split(split)) {
        const digits = part.length > 2 && part.startsWith(p.open) ? part.slice(1, -1) : '';
        if (part.endsWith(p.open) && /^\d+$/.test(digits) && isBlockIndex(Number(digits))) {
          pieces.push(Number(digits));
          found = true;
        } else if (part) {
          const text = new state.Token('text', '', 0);
          text.content = part;
          pieces.push(text);
        }
      }
    }
    if (!found) {
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
      const po = new state.Token('paragraph_open', 'p', 1);
      const text = new state.Token('inline', '', 0);
      const pc = new state.Token('paragraph_close', 'p', -1);
      po.attrs = open.attrs;
      for (const t of [po, pc]) {
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
    for (const piece of pieces) {
      if (typeof piece !== 'number') {
        pending.push(piece);
        continue;
      }
      flushParagraph();
      const block = new state.Token('html_block', '', 0);
      // An empty rendering (a failed macro in the site) leaves no blank line behind.
      block.content = `${p.open}${piece}${p.open}${p.renderings[piece] ? '\n' : ''}`;
      block.map = inline.map;
      block.level = open.level;
      block.block = true;
      out.push(block);
    }
    flushParagraph();
    i += 2;
  }
  if (changed) state.tokens = out;
}

const POST_LINK = /^\/posts?\/(?:\d{4}\/\d{2}\/)?([^/?#]+)\/?([?#].*)?$/;
const MEDIA_LINK = /^(?:\.\/|\/)?media\/(\d{4}\/\d{2}\/[^?#]+)([?#].*)?$/;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function locateInLines(state: BdsEnvState, token: Token, needle: string): { line: number; column: number } {
  const [from, to] = token.map ?? [0, 1];
  for (let l = from; l < Math.max(to, from + 1) && l < state.lines.length; l++) {
    const col = state.lines[l]!.indexOf(needle);
    if (col >= 0) return { line: l + 1 + state.lineOffset, column: col + 1 };
  }
  return { line: from + 1 + state.lineOffset, column: 1 };
}

/** Rewrites `/post/slug`, `/posts/[YYYY/MM/]slug` and `media/YYYY/MM/NAME` links to canonical URLs. */
function resolveLink(state: BdsEnvState, token: Token, attr: 'href' | 'src', inline: Token): void {
  const attrValue = token.attrGet(attr);
  if (attrValue === null || attrValue === '' || !state.links) return;
  const value = String(attrValue);
  if (state.placeholders && value.includes(state.placeholders.open)) return;
  const post = POST_LINK.exec(value);
  if (post) {
    const slug = safeDecode(post[1]!);
    const url = state.links.postUrl(slug);
    if (url !== undefined) token.attrSet(attr, url + (post[2] ?? ''));
    else {
      const at = locateInLines(state, inline, safeDecode(value.replace(/[?#].*$/, '')));
      state.warnings.push({
        code: 'link-unresolved',
        message: `Link to post "${slug}" does not match any post; the link is kept as written`,
        file: state.file,
        ...at,
        text: value,
      });
    }
    return;
  }
  const media = MEDIA_LINK.exec(value);
  if (media) {
    const path = safeDecode(media[1]!);
    const url = state.links.mediaUrl(path);
    if (url !== undefined) token.attrSet(attr, url + (media[2] ?? ''));
    else {
      const at = locateInLines(state, inline, path.slice(path.lastIndexOf('/') + 1));
      state.warnings.push({
        code: 'media-unresolved',
        message: `Media file "media/${path}" does not exist in the project; the link is kept as written`,
        file: state.file,
        ...at,
        text: value,
      });
    }
  }
}

function headingSlug(text: string): string {
  const s = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]+/gu, '')
    .trim()
    .replace(/\s+/g, '-')
    .replace(/-+/g, '-');
  return s || 'section';
}

/** Links, media and heading ids, in one walk over the tokens. */
function resolveTokens(state: StateCore): void {
  const env = state.env as BdsEnv;
  const bds = env.bds;
  if (!bds) return;
  const tokens = state.tokens;
  const placeholder = bds.placeholders
    ? new RegExp(`${bds.placeholders.open}\\d+${bds.placeholders.open}`, 'g')
    : null;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'heading_open' && !token.attrGet('id')) {
      const inline = tokens[i + 1];
      let text = '';
      for (const child of inline?.children ?? []) {
        if (child.type === 'text' || child.type === 'code_inline') text += child.content;
      }
      if (placeholder) text = text.replace(placeholder, ' ');
      const base = headingSlug(text);
      const seen = bds.headingIds.get(base) ?? 0;
      bds.headingIds.set(base, seen + 1);
      token.attrSet('id', seen === 0 ? base : `${base}-${seen + 1}`);
      continue;
    }
    if (token.type !== 'inline' || !bds.links) continue;
    for (const child of token.children ?? []) {
      if (child.type === 'link_open') resolveLink(bds, child, 'href', token);
      else if (child.type === 'image') resolveLink(bds, child, 'src', token);
    }
  }
}

const PUA_ESCAPED = /%E[EF]%[89AB][0-9A-F]%[89AB][0-9A-F]/g;

function createMarkdown(): MarkdownItInstance {
  const md = MarkdownIt('commonmark', { html: true, xhtmlOut: false, linkify: false, typographer: false });
  md.enable(['table', 'strikethrough']);
  md.use(footnote);

  // Link destinations are percent-encoded; keep placeholders (private-use characters) readable.
  const normalizeLink = md.normalizeLink.bind(md);
  md.normalizeLink = (url: string): string =>
    normalizeLink(url).replace(PUA_ESCAPED, (enc) => {
      const ch = safeDecode(enc);
      const code = ch.codePointAt(0) ?? 0;
      return code >= 0xe000 && code <= 0xf8ff ? ch : enc;
    });

  md.core.ruler.push('bds_lift_block_macros', liftBlockMacros);
  md.core.ruler.push('bds_resolve_tokens', resolveTokens);

  const escapeText = md.utils.escapeHtml;
  const unescapeAll = md.utils.unescapeAll;
  md.renderer.rules.text = (tokens, idx, _options, env) =>
    markExpandable(escapeText(tokens[idx]!.content), env);
  md.renderer.rules.html_block = (tokens, idx, _options, env) => markExpandable(tokens[idx]!.content, env);
  md.renderer.rules.html_inline = (tokens, idx, _options, env) => markExpandable(tokens[idx]!.content, env);
  md.renderer.rules.fence = (tokens, idx) => {
    const token = tokens[idx]!;
    const info = token.info ? unescapeAll(token.info).trim() : '';
    const lang = info.split(/\s+/)[0] ?? '';
    const code = escapeText(token.content);
    if (!lang) return `<pre><code>${code}</code></pre>\n`;
    const l = escapeHtml(lang);
    return `<pre data-code-language="${l}"><code class="language-${l}">${code}</code></pre>\n`;
  };
  return md;
}

let shared: MarkdownItInstance | undefined;

/** The markdown-it instance every render shares (created on first use; per-document state lives in env). */
export function markdownEngine(): MarkdownItInstance {
  shared ??= createMarkdown();
  return shared;
}
