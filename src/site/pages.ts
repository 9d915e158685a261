// Turns site pages into files: the variables each Liquid template sees, the page's HTML (or XML/JSON),
// and a fingerprint of everything the page shows, so a page whose inputs did not change is not rendered.
import { macroAssetTags } from '../render/index.js';
import type { LiquidTheme, TemplateScope } from '../render/liquid/index.js';
import {
  absoluteUrl,
  absolutizeHtml,
  renderAtom,
  renderCalendar,
  renderRss,
  renderSitemap,
  siteBase,
} from './feeds.js';
import type { ArchiveContext, ListPage, PostPage, SiteEntry, SiteModel, SitePage } from './model.js';
import { hashJoined, hashOf } from './hashes.js';
import type { RenderedBody } from './post-bodies.js';
import { categoryRoute, dayRoute, paginatedRoute } from './routes.js';
import type { SitePost, SiteSettings } from './source.js';

export const THEME_STYLESHEET = '/assets/bds-theme.css';

export interface PageContext {
  settings: SiteSettings;
  model: SiteModel;
  bodies: ReadonlyMap<SiteEntry, RenderedBody>;
  theme: LiquidTheme;
  preview: boolean;
  /**
   * The only entries whose post or body may differ from what the memo saw, when the caller knows (a
   * build of the same model as the last one); absent: every entry is checked.
   */
  changed?: readonly SiteEntry[];
  /**
   * Keep no post views (and so no bodies' HTML) once a page is rendered: a page worker renders each post
   * page once, and at 50,000 posts the views it kept were a few hundred MB at the end of a build.
   */
  forgetViews?: boolean;
  /**
   * The site's menu (its pages by title), when the model holds only some entries (a build from the
   * SitePlan); absent: made from the model's entries.
   */
  menu?: readonly { title: string; href: string }[];
}

/** A post as templates see it. */
export interface PostView {
  id: string;
  slug: string;
  title: string;
  url: string;
  content: string;
  excerpt: string;
  date: string;
  date_key: string;
  date_label: string;
  time_label: string;
  updated_at: string;
  author: string | null;
  language: string;
  tags: { name: string; url: string | null }[];
  categories: { name: string; title: string; url: string }[];
  show_title: boolean;
  is_draft: boolean;
  is_page: boolean;
  is_pending: boolean;
  summary_html?: string;
}

function sameParts(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * What page renderers of one site remember across builds, by object: the fingerprint of each entry and
 * the inputs of each page. The site model keeps its entries and pages while its shape holds
 * (SiteModelCache); when an entry's post or body is a new object, the pages that show it (its post page,
 * its neighbours' post pages, the lists holding it) forget their inputs. A build after editing one post
 * thus recomputes only what that post touches; a new model brings new objects, and everything is
 * computed again.
 */
export class PageMemo {
  readonly entries = new WeakMap<SiteEntry, { post: SitePost; body: RenderedBody | undefined; fp: string }>();
  readonly views = new WeakMap<
    SiteEntry,
    { post: SitePost; body: RenderedBody | undefined; siteHash: string; view: PostView }
  >();
  /** Post and list pages: their inputs while no entry they show changed, for one site hash. */
  readonly pages = new WeakMap<SitePage, { siteHash: string; inputs: string }>();
  /** Feeds, sitemap, calendar, 404: inputs with the parts they came from. */
  readonly files = new WeakMap<
    SitePage,
    { parts: string[]; inputs: string; model: SiteModel; dates: number; base: string }
  >();
  /** How many times an entry of a kept model showed a post with another update date. */
  dates = 0;
  private readonly dependents = new WeakMap<SiteModel, Map<SiteEntry, SitePage[]>>();

  /** The post and list pages that show each entry of `model`. */
  pagesShowing(model: SiteModel): Map<SiteEntry, SitePage[]> {
    let map = this.dependents.get(model);
    if (map) return map;
    map = new Map();
    const add = (entry: SiteEntry | undefined, page: SitePage) => {
      if (!entry) return;
      const list = map!.get(entry);
      if (list) list.push(page);
      else map!.set(entry, [page]);
    };
    for (const page of model.pages) {
      if (page.kind === 'post') {
        add(page.entry, page);
        add(page.older, page);
        add(page.newer, page);
      } else if (page.kind === 'list') {
        for (const e of page.entries) add(e, page);
      }
    }
    this.dependents.set(model, map);
    return map;
  }
}

function validLocale(language: string): string {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([language]).length > 0 ? language : 'en';
  } catch {
    return 'en';
  }
}

