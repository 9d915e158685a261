// [[photo_archive year=2024 month=5]] (alias photo_album): the project's images grouped by month,
// newest first; without a year, the newest ten months that have images.
import { attributes, escapeHtml } from '../html.js';
import type { MacroParamValue, MediaItem } from '../types.js';
import { intParam } from './params.js';
import { isImage, lightboxItem } from './media.js';
import { MacroParamError, type BuiltinMacro } from './types.js';

const RECENT_MONTHS = 10;

const zoneFormatters = new Map<string, Intl.DateTimeFormat>();
const labelFormatters = new Map<string, Intl.DateTimeFormat>();

function yearMonth(iso: string, timeZone: string): { year: number; month: number } | undefined {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return undefined;
  let f = zoneFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric' });
    zoneFormatters.set(timeZone, f);
  }
  let year = 0;
  let month = 0;
  for (const p of f.formatToParts(date)) {
    if (p.type === 'year') year = Number(p.value);
    else if (p.type === 'month') month = Number(p.value);
  }
  return { year, month };
}

function monthLabel(year: number, month: number, language: string): string {
  let f = labelFormatters.get(language);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat(language, { timeZone: 'UTC', year: 'numeric', month: 'long' });
    } catch {
      f = new Intl.DateTimeFormat('en', { timeZone: 'UTC', year: 'numeric', month: 'long' });
    }
    labelFormatters.set(language, f);
  }
  return f.format(new Date(Date.UTC(year, month - 1, 1)));
}

function readYearMonth(p: Readonly<Record<string, MacroParamValue>>): { year?: number; month?: number } {
  const hasYear = p.year !== undefined;
  const hasMonth = p.month !== undefined;
  const year = intParam(p, 'year');
  if (hasYear && (year === undefined || year < 1000 || year > 9999)) {
    throw new MacroParamError(`photo_archive year "${String(p.year)}" must be a 4-digit year`);
  }
  const month = intParam(p, 'month');
  if (hasMonth && (month === undefined || month < 1 || month > 12)) {
    throw new MacroParamError(`photo_archive month "${String(p.month)}" must be a month number from 1 to 12`);
  }
  if (hasMonth && !hasYear)
    throw new MacroParamError('photo_archive month needs a year, e.g. year=2024 month=5');
  return { year, month };
}

interface MonthGroup {
  year: number;
  month: number;
  items: { item: MediaItem; time: number }[];
}

export const photoArchive: BuiltinMacro = (params, { data, language }) => {
  const { year, month } = readYearMonth(params);
  const timeZone = data.timezone || 'UTC';
  const groups = new Map<number, MonthGroup>();
  for (const item of data.images()) {
    if (!isImage(item)) continue;
    const ym = yearMonth(item.createdAt, timeZone);
    if (!ym) continue;
    if (year !== undefined && ym.year !== year) continue;
    if (month !== undefined && ym.month !== month) continue;
    const key = ym.year * 100 + ym.month;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { ...ym, items: [] }));
    group.items.push({ item, time: Date.parse(item.createdAt) });
  }
  let months = [...groups.entries()].sort((a, b) => b[0] - a[0]).map(([, g]) => g);
  if (year === undefined) months = months.slice(0, RECENT_MONTHS);

  const root = attributes(
    year === undefined
      ? { class: 'macro-photo-archive photo-archive-recent-months', 'data-recent': RECENT_MONTHS }
      : month === undefined
        ? { class: 'macro-photo-archive photo-archive-full-year', 'data-year': year }
        : { class: 'macro-photo-archive photo-archive-single-month', 'data-year': year, 'data-month': month },
  );
  if (months.length === 0) return `<div${root}><div class="photo-archive-empty">No photos yet.</div></div>`;

  const out = [`<div${root}>`, '<div class="photo-archive-container">'];
  for (const g of months) {
    const mm = String(g.month).padStart(2, '0');
    const group = `photo-archive-${g.year}-${mm}`;
    out.push(
      `<div class="photo-archive-month-wrapper" data-year="${g.year}" data-month="${mm}">`,
      '<div class="photo-archive-month">',
      `<div class="photo-archive-month-label"><span>${escapeHtml(monthLabel(g.year, g.month, language))}</span></div>`,
      '<div class="photo-archive-gallery">',
    );
    g.items.sort((a, b) => b.time - a.time);
    for (const { item } of g.items) out.push(lightboxItem(item, 'photo-archive-item', group, '160px'));
    out.push('</div>', '</div>', '</div>');
  }
  out.push('</div>', '</div>');
  return out.join('\n');
};
