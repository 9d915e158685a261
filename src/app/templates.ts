// Use cases of templates: the theme's templates as the site uses them (the user's `templates/NAME.liquid`
// over the built-in theme by name), reading one, and saving or deleting a user template. A template is
// parsed before it is saved, so a syntax error is reported with its line and the file stays as it was.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { BdsError, isBdsError } from '../core/errors.js';
import { LiquidTheme, parseUserTemplate, readUserTemplates, TEMPLATE_NAME } from '../render/liquid/index.js';
import { loadBuiltinTheme, type TemplateSource } from '../render/theme/index.js';
import { z } from 'zod';
import type { AppServices } from './services.js';
import { workspaceUseCase } from './use-case.js';

type TemplateHost = Pick<AppServices, 'project' | 'changed'>;

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

function userFile(ws: TemplateHost, name: string): string {
  return path.join(ws.project.paths.templates, `${name}.liquid`);
}

/** Every template the site uses, user templates first where they override; problems are not listed. */
function listTemplates(ws: TemplateHost): TemplateInfo[] {
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
function getTemplate(ws: TemplateHost, name: string): TemplateWithContent {
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
 * Parses `content` as templates/NAME.liquid would be read (frontmatter, then Liquid), so line numbers
 * are those of the file; throws `template-error` with the line (and column) of the first error.
 */
function parseTemplateText(ws: TemplateHost, name: string, content: string): void {
  const rel = `templates/${name}.liquid`;
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
    new LiquidTheme(sources).parse(name);
  }
}

export interface TemplateCheck {
  /** Syntax errors at their 1-based line and column of the file's text (frontmatter included). */
  errors: { line: number; column: number; message: string }[];
}

/** The syntax errors of a template's text as typed (nothing is written); liquidjs stops at the first. */
function checkTemplate(ws: TemplateHost, name: string, content: string): TemplateCheck {
  checkName(name);
  try {
    parseTemplateText(ws, name, content);
    return { errors: [] };
  } catch (e) {
    if (!isBdsError(e) || e.code !== 'template-error') throw e;
    return { errors: [{ line: e.line ?? 1, column: e.column ?? 1, message: e.message }] };
  }
}

/**
 * Write templates/NAME.liquid (atomically) after checking that it parses; a syntax error throws
 * `template-error` with the line and leaves the file untouched.
 */
function saveTemplate(ws: TemplateHost, name: string, content: string): TemplateInfo {
  checkName(name);
  const rel = `templates/${name}.liquid`;
  // Parsed as the site reads it, so frontmatter and line numbers match; errors name the file and line.
  parseTemplateText(ws, name, content);
  writeFileAtomic(userFile(ws, name), content);
  ws.changed('templates-changed', [rel]);
  return listTemplates(ws).find((t) => t.name === name)!;
}

/** Delete templates/NAME.liquid: the built-in template of that name (if any) is used again. */
function deleteTemplate(ws: TemplateHost, name: string): void {
  checkName(name);
  const file = userFile(ws, name);
  if (!fs.existsSync(file))
    throw new BdsError('template-not-found', `No user template "${name}" in templates/`);
  fs.rmSync(file);
  ws.changed('templates-changed', [`templates/${name}.liquid`]);
}

const Template = z.object({
  name: z.string(),
  source: z.enum(['user', 'builtin']),
  file: z.string(),
  overridesBuiltin: z.boolean(),
});
const TemplateName = z.string().describe('template name, e.g. "post"');

export const listTemplatesUseCase = workspaceUseCase({
  name: 'templates.list',
  description:
    'Every template the site uses: user templates (templates/NAME.liquid) over the built-in theme.',
  input: z.object({}),
  output: z.array(Template),
  readOnly: true,
  errors: [],
  http: { method: 'GET', path: '/api/templates' },
  python: { method: 'templates.list' },
  run: (app) => listTemplates(app),
});

export const getTemplateUseCase = workspaceUseCase({
  name: 'templates.get',
  description: 'The template the site uses under a name, with its text.',
  input: z.object({ name: TemplateName }),
  output: Template.extend({ content: z.string() }),
  readOnly: true,
  errors: ['template-not-found'],
  http: { method: 'GET', path: '/api/templates/:name' },
  python: { method: 'templates.get' },
  run: (app, { name }) => getTemplate(app, name),
});

export const saveTemplateUseCase = workspaceUseCase({
  name: 'templates.save',
  description: 'Write templates/NAME.liquid after checking that it parses (a syntax error names the line).',
  input: z.object({ name: TemplateName, content: z.string().describe('Liquid text') }),
  output: Template,
  readOnly: false,
  errors: ['template-error', 'io-error'],
  http: { method: 'PUT', path: '/api/templates/:name' },
  python: { method: 'templates.save' },
  run: (app, { name, content }) => saveTemplate(app, name, content),
});

export const checkTemplateUseCase = workspaceUseCase({
  name: 'templates.check',
  description:
    'The Liquid syntax errors of a template text as typed, with line and column (nothing is written).',
  input: z.object({ name: TemplateName, content: z.string().describe('Liquid text, frontmatter included') }),
  output: z.object({
    errors: z.array(z.object({ line: z.number().int(), column: z.number().int(), message: z.string() })),
  }),
  readOnly: true,
  errors: ['invalid-argument'],
  http: { method: 'POST', path: '/api/templates/:name/check' },
  python: { method: 'templates.check' },
  run: (app, { name, content }) => checkTemplate(app, name, content),
});

export const deleteTemplateUseCase = workspaceUseCase({
  name: 'templates.delete',
  description: 'Delete templates/NAME.liquid; the built-in template of that name is used again.',
  input: z.object({ name: TemplateName }),
  output: z.object({ name: z.string() }),
  readOnly: false,
  errors: ['template-not-found', 'io-error'],
  http: { method: 'DELETE', path: '/api/templates/:name' },
  python: { method: 'templates.delete', result: z.null(), fromOutput: () => null },
  run: (app, { name }) => {
    deleteTemplate(app, name);
    return { name };
  },
});

export const TEMPLATE_USE_CASES = [
  listTemplatesUseCase,
  getTemplateUseCase,
  saveTemplateUseCase,
  checkTemplateUseCase,
  deleteTemplateUseCase,
] as const;