/** Labels of dates in the site's language; `dateKey`s are already in the project timezone. */
export class DateLabels {
  private readonly day: Intl.DateTimeFormat;
  private readonly month: Intl.DateTimeFormat;
  private readonly time: Intl.DateTimeFormat;

  constructor(language: string, timeZone: string) {
    const locale = validLocale(language);
    this.day = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
    this.month = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' });
    this.time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone });
  }

  private static utc(dateKey: string): number {
    const [y, m, d] = dateKey.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, (m || 1) - 1, d || 1);
  }

  /** Formatting a date costs ~10 µs; a site has far fewer days than posts. */
  private readonly days = new Map<string, string>();

  dayLabel(dateKey: string): string {
    let label = this.days.get(dateKey);
    if (label === undefined) {
      label = this.day.format(DateLabels.utc(dateKey));
      this.days.set(dateKey, label);
    }
    return label;
  }

  monthLabel(year: string, month: string): string {
    return this.month.format(DateLabels.utc(`${year}-${month}-01`));
  }

  timeLabel(iso: string): string {
    return this.time.format(new Date(iso));
  }
}

export class PageRenderer {
  readonly labels: DateLabels;
  // Views are per build: a renderer lives for one build or one preview model.
  private readonly views = new Map<SiteEntry, PostView>();
  /** A post as lists show it (its view with its summary), made once for the many lists showing it. */
  private readonly listed = new Map<SiteEntry, PostView>();
  private readonly base: string;
  /** The path part of publicUrl (`/blog`), '' at a host's root and in the preview. */
  private readonly basePath: string;
  private readonly siteScope: Record<string, unknown>;
  private readonly siteHash: string;
  private readonly menu: { title: string; href: string }[];
  private readonly macroAssets = macroAssetTags('/');

  constructor(
    private readonly ctx: PageContext,
    /** Summaries by post id, kept by the caller across builds: `{fp, html}`. */
    private readonly summaries: Map<string, { fp: string; html: string }>,
    /** Fingerprints and page inputs, kept by the caller across builds. */
    private readonly memo = new PageMemo(),
  ) {
    const s = ctx.settings;
    this.labels = new DateLabels(s.mainLanguage, s.timezone);
    this.base = siteBase(s);
    this.basePath = ctx.preview ? '' : basePathOf(this.base);
    this.siteScope = {
      name: s.name,
      // Absent values are null, not '': Liquid treats an empty string as true in `{% if %}`.
      description: s.description || null,
      url: this.base,
      language: s.mainLanguage,
      home_href: '/',
      rss_href: '/rss.xml',
      atom_href: '/atom.xml',
      calendar_href: '/calendar.json',
      is_preview: ctx.preview,
    };
    this.menu = ctx.menu ? [...ctx.menu] : siteMenu(ctx.model.entries, ctx.preview);
    this.siteHash = hashOf([
      this.siteScope,
      this.menu,
      ctx.theme.hash,
      ctx.preview,
      s.timezone,
      s.maxPostsPerPage,
    ]);
  }

  view(entry: SiteEntry): PostView {
    let v = this.views.get(entry);
    if (v) return v;
    const p = entry.post;
    const body = this.ctx.bodies.get(entry);
    // The site hash covers the language and timezone of the date labels.
    const known = this.memo.views.get(entry);
    if (known && known.post === p && known.body === body && known.siteHash === this.siteHash) {
      this.views.set(entry, known.view);
      return known.view;
    }
    const date = p.publishedAt ?? p.createdAt;
    v = {
      id: p.id,
      slug: p.slug,
      title: p.title,
      url: entry.url,
      content: body?.html ?? '',
      excerpt: body?.excerpt ?? '',
      date,
      date_key: p.dateKey,
      date_label: this.labels.dayLabel(p.dateKey),
      time_label: this.labels.timeLabel(date),
      updated_at: p.updatedAt,
      author: p.author ?? null,
      language: p.language ?? this.ctx.settings.mainLanguage,
      tags: entry.tags,
      categories: entry.categories
        .filter((c) => c.name.toLowerCase() !== 'page')
        .map((c) => ({ name: c.name, title: c.title, url: categoryRoute(c.name) })),
      show_title: entry.showTitle,
      is_draft: entry.isDraft,
      is_page: entry.isPage,
      is_pending: p.pending === true,
    };
    if (!this.ctx.forgetViews) {
      this.views.set(entry, v);
      this.memo.views.set(entry, { post: p, body, siteHash: this.siteHash, view: v });
    }
    return v;
  }

