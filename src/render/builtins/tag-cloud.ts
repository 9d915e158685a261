// [[tag_cloud]]: tags of published posts as a static cloud of links (no script), sized 14–56 px by
// count; the data attributes let a theme draw a richer cloud if it wants.
import { attributes, escapeHtml } from '../html.js';
import { tagUrl } from '../urls.js';
import { intInRange, intParam, textParam } from './params.js';
import type { BuiltinMacro } from './types.js';

const MIN_SIZE = 14;
const MAX_SIZE = 56;
const WEIGHT_CLASSES = 5;

function orientationOf(value: string | undefined): 'horizontal' | 'mixed-hv' | 'mixed-diagonal' {
  const v = (value ?? '').toLowerCase();
  if (['mixed_hv', 'mixed-hv', 'hv', 'horizontal_vertical'].includes(v)) return 'mixed-hv';
  if (['mixed_diagonal', 'mixed-diagonal', 'diagonal', 'diag'].includes(v)) return 'mixed-diagonal';
  return 'horizontal';
}

export const tagCloud: BuiltinMacro = (params, { data }) => {
  const width = intInRange(params, 'width', 320, 1600, 900);
  const height = intInRange(params, 'height', 180, 900, 420);
  const orientation = orientationOf(textParam(params, 'orientation'));
  const limit = intParam(params, 'limit');
  let tags = data
    .publishedTagCounts()
    .filter((t) => t.count > 0 && t.name)
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (limit !== undefined && limit > 0) tags = tags.slice(0, limit);

  const root = {
    class: 'macro-tag-cloud',
    'data-tag-cloud': 'true',
    'data-orientation': orientation,
    'data-color-distribution': 'quantile',
    'data-color-easing': '0.7',
    'data-color-theme': 'pico',
  };
  if (tags.length === 0) {
    return `<div${attributes({ ...root, class: 'macro-tag-cloud tag-cloud-empty' })}>No tags yet.</div>`;
  }
  const counts = tags.map((t) => t.count);
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  const sizeOf = (count: number): number =>
    max === min ? 35 : Math.round(MIN_SIZE + ((count - min) / (max - min)) * (MAX_SIZE - MIN_SIZE));
  // Quantile weight classes: the rank among distinct counts picks one of five colour steps.
  const distinct = [...new Set(counts)].sort((a, b) => a - b);
  const weightOf = (count: number): number =>
    distinct.length === 1
      ? 3
      : 1 + Math.round((distinct.indexOf(count) / (distinct.length - 1)) * (WEIGHT_CLASSES - 1));
  const words = tags.map((t) => ({
    text: t.name,
    size: sizeOf(t.count),
    count: t.count,
    url: tagUrl(t.name),
  }));

  const items = words.map((w, i) => {
    const turned = orientation !== 'horizontal' && i > 0 && i % 3 === 1;
    const cls = [
      'tag-cloud-tag',
      `tag-cloud-w${weightOf(w.count)}`,
      ...(turned ? [orientation === 'mixed-hv' ? 'tag-cloud-vertical' : 'tag-cloud-diagonal'] : []),
    ].join(' ');
    const label = `${w.count} ${w.count === 1 ? 'post' : 'posts'}`;
    return `<li><a${attributes({
      class: cls,
      href: w.url,
      style: `font-size:${w.size}px`,
      'data-count': w.count,
      title: label,
    })}>${escapeHtml(w.text)}</a></li>`;
  });
  return [
    `<div${attributes({
      ...root,
      'data-tag-cloud-words': JSON.stringify(words),
      'data-width': width,
      'data-height': height,
    })}>`,
    `<ul class="tag-cloud-list" aria-label="Tags" style="max-width:${width}px">`,
    ...items,
    '</ul>',
    '</div>',
  ].join('\n');
};
