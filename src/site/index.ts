// Site generation and the preview server: routes, feeds, sitemap, incremental writes over a SiteSource.
export type {
  SiteChange,
  SiteChanges,
  SiteChangeKind,
  SiteCategory,
  SitePaths,
  SitePost,
  SiteSettings,
  SiteSnapshot,
  SiteSource,
  SiteTagMeta,
} from './source.js';
export { lazyPostTextHidden, withoutLazyPostText } from './source.js';
export { buildSiteModel, PAGE_CATEGORY } from './model.js';
export type { ArchiveContext, ListPage, PostPage, SiteEntry, SiteModel, SitePage } from './model.js';
export {
  categoryRoute,
  dayRoute,
  monthRoute,
  pageRoute,
  paginatedRoute,
  postRoute,
  routeFile,
  tagRoute,
  yearRoute,
} from './routes.js';
export { SiteBuilder, MANIFEST_FILE, RENDER_CACHE_FILE } from './build.js';
export type { BuildOptions, BuildPhase, BuildProgress, BuildSummary } from './build.js';
export { formatSiteWarning } from './warnings.js';
export type { SiteWarning } from './warnings.js';
export { renderAtom, renderRss, renderSitemap, renderCalendar, absolutizeHtml } from './feeds.js';
export { PostBodyCache, postData } from './post-bodies.js';
export { startPreview } from './preview/server.js';
export type { PreviewOptions, PreviewServer } from './preview/server.js';
export {
  isCrossSiteSubresource,
  isLoopbackHost,
  isLoopbackOrigin,
  resolveStaticFile,
  type StaticResolution,
} from './preview/security.js';
