// Local assets the built-in macros need (no CDN). The site copies them under `assets/` and links them.
import { MACROS_CSS } from './macros-css.js';
import { MACROS_JS } from './macros-js.js';

export interface MacroAsset {
  /** Path under the site root. */
  path: string;
  contentType: string;
  content: string;
}

export const MACRO_ASSETS: readonly MacroAsset[] = [
  { path: 'assets/bds-macros.css', contentType: 'text/css; charset=utf-8', content: MACROS_CSS },
  { path: 'assets/bds-macros.js', contentType: 'text/javascript; charset=utf-8', content: MACROS_JS },
];

/** The tags a page's <head> needs for the macro assets; `base` is the site's root URL path. */
export function macroAssetTags(base = '/'): string {
  const root = base.endsWith('/') ? base : `${base}/`;
  return [
    `<link rel="stylesheet" href="${root}assets/bds-macros.css">`,
    `<script src="${root}assets/bds-macros.js" defer></script>`,
  ].join('\n');
}

export { MACROS_CSS, MACROS_JS };
