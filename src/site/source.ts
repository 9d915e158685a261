// What the site generator reads from a project, as plain data: the application adapts a Workspace to it,
// tests can hand in anything that fits. One snapshot is taken per build (or per preview model).
import type { PostRecord } from '../core/records.js';
import type { RenderData } from '../render/index.js';

export interface SiteSettings {
  /** The project's id (a UUID): the Atom feed's id. */
  id: string;
  name: string;
  description?: string;
  /** `https://example.org` (a path after the host is kept); absent → relative links in sitemap and feeds. */
  publicUrl?: string;
  mainLanguage: string;
  /** IANA zone of URL dates and date labels. */
  timezone: string;
  maxPostsPerPage: number;
  theme: string;
  defaultAuthor?: string;
}

export interface SitePaths {
  root: string;
  /** Where the built site goes (`html/`). */
  html: string;
  media: string;
  thumbnails: string;
  templates: string;
  /** `.bds/`: the manifest and the render cache. */
  cache: string;
}

/** A post as the site sees it: the post record (body included) without what only the index keeps. */
export type SitePost = Omit<PostRecord, 'extra' | 'hasDraft'> & {
  /** True for the pending edits of a published post (preview only). */
  pending?: boolean;
};

export interface SiteCategory {
  name: string;
  title: string;
  renderInLists: boolean;
  showTitle: boolean;
}

export interface SiteTagMeta {
  name: string;
  color?: string;
}

let postTextHidden = false;

/**
 * Runs `send` while posts that read their Markdown lazily give none (an empty body on line 1): a copy of
 * the model sent to a page worker needs no Markdown, and copying would read every post's text.
 */
export function withoutLazyPostText<T>(send: () => T): T {
  postTextHidden = true;
  try {
    return send();
  } finally {
    postTextHidden = false;
  }
}

/** For sources whose posts read their Markdown lazily: true while `withoutLazyPostText` runs. */
export function lazyPostTextHidden(): boolean {
  return postTextHidden;
}

/** Everything one build reads, taken at its start. */
export interface SiteSnapshot {
  settings: SiteSettings;
  paths: SitePaths;
  /** Every post of the project, any status (the site picks what it shows). */
  posts: readonly SitePost[];
  /** The posts' change mark (SiteChanges.mark) they hold every change up to, when the source keeps one. */
  mark?: string;
  categories: readonly SiteCategory[];
  tags: readonly SiteTagMeta[];
  /** What built-in macros read (images, linked media, tag counts). */
  renderData: RenderData;
  /** `YYYY/MM/NAME` (stored or original name) → `/media/YYYY/MM/ID.ext`. */
  mediaUrl(path: string): string | undefined;
  /** The table `mediaUrl` answers from, by `mediaLinkKey` (for a worker to answer alike); optional. */
  mediaLinks?(): ReadonlyMap<string, string>;
  /** Enabled macro scripts: slug → a string that changes when the script or its trust changes. */
  macroVersions: ReadonlyMap<string, string>;
  /**
   * A source whose posts read their Markdown only when asked may read many at once here, before a build
   * renders them (one pass instead of a query per post). Optional: posts always give their body.
   */
  readBodies?(posts: readonly SitePost[]): void;
  /** The build rendered this post's body: its Markdown may be let go (read again if asked). */
  releaseBody?(post: SitePost): void;
}

export type SiteChangeKind = 'posts' | 'media' | 'meta' | 'scripts' | 'templates';

export interface SiteChange {
  kind: SiteChangeKind;
  /** Project-relative files, when known. */
  paths: string[];
}

/**
 * What a build that looks only at the posts changed since the last one reads (see SitePlan): the
 * snapshot without its posts, and the posts by id.
 */
export interface SiteChanges {
  /** The snapshot's parts other than posts. */
  base(): Omit<SiteSnapshot, 'posts' | 'readBodies' | 'releaseBody'>;
  /**
   * Changes whenever anything a build reads other than posts changes: the settings, taxonomies and macros
   * given (as the build read them), templates and media.
   */
  key(parts: Pick<SiteSnapshot, 'settings' | 'paths' | 'categories' | 'tags' | 'macroVersions'>): string;
  /** Where the posts' change log stands now. */
  mark(): string;
  /** Ids of the posts written or removed since `mark`, at most `limit` (else undefined); undefined when unknown. */
  since(mark: string, limit: number): string[] | undefined;
  /** The posts with these ids as a snapshot holds them (ids of posts gone are left out). */
  posts(ids: readonly string[]): SitePost[];
  /** Nobody will ask for changes since a mark before `mark`. */
  prune(mark: string): void;
}

export interface SiteSource {
  snapshot(): SiteSnapshot;
  /** Absent: every build reads every post. */
  changes?: SiteChanges;
  /**
   * Cheaply (without listing posts): a key that changes whenever anything a build reads changes (settings,
   * taxonomies, templates, enabled macros, posts, media), and where the build's files go. A build whose
   * key equals the last complete one's has nothing to do. Absent: every build looks at every page.
   */
  buildStamp?(): { key: string; paths: SitePaths };
  /** The pending edits of a published post, as a post (preview shows them). */
  pendingEdit?(postId: string): SitePost | undefined;
  /** Changes to content, for the preview server's reload. Returns an unsubscribe function. */
  onChange?(listener: (change: SiteChange) => void): () => void;
}
