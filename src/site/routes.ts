// The site's URL shapes and where each route lives on disk: the one place that knows them.
import { tagUrl } from '../render/index.js';

/** `/YYYY/MM/DD/slug/` from the post's date key (project timezone). */
export function postRoute(dateKey: string, slug: string): string {
  return `${dayRoute(dateKey)}${encodeURIComponent(slug)}/`;
}

/** `/slug/` for a page (a post in category `page`). */
export function pageRoute(slug: string): string {
  return `/${encodeURIComponent(slug)}/`;
}

export function tagRoute(name: string): string {
  return tagUrl(name);
}

export function categoryRoute(name: string): string {
  return `/category/${encodeURIComponent(name)}/`;
}

export function yearRoute(year: string): string {
  return `/${year}/`;
}

export function monthRoute(year: string, month: string): string {
  return `/${year}/${month}/`;
}

export function dayRoute(dateKey: string): string {
  // Called for every post of every list page: slices of a well-formed key, no array.
  if (dateKey.length === 10 && dateKey[4] === '-' && dateKey[7] === '-') {
    return `/${dateKey.slice(0, 4)}/${dateKey.slice(5, 7)}/${dateKey.slice(8)}/`;
  }
  const [y, m, d] = dateKey.split('-');
  return `/${y}/${m}/${d}/`;
}

/** Page `n` of a list whose first page is `base` (`/tag/x/` → `/tag/x/page/2/`). */
export function paginatedRoute(base: string, n: number): string {
  return n <= 1 ? base : `${base}page/${n}/`;
}

/** First path segments the site uses itself; a page slug may not take them. */
export const RESERVED_SEGMENTS: ReadonlySet<string> = new Set([
  'page',
  'tag',
  'category',
  'assets',
  'media',
  'thumbnails',
  '_draft',
  '_bds',
  'rss.xml',
  'atom.xml',
  'sitemap.xml',
  'calendar.json',
  '404.html',
]);

/** True when a decoded path segment can be a folder name on every system the site is copied to. */
export function isSafeSegment(segment: string): boolean {
  return (
    segment.length > 0 &&
    segment.length <= 200 &&
    segment !== '.' &&
    segment !== '..' &&
    // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
    !/[/\\\u0000-\u001f\u007f:*?"<>|]/.test(segment) &&
    !/[. ]$/.test(segment)
  );
}

/**
 * The file of a route under the site folder: `/` → `index.html`, `/a/b/` → `a/b/index.html`,
 * `/rss.xml` → `rss.xml`. Segments are decoded (servers decode URLs before looking for files).
 * Returns undefined when a segment cannot be a file name.
 */
export function routeFile(route: string): string | undefined {
  const known = routeFiles.get(route);
  if (known !== undefined || routeFiles.has(route)) return known;
  const file = computeRouteFile(route);
  // A site has tens of thousands of routes at most; the memo is cleared rather than let grow forever.
  if (routeFiles.size > 200_000) routeFiles.clear();
  routeFiles.set(route, file);
  return file;
}

const routeFiles = new Map<string, string | undefined>();

function computeRouteFile(route: string): string | undefined {
  const parts = route.split('/').slice(1);
  const isFolder = route.endsWith('/');
  if (isFolder) parts.pop();
  const decoded: string[] = [];
  for (const p of parts) {
    let s: string;
    try {
      s = decodeURIComponent(p);
    } catch {
      return undefined;
    }
    if (!isSafeSegment(s)) return undefined;
    decoded.push(s);
  }
  if (isFolder) decoded.push('index.html');
  return decoded.join('/');
}
