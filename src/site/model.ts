// The site model: which posts the site shows, the URL of each, and every page (posts, lists, archives,
// feeds) with the posts it holds. Pure data from a snapshot; nothing is rendered here.
import {
  categoryRoute,
  dayRoute,
  isSafeSegment,
  monthRoute,
  pageRoute,
  paginatedRoute,
  postRoute,
  RESERVED_SEGMENTS,
  routeFile,
  tagRoute,
  yearRoute,
} from './routes.js';
import type { SiteCategory, SitePost, SiteSnapshot } from './source.js';
import type { SiteWarning } from './warnings.js';

export const PAGE_CATEGORY = 'page';

/** A post with its place in the site. */
export interface SiteEntry {
  post: SitePost;
  url: string;
  isPage: boolean;
  isDraft: boolean;
  /** Shown on the home page, date archives and tag pages. */
  listed: boolean;
  categories: SiteCategory[];
  showTitle: boolean;
  /** Tags with their list URL (none when the tag has no page). */
  tags: { name: string; url: string | null }[];
  /** Templates to try, in order, before `post`. */
  templateNames: string[];
}

export type ArchiveKind = 'root' | 'year' | 'month' | 'day' | 'tag' | 'category';

export interface ArchiveContext {
  kind: ArchiveKind;
  /** Tag or category name. */
  name?: string;
  year?: string;
  month?: string;
  day?: string;
}

interface PageBase {
  url: string;
  /** File under the site folder. */
  file: string;
  /** Sitemap priority and change frequency; absent for files that are not pages (feeds, 404). */
  sitemap?: { priority: number; changefreq: 'daily' | 'weekly' | 'monthly' };
}

export interface PostPage extends PageBase {
  kind: 'post';
  entry: SiteEntry;
  older?: SiteEntry;
  newer?: SiteEntry;
}

export interface ListPage extends PageBase {
  kind: 'list';
  context: ArchiveContext;
  entries: SiteEntry[];
  pageNumber: number;
  pageCount: number;
  /** URL of the list's first page. */
  baseUrl: string;
}

export interface FilePage extends PageBase {
  kind: 'rss' | 'atom' | 'sitemap' | 'calendar' | 'not-found';
}

export type SitePage = PostPage | ListPage | FilePage;

export interface SiteModel {
  /** Every post with a URL, newest first. */
  entries: SiteEntry[];
  /** Listed posts (home page order), newest first. */
  listed: SiteEntry[];
  bySlug: Map<string, SiteEntry>;
  byId: Map<string, SiteEntry>;
  pages: SitePage[];
  byUrl: Map<string, SitePage>;
  /** Lists a tag page exists for: lower-cased name → display name. */
  tagNames: Map<string, string>;
  /** Tags that can have a page (a safe folder name): lower-cased name → display name. */
  usableTags: Map<string, string>;
  /** Days (`YYYY-MM-DD`) that have an archive page. */
  days: Set<string>;
  categories: Map<string, SiteCategory>;
  warnings: SiteWarning[];
}

export interface ModelOptions {
  /** Preview: drafts get pages too (and appear in lists, marked). */
  includeDrafts?: boolean;
}

const DEFAULT_CATEGORY = (name: string): SiteCategory => ({
  name,
  title: name,
  renderInLists: true,
  showTitle: true,
});

function byNewest(a: SitePost, b: SitePost): number {
  if (a.sortDate !== b.sortDate) return a.sortDate < b.sortDate ? 1 : -1;
  return a.slug < b.slug ? 1 : a.slug > b.slug ? -1 : 0;
}

function lower(s: string): string {
  return s.toLowerCase();
}

