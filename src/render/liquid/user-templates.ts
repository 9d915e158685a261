// The user's templates: `templates/NAME.liquid` in the project, each with optional YAML frontmatter
// (`enabled: false` switches one off). They override the built-in theme's templates of the same name.
import fs from 'node:fs';
import path from 'node:path';
import { isBdsError, type Problem } from '../../core/errors.js';
import { decodeUtf8, parseFrontmatter } from '../../core/frontmatter.js';
import type { TemplateSource } from '../theme/index.js';

export interface UserTemplates {
  templates: Map<string, TemplateSource>;
  /** Templates that could not be read; they are left out and the built-in one is used. */
  problems: Problem[];
  /** Names, sizes and modification times: changes when any template file changes. */
  stamp: string;
}

/** A template name is a file name: letters, digits, `-` and `_`. */
export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

function listTemplateFiles(dir: string): { name: string; stat: fs.Stats }[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: { name: string; stat: fs.Stats }[] = [];
  for (const e of entries) {
    if (!e.name.endsWith('.liquid') || e.name.startsWith('.')) continue;
    try {
      const stat = fs.statSync(path.join(dir, e.name));
      if (stat.isFile()) out.push({ name: e.name, stat });
    } catch {
      // Deleted between readdir and stat: it is simply gone.
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Cheap fingerprint of the folder (names, sizes, times) to know when to read it again. */
export function userTemplatesStamp(dir: string): string {
  return stampOf(listTemplateFiles(dir));
}

function stampOf(files: { name: string; stat: fs.Stats }[]): string {
  return files.map((f) => `${f.name}:${f.stat.size}:${f.stat.mtimeMs}`).join('|');
}

/**
 * One template file's text as the theme uses it: the body after its frontmatter, with the line offset
 * for errors; null when its frontmatter switches it off. Throws on bad frontmatter.
 */
export function parseUserTemplate(name: string, file: string, text: string): TemplateSource | null {
  const doc = parseFrontmatter(text, file);
  if (doc.data.enabled === false) return null;
  return { name, file, source: doc.body, lineOffset: doc.bodyLine - 1 };
}

/** Reads `dir/*.liquid`; `relDir` is how errors name the folder (`templates`). */
export function readUserTemplates(dir: string, relDir = 'templates'): UserTemplates {
  const templates = new Map<string, TemplateSource>();
  const problems: Problem[] = [];
  const files = listTemplateFiles(dir);
  for (const { name: fileName } of files) {
    const file = `${relDir}/${fileName}`;
    const name = fileName.slice(0, -'.liquid'.length);
    if (!TEMPLATE_NAME.test(name)) {
      problems.push({
        code: 'template-error',
        message: `${file}: a template name may hold only letters, digits, "-" and "_"; the file is ignored`,
        file,
      });
      continue;
    }
    try {
      const source = parseUserTemplate(
        name,
        file,
        decodeUtf8(fs.readFileSync(path.join(dir, fileName)), file),
      );
      if (source) templates.set(name, source);
    } catch (e) {
      problems.push({
        code: isBdsError(e) ? e.code : 'io-error',
        message: `${e instanceof Error ? e.message : String(e)}; the built-in template is used instead`,
        file,
        ...(isBdsError(e) && e.line !== undefined ? { line: e.line } : {}),
      });
    }
  }
  return {
    templates,
    problems,
    stamp: stampOf(files),
  };
}
