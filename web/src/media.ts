// Small facts about media items the UI needs in several places: where their thumbnails are, how a post
// links them, how big they are in words a person reads.
import type { MediaItem } from './store.js';

/** Thumbnails exist for these widths (see the media library's thumbnail maker). */
export type ThumbSize = 150 | 400 | 800;

const THUMBNAIL_TYPES = /^image\/(png|jpeg|gif|webp|avif|tiff)$/;

export function hasThumbnail(item: Pick<MediaItem, 'mimeType'>): boolean {
  return THUMBNAIL_TYPES.test(item.mimeType);
}

/** The thumbnail's address on the preview origin (which serves media and thumbnails). */
export function thumbnailUrl(
  previewUrl: string,
  item: Pick<MediaItem, 'id' | 'path'>,
  size: ThumbSize,
): string {
  const dir = item.path.slice(0, item.path.lastIndexOf('/')).replace(/^media\//, 'thumbnails/');
  return new URL(`${dir}/${item.id}-${size}.webp`, previewUrl).href;
}

/** The file's address as posts write it: site-absolute, each segment encoded. */
export function sitePath(item: Pick<MediaItem, 'path'>): string {
  return `/${item.path.split('/').map(encodeURIComponent).join('/')}`;
}

/** What to put in a post's Markdown to show or link the item. */
export function markdownOf(item: MediaItem): string {
  const label = (item.alt ?? item.title ?? item.originalName).replace(/[[\]]/g, '');
  return item.mimeType.startsWith('image/')
    ? `![${label}](${sitePath(item)})`
    : `[${label}](${sitePath(item)})`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The short name of a file type for a badge: "PDF", "MP4". */
export function typeBadge(item: Pick<MediaItem, 'mimeType' | 'originalName'>): string {
  const ext = item.originalName.includes('.') ? item.originalName.split('.').pop()! : '';
  return (ext || item.mimeType.split('/').pop() || 'file').slice(0, 5).toUpperCase();
}
