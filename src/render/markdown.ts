// Renders one Markdown document to HTML: the macro pass (parse, dispatch, placeholders), then
// markdown-it with bds's token rules, then the macros' HTML put in place of their placeholders.
import { MacroDispatcher, type MacroCounters } from './dispatcher.js';
import { firstParagraphText } from './excerpt.js';
import { parseMacros } from './macro-parser.js';
import {
  markdownEngine,
  substitutePlaceholders,
  type BdsEnv,
  type PlaceholderState,
} from './markdown-engine.js';
import type {
  LinkResolver,
  MacroFailure,
  PostData,
  PythonMacroResolver,
  RenderData,
  RenderMode,
  RenderWarning,
} from './types.js';

export interface RenderDocumentInput {
  /** The Markdown body (without frontmatter). */
  source: string;
  /** The post's file, relative to the project, for positions in warnings and failures. */
  file: string;
  /** Lines before the body in the file (the frontmatter), so reported lines are file lines. */
  lineOffset?: number;
  post?: PostData | null;
  mode: RenderMode;
  /** Read by built-in macros. Not needed when `dispatcher` is given. */
  data?: RenderData;
  resolver?: PythonMacroResolver | null;
  /** A dispatcher to reuse across documents (a build makes one); else one is made from data + resolver. */
  dispatcher?: MacroDispatcher;
  links?: LinkResolver | null;
  /** The document's language; defaults to the post's, then `mainLanguage`. */
  language?: string;
  mainLanguage: string;
  /** Makes footnote ids unique when several documents share a page (e.g. the post slug). */
  docId?: string;
}

export interface RenderedDocument {
  html: string;
  /** Macro syntax, unknown macros, macro warnings and unresolved links, in source order. */
  warnings: RenderWarning[];
  failures: MacroFailure[];
  /** Macros run by a built-in or a script (failed ones included). */
  macroCount: number;
  counters: MacroCounters;
  /**
   * The first paragraph with text, as plain text: macros left out, escaped macros as their text (what
   * `excerptFromMarkdown` finds, without parsing the Markdown again). A paragraph split around a block
   * macro counts as the one paragraph of the source.
   */
  firstParagraph: string;
}

const EMPTY_DATA: RenderData = {
  linkedImages: () => [],
  images: () => [],
  publishedTagCounts: () => [],
};

/** Two private-use characters that do not occur in the source, to build placeholders from. */
function placeholderChars(source: string): [string, string] {
  const found: string[] = [];
  for (let code = 0xe000; code <= 0xf8ff && found.length < 2; code++) {
    const ch = String.fromCharCode(code);
    if (!source.includes(ch)) found.push(ch);
  }
  return [found[0]!, found[1]!];
}

/** Text with its placeholders as plain text: a macro is left out, an escaped macro is its text. */
function placeholderText(p: PlaceholderState): (text: string) => string {
  const pattern = new RegExp(`${p.open}(\\d+)${p.open}`, 'g');
  return (text) =>
    text.includes(p.open)
      ? text.replace(pattern, (_m, index: string) => p.escapedText?.get(Number(index)) ?? '')
      : text;
}

export async function renderMarkdownDocument(input: RenderDocumentInput): Promise<RenderedDocument> {
  const { source, file } = input;
  const lineOffset = input.lineOffset ?? 0;
  const post = input.post ?? null;
  const language = input.language || post?.language || input.mainLanguage;
  const warnings: RenderWarning[] = [];
  let failures: MacroFailure[] = [];
  let counters: MacroCounters = { builtin: 0, python: 0, unknown: 0, failed: 0 };
  let markdown = source;
  let placeholders: PlaceholderState | null = null;

  if (source.includes('[[')) {
    const parsed = parseMacros(source, { file, lineOffset });
    warnings.push(...parsed.warnings);
    if (parsed.segments.some((s) => s.kind !== 'text')) {
      const dispatcher =
        input.dispatcher ??
        new MacroDispatcher({ data: input.data ?? EMPTY_DATA, resolver: input.resolver ?? null });
      const dispatched = await dispatcher.render(parsed.macros, {
        file,
        post,
        mode: input.mode,
        language,
        mainLanguage: input.mainLanguage,
      });
      warnings.push(...dispatched.warnings);
      failures = dispatched.failures;
      counters = dispatched.counters;

      const [open, expand] = placeholderChars(source);
      placeholders = { open, expand, renderings: [], raws: [] };
      const parts: string[] = [];
      let macroIndex = 0;
      for (const segment of parsed.segments) {
        if (segment.kind === 'text') {
          parts.push(source.slice(segment.start, segment.end));
          continue;
        }
        const index = placeholders.raws.length;
        if (segment.kind === 'macro') {
          placeholders.raws.push(segment.macro.raw);
          placeholders.renderings.push(dispatched.renderings[macroIndex++] ?? null);
        } else {
          placeholders.raws.push(segment.text);
          placeholders.renderings.push(null);
          (placeholders.escapedText ??= new Map()).set(index, segment.text);
        }
        parts.push(`${open}${index}${open}`);
      }
      markdown = parts.join('');
    }
  }

  const env: BdsEnv = {
    ...(input.docId === undefined ? {} : { docId: input.docId }),
    bds: {
      file,
      lineOffset,
      lines: input.links ? source.split(/\r\n|\r|\n/) : [],
      links: input.links ?? null,
      warnings,
      placeholders,
      headingIds: new Map(),
    },
  };
  const md = markdownEngine();
  const tokens = md.parse(markdown, env);
  let html = md.renderer.render(tokens, md.options, env);
  if (placeholders) html = substitutePlaceholders(html, placeholders);
  warnings.sort((a, b) => a.line - b.line || a.column - b.column);
  return {
    html,
    warnings,
    failures,
    macroCount: counters.builtin + counters.python,
    counters,
    firstParagraph: placeholders
      ? firstParagraphText(tokens, placeholderText(placeholders))
      : firstParagraphText(tokens),
  };
}