export function buildSiteModel(snapshot: SiteSnapshot, options: ModelOptions = {}): SiteModel {
  const warnings: SiteWarning[] = [];
  const perPage = Math.max(1, snapshot.settings.maxPostsPerPage);
  const { map: categories, of: categoryOf } = categoryLookup(snapshot.categories);

  const visible = snapshot.posts.filter(
    (p) => p.status === 'published' || (options.includeDrafts === true && p.status === 'draft'),
  );
  visible.sort(byNewest);

  // Tag display names: the spelling in meta/tags.json, else the newest post's.
  const tagNames = new Map<string, string>();
  for (const t of snapshot.tags) tagNames.set(lower(t.name), t.name);
  const tagSeen = new Map<string, string>();
  for (const p of visible) for (const t of p.tags) if (!tagSeen.has(lower(t))) tagSeen.set(lower(t), t);
  const tagDisplay = (t: string) => tagNames.get(lower(t)) ?? tagSeen.get(lower(t)) ?? t;

  const entries: SiteEntry[] = [];
  const byUrl = new Map<string, SitePage>();
  const pages: SitePage[] = [];
  const addPage = (page: SitePage): boolean => {
    if (byUrl.has(page.url)) {
      warnings.push({
        code: 'site-route-conflict',
        message: `Two pages want ${page.url}; the first one keeps it`,
      });
      return false;
    }
    byUrl.set(page.url, page);
    pages.push(page);
    return true;
  };

  const usableTags = new Map<string, string>();
  for (const [key, name] of tagSeen) {
    const display = tagDisplay(name);
    if (isSafeSegment(display)) usableTags.set(key, display);
    else {
      warnings.push({
        code: 'site-route-conflict',
        message: `The tag "${display}" cannot be a folder name (it holds "/", "\\", a control character or ends in a dot); it gets no tag page`,
      });
    }
  }

  for (const post of visible) {
    const made = siteEntry(post, categoryOf, usableTags);
    if ('warning' in made) warnings.push(made.warning);
    else entries.push(made);
  }

  const listed = entries.filter((e) => e.listed);
  const posts = entries.filter((e) => !e.isPage);

  // Post pages, with their neighbours among listed posts.
  const listedIndex = new Map(listed.map((e, i) => [e, i]));
  for (const entry of entries) {
    const i = listedIndex.get(entry);
    const page: PostPage = {
      kind: 'post',
      url: entry.url,
      file: routeFile(entry.url)!,
      entry,
      sitemap: entry.isPage
        ? { priority: 0.7, changefreq: 'weekly' }
        : { priority: 0.8, changefreq: 'monthly' },
      ...(i !== undefined && i + 1 < listed.length ? { older: listed[i + 1] } : {}),
      ...(i !== undefined && i > 0 ? { newer: listed[i - 1] } : {}),
    };
    addPage(page);
  }

  const dayPages = new Set<string>();
  const addList = (
    context: ArchiveContext,
    base: string,
    list: SiteEntry[],
    first: { priority: number; changefreq: 'daily' | 'weekly' | 'monthly' },
    rest: number,
    always = false,
  ) => {
    if (list.length === 0 && !always) return;
    if (routeFile(base) === undefined) return;
    const pageCount = Math.max(1, Math.ceil(list.length / perPage));
    for (let n = 1; n <= pageCount; n++) {
      const url = paginatedRoute(base, n);
      const added = addPage({
        kind: 'list',
        url,
        file: routeFile(url)!,
        context,
        entries: list.slice((n - 1) * perPage, n * perPage),
        pageNumber: n,
        pageCount,
        baseUrl: base,
        sitemap: n === 1 ? first : { priority: rest, changefreq: first.changefreq },
      });
      if (added && n === 1 && context.kind === 'day')
        dayPages.add(`${context.year}-${context.month}-${context.day}`);
    }
  };

  addList({ kind: 'root' }, '/', listed, { priority: 1.0, changefreq: 'daily' }, 0.9, true);

  // Date archives of listed posts.
  const years = new Map<string, SiteEntry[]>();
  const months = new Map<string, SiteEntry[]>();
  const days = new Map<string, SiteEntry[]>();
  const push = (m: Map<string, SiteEntry[]>, k: string, e: SiteEntry) => {
    const list = m.get(k);
    if (list) list.push(e);
    else m.set(k, [e]);
  };
  for (const e of listed) {
    const key = e.post.dateKey;
    push(years, key.slice(0, 4), e);
    push(months, key.slice(0, 7), e);
    push(days, key, e);
  }
  for (const [y, list] of years) {
    addList({ kind: 'year', year: y }, yearRoute(y), list, { priority: 0.5, changefreq: 'monthly' }, 0.4);
  }
  for (const [ym, list] of months) {
    const [y, m] = ym.split('-') as [string, string];
    addList(
      { kind: 'month', year: y, month: m },
      monthRoute(y, m),
      list,
      { priority: 0.5, changefreq: 'monthly' },
      0.4,
    );
  }
  for (const [key, list] of days) {
    const [y, m, d] = key.split('-') as [string, string, string];
    addList(
      { kind: 'day', year: y, month: m, day: d },
      dayRoute(key),
      list,
      { priority: 0.4, changefreq: 'monthly' },
      0.3,
    );
  }

  // Categories (all their posts, listed or not; `page` has no list) and tags (listed posts).
  const byCategory = new Map<string, SiteEntry[]>();
  for (const e of posts) for (const c of e.categories) push(byCategory, lower(c.name), e);
  for (const [key, list] of [...byCategory].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (key === PAGE_CATEGORY) continue;
    const cat = categoryOf(list[0]!.categories.find((c) => lower(c.name) === key)!.name);
    if (!isSafeSegment(cat.name)) continue;
    addList(
      { kind: 'category', name: cat.name },
      categoryRoute(cat.name),
      list,
      { priority: 0.6, changefreq: 'weekly' },
      0.5,
    );
  }
  const byTag = new Map<string, SiteEntry[]>();
  for (const e of listed) {
    const seen = new Set<string>();
    for (const t of e.post.tags) {
      const key = lower(t);
      if (!seen.has(key) && usableTags.has(key)) push(byTag, key, e);
      seen.add(key);
    }
  }
  const tagPages = new Map<string, string>();
  for (const [key, list] of [...byTag].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const name = usableTags.get(key)!;
    tagPages.set(key, name);
    addList({ kind: 'tag', name }, tagRoute(name), list, { priority: 0.6, changefreq: 'weekly' }, 0.5);
  }
  for (const e of entries) dropTagLinks(e, tagPages);

  for (const kind of ['rss', 'atom', 'sitemap', 'calendar', 'not-found'] as const) {
    const file = { rss: 'rss.xml', atom: 'atom.xml', sitemap: 'sitemap.xml', calendar: 'calendar.json' }[
      kind as string
    ];
    const url = kind === 'not-found' ? '/404.html' : `/${file}`;
    addPage({ kind, url, file: kind === 'not-found' ? '404.html' : file! });
  }

  return {
    entries,
    listed,
    bySlug: new Map(entries.map((e) => [e.post.slug, e])),
    byId: new Map(entries.map((e) => [e.post.id, e])),
    pages,
    byUrl,
    tagNames: tagPages,
    usableTags,
    days: dayPages,
    categories,
    warnings,
  };
}

