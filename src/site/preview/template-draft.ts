// A template's unsaved text in the preview: the theme as the site reads it (the user's templates over the
// built-in ones) with that one template's text in place, and the page of the site it is shown on.
import { LiquidTheme, loadTheme, parseUserTemplate, TEMPLATE_NAME } from '../../render/liquid/index.js';
import { BdsError, isBdsError } from '../../core/errors.js';
import type { SiteModel, SitePage } from '../model.js';
import type { SiteSnapshot } from '../source.js';

/** What the app sends: the template's name and text, and a post (by id) or a page of the site (by path). */
export interface TemplateDraft {
  templateName: string;
  text: string;
  postId?: string;
  path?: string;
}

/** The draft in a JSON body, or undefined when a field is missing or of the wrong type. */
export function templateDraftOf(input: Record<string, unknown>): TemplateDraft | undefined {
  const { templateName, text, postId, path } = input;
  if (typeof templateName !== 'string' || !TEMPLATE_NAME.test(templateName) || typeof text !== 'string') {
    return undefined;
  }
  if (typeof postId === 'string') return { templateName, text, postId };
  if (typeof path === 'string' && path.startsWith('/')) return { templateName, text, path };
  return undefined;
}

/**
 * The theme with `draft.text` as templates/NAME.liquid. Nothing is parsed ahead: a page parses what it
 * uses, so a broken template elsewhere does not hide this one's preview. Throws `template-error` for
 * bad frontmatter.
 */
export function themeWithDraft(snapshot: SiteSnapshot, draft: TemplateDraft): LiquidTheme {
  const { theme, builtin } = loadTheme(snapshot.settings.theme, snapshot.paths.templates);
  const sources = new Map(theme.templateSources());
  const rel = `templates/${draft.templateName}.liquid`;
  let source;
  try {
    source = parseUserTemplate(draft.templateName, rel, draft.text);
  } catch (e) {
    if (!isBdsError(e)) throw e;
    throw new BdsError('template-error', e.message, { file: rel, line: e.line, cause: e });
  }
  if (source) sources.set(draft.templateName, source);
  else {
    // Switched off by its frontmatter: the built-in template of that name, as the site would use.
    const fallback = builtin.templates.get(draft.templateName);
    if (fallback) sources.set(draft.templateName, fallback);
    else sources.delete(draft.templateName);
  }
  return new LiquidTheme(sources);
}

/** The post or list page the draft is shown on; `normalise` is the server's URL path normalisation. */
export function draftPage(
  model: SiteModel,
  draft: TemplateDraft,
  normalise: (path: string) => string | undefined,
): SitePage | undefined {
  let page: SitePage | undefined;
  if (draft.postId !== undefined) {
    const entry = model.byId.get(draft.postId);
    page = entry ? model.byUrl.get(entry.url) : undefined;
  } else if (draft.path !== undefined) {
    const norm = normalise(draft.path);
    page = norm === undefined ? undefined : (model.byUrl.get(norm) ?? model.byUrl.get(`${norm}/`));
  }
  return page?.kind === 'post' || page?.kind === 'list' ? page : undefined;
}