  /**
   * Changes when anything a template can show of the post changes. Everything in a view comes from the
   * post's file (path, mtime, size), its rendered body, its place in the site, or the settings that are
   * part of the site hash, so a hash of those is enough. Kept while the entry, its post and its body are
   * the same objects.
   */
  fingerprint(entry: SiteEntry): string {
    const body = this.ctx.bodies.get(entry);
    const known = this.memo.entries.get(entry);
    if (known && known.post === entry.post && known.body === body) return known.fp;
    const p = entry.post;
    const fp = hashJoined([
      body?.htmlHash ?? '',
      p.id,
      p.path,
      p.mtimeMs,
      p.size,
      p.pending === true ? 'pending' : '',
      entry.url,
      entry.showTitle ? 't' : '',
      entry.isDraft ? 'd' : '',
      entry.isPage ? 'p' : '',
      entry.tags.map((t) => `${t.name}\u0001${t.url ?? ''}`).join('\u0002'),
      entry.categories.map((c) => `${c.name}\u0001${c.title}`).join('\u0002'),
      entry.templateNames.join('\u0001'),
    ]);
    this.memo.entries.set(entry, { post: p, body, fp });
    return fp;
  }

  private refreshed = false;
  private readonly touched = new Set<SitePage>();

  /** Once per renderer: entries whose post or body changed since the memo saw them drop their pages' inputs. */
  private refresh(): void {
    if (this.refreshed) return;
    this.refreshed = true;
    const showing = this.memo.pagesShowing(this.ctx.model);
    for (const entry of this.ctx.changed ?? this.ctx.model.entries) {
      const known = this.memo.entries.get(entry);
      if (known && known.post === entry.post && known.body === this.ctx.bodies.get(entry)) continue;
      if (known?.post.updatedAt !== entry.post.updatedAt) this.memo.dates++;
      this.fingerprint(entry);
      for (const page of showing.get(entry) ?? []) {
        this.memo.pages.delete(page);
        this.touched.add(page);
      }
    }
  }

  /**
   * The post and list pages showing an entry whose post or body is not the one the memo last saw: with
   * the same model and site hash as the last build, the only ones whose inputs may differ from it.
   */
  touchedPages(): ReadonlySet<SitePage> {
    this.refresh();
    return this.touched;
  }

  /** Everything every page shows alike (settings, menu, theme): pages of equal hashes share inputs. */
  get hash(): string {
    return this.siteHash;
  }

  /** What a page shows, as one hash: equal inputs give an equal page. */
  inputs(page: SitePage): string {
    this.refresh();
    if (page.kind === 'post' || page.kind === 'list') {
      // A page object keeps its URL, context and entries; what else it shows is in the site hash (theme
      // and templates included) or in the fingerprints of its entries, watched by refresh().
      const known = this.memo.pages.get(page);
      if (known && known.siteHash === this.siteHash) return known.inputs;
      const inputs = hashJoined(this.pageParts(page));
      this.memo.pages.set(page, { siteHash: this.siteHash, inputs });
      return inputs;
    }
    const known = this.memo.files.get(page);
    // The same model lists the same pages and posts, in the same places: only update dates can change
    // the sitemap, and nothing the calendar.
    if (
      known &&
      known.model === this.ctx.model &&
      known.base === this.base &&
      ((page.kind === 'sitemap' && known.dates === this.memo.dates) || page.kind === 'calendar')
    ) {
      return known.inputs;
    }
    let parts: string[];
    switch (page.kind) {
      case 'rss':
      case 'atom':
        parts = [JSON.stringify(this.ctx.settings)];
        for (const e of this.feedEntries()) parts.push(this.fingerprint(e));
        break;
      case 'sitemap':
        parts = [this.base];
        for (const p of this.ctx.model.pages) {
          if (p.sitemap) parts.push(p.url, p.kind === 'post' ? p.entry.post.updatedAt : '');
        }
        break;
      case 'calendar':
        parts = [];
        for (const e of this.ctx.model.listed) if (!e.isDraft) parts.push(e.post.dateKey);
        break;
      case 'not-found':
        parts = [this.siteHash];
        break;
    }
    const memo = { model: this.ctx.model, dates: this.memo.dates, base: this.base };
    if (known && sameParts(known.parts, parts)) {
      this.memo.files.set(page, { ...known, ...memo });
      return known.inputs;
    }
    const inputs = hashJoined([page.kind, page.url, ...parts]);
    this.memo.files.set(page, { parts, inputs, ...memo });
    return inputs;
  }

