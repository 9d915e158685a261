// Privacy-friendly video embeds: a placeholder button; the iframe is created by the macro asset script
// only when the reader clicks, so nothing is requested from the video host before that.
import { attributes, escapeHtml } from '../html.js';

export interface EmbedPlaceholder {
  provider: 'youtube' | 'vimeo';
  providerLabel: string;
  /** Host named in the note, where the video will come from. */
  host: string;
  title: string;
  /** The iframe URL, loaded on click. */
  embedSrc: string;
  allow: string;
  /** Where readers without JavaScript can watch it. */
  watchUrl: string;
}

export function embedPlaceholder(e: EmbedPlaceholder): string {
  return [
    `<div${attributes({
      class: `macro-${e.provider} bds-embed`,
      'data-bds-embed': e.provider,
      'data-embed-src': e.embedSrc,
      'data-embed-title': e.title,
      'data-embed-allow': e.allow,
    })}>`,
    `<button type="button" class="bds-embed-load" aria-label="${escapeHtml(`Play video: ${e.title}`)}">`,
    '<span class="bds-embed-icon" aria-hidden="true"></span>',
    `<span class="bds-embed-title">${escapeHtml(e.title)}</span>`,
    `<span class="bds-embed-note">${escapeHtml(
      `Click to load the video from ${e.host}. Nothing is loaded from ${e.providerLabel} before you click.`,
    )}</span>`,
    '</button>',
    `<noscript><a class="bds-embed-link" href="${escapeHtml(e.watchUrl)}">${escapeHtml(
      `Watch “${e.title}” on ${e.providerLabel}`,
    )}</a></noscript>`,
    '</div>',
  ].join('\n');
}
