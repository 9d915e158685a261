// RSS 2.0 and Atom 1.0 feeds of the newest listed posts, with their rendered HTML, and the sitemap.
import { flatString } from '../core/flat-string.js';
import type { SiteEntry, SitePage } from './model.js';
import type { RenderedBody } from './post-bodies.js';
import type { SiteSettings } from './source.js';
import { escapeXml, rfc3339, rfc822 } from './xml.js';

export interface FeedInput {
  settings: SiteSettings;
  entries: readonly SiteEntry[];
  bodies: ReadonlyMap<SiteEntry, RenderedBody>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `https://example.org/blog` (no trailing slash), or '' without a public URL. */
export function siteBase(settings: SiteSettings): string {
  return (settings.publicUrl ?? '').trim().replace(/\/+$/, '');
}

export function absoluteUrl(base: string, url: string): string {
  return base && url.startsWith('/') && !url.startsWith('//') ? `${base}${url}` : url;
}

/**
 * Feed readers show content away from the site: root-relative `href`, `src` and `srcset` URLs get the
 * site's address in front. Only attribute values bds wrote itself start with `/`, so this cannot change text.
 */
export function absolutizeHtml(html: string, base: string): string {
  if (!base) return html;
  return html
    .replace(/(\s(?:href|src|poster))="\/(?!\/)/g, `$1="${base}/`)
    .replace(/(\ssrcset)="([^"]*)"/g, (_m, attr: string, value: string) => {
      const fixed = value
        .split(',')
        .map((part) => part.replace(/^(\s*)\/(?!\/)/, `$1${base}/`))
        .join(',');
      return `${attr}="${fixed}"`;
    });
}

function entryDate(e: SiteEntry): string {
  return e.post.publishedAt ?? e.post.createdAt;
}

function entryId(e: SiteEntry, base: string): string {
  if (UUID.test(e.post.id)) return `urn:uuid:${e.post.id.toLowerCase()}`;
  return base ? absoluteUrl(base, e.url) : `urn:bds:post:${encodeURIComponent(e.post.id)}`;
}

/** The newest `updatedAt` of the entries: the feed changes only when a post does. */
function feedUpdated(entries: readonly SiteEntry[]): string {
  let newest = '1970-01-01T00:00:00Z';
  let newestMs = 0;
  for (const e of entries) {
    for (const d of [e.post.updatedAt, entryDate(e)]) {
      const ms = Date.parse(d);
      if (ms > newestMs) {
        newestMs = ms;
        newest = d;
      }
    }
  }
  return newest;
}

export function renderRss({ settings, entries, bodies }: FeedInput): string {
  const base = siteBase(settings);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '<channel>',
    `<title>${escapeXml(settings.name)}</title>`,
    `<link>${escapeXml(absoluteUrl(base, '/'))}</link>`,
    `<description>${escapeXml(settings.description || settings.name)}</description>`,
    `<language>${escapeXml(settings.mainLanguage)}</language>`,
    `<lastBuildDate>${rfc822(feedUpdated(entries))}</lastBuildDate>`,
    '<generator>bds</generator>',
    `<atom:link href="${escapeXml(absoluteUrl(base, '/rss.xml'))}" rel="self" type="application/rss+xml"/>`,
  ];
  for (const e of entries) {
    const body = bodies.get(e);
    const link = absoluteUrl(base, e.url);
    lines.push(
      '<item>',
      `<title>${escapeXml(e.post.title)}</title>`,
      `<link>${escapeXml(link)}</link>`,
      `<guid isPermaLink="${base ? 'true' : 'false'}">${escapeXml(base ? link : entryId(e, base))}</guid>`,
      `<pubDate>${rfc822(entryDate(e))}</pubDate>`,
      ...e.categories.map((c) => `<category>${escapeXml(c.title)}</category>`),
      ...e.tags.map((t) => `<category>${escapeXml(t.name)}</category>`),
      `<description>${escapeXml(absolutizeHtml(body?.html ?? '', base))}</description>`,
      '</item>',
    );
  }
  lines.push('</channel>', '</rss>', '');
  return lines.join('\n');
}

export function renderAtom({ settings, entries, bodies }: FeedInput): string {
  const base = siteBase(settings);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXml(settings.mainLanguage)}">`,
    `<title>${escapeXml(settings.name)}</title>`,
    ...(settings.description ? [`<subtitle>${escapeXml(settings.description)}</subtitle>`] : []),
    `<link rel="alternate" type="text/html" href="${escapeXml(absoluteUrl(base, '/'))}"/>`,
    `<link rel="self" type="application/atom+xml" href="${escapeXml(absoluteUrl(base, '/atom.xml'))}"/>`,
    `<id>${escapeXml(UUID.test(settings.id) ? `urn:uuid:${settings.id.toLowerCase()}` : absoluteUrl(base, '/'))}</id>`,
    `<updated>${rfc3339(feedUpdated(entries))}</updated>`,
    `<author><name>${escapeXml(settings.defaultAuthor || settings.name)}</name></author>`,
    '<generator>bds</generator>',
  ];
  for (const e of entries) {
    const body = bodies.get(e);
    lines.push(
      '<entry>',
      `<title type="text">${escapeXml(e.post.title)}</title>`,
      `<link rel="alternate" type="text/html" href="${escapeXml(absoluteUrl(base, e.url))}"/>`,
      `<id>${escapeXml(entryId(e, base))}</id>`,
      `<published>${rfc3339(entryDate(e))}</published>`,
      `<updated>${rfc3339(Date.parse(e.post.updatedAt) > Date.parse(entryDate(e)) ? e.post.updatedAt : entryDate(e))}</updated>`,
      ...(e.post.author ? [`<author><name>${escapeXml(e.post.author)}</name></author>`] : []),
      ...e.categories.map((c) => `<category term="${escapeXml(c.name)}" label="${escapeXml(c.title)}"/>`),
      ...e.tags.map((t) => `<category term="${escapeXml(t.name)}"/>`),
      ...(body?.excerpt ? [`<summary type="text">${escapeXml(body.excerpt)}</summary>`] : []),
      `<content type="html">${escapeXml(absolutizeHtml(body?.html ?? '', base))}</content>`,
      '</entry>',
    );
  }
  lines.push('</feed>', '');
  return lines.join('\n');
}

/** Every page of the site once, with the priorities and change frequencies of its kind. */
/** Sitemap lines by site address and page URL, kept for the next build (cleared when it grows). */
const SITEMAP_LINES = new Map<string, { updated: string; page: SitePage['kind']; line: string }>();

export function renderSitemap(settings: SiteSettings, pages: readonly SitePage[]): string {
  const base = siteBase(settings);
  if (SITEMAP_LINES.size > 4 * pages.length + 1000) SITEMAP_LINES.clear();
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
  ];
  for (const page of pages) {
    if (!page.sitemap) continue;
    const updated = page.kind === 'post' ? page.entry.post.updatedAt : '';
    // A page's line is made again only when its address or date changed since the last sitemap.
    const key = flatString(`${base}\u0000${page.url}`);
    const known = SITEMAP_LINES.get(key);
    if (known && known.updated === updated && known.page === page.kind) {
      lines.push(known.line);
      continue;
    }
    const lastmod = updated ? `<lastmod>${rfc3339(updated)}</lastmod>` : '';
    const line = flatString(
      `<url><loc>${escapeXml(absoluteUrl(base, page.url))}</loc>${lastmod}<changefreq>${page.sitemap.changefreq}</changefreq><priority>${page.sitemap.priority.toFixed(1)}</priority></url>`,
    );
    SITEMAP_LINES.set(key, { updated, page: page.kind, line });
    lines.push(line);
  }
  lines.push('</urlset>', '');
  return lines.join('\n');
}

/** Published (listed) posts per day: `{"days": {"2024-05-03": 2, ...}}`, days in order. */
export function renderCalendar(listed: readonly SiteEntry[]): string {
  const days = new Map<string, number>();
  for (const e of listed) days.set(e.post.dateKey, (days.get(e.post.dateKey) ?? 0) + 1);
  const sorted = [...days].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return `${JSON.stringify({ days: Object.fromEntries(sorted) })}\n`;
}