/**
 * A visible post's entry: its URL, categories, tags (linked to their pages by `usableTags`: lower-cased
 * name → display name) and templates; or why it gets no page. The site model makes its entries with it,
 * and a build that reuses the last model's shape (SitePlan) makes the entries of changed posts with it.
 */
export function siteEntry(
  post: SitePost,
  categoryOf: (name: string) => SiteCategory,
  usableTags: ReadonlyMap<string, string>,
): SiteEntry | { warning: SiteWarning } {
  const cats = post.categories.map(categoryOf);
  const isPage = cats.some((c) => lower(c.name) === PAGE_CATEGORY);
  const url = isPage ? pageRoute(post.slug) : postRoute(post.dateKey, post.slug);
  if (isPage) {
    const first = post.slug.split('/')[0]!;
    if (RESERVED_SEGMENTS.has(first) || /^\d{4}$/.test(first)) {
      return {
        warning: {
          code: 'site-route-conflict',
          message: `The page "${post.slug}" would take ${url}, which the site uses itself; it gets no page`,
          file: post.path,
        },
      };
    }
  }
  if (routeFile(url) === undefined) {
    return {
      warning: {
        code: 'site-route-conflict',
        message: `The post "${post.slug}" has a slug that cannot be a folder name; it gets no page`,
        file: post.path,
      },
    };
  }
  const templateNames: string[] = [];
  if (post.template) templateNames.push(post.template);
  if (post.tags[0]) templateNames.push(`tag-${lower(post.tags[0])}`);
  for (const c of cats) templateNames.push(`category-${lower(c.name)}`);
  return {
    post,
    url,
    isPage,
    isDraft: post.status !== 'published',
    listed: !isPage && cats.every((c) => c.renderInLists),
    categories: cats,
    showTitle: cats.length === 0 ? true : cats.some((c) => c.showTitle),
    tags: post.tags.map((t) => {
      const display = usableTags.get(lower(t));
      return { name: display ?? t, url: display === undefined ? null : tagRoute(display) };
    }),
    templateNames,
  };
}

/** A tag only on unlisted posts has no page (`tagPages`: lower-cased names): its links would lead nowhere. */
export function dropTagLinks(entry: SiteEntry, tagPages: ReadonlyMap<string, string>): void {
  for (const t of entry.tags) if (t.url !== null && !tagPages.has(lower(t.name))) t.url = null;
}

/** The category of a name: the project's (meta/categories.json, any case), else a default one. */
export function categoryLookup(categories: readonly SiteCategory[]): {
  map: Map<string, SiteCategory>;
  of: (name: string) => SiteCategory;
} {
  const map = new Map<string, SiteCategory>();
  for (const c of categories) map.set(lower(c.name), c);
  return { map, of: (name) => map.get(lower(name)) ?? DEFAULT_CATEGORY(name) };
}
