// The one shared markdown-it instance: CommonMark with raw HTML, GFM tables and strikethrough, footnotes,
// and bds's rules: macros (macro-rules.ts), internal links, code language tags and heading ids.
import MarkdownIt from 'markdown-it';
import type { MarkdownIt as MarkdownItInstance, PluginSimple, StateCore, Token } from 'markdown-it';
import footnoteTyped from 'markdown-it-footnote';
import { commonmarkCodeSpans } from './code-spans.js';
import { macroRules, type MacroEnv } from './macro-rules.js';
import type { LinkResolver, RenderWarning } from './types.js';

// The plugin's types are written against markdown-it's CommonJS types; the plugin itself takes both.
const footnote = footnoteTyped as unknown as PluginSimple;

export interface BdsEnvState {
  file: string;
  lineOffset: number;
  /** The source, whose lines give link warnings a column. */
  source: string;
  /** Its lines, split at the first warning that needs them (most documents have none). */
  lines?: string[];
  links: LinkResolver | null;
  warnings: RenderWarning[];
  headingIds: Map<string, number>;
}

export interface BdsEnv extends MacroEnv {
  /** Read by markdown-it-footnote to make footnote ids unique per document. */
  docId?: string;
  bds?: BdsEnvState;
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
  const lines = (state.lines ??= state.source.split(/\r\n|\r|\n/));
  for (let l = from; l < Math.max(to, from + 1) && l < lines.length; l++) {
    const col = lines[l]!.indexOf(needle);
    if (col >= 0) return { line: l + 1 + state.lineOffset, column: col + 1 };
  }
  return { line: from + 1 + state.lineOffset, column: 1 };
}

/** Rewrites `/post/slug`, `/posts/[YYYY/MM/]slug` and `media/YYYY/MM/NAME` links to canonical URLs. */
function resolveLink(state: BdsEnvState, token: Token, attr: 'href' | 'src', inline: Token): void {
  const attrValue = token.attrGet(attr);
  if (attrValue === null || attrValue === '' || !state.links) return;
  const value = String(attrValue);
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
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'heading_open' && !token.attrGet('id')) {
      const inline = tokens[i + 1];
      let text = '';
      for (const child of inline?.children ?? []) {
        if (child.type === 'text' || child.type === 'code_inline') text += child.content;
      }
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

function createMarkdown(): MarkdownItInstance {
  const md = MarkdownIt('commonmark', { html: true, xhtmlOut: false, linkify: false, typographer: false });
  md.enable(['table', 'strikethrough']);
  md.use(commonmarkCodeSpans);
  md.use(footnote);
  md.use(macroRules);
  md.core.ruler.push('bds_resolve_tokens', resolveTokens);

  const escapeText = md.utils.escapeHtml;
  const unescapeAll = md.utils.unescapeAll;
  md.renderer.rules.fence = (tokens, idx) => {
    const token = tokens[idx]!;
    const info = token.info ? unescapeAll(token.info).trim() : '';
    const lang = info.split(/\s+/)[0] ?? '';
    const code = escapeText(token.content);
    if (!lang) return `<pre><code>${code}</code></pre>\n`;
    // markdown-it's escaping, so the class is the one plain markdown-it writes.
    const l = escapeText(lang);
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
