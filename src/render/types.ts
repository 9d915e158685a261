// Shared types of the render layer: parsed macros, the data built-in macros read, the Python macro
// resolver and link resolver the application implements, and what a rendered document reports.
import type { ErrorCode } from '../core/errors.js';
import type { MacroContextV1, PostDataV1 } from '../core/abi.js';
import type { MediaRecord } from '../core/records.js';

/** A macro parameter after typing: quoted → string; `true`/`false` → boolean; a bare flag → true. */
export type MacroParamValue = string | number | boolean;

/** A 1-based position in a post file (lines of the whole file when a line offset was given). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** One `[[name ...]]` found in Markdown, with where it was written. */
export interface Macro extends SourceLocation {
  /** The name, lower-cased. */
  name: string;
  params: Record<string, MacroParamValue>;
  /** The macro exactly as written, from `[[` to `]]`. */
  raw: string;
  /** UTF-16 offsets into the parsed source: `source.slice(start, end) === raw`. */
  start: number;
  end: number;
}

export type RenderMode = 'site' | 'preview';

/** Stable warning codes, each an entry of the error catalogue. */
export type RenderWarningCode = Extract<
  ErrorCode,
  'macro-syntax' | 'macro-unknown' | 'macro-warning' | 'link-unresolved' | 'media-unresolved'
>;

/** Something a reader of the build log should see, with where it comes from. Never fatal. */
export interface RenderWarning extends SourceLocation {
  code: RenderWarningCode;
  message: string;
  /** The macro or link text concerned, as written. */
  text?: string;
}

export type MacroFailureReason =
  'invalid-params' | 'exception' | 'timeout' | 'invalid-result' | 'untrusted' | 'lookup-failed';

/** A known macro that could not render. Renders empty in the site and as an error box in preview. */
export interface MacroFailure extends SourceLocation {
  macro: string;
  /** The script slug, for Python macros. */
  script?: string;
  reason: MacroFailureReason;
  message: string;
}

/** A media file as the render layer sees it. URLs are built by `urls.ts` from `path`. */
export type MediaItem = Pick<MediaRecord, 'id' | 'originalName' | 'createdAt'> &
  Partial<Pick<MediaRecord, 'mimeType' | 'title' | 'alt' | 'caption' | 'width' | 'height'>> & {
    /** Path under `media/`: `YYYY/MM/ID.ext` (the record's path without `media/`). */
    path: string;
    /** True when `/thumbnails/YYYY/MM/ID-{150,400,800}.webp` exist for this file. */
    hasThumbnails?: boolean;
  };

export interface TagCount {
  name: string;
  count: number;
}

/**
 * What built-in macros read from the project. The application implements it (usually over the
 * index); each call should be cheap, because a site build calls it once per macro.
 */
export interface RenderData {
  /** Images linked to the post, in the order the gallery shows them. */
  linkedImages(postId: string): readonly MediaItem[];
  /** Every image of the project (for `photo_archive`). */
  images(): readonly MediaItem[];
  /** Tags of published posts, each post counted once per tag. */
  publishedTagCounts(): readonly TagCount[];
  /** IANA zone used to put an image in a month; default UTC. */
  timezone?: string;
}

/** The post a macro is rendered for, as Python's `render(context, post)` receives it (ABI v1). */
export type PostData = PostDataV1;

/** The `context` argument of a Python macro's `render(context, post)` (ABI v1). */
export type MacroContext = MacroContextV1;

export interface PythonMacroCall {
  /** The script slug (= the macro name). */
  slug: string;
  context: MacroContext;
  post: PostData | null;
  /**
   * `post` serialised once per document (`'null'` without a post), for runtimes that send JSON; made
   * when first read.
   */
  postJson: string;
  macro: Macro;
}

export type PythonMacroOutcome =
  | { ok: true; html: string; warnings?: readonly string[] }
  | { ok: false; reason: Exclude<MacroFailureReason, 'invalid-params' | 'lookup-failed'>; message: string };

/**
 * Runs macro scripts; implemented by the application over the Python runtime.
 * `macroSlugs()` lists every enabled `macro` script, trusted or not (an untrusted one is known, and
 * `render` answers `{ok:false, reason:'untrusted'}` for it). It is called at most once per document,
 * and only when the document holds a macro that is not built in. A thrown error from `render`
 * counts as an `exception` failure.
 */
export interface PythonMacroResolver {
  macroSlugs(): ReadonlySet<string> | Promise<ReadonlySet<string>>;
  render(call: PythonMacroCall): Promise<PythonMacroOutcome>;
  /**
   * Renders whole documents where the scripts run, or batches of macros, when the runtime can (a pool
   * of worker threads): see document-job.ts. `whole` chooses (by default the resolver does). A build
   * asks once; without it every document renders on the host, one call per macro.
   */
  documents?(setup: DocumentSetup, whole?: boolean): DocumentRenderer | undefined;
}

/** Resolves internal links; implemented by the application. */
export interface LinkResolver {
  /** The canonical URL of a post (`/YYYY/MM/DD/slug/` or `/slug/` for a page), if it exists. */
  postUrl(slug: string): string | undefined;
  /** `YYYY/MM/NAME` (stored or original name, decoded) → `/media/YYYY/MM/ID.ext`, if it exists. */
  mediaUrl(path: string): string | undefined;
}

