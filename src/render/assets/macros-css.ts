// Styles of the built-in macros (embeds, gallery, photo archive, tag cloud, lightbox, error box).
// Light and dark; themes can tune the colours through the --bds-* custom properties.
export const MACROS_CSS = `/* bds built-in macros */
:root {
  --bds-accent: #2563eb;
  --bds-muted: #6b7280;
  --bds-surface: #f3f4f6;
  --bds-radius: 0.5rem;
  --bds-error: #b91c1c;
  --bds-error-bg: #fef2f2;
}
@media (prefers-color-scheme: dark) {
  :root:not([data-theme='light']) {
    --bds-accent: #60a5fa;
    --bds-muted: #9ca3af;
    --bds-surface: #1f2937;
    --bds-error: #fca5a5;
    --bds-error-bg: #3b1212;
  }
}
[data-theme='dark'] {
  --bds-accent: #60a5fa;
  --bds-muted: #9ca3af;
  --bds-surface: #1f2937;
  --bds-error: #fca5a5;
  --bds-error-bg: #3b1212;
}

/* Video embeds: a placeholder until the reader clicks */
.bds-embed {
  position: relative;
  aspect-ratio: 16 / 9;
  margin: 1.5rem 0;
  border-radius: var(--bds-radius);
  overflow: hidden;
  background: #111827;
}
.bds-embed-load {
  all: unset;
  box-sizing: border-box;
  position: absolute;
  inset: 0;
  display: flex;
  flex-direction: column;
  align-items: center;
  justify-content: center;
  gap: 0.6rem;
  padding: 1.5rem;
  cursor: pointer;
  color: #f9fafb;
  text-align: center;
  background: radial-gradient(circle at 50% 40%, #374151 0%, #111827 70%);
}
.bds-embed-load:focus-visible {
  outline: 3px solid var(--bds-accent);
  outline-offset: -3px;
}
.bds-embed-icon {
  flex-shrink: 0;
  width: 4.5rem;
  height: 3.2rem;
  border-radius: 0.9rem;
  background: #dc2626;
  position: relative;
  transition: transform 0.15s ease;
}
.macro-vimeo .bds-embed-icon {
  background: #1ab7ea;
}
.bds-embed-icon::after {
  content: '';
  position: absolute;
  left: 50%;
  top: 50%;
  transform: translate(-35%, -50%);
  border-style: solid;
  border-width: 0.7rem 0 0.7rem 1.2rem;
  border-color: transparent transparent transparent #fff;
}
.bds-embed-load:hover .bds-embed-icon {
  transform: scale(1.08);
}
.bds-embed-title {
  font-weight: 600;
  font-size: 1.1rem;
  max-width: 40rem;
}
.bds-embed-note {
  font-size: 0.8rem;
  color: #d1d5db;
  max-width: 32rem;
}
.bds-embed iframe {
  position: absolute;
  inset: 0;
  width: 100%;
  height: 100%;
  border: 0;
}
.bds-embed-link {
  position: absolute;
  inset: 0;
  display: flex;
  align-items: flex-end;
  justify-content: center;
  padding: 1rem;
  color: #f9fafb;
}

/* Gallery */
.macro-gallery {
  margin: 1.5rem 0;
}
.macro-gallery .gallery-figure {
  margin: 0;
}
.macro-gallery .gallery-container {
  display: grid;
  grid-template-columns: repeat(var(--bds-gallery-columns, 3), minmax(0, 1fr));
  gap: 0.5rem;
}
.gallery-cols-1 { --bds-gallery-columns: 1; }
.gallery-cols-2 { --bds-gallery-columns: 2; }
.gallery-cols-3 { --bds-gallery-columns: 3; }
.gallery-cols-4 { --bds-gallery-columns: 4; }
.gallery-cols-5 { --bds-gallery-columns: 5; }
.gallery-cols-6 { --bds-gallery-columns: 6; }
@media (max-width: 640px) {
  .macro-gallery .gallery-container {
    grid-template-columns: repeat(min(var(--bds-gallery-columns, 3), 2), minmax(0, 1fr));
  }
}
.gallery-item,
.photo-archive-item {
  display: block;
  border-radius: var(--bds-radius);
  overflow: hidden;
  background: var(--bds-surface);
}
.gallery-item img,
.photo-archive-item img {
  display: block;
  width: 100%;
  height: 100%;
  aspect-ratio: 1;
  object-fit: cover;
  transition: transform 0.2s ease;
}
.gallery-cols-1 .gallery-item img {
  aspect-ratio: auto;
}
.gallery-item:hover img,
.photo-archive-item:hover img {
  transform: scale(1.03);
}
.gallery-caption {
  margin-top: 0.5rem;
  font-size: 0.9rem;
  color: var(--bds-muted);
  text-align: center;
}
.gallery-empty,
.photo-archive-empty,
.tag-cloud-empty {
  padding: 1rem;
  border-radius: var(--bds-radius);
  background: var(--bds-surface);
  color: var(--bds-muted);
  font-size: 0.9rem;
  text-align: center;
}

/* Photo archive */
.macro-photo-archive {
  margin: 1.5rem 0;
}
.photo-archive-month-wrapper + .photo-archive-month-wrapper {
  margin-top: 1.5rem;
}
.photo-archive-month-label {
  font-weight: 600;
  margin-bottom: 0.5rem;
}
.photo-archive-gallery {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(8rem, 1fr));
  gap: 0.4rem;
}

/* Tag cloud: a static cloud of links */
.macro-tag-cloud {
  margin: 1.5rem 0;
}
.tag-cloud-list {
  list-style: none;
  margin: 0 auto;
  padding: 0;
  display: flex;
  flex-wrap: wrap;
  justify-content: center;
  align-items: center;
  gap: 0.2em 0.9rem;
  line-height: 1.1;
}
.tag-cloud-list li {
  margin: 0;
  padding: 0;
}
.tag-cloud-list li::before {
  content: none;
}
.tag-cloud-tag {
  display: inline-block;
  text-decoration: none;
  font-weight: 600;
  letter-spacing: -0.01em;
  transition: opacity 0.15s ease;
}
.tag-cloud-tag:hover,
.tag-cloud-tag:focus-visible {
  text-decoration: underline;
}
.tag-cloud-w1 { color: color-mix(in srgb, var(--bds-accent) 45%, var(--bds-muted)); }
.tag-cloud-w2 { color: color-mix(in srgb, var(--bds-accent) 60%, var(--bds-muted)); }
.tag-cloud-w3 { color: color-mix(in srgb, var(--bds-accent) 75%, var(--bds-muted)); }
.tag-cloud-w4 { color: color-mix(in srgb, var(--bds-accent) 88%, var(--bds-muted)); }
.tag-cloud-w5 { color: var(--bds-accent); }
.tag-cloud-vertical {
  writing-mode: vertical-rl;
  transform: rotate(180deg);
}
.tag-cloud-diagonal {
  transform: rotate(-20deg);
}

/* Lightbox */
.bds-lightbox {
  border: 0;
  padding: 0;
  margin: auto;
  max-width: 100vw;
  max-height: 100vh;
  width: 100vw;
  height: 100vh;
  background: transparent;
  color: #f9fafb;
}
.bds-lightbox::backdrop {
  background: rgb(0 0 0 / 0.88);
}
.bds-lightbox figure {
  margin: 0;
  height: 100%;
  display: flex;
  flex-direction: column;
  align-items: center;
  justify-content: center;
  gap: 0.75rem;
  pointer-events: none;
}
.bds-lightbox img {
  max-width: 92vw;
  max-height: 84vh;
  object-fit: contain;
  border-radius: 0.25rem;
  pointer-events: auto;
}
.bds-lightbox figcaption {
  font-size: 0.95rem;
  text-align: center;
  max-width: 80vw;
}
.bds-lightbox button {
  all: unset;
  position: fixed;
  cursor: pointer;
  font-size: 2rem;
  line-height: 1;
  padding: 0.5rem 0.9rem;
  border-radius: 999px;
  background: rgb(255 255 255 / 0.12);
  color: #fff;
}
.bds-lightbox button:hover,
.bds-lightbox button:focus-visible {
  background: rgb(255 255 255 / 0.25);
}
.bds-lightbox-close { top: 1rem; right: 1rem; }
.bds-lightbox-prev { left: 1rem; top: 50%; transform: translateY(-50%); }
.bds-lightbox-next { right: 1rem; top: 50%; transform: translateY(-50%); }
.bds-lightbox-count {
  position: fixed;
  top: 1.4rem;
  left: 1.2rem;
  font-size: 0.85rem;
  color: #d1d5db;
}

/* A failed macro, shown in preview only */
.bds-macro-error {
  margin: 1rem 0;
  padding: 0.75rem 1rem;
  border: 2px solid var(--bds-error);
  border-radius: var(--bds-radius);
  background: var(--bds-error-bg);
  color: var(--bds-error);
  font-size: 0.9rem;
}
.bds-macro-error-title {
  display: block;
}
.bds-macro-error-where {
  display: block;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 0.8rem;
  opacity: 0.85;
}
.bds-macro-error-message {
  margin: 0.5rem 0 0;
  padding: 0;
  background: none;
  color: inherit;
  white-space: pre-wrap;
  font-size: 0.85rem;
}
`;
