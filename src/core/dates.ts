// Dates in the project's timezone (default UTC), never the machine's local zone.
// Stored as ISO-8601 with the zone's offset, e.g. 2026-11-24T06:45:00+01:00.
import { BdsError } from './errors.js';

export interface DateParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimezone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function assertTimezone(timeZone: string): void {
  if (!isValidTimezone(timeZone)) {
    throw new BdsError('project-invalid', `Unknown timezone "${timeZone}"`, {
      hint: 'Use an IANA name such as "UTC" or "Europe/Berlin" in bds.json.',
    });
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function parts(date: Date, timeZone: string): DateParts & { offset: string } {
  // UTC, the default zone, needs no time zone data: a fast path for indexing thousands of posts.
  if (timeZone === 'UTC' && !Number.isNaN(date.getTime())) {
    const y = date.getUTCFullYear();
    if (y >= 1000 && y <= 9999) {
      return {
        year: String(y),
        month: pad(date.getUTCMonth() + 1),
        day: pad(date.getUTCDate()),
        hour: pad(date.getUTCHours()),
        minute: pad(date.getUTCMinutes()),
        second: pad(date.getUTCSeconds()),
        offset: '+00:00',
      };
    }
  }
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(date)) out[p.type] = p.value;
  // longOffset gives "GMT", "GMT+01:00" or "GMT-09:30".
  const tz = out.timeZoneName ?? 'GMT';
  const offset = tz === 'GMT' ? '+00:00' : tz.slice(3);
  return {
    year: out.year!,
    month: out.month!,
    day: out.day!,
    hour: out.hour!,
    minute: out.minute!,
    second: out.second!,
    offset,
  };
}

/** The calendar date parts of an instant in a zone (for folders and URLs). */
export function dateParts(date: Date | string, timeZone: string): DateParts {
  const d = typeof date === 'string' ? parseIsoDate(date, timeZone) : date;
  const p = parts(d, timeZone);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

/** ISO-8601 with the zone's offset, second precision. */
export function formatIsoInZone(date: Date, timeZone: string): string {
  const p = parts(date, timeZone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${p.offset === '+00:00' && timeZone === 'UTC' ? 'Z' : p.offset}`;
}

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

export function isIsoDate(value: string): boolean {
  return ISO.test(value) && !Number.isNaN(Date.parse(value));
}

/** Parse an ISO-8601 date; a value without an offset is read in `timeZone` (never the machine's zone). */
export function parseIsoDate(value: string, timeZone = 'UTC'): Date {
  if (!ISO.test(value)) throw new BdsError('frontmatter-invalid', `"${value}" is not an ISO-8601 date`);
  const hasOffset = /(?:Z|[+-]\d{2}:?\d{2})$/.test(value) && value.length > 10;
  if (hasOffset) {
    const d = new Date(value);
    if (Number.isNaN(d.getTime()))
      throw new BdsError('frontmatter-invalid', `"${value}" is not a valid date`);
    return d;
  }
  const [datePart, timePart = '00:00:00'] = value.split(/[T ]/);
  const [y, mo, da] = datePart!.split('-').map(Number);
  const [h = 0, mi = 0, sec = 0] = timePart.split(':').map(Number);
  const guess = Date.UTC(y!, mo! - 1, da!, h, mi, Math.floor(sec));
  if (Number.isNaN(guess)) throw new BdsError('frontmatter-invalid', `"${value}" is not a valid date`);
  // Shift by the zone's offset at that wall time (twice, to settle across a DST change).
  let t = guess - zoneOffsetMs(new Date(guess), timeZone);
  t = guess - zoneOffsetMs(new Date(t), timeZone);
  return new Date(t);
}

function zoneOffsetMs(date: Date, timeZone: string): number {
  const off = parts(date, timeZone).offset;
  const sign = off.startsWith('-') ? -1 : 1;
  const [hh, mm] = off.slice(1).split(':').map(Number);
  return sign * ((hh ?? 0) * 60 + (mm ?? 0)) * 60_000;
}
