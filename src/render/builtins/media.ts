// Shared pieces of the image macros: which media are images, labels, and the <img> tag.
import { attributes } from '../html.js';
import type { MediaItem } from '../types.js';
import { mediaUrl, thumbnailUrl } from '../urls.js';

const IMAGE_EXTENSIONS = new Set([
  'jpg',
  'jpeg',
  'png',
  'gif',
  'webp',
  'avif',
  'svg',
  'bmp',
  'tif',
  'tiff',
  'heic',
]);

export function isImage(item: MediaItem): boolean {
  if (item.mimeType) return item.mimeType.startsWith('image/');
  const dot = item.path.lastIndexOf('.');
  return dot >= 0 && IMAGE_EXTENSIONS.has(item.path.slice(dot + 1).toLowerCase());
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** The label shown in the lightbox: caption, title, original name, then the stored file name. */
export function imageLabel(item: MediaItem): string {
  return item.caption || item.title || item.originalName || fileName(item.path);
}

/** Alternative text: alt, title, caption, then the original name without its extension. */
export function imageAlt(item: MediaItem): string {
  if (item.alt || item.title || item.caption) return (item.alt || item.title || item.caption)!;
  const name = item.originalName || fileName(item.path);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** A lazy <img> of the image: the 400 px thumbnail (800 px for dense screens) when there are thumbnails. */
export function imageTag(item: MediaItem, sizes: string): string {
  const full = mediaUrl(item.path);
  const thumbs = item.hasThumbnails === true;
  return `<img${attributes({
    src: thumbs ? thumbnailUrl(item.path, 400) : full,
    srcset: thumbs ? `${thumbnailUrl(item.path, 400)} 400w, ${thumbnailUrl(item.path, 800)} 800w` : undefined,
    sizes: thumbs ? sizes : undefined,
    alt: imageAlt(item),
    width: item.width && item.height ? item.width : undefined,
    height: item.width && item.height ? item.height : undefined,
    loading: 'lazy',
    decoding: 'async',
  })}>`;
}

/** A link to the full image that the lightbox opens, holding its thumbnail. */
export function lightboxItem(item: MediaItem, className: string, group: string, sizes: string): string {
  return `<a${attributes({
    class: className,
    href: mediaUrl(item.path),
    'data-lightbox': group,
    'data-title': imageLabel(item),
  })}>${imageTag(item, sizes)}</a>`;
}
