// Adapts a Workspace to what the render layer reads: media and tag counts for built-in macros
// (RenderData) and media links (LinkResolver.mediaUrl). Everything is read on first use and kept for
// the life of the object, which is one build or one preview model.
import fs from 'node:fs';
import path from 'node:path';
import { supportsThumbnails, thumbnailPath, type MediaRecord } from '../content/media/index.js';
import { mediaLinkKey, mediaUrl, type MediaItem, type RenderData, type TagCount } from '../render/index.js';
import type { AppServices } from './services.js';
import { tagsOf } from './tags.js';

/** `media/YYYY/MM/ID.ext` → `YYYY/MM/ID.ext` (the path under media/ the render layer uses). */
function underMedia(rel: string): string {
  return rel.startsWith('media/') ? rel.slice('media/'.length) : rel;
}

function hasThumbnails(root: string, record: MediaRecord): boolean {
  if (!supportsThumbnails(record)) return false;
  try {
    return fs.existsSync(path.join(root, thumbnailPath(record, 400)));
  } catch {
    return false;
  }
}

export function toMediaItem(root: string, record: MediaRecord): MediaItem {
  return {
    id: record.id,
    path: underMedia(record.path),
    originalName: record.originalName,
    createdAt: record.createdAt,
    mimeType: record.mimeType,
    ...(record.title ? { title: record.title } : {}),
    ...(record.alt ? { alt: record.alt } : {}),
    ...(record.caption ? { caption: record.caption } : {}),
    ...(record.width ? { width: record.width } : {}),
    ...(record.height ? { height: record.height } : {}),
    hasThumbnails: hasThumbnails(root, record),
  };
}

/** RenderData over the workspace's index, read lazily and memoised. */
export class WorkspaceRenderData implements RenderData {
  readonly timezone: string;
  private all?: MediaItem[];
  private tagCounts?: TagCount[];
  private readonly linked = new Map<string, MediaItem[]>();
  private readonly items = new Map<string, MediaItem>();

  constructor(private readonly ws: AppServices) {
    this.timezone = ws.project.settings.timezone;
  }

  private item(record: MediaRecord): MediaItem {
    let item = this.items.get(record.id);
    if (!item) {
      item = toMediaItem(this.ws.root, record);
      this.items.set(record.id, item);
    }
    return item;
  }

  linkedImages(postId: string): readonly MediaItem[] {
    let list = this.linked.get(postId);
    if (!list) {
      list = this.ws.media.linkedToPost(postId).map((r) => this.item(r));
      this.linked.set(postId, list);
    }
    return list;
  }

  images(): readonly MediaItem[] {
    this.all ??= this.ws.media.list().map((r) => this.item(r));
    return this.all;
  }

  publishedTagCounts(): readonly TagCount[] {
    this.tagCounts ??= tagsOf(this.ws)
      .filter((t) => t.publishedCount > 0)
      .map((t) => ({ name: t.name, count: t.publishedCount }));
    return this.tagCounts;
  }
}

/**
 * `YYYY/MM/NAME` → the media file's URL, where NAME is the stored name (`ID.ext`) or the original
 * file name (`url`), and the table it answers from by `mediaLinkKey` (`table`). Built on first call
 * from the media list.
 */
export function workspaceMediaLinks(ws: AppServices): {
  url: (p: string) => string | undefined;
  table: () => ReadonlyMap<string, string>;
} {
  let map: Map<string, string> | undefined;
  const table = (): ReadonlyMap<string, string> => {
    if (!map) {
      map = new Map();
      for (const r of ws.media.list()) {
        const rel = underMedia(r.path);
        const dir = rel.slice(0, rel.lastIndexOf('/'));
        const url = mediaUrl(rel);
        map.set(rel, url);
        // The stored name wins over another file's original name.
        const byOriginal = `${dir}/${r.originalName}`;
        if (!map.has(byOriginal)) map.set(byOriginal, url);
      }
    }
    return map;
  };
  return { url: (p: string) => table().get(mediaLinkKey(p)), table };
}
