// XML text for feeds and the sitemap: escaping that also drops characters XML 1.0 cannot hold, and the
// two date formats feeds use.
import { LONE_SURROGATE } from '../core/utf8.js';

// These are the characters XML 1.0 forbids.
const INVALID_XML = new RegExp(
  // eslint-disable-next-line no-control-regex
  `${/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.source}|${LONE_SURROGATE.source}`,
  'g',
);

/** Escapes text for an XML element or a double-quoted attribute. */
export function escapeXml(value: string): string {
  return value
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** RFC 822 (as RFC 1123 writes it) for RSS: `Tue, 02 Jan 2024 10:00:00 GMT`. */
export function rfc822(iso: string): string {
  return new Date(iso).toUTCString();
}

/** RFC 3339 in UTC for Atom: `2024-01-02T10:00:00Z`. */
export function rfc3339(iso: string): string {
  // What bds writes is already UTC to the second; anything else goes through Date.
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(iso)) return iso;
  return new Date(iso).toISOString().replace(/\.000Z$/, 'Z');
}
