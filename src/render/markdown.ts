// Renders one Markdown document to HTML: markdown-it parses it (its macro rules mark the macros where
// Markdown has text), the macros run, block macros take their place between paragraphs, then it renders.
// A document whose scripts are still running renders at once with placeholders for their HTML
// (macro-placeholders.ts), so that it holds no tokens while it waits.
import type { MarkdownIt, Token } from 'markdown-it';
import {
  MacroDispatcher,
  isPromiseLike,
  type DispatchResult,
  type MacroCounters,
  type MacroRendering,
} from './dispatcher.js';
import { firstParagraphText } from './excerpt.js';
import { mayPlaceBlocks, placeBlockMacros } from './macro-blocks.js';
import { fillPlaceholders, renderWithPlaceholders, type EarlyRender } from './macro-placeholders.js';
import { MacroScan, macroMeta } from './macro-rules.js';
import { markdownEngine, type BdsEnv } from './markdown-engine.js';
import type {
  LinkResolver,
  Macro,
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
   * `excerptFromMarkdown` finds when every name is a macro, without parsing again). A paragraph split
   * around a block macro counts as the one paragraph of the source.
   */
  firstParagraph: string;
}

const EMPTY_DATA: RenderData = {
  linkedImages: () => [],
  images: () => [],
  publishedTagCounts: () => [],
};

let tokenClass: typeof Token | undefined;

interface ParsedDocument {
  tokens: Token[];
  env: BdsEnv;
  scan: MacroScan | null;
}

export async function renderMarkdownDocument(input: RenderDocumentInput): Promise<RenderedDocument> {
  const { source, file } = input;
  const lineOffset = input.lineOffset ?? 0;
  const post = input.post ?? null;
  const language = input.language || post?.language || input.mainLanguage;
  const dispatcher =
    input.dispatcher ??
    new MacroDispatcher({ data: input.data ?? EMPTY_DATA, resolver: input.resolver ?? null });
  const md = markdownEngine();

  const parse = (isMacro: (name: string) => boolean): ParsedDocument => {
    const scan = source.includes('[[') ? new MacroScan(source, { file, lineOffset, isMacro }) : null;
    // (Spreads last: fields after a spread are defined the slow way.)
    const env: BdsEnv = {
      bds: { file, lineOffset, source, links: input.links ?? null, warnings: [], headingIds: new Map() },
      ...(input.docId === undefined ? {} : { docId: input.docId }),
      ...(scan ? { bdsMacros: scan } : {}),
    };
    return { tokens: md.parse(source, env), env, scan };
  };

  // First every well-formed name is taken for a macro. Built-ins always are one; when the document
  // names others, the scripts are looked up (only then), and if a name is no script the document is
  // parsed again with exactly the built-ins and scripts as macros, so that name stays Markdown.
  const isBuiltin = (name: string): boolean => dispatcher.isBuiltin(name);
  let isMacro: (name: string) => boolean = () => true;
  let parsed = parse(isMacro);
  let scripts: ReadonlySet<string> | Error = new Set<string>();
  if (parsed.scan) {
    const named = [...parsed.scan.names].filter((name) => !isBuiltin(name));
    if (named.length > 0) {
      const found = dispatcher.scriptSlugs();
      scripts = isPromiseLike(found) ? await found : found;
      if (scripts instanceof Error) {
        // Without the list, preview shows each of those names as an error box; a site keeps them as
        // Markdown, each one reported.
        if (input.mode === 'site') parsed = parse((isMacro = isBuiltin));
      } else {
        const known = scripts;
        if (!named.every((name) => known.has(name)))
          parsed = parse((isMacro = (name) => isBuiltin(name) || known.has(name)));
      }
    }
  }

  const made = parsed.scan?.placedIn(parsed.tokens, parsed.env) ?? [];
  // Names that are not macros are dispatched too, to be counted and reported; they have no token.
  const all = [...made.map((m) => macroMeta(m.token).macro), ...(parsed.scan?.unknown ?? [])].sort(
    (a, b) => a.start - b.start,
  );
  const doc = { file, post, mode: input.mode, language, mainLanguage: input.mainLanguage };
  const dispatching = all.length > 0 ? dispatcher.render(all, doc, { scripts }) : null;
  const tokens = made.map((m) => m.token);
  if (!isPromiseLike(dispatching))
    return finish(md, parsed, tokens, dispatching, renderingsOf(all, dispatching));
  // Scripts are running: render now and fill their HTML in later, without holding the tokens.
  const early = renderWithPlaceholders(md, parsed.tokens, parsed.env, made);
  if (!early) {
    const dispatched = await dispatching;
    return finish(md, parsed, tokens, dispatched, renderingsOf(all, dispatched));
  }
  const firstParagraph = firstParagraphText(parsed.tokens);
  const warnings = [...(parsed.scan?.warnings ?? []), ...(parsed.env.bds?.warnings ?? [])];
  return completeLater(md, early, firstParagraph, warnings, all, dispatching, () => parse(isMacro));
}