  private pageParts(page: PostPage | ListPage): (string | number)[] {
    if (page.kind === 'post') {
      const n = (e: SiteEntry | undefined) => (e ? `${e.url}\u0001${e.post.title}` : '-');
      return [
        'post',
        page.url,
        this.siteHash,
        this.postTemplate(page.entry),
        this.fingerprint(page.entry),
        n(page.older),
        n(page.newer),
      ];
    }
    const parts: (string | number)[] = [
      'list',
      page.url,
      this.siteHash,
      JSON.stringify(page.context),
      this.listTemplate(page.context),
      page.pageNumber,
      page.pageCount,
    ];
    for (const e of page.entries) {
      // Whether the day heading links to a day archive, too.
      parts.push(this.fingerprint(e), this.ctx.model.days.has(e.post.dateKey) ? 'd' : '-');
    }
    return parts;
  }

  /** The posts of the feeds: the newest listed ones, a page's worth. */
  feedEntries(): SiteEntry[] {
    const max = this.ctx.settings.maxPostsPerPage;
    const out: SiteEntry[] = [];
    for (const e of this.ctx.model.listed) {
      if (out.length >= max) break;
      if (!e.isDraft) out.push(e);
    }
    return out;
  }

  postTemplate(entry: SiteEntry): string {
    return this.ctx.theme.firstExisting(entry.templateNames, 'post');
  }

  listTemplate(context: ArchiveContext): string {
    const names =
      context.kind === 'tag' || context.kind === 'category'
        ? [`list-${context.kind}-${context.name!.toLowerCase()}`, `list-${context.kind}`]
        : context.kind === 'root'
          ? ['list-home']
          : ['list-date'];
    return this.ctx.theme.firstExisting(names, 'list');
  }

  render(page: SitePage): string {
    switch (page.kind) {
      case 'post':
        return this.local(this.ctx.theme.render(this.postTemplate(page.entry), this.postScope(page)));
      case 'list':
        return this.local(this.ctx.theme.render(this.listTemplate(page.context), this.listScope(page)));
      case 'rss':
        return renderRss({
          settings: this.ctx.settings,
          entries: this.feedEntries(),
          bodies: this.ctx.bodies,
        });
      case 'atom':
        return renderAtom({
          settings: this.ctx.settings,
          entries: this.feedEntries(),
          bodies: this.ctx.bodies,
        });
      case 'sitemap':
        return renderSitemap(this.ctx.settings, this.ctx.model.pages);
      case 'calendar':
        return renderCalendar(this.ctx.model.listed.filter((e) => !e.isDraft));
      case 'not-found':
        return this.local(this.ctx.theme.render('not-found', this.notFoundScope()));
    }
  }

  /** A site served under a path (publicUrl `https://host/blog`): root-relative links get the path. */
  private local(html: string): string {
    return this.basePath ? absolutizeHtml(html, this.basePath) : html;
  }

  /** The not-found page for a URL the preview server does not know. */
  renderNotFound(): string {
    return this.ctx.theme.render('not-found', this.notFoundScope());
  }

  /**
   * A page's scope: what every page shows, then `scope`. (Its own fields come first and the page's are
   * spread after them: a literal that goes on after a spread defines each of its fields the slow way,
   * about 1.5 µs a field on Node 20, which made a list page's scope cost ~40 µs.)
   */
  private common(url: string, title: string, description: string, scope: TemplateScope): TemplateScope {
    return {
      site: this.siteScope,
      language: this.ctx.settings.mainLanguage,
      page_title: title,
      page_description: description || null,
      page_url: url,
      canonical_url: absoluteUrl(this.base, url),
      menu_items: this.menu.map((m) => ({
        title: m.title,
        href: m.href,
        has_children: false,
        children: [],
        is_current: m.href === url,
      })),
      stylesheet_href: THEME_STYLESHEET,
      macro_assets: this.macroAssets,
      is_preview: this.ctx.preview,
      generator: 'bds',
      ...scope,
    };
  }

  private postScope(page: PostPage): TemplateScope {
    const post = this.view(page.entry);
    const ref = (e: SiteEntry | undefined) => (e ? { title: e.post.title, url: e.url } : null);
    return this.common(page.url, `${post.title} · ${this.ctx.settings.name}`, post.excerpt, {
      post,
      post_tags: post.tags,
      post_categories: post.categories,
      older_post: ref(page.older),
      newer_post: ref(page.newer),
      is_draft: post.is_draft,
      draft_note: post.is_pending
        ? 'These are unpublished changes of a published post; the site shows the published version.'
        : null,
    });
  }

  private summary(entry: SiteEntry): string {
    const fp = `${this.ctx.theme.hash}:${this.fingerprint(entry)}`;
    const cached = this.summaries.get(entry.post.id);
    if (cached && cached.fp === fp) return cached.html;
    const html = this.ctx.theme.render('post-summary', {
      site: this.siteScope,
      language: this.ctx.settings.mainLanguage,
      is_preview: this.ctx.preview,
      post: this.view(entry),
    });
    this.summaries.set(entry.post.id, { fp, html });
    return html;
  }

