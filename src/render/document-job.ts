// A whole document rendered where its Python macros run. During a build the thread that renders the
// documents used to send every macro to a Python worker and wait for its answer: each call cost that
// thread (the build's busiest) about as much as rendering a document. A document whose macros call
// scripts is instead sent whole to a worker of the pool, which renders its Markdown and calls Python in
// its own thread; the host only sends the document and takes back the HTML. What the render looks at
// outside the document comes with it: the post URLs and scripts once per build (the context), and the
// answers are written down as the same dependencies the render cache keeps for a render on the host.
import { renderMarkdownDocument } from './markdown.js';
import { mediaLinkKey } from './urls.js';
import type {
  DocumentContext,
  DocumentDep,
  DocumentInput,
  DocumentJobResult,
  DocumentScript,
  LinkResolver,
  MacroContext,
  PostData,
  PythonMacroOutcome,
  PythonMacroResolver,
  RenderData,
} from './types.js';

/** Built-in macros that read project data a worker is not given (see RenderData). */
const HOST_BUILTINS = new Set(['gallery', 'photo_archive', 'photo_album', 'tag_cloud']);
const MACRO_NAME = /\[\[([A-Za-z0-9_]+)/g;

/**
 * Whether a document is worth sending to a worker: it names a macro script, and nothing in it reads
 * data the worker is not given (image and tag macros, and media links when it has no media table). A
 * quick look, not a parse: the worker still renders exactly as the host would, and hands back what it
 * cannot do.
 */
export function rendersElsewhere(
  source: string,
  renderer: { slugs: ReadonlySet<string>; media: boolean },
): boolean {
  if (!source.includes('[[') || (!renderer.media && source.includes('media/'))) return false;
  const slugs = renderer.slugs;
  let script = false;
  for (const m of source.matchAll(MACRO_NAME)) {
    const name = m[1]!.toLowerCase();
    if (HOST_BUILTINS.has(name)) return false;
    if (slugs.has(name)) script = true;
  }
  return script;
}

/**
 * Runs one macro script for a document: its outcome, or `null` when the document must not finish here
 * (the runner then says why through its own result).
 */
export type RunDocumentMacro = (
  script: DocumentScript,
  context: MacroContext,
  post: PostData | null,
) => Promise<PythonMacroOutcome | null>;

/** The script a macro runs, or the outcome it fails with without reaching Python (as on the host). */
export function scriptFor(
  scripts: ReadonlyMap<string, DocumentScript>,
  slug: string,
): DocumentScript | PythonMacroOutcome {
  const script = scripts.get(slug);
  if (!script) return { ok: false, reason: 'exception', message: `No enabled macro script "${slug}"` };
  if (script.untrusted !== undefined) return { ok: false, reason: 'untrusted', message: script.untrusted };
  return script;
}

/**
 * The context a macro script receives: the call's, with the script as its source. (Every field of
 * ABI v1's context written out: made once per macro call, and a spread followed by fields is V8's slow
 * path.)
 */
export function withSource(context: MacroContext, script: { readonly id: string }): MacroContext {
  const env = context.env;
  return {
    params: context.params,
    language: context.language,
    post_slug: context.post_slug,
    env: {
      isPreview: env.isPreview,
      mainLanguage: env.mainLanguage,
      source: { kind: 'macro', id: script.id },
    },
  };
}

/**
 * Renders `doc` as the host would, running its macros through `run`. Answers `host` when the document
 * reads data the worker is not given, and `null` when `run` stopped it.
 */
export async function renderDocumentJob(
  context: DocumentContext,
  scripts: ReadonlyMap<string, DocumentScript>,
  doc: DocumentInput,
  run: RunDocumentMacro,
): Promise<DocumentJobResult | null> {
  const deps: DocumentDep[] = [];
  let needsHost = '';
  let stopped = false;
  let pythonCalls = 0;
  let pythonFailures = 0;
  const links: LinkResolver = {
    postUrl: (slug) => {
      const url = context.postUrls.get(slug);
      deps.push(['post', slug, url ?? null]);
      return url;
    },
    mediaUrl: (path) => {
      if (!context.mediaUrls) {
        needsHost ||= 'it links to media';
        return undefined;
      }
      const url = context.mediaUrls.get(mediaLinkKey(path));
      deps.push(['media', path, url ?? null]);
      return url;
    },
  };
  const hostData = (what: string) => () => {
    needsHost ||= `it shows ${what}`;
    return [];
  };
  const data: RenderData = {
    linkedImages: hostData('linked images'),
    images: hostData('images'),
    publishedTagCounts: hostData('tag counts'),
    ...(context.timezone === undefined ? {} : { timezone: context.timezone }),
  };
  const slugs = new Set(context.slugs);
  const resolver: PythonMacroResolver = {
    macroSlugs: () => {
      deps.push(['slugs', context.slugsFp]);
      return slugs;
    },
    render: async (call) => {
      deps.push(['script', call.slug, context.versions.get(call.slug) ?? null]);
      const script = scriptFor(scripts, call.slug);
      if ('ok' in script) return script;
      if (stopped || needsHost) return { ok: false, reason: 'exception', message: 'not run' };
      pythonCalls++;
      const outcome = await run(script, withSource(call.context, script), call.post);
      if (outcome === null) {
        stopped = true;
        return { ok: false, reason: 'exception', message: 'stopped' };
      }
      if (!outcome.ok) pythonFailures++;
      return outcome;
    },
  };
  const rendered = await renderMarkdownDocument({
    source: doc.source,
    file: doc.file,
    lineOffset: doc.lineOffset,
    post: doc.post,
    mode: context.mode,
    data,
    resolver,
    links,
    mainLanguage: context.mainLanguage,
    ...(doc.docId === undefined ? {} : { docId: doc.docId }),
  });
  if (stopped) return null;
  if (needsHost) return { kind: 'host', why: needsHost };
  return {
    kind: 'rendered',
    html: rendered.html,
    warnings: rendered.warnings,
    failures: rendered.failures,
    counters: rendered.counters,
    firstParagraph: rendered.firstParagraph,
    deps,
    pythonCalls,
    pythonFailures,
  };
}