/** Fills in an early render once its macros have run; renders again where a block must move. */
async function completeLater(
  md: MarkdownIt,
  early: EarlyRender,
  firstParagraph: string,
  warnings: RenderWarning[],
  all: readonly Macro[],
  dispatching: PromiseLike<DispatchResult>,
  parseAgain: () => ParsedDocument,
): Promise<RenderedDocument> {
  const dispatched = await dispatching;
  const html = fillPlaceholders(md, early, renderingsOf(all, dispatched));
  if (html === null) {
    // The same source parses to the same macros at the same places.
    const parsed = parseAgain();
    const byStart = new Map(all.map((m, i) => [m.start, dispatched.renderings[i]]));
    const tokens = (parsed.scan?.placedIn(parsed.tokens, parsed.env) ?? []).map((m) => m.token);
    return finish(md, parsed, tokens, dispatched, (macro) => byStart.get(macro.start));
  }
  return result(html, firstParagraph, [...warnings, ...dispatched.warnings], dispatched);
}

/** Each macro's rendering, from `dispatched` (made for `all`, in its order). */
function renderingsOf(
  all: readonly Macro[],
  dispatched: DispatchResult | null,
): (macro: Macro) => MacroRendering | undefined {
  if (!dispatched) return () => undefined;
  const byMacro = new Map(all.map((m, i) => [m, dispatched.renderings[i]]));
  return (macro) => byMacro.get(macro);
}

/** Renders parsed tokens with their macros' HTML; `tokens` are its macro tokens. */
function finish(
  md: MarkdownIt,
  parsed: ParsedDocument,
  tokens: Token[],
  dispatched: DispatchResult | null,
  renderingOf: (macro: Macro) => MacroRendering | undefined,
): RenderedDocument {
  for (const token of tokens) {
    const meta = macroMeta(token);
    const html = renderingOf(meta.macro);
    if (html !== null && html !== undefined) meta.html = html;
  }
  // markdown-it's Token class is only reachable through a state object.
  tokenClass ??= new md.core.State('', md, {}).Token;
  const placed = mayPlaceBlocks(tokens) ? placeBlockMacros(parsed.tokens, tokenClass) : parsed.tokens;
  const html = md.renderer.render(placed, md.options, parsed.env);
  const warnings = [
    ...(parsed.scan?.warnings ?? []),
    ...(parsed.env.bds?.warnings ?? []),
    ...(dispatched?.warnings ?? []),
  ];
  return result(html, firstParagraphText(placed), warnings, dispatched);
}

function result(
  html: string,
  firstParagraph: string,
  warnings: RenderWarning[],
  dispatched: DispatchResult | null,
): RenderedDocument {
  warnings.sort((a, b) => a.line - b.line || a.column - b.column);
  const counters: MacroCounters = dispatched?.counters ?? { builtin: 0, python: 0, unknown: 0, failed: 0 };
  return {
    html,
    warnings,
    failures: dispatched?.failures ?? [],
    macroCount: counters.builtin + counters.python,
    counters,
    firstParagraph,
  };
}