/** Counts of a document's macros by how they were handled. */
export interface MacroCounters {
  /** Macros handled by a built-in (including failed ones). */
  builtin: number;
  /** Macros handled by a Python script (including failed ones). */
  python: number;
  /** Macros with no built-in and no enabled script; left as written. */
  unknown: number;
  /** Known macros that failed (also listed in `failures`). */
  failed: number;
}

// Whole documents rendered where their macros run (see document-job.ts).

/** An enabled macro script as a worker runs it. */
export interface DocumentScript {
  slug: string;
  /** The script's id (the context's `env.source.id`). */
  id: string;
  cacheKey: string;
  source: string;
  entrypoint: string;
  filename: string;
  lineOffset: number;
  /** Set when the script may not run (not trusted): the failure message its macros get. */
  untrusted?: string;
}

/**
 * What every document of one build shares. It goes with a build's first documents and again to a worker
 * that asks for it (`context-needed`); a worker keeps the last two.
 */
export interface DocumentContext {
  mode: RenderMode;
  mainLanguage: string;
  timezone?: string;
  /** Every post's URL by slug (what the build's link resolver answers). */
  postUrls: ReadonlyMap<string, string>;
  /** Media URLs by `mediaLinkKey`; without them a document with a media link goes back to the host. */
  mediaUrls?: ReadonlyMap<string, string>;
  /** Every enabled macro script's slug (what the host's resolver lists). */
  slugs: readonly string[];
  /** The enabled macro scripts as the worker runs them (untrusted ones without their source). */
  scripts: readonly DocumentScript[];
  /** Each macro script's version, as the render cache records it. */
  versions: ReadonlyMap<string, string>;
  /** The fingerprint of the enabled macro slugs, as the render cache records it. */
  slugsFp: string;
  /** A macro's time limit in ms (0: none). */
  macroTimeoutMs: number;
}

/** One document to render. */
export interface DocumentInput {
  source: string;
  file: string;
  lineOffset: number;
  post: PostData | null;
  docId?: string;
}

/** One macro of a batch (see DocumentJob): the call as the host's dispatcher made it. */
export interface BatchMacroCall {
  slug: string;
  context: MacroContext;
  post: PostData | null;
}

/**
 * What a worker is given, with the id of the build's context, and the context itself the first time a
 * worker needs it: a document to render (`doc`), or the macros of documents the host renders, run one
 * after another (`macros`; the answer holds an outcome for each, in order).
 */
export type DocumentJob = { contextId: string; context?: DocumentContext } & DocumentWork;

/** A document to render, or a batch of macros (see DocumentJob). */
export type DocumentWork =
  { doc: DocumentInput; macros?: undefined } | { macros: readonly BatchMacroCall[]; doc?: undefined };

/** An outside fact the render looked at, with the answer it got (a subset of the render cache's). */
export type DocumentDep =
  | ['post', string, string | null]
  | ['media', string, string | null]
  | ['script', string, string | null]
  | ['slugs', string];

export interface RenderedDocumentJob {
  kind: 'rendered';
  html: string;
  warnings: RenderWarning[];
  failures: MacroFailure[];
  counters: MacroCounters;
  firstParagraph: string;
  deps: DocumentDep[];
  /** Macros that reached the runtime (trusted scripts), and how many of them failed. */
  pythonCalls: number;
  pythonFailures: number;
  /**
   * The sha256 of `html` (hex) and the post's excerpt (its own, or the first paragraph cut short), when
   * the worker made them: work the host, busy with the rest of the build, need not do.
   */
  htmlHash?: string;
  excerpt?: string;
}

/** The outcomes of a batch of macros, in the order of the calls. */
export interface MacroBatchResult {
  kind: 'macros';
  outcomes: PythonMacroOutcome[];
  pythonCalls: number;
  pythonFailures: number;
}

export type DocumentJobResult =
  | RenderedDocumentJob
  | MacroBatchResult
  /** The worker has not got the job's context: send it again with the context. */
  | { kind: 'context-needed' }
  /** The host must render it (it uses project data the worker does not have, or a macro ran too long). */
  | { kind: 'host'; why: string };

/** What a build gives the resolver to set up rendering documents elsewhere. */
export type DocumentSetup = Omit<DocumentContext, 'slugs' | 'scripts' | 'macroTimeoutMs'>;

/** Renders documents where their macros run; `undefined` means render it on the host. */
export interface DocumentRenderer {
  /** The enabled macro slugs: a document naming none of them is not worth sending. */
  readonly slugs: ReadonlySet<string>;
  /** Whether the workers can answer media links (they were given the media table). */
  readonly media: boolean;
  render(doc: DocumentInput): Promise<RenderedDocumentJob | undefined>;
  /**
   * Runs one macro of a document the host renders, gathered with the build's other waiting macros into
   * batches for the workers (see DocumentJob); a batch that fails runs its macros one by one.
   */
  macro(call: PythonMacroCall): Promise<PythonMacroOutcome>;
  /** Whether documents should render on the workers (`render`) or on the host, their macros batched (`macro`). */
  readonly wholeDocuments: boolean;
}
