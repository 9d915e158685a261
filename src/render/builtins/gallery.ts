// [[gallery columns=3 caption="..."]]: the post's linked images in a grid, opened in the lightbox.
import { attributes, escapeHtml } from '../html.js';
import { intInRange, textParam } from './params.js';
import { isImage, lightboxItem } from './media.js';
import type { BuiltinMacro } from './types.js';

export const gallery: BuiltinMacro = (params, { post, data }) => {
  const columns = intInRange(params, 'columns', 1, 6, 3);
  const caption = textParam(params, 'caption');
  const images = post ? data.linkedImages(post.id).filter(isImage) : [];
  const root = attributes({
    class: `macro-gallery gallery-cols-${columns}`,
    'data-post-id': post?.id,
    'data-columns': columns,
    'data-lightbox': 'true',
  });
  if (images.length === 0) {
    return `<div${root}><div class="gallery-empty">No images are linked to this post yet.</div></div>`;
  }
  const group = `gallery-${post?.id ?? 'post'}`;
  const sizes = `(max-width: 640px) ${Math.ceil(100 / Math.min(columns, 2))}vw, ${Math.ceil(760 / columns)}px`;
  return [
    `<div${root}>`,
    '<figure class="gallery-figure">',
    '<div class="gallery-container gallery-lightbox">',
    ...images.map((item) => lightboxItem(item, 'gallery-item', group, sizes)),
    '</div>',
    ...(caption ? [`<figcaption class="gallery-caption">${escapeHtml(caption)}</figcaption>`] : []),
    '</figure>',
    '</div>',
  ].join('\n');
};
