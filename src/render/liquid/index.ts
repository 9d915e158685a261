// Liquid page rendering: the user's templates over the built-in theme, parsed once, rendered with errors
// that name the template file and line.
import { loadBuiltinTheme, type BuiltinTheme, type TemplateSource } from '../theme/index.js';
import { LiquidTheme } from './engine.js';
import { readUserTemplates, type UserTemplates } from './user-templates.js';

export { LiquidTheme } from './engine.js';
export type { TemplateScope } from './engine.js';
export { parseUserTemplate, readUserTemplates, userTemplatesStamp, TEMPLATE_NAME } from './user-templates.js';
export type { UserTemplates } from './user-templates.js';

export interface LoadedTheme {
  theme: LiquidTheme;
  builtin: BuiltinTheme;
  user: UserTemplates;
}

/** The built-in theme `themeName` with the templates of `templatesDir` laid over it by name. */
export function loadTheme(themeName: string, templatesDir: string, relDir = 'templates'): LoadedTheme {
  const builtin = loadBuiltinTheme(themeName);
  const user = readUserTemplates(templatesDir, relDir);
  const merged = new Map<string, TemplateSource>(builtin.templates);
  for (const [name, t] of user.templates) merged.set(name, t);
  return { theme: new LiquidTheme(merged), builtin, user };
}
