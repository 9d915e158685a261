// Site URLs of media, thumbnails and tags: the one place that knows their shape.

export const THUMBNAIL_SIZES = [150, 400, 800] as const;
export type ThumbnailSize = (typeof THUMBNAIL_SIZES)[number];

function encodePath(path: string): string {
  return path
    .split('/')
    .map((part) => encodeURIComponent(part))
    .join('/');
}

/** `YYYY/MM/ID.ext` (the path under `media/`) → `/media/YYYY/MM/ID.ext`. */
export function mediaUrl(path: string): string {
  return `/media/${encodePath(path)}`;
}

/** A media link's path as media tables key it: without leading slashes and `media/`. */
export function mediaLinkKey(path: string): string {
  return path.replace(/^\/+/, '').replace(/^media\//, '');
}

/** `YYYY/MM/ID.ext` → `/thumbnails/YYYY/MM/ID-{size}.webp`. */
export function thumbnailUrl(path: string, size: ThumbnailSize): string {
  const slash = path.lastIndexOf('/');
  const dir = slash >= 0 ? path.slice(0, slash + 1) : '';
  const file = path.slice(slash + 1);
  const dot = file.lastIndexOf('.');
  const stem = dot > 0 ? file.slice(0, dot) : file;
  return `/thumbnails/${encodePath(`${dir}${stem}-${size}.webp`)}`;
}

/** `/tag/NAME/` with the name URL-encoded. */
export function tagUrl(name: string): string {
  return `/tag/${encodeURIComponent(name)}/`;
}
