// The render layer's public surface: macro parsing and dispatch, built-in macros, Markdown to HTML.
export * from './types.js';
export { parseMacros, mayContainMacros } from './macro-parser.js';
export type { ParsedMacros, ParseOptions } from './macro-parser.js';
export { readMacro, typeUnquotedValue } from './macro-grammar.js';
export type { MacroAttempt } from './macro-grammar.js';
export { MacroScan, MACRO_TOKEN } from './macro-rules.js';
export type { MacroScanOptions, MacroTokenMeta } from './macro-rules.js';
export { BUILTIN_MACROS, isBuiltinMacro, MacroParamError } from './builtins/index.js';
export type { BuiltinContext, BuiltinMacro } from './builtins/index.js';
export { MacroDispatcher, renderMacroErrorBox, formatMacroFailure } from './dispatcher.js';
export type {
  DispatchOptions,
  DispatchResult,
  MacroCounters,
  MacroDispatcherOptions,
  MacroDocument,
  MacroRendering,
} from './dispatcher.js';
export { renderMarkdownDocument } from './markdown.js';
export type { RenderDocumentInput, RenderedDocument } from './markdown.js';
export { markdownEngine } from './markdown-engine.js';
export { isBlockHtml } from './macro-blocks.js';
export { excerptFromMarkdown, postExcerpt, truncateText, EXCERPT_MAX_LENGTH } from './excerpt.js';
export type { ExcerptOptions } from './excerpt.js';
export { escapeHtml, attributes } from './html.js';
export { mediaLinkKey, mediaUrl, thumbnailUrl, tagUrl, THUMBNAIL_SIZES } from './urls.js';
export type { ThumbnailSize } from './urls.js';
export { MACRO_ASSETS, MACROS_CSS, MACROS_JS, macroAssetTags } from './assets/index.js';
export type { MacroAsset } from './assets/index.js';
export { renderDocumentJob, rendersElsewhere, scriptFor, withSource } from './document-job.js';
export type { RunDocumentMacro } from './document-job.js';