  private listView(entry: SiteEntry): PostView {
    let v = this.listed.get(entry);
    if (v) return v;
    const view = this.view(entry);
    // Field by field: a spread followed by a field makes an object V8 reads slowly in every list.
    v = {
      id: view.id,
      slug: view.slug,
      title: view.title,
      url: view.url,
      content: view.content,
      excerpt: view.excerpt,
      date: view.date,
      date_key: view.date_key,
      date_label: view.date_label,
      time_label: view.time_label,
      updated_at: view.updated_at,
      author: view.author,
      language: view.language,
      tags: view.tags,
      categories: view.categories,
      show_title: view.show_title,
      is_draft: view.is_draft,
      is_page: view.is_page,
      is_pending: view.is_pending,
      summary_html: this.summary(entry),
    };
    if (!this.ctx.forgetViews) this.listed.set(entry, v);
    return v;
  }

  listTitle(context: ArchiveContext): string {
    switch (context.kind) {
      case 'root':
        return '';
      case 'year':
        return context.year!;
      case 'month':
        return this.labels.monthLabel(context.year!, context.month!);
      case 'day':
        return this.labels.dayLabel(`${context.year}-${context.month}-${context.day}`);
      case 'tag':
        return `#${context.name}`;
      case 'category':
        return this.ctx.model.categories.get(context.name!.toLowerCase())?.title ?? context.name!;
    }
  }

  private listScope(page: ListPage): TemplateScope {
    const listTitle = this.listTitle(page.context);
    const name = this.ctx.settings.name;
    let title = listTitle ? `${listTitle} · ${name}` : name;
    if (page.pageNumber > 1) title = `${listTitle || name} (page ${page.pageNumber}) · ${name}`;
    const posts = page.entries.map((e) => this.listView(e));
    // Unlisted posts (a category list shows them) have no day archive to link to.
    const dayHref = (dateKey: string) => (this.ctx.model.days.has(dateKey) ? dayRoute(dateKey) : null);
    const dayBlocks: { date_key: string; date_label: string; href: string | null; posts: PostView[] }[] = [];
    for (const p of posts) {
      const last = dayBlocks[dayBlocks.length - 1];
      if (last && last.date_key === p.date_key) last.posts.push(p);
      else
        dayBlocks.push({
          date_key: p.date_key,
          date_label: p.date_label,
          href: dayHref(p.date_key),
          posts: [p],
        });
    }
    const prevUrl = page.pageNumber > 1 ? paginatedRoute(page.baseUrl, page.pageNumber - 1) : '';
    const nextUrl = page.pageNumber < page.pageCount ? paginatedRoute(page.baseUrl, page.pageNumber + 1) : '';
    const c = page.context;
    return this.common(page.url, title, this.ctx.settings.description ?? '', {
      posts,
      day_blocks: dayBlocks,
      list_title: listTitle || null,
      archive_context: { title: listTitle, ...c },
      is_date_archive: c.kind === 'year' || c.kind === 'month' || c.kind === 'day',
      show_archive_range_heading: c.kind !== 'root',
      is_list_page: true,
      page_number: page.pageNumber,
      page_count: page.pageCount,
      is_first_page: page.pageNumber === 1,
      is_last_page: page.pageNumber === page.pageCount,
      has_prev_page: prevUrl !== '',
      has_next_page: nextUrl !== '',
      prev_page_href: prevUrl,
      next_page_href: nextUrl,
      min_date: posts.at(-1)?.date_key ?? '',
      max_date: posts[0]?.date_key ?? '',
    });
  }

  private notFoundScope(): TemplateScope {
    return this.common('/404.html', `Not found · ${this.ctx.settings.name}`, '', {
      not_found_title: 'Page not found',
      not_found_message: 'There is no page at this address. It may have moved, or the link may be mistyped.',
      not_found_back_label: 'Back to the home page',
    });
  }
}

/** The pages of the site by title: its menu. */
export function siteMenu(entries: readonly SiteEntry[], preview: boolean): { title: string; href: string }[] {
  return entries
    .filter((e) => e.isPage && (!e.isDraft || preview))
    .map((e) => ({ title: e.post.title, href: e.url }))
    .sort((a, b) => a.title.localeCompare(b.title));
}

/** `/blog` for `https://example.org/blog`; '' for a site at the root or no publicUrl. */
export function basePathOf(base: string): string {
  if (!base) return '';
  try {
    return new URL(base).pathname.replace(/\/+$/, '');
  } catch {
    return '';
  }
}
