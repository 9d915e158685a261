// Use cases of templates: the theme's templates as the site uses them (the user's `templates/NAME.liquid`
// over the built-in theme by name), reading one, and saving or deleting a user template. A template is
// parsed before it is saved, so a syntax error is reported with its line and the file stays as it was.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { BdsError, isBdsError } from '../core/errors.js';
import { LiquidTheme, parseUserTemplate, readUserTemplates, TEMPLATE_NAME } from '../render/liquid/index.js';
import { loadBuiltinTheme, type TemplateSource } from '../render/theme/index.js';
import type { Workspace } from './workspace.js';

export interface TemplateInfo {
  name: string;
  /** `user` for templates/NAME.liquid, `builtin` for the theme's own. */
  source: 'user' | 'builtin';
  /** templates/NAME.liquid, or bds:theme/default/NAME.liquid. */
  file: string;
  /** A user template that takes the place of a built-in one. */
  overridesBuiltin: boolean;
}

export interface TemplateWithContent extends TemplateInfo {
  content: string;
}

function checkName(name: string): void {
  if (!TEMPLATE_NAME.test(name)) {
    throw new BdsError(
      'invalid-argument',
      `"${name}" is not a template name: use letters, digits, "-" and "_" (e.g. "post" or "photo-post")`,
    );
  }
}

function userFile(ws: Workspace, name: string): string {
  return path.join(ws.project.paths.templates, `${name}.liquid`);
}

/** Every template the site uses, user templates first where they override; problems are not listed. */
export function listTemplates(ws: Workspace): TemplateInfo[] {
  const builtin = loadBuiltinTheme(ws.project.settings.theme);
  const user = readUserTemplates(ws.project.paths.templates);
  const out: TemplateInfo[] = [];
  for (const [name, t] of user.templates) {
    out.push({ name, source: 'user', file: t.file, overridesBuiltin: builtin.templates.has(name) });
  }
  for (const [name, t] of builtin.templates) {
    if (!user.templates.has(name))
      out.push({ name, source: 'builtin', file: t.file, overridesBuiltin: false });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The template the site uses under `name`, with its text (a user file as it is on disk). */
export function getTemplate(ws: Workspace, name: string): TemplateWithContent {
  checkName(name);
  const builtin = loadBuiltinTheme(ws.project.settings.theme);
  const file = userFile(ws, name);
  if (fs.existsSync(file)) {
    return {
      name,
      source: 'user',
      file: `templates/${name}.liquid`,
      overridesBuiltin: builtin.templates.has(name),
      content: fs.readFileSync(file, 'utf8'),
    };
  }
  const t = builtin.templates.get(name);
  if (!t)
    throw new BdsError(
      'template-not-found',
      `No template "${name}" (neither templates/${name}.liquid nor built in)`,
    );
  return { name, source: 'builtin', file: t.file, overridesBuiltin: false, content: t.source };
}

/**
 * Write templates/NAME.liquid (atomically) after checking that it parses; a syntax error throws
 * `template-error` with the line and leaves the file untouched.
 */
export function saveTemplate(ws: Workspace, name: string, content: string): TemplateInfo {
  checkName(name);
  const rel = `templates/${name}.liquid`;
  // Parsed as the site reads it, so frontmatter and line numbers match; errors name the file and line.
  let source: TemplateSource | null;
  try {
    source = parseUserTemplate(name, rel, content);
  } catch (e) {
    if (!isBdsError(e)) throw e;
    throw new BdsError('template-error', e.message, { file: rel, line: e.line, cause: e });
  }
  if (source) {
    const sources = new Map<string, TemplateSource>(loadBuiltinTheme(ws.project.settings.theme).templates);
    sources.set(name, source);
    new LiquidTheme(sources).parseAll();
  }
  writeFileAtomic(userFile(ws, name), content);
  ws.events.emit('meta-changed', { paths: [rel], source: 'app' });
  return listTemplates(ws).find((t) => t.name === name)!;
}

/** Delete templates/NAME.liquid: the built-in template of that name (if any) is used again. */
export function deleteTemplate(ws: Workspace, name: string): void {
  checkName(name);
  const file = userFile(ws, name);
  if (!fs.existsSync(file))
    throw new BdsError('template-not-found', `No user template "${name}" in templates/`);
  fs.rmSync(file);
  ws.events.emit('meta-changed', { paths: [`templates/${name}.liquid`], source: 'app' });
}
