// Slugs: Unicode transliterated to ASCII, lower case; `-` between words for posts, `_` for scripts
// (a script slug is a macro name and must stay a Python identifier).
import { createRequire } from 'node:module';
import { BdsError } from './errors.js';

// transliteration's tables take ~100 ms to load, at every start of every command; most text is ASCII
// and needs none of it, so the package is loaded the first time a text is not.
let transliterator: ((text: string) => string) | undefined;
function transliterate(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  transliterator ??= (
    createRequire(import.meta.url)('transliteration') as { transliterate: (t: string) => string }
  ).transliterate;
  return transliterator(text);
}

const POST_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const SCRIPT_SLUG = /^[a-z_][a-z0-9_]*$/;

export function slugifyPost(text: string, fallback = 'post'): string {
  const s = transliterate(text)
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/g, '');
  return s || fallback;
}

export function slugifyScript(text: string, fallback = 'script'): string {
  let s = transliterate(text)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  if (!s) s = fallback;
  if (/^[0-9]/.test(s)) s = `_${s}`;
  return s;
}

export function isValidPostSlug(slug: string): boolean {
  return POST_SLUG.test(slug) && slug.length <= 200;
}

export function isValidScriptSlug(slug: string): boolean {
  return SCRIPT_SLUG.test(slug) && slug.length <= 64;
}

/** Throws `path-escape` for anything that could leave a folder when used as a file name. */
export function assertSafeSlug(slug: string, what: string, file?: string): void {
  if (slug.includes('/') || slug.includes('\\') || slug.includes('..') || slug.includes('\0')) {
    throw new BdsError('path-escape', `${what} "${slug}" tries to leave the project folder`, { file });
  }
}

/** `base`, `base-2`, `base-3`... (or `_N` for scripts) — the first not taken. */
export function uniqueSlug(
  base: string,
  taken: (slug: string) => boolean,
  separator: '-' | '_' = '-',
): string {
  if (!taken(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}${separator}${n}`;
    if (!taken(candidate)) return candidate;
  }
}
