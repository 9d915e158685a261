// The tag counts the `tag_cloud` macro shows on the site: tags of the listed, published posts, spelled
// as their tag pages are, so every word of the cloud links to a page the site has.
import type { RenderData, TagCount } from '../render/index.js';
import type { SiteModel } from './model.js';

export function siteTagCounts(model: SiteModel): TagCount[] {
  const counts = new Map<string, number>();
  for (const e of model.listed) {
    if (e.isDraft) continue;
    const seen = new Set<string>();
    for (const t of e.post.tags) {
      const key = t.toLowerCase();
      if (seen.has(key) || !model.tagNames.has(key)) continue;
      seen.add(key);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return [...counts].map(([key, count]) => ({ name: model.tagNames.get(key)!, count }));
}

/** The project's render data with the site's tag counts in place of the index's. */
export function siteRenderData(data: RenderData, model: SiteModel): RenderData {
  return withTagCounts(data, () => siteTagCounts(model));
}

/** `data` with these tag counts (asked for once, when a tag cloud first wants them: most builds have none). */
export function withTagCounts(data: RenderData, counts: () => readonly TagCount[]): RenderData {
  let tags: readonly TagCount[] | undefined;
  return {
    linkedImages: (postId) => data.linkedImages(postId),
    images: () => data.images(),
    publishedTagCounts: () => (tags ??= counts()),
    ...(data.timezone === undefined ? {} : { timezone: data.timezone }),
  };
}
