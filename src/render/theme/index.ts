// The themes shipped with bds: Liquid templates and local assets, read once from the files next to this
// module (the build copies `default/` into dist/ beside the compiled code).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One Liquid template: its name (`post`, `header`...), where it comes from, and its text. */
export interface TemplateSource {
  name: string;
  /** Shown in errors: `templates/post.liquid` for a user template, `bds:theme/default/post.liquid` built in. */
  file: string;
  source: string;
  /** Lines before `source` in the file (a frontmatter block), so errors give file lines. */
  lineOffset: number;
}

/** A file the site serves under `assets/`. */
export interface ThemeAsset {
  /** Path under the site root, e.g. `assets/bds-theme.css`. */
  path: string;
  contentType: string;
  content: Buffer;
}

export interface BuiltinTheme {
  name: string;
  templates: ReadonlyMap<string, TemplateSource>;
  assets: readonly ThemeAsset[];
}

export const BUILTIN_THEME_NAMES = ['default'] as const;

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

const THEMES_DIR = fileURLToPath(new URL('.', import.meta.url));
const loaded = new Map<string, BuiltinTheme>();

function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, child));
    else if (e.isFile()) out.push(child);
  }
  return out.sort();
}

export function isBuiltinTheme(name: string): boolean {
  return (BUILTIN_THEME_NAMES as readonly string[]).includes(name);
}

/** The templates and assets of a built-in theme (read from disk once per process). */
export function loadBuiltinTheme(name: string = 'default'): BuiltinTheme {
  const themeName = isBuiltinTheme(name) ? name : 'default';
  const cached = loaded.get(themeName);
  if (cached) return cached;
  const dir = path.join(THEMES_DIR, themeName);
  const templates = new Map<string, TemplateSource>();
  const assets: ThemeAsset[] = [];
  for (const rel of listFiles(dir)) {
    if (rel.endsWith('.liquid') && !rel.includes('/')) {
      const templateName = rel.slice(0, -'.liquid'.length);
      templates.set(templateName, {
        name: templateName,
        file: `bds:theme/${themeName}/${rel}`,
        source: fs.readFileSync(path.join(dir, rel), 'utf8'),
        lineOffset: 0,
      });
    } else if (rel.startsWith('assets/')) {
      assets.push({
        path: rel,
        contentType: contentTypeOf(rel),
        content: fs.readFileSync(path.join(dir, rel)),
      });
    }
  }
  const theme: BuiltinTheme = { name: themeName, templates, assets };
  loaded.set(themeName, theme);
  return theme;
}
