// Keeps the last site model between builds of one project and gives it back while nothing it is made of
// changed: editing a post's text (the common case) then costs no new model, and pages, entries and lists
// keep their identity, so what was computed for them last time (page inputs) can be reused.
import { buildSiteModel, type ModelOptions, type SiteModel } from './model.js';
import type { SitePost, SiteSnapshot } from './source.js';

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when the model built from `b` would be the one built from `a` (only fields the model reads). */
function sameShape(a: SitePost, b: SitePost): boolean {
  return (
    a.id === b.id &&
    a.path === b.path &&
    a.slug === b.slug &&
    a.status === b.status &&
    a.sortDate === b.sortDate &&
    a.dateKey === b.dateKey &&
    a.template === b.template &&
    a.pending === b.pending &&
    sameList(a.tags, b.tags) &&
    sameList(a.categories, b.categories)
  );
}

export class SiteModelCache {
  private last?: { model: SiteModel; key: string; posts: Map<string, SitePost> };

  model(snapshot: SiteSnapshot, options: ModelOptions = {}): SiteModel {
    const key = JSON.stringify([
      snapshot.settings.maxPostsPerPage,
      snapshot.categories,
      snapshot.tags,
      options.includeDrafts === true,
    ]);
    const last = this.last;
    if (last && last.key === key && last.posts.size === snapshot.posts.length) {
      const changed: SitePost[] = [];
      let same = true;
      for (const post of snapshot.posts) {
        const prev = last.posts.get(post.id);
        if (prev === post) continue;
        if (prev === undefined || !sameShape(prev, post)) {
          same = false;
          break;
        }
        changed.push(post);
      }
      if (same) {
        // Same posts in the same places: the entries take the new post objects (text, title, dates).
        for (const post of changed) {
          const entry = last.model.byId.get(post.id);
          if (entry) entry.post = post;
          last.posts.set(post.id, post);
        }
        return last.model;
      }
    }
    const model = buildSiteModel(snapshot, options);
    const posts = new Map<string, SitePost>();
    for (const p of snapshot.posts) posts.set(p.id, p);
    // Two posts with one id: the check above cannot tell them apart, so the model is never reused.
    this.last = posts.size === snapshot.posts.length ? { model, key, posts } : undefined;
    return model;
  }
}
