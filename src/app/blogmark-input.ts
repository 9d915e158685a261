// What a blogmark may bring in, and the post it starts as. The address, title and selection come from any
// web page (the bookmarklet sends what the page says), so each is checked here and a refusal names its
// field; the starting Markdown escapes them, so a page's text never becomes HTML or a link of its own.
import { BdsError } from '../core/errors.js';

export const BLOGMARK_LIMITS = { url: 2048, title: 200, selection: 10_000 } as const;

/** How a blogmark arrived. */
export const BLOGMARK_VIA = ['bookmarklet', 'cli', 'api', 'python'] as const;
export type BlogmarkVia = (typeof BLOGMARK_VIA)[number];

export interface BlogmarkFields {
  url: string;
  title?: string;
  selection?: string;
}

/** The fields after their checks: the address without user, password or fragment; a title always. */
export interface CheckedBlogmark {
  url: string;
  title: string;
  selection: string;
}

export type BlogmarkField = keyof BlogmarkFields;

export interface FieldProblem {
  field: BlogmarkField;
  message: string;
}

// Named character references an attacker uses to hide a scheme (`java&Tab;script&colon;`). Only the
// scheme is looked at after decoding, so a short list of the ones that matter is enough.
const NAMED: Record<string, string> = {
  colon: ':',
  tab: '\t',
  newline: '\n',
  nbsp: '\u00a0',
  amp: '&',
  sol: '/',
  period: '.',
  lpar: '(',
  rpar: ')',
  excl: '!',
  quot: '"',
  apos: "'",
  lt: '<',
  gt: '>',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);?/gi, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const hex = ref[1] === 'x' || ref[1] === 'X';
      const code = Number.parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return NAMED[ref.toLowerCase()] ?? whole;
  });
}

function decodePercent(text: string): string {
  return text.replace(/%[0-9a-f]{2}/gi, (h) => String.fromCharCode(Number.parseInt(h.slice(1), 16)));
}

/** Whitespace, control and invisible characters a browser or a URL parser skips inside a scheme. */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what hides a scheme
  /[\u0000-\u0020\u007f-\u00a0\u00ad\u115f\u1160\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]/g;

/**
 * The scheme an address really has once entity and percent encodings, invisible characters and case are
 * taken away (`&#106;ava&Tab;script:` is `javascript`), or undefined when it names none.
 */
export function revealedScheme(raw: string): string | undefined {
  let text = raw;
  for (let round = 0; round < 5; round++) {
    const next = decodePercent(decodeEntities(text)).replace(INVISIBLE, '');
    if (next === text) break;
    text = next;
  }
  return /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** A selection is text of several lines: tabs and line breaks are its own. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
const SELECTION_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

function checkUrl(raw: string): string | FieldProblem {
  const problem = (message: string): FieldProblem => ({ field: 'url', message });
  const trimmed = raw.trim();
  if (trimmed === '') return problem('is empty: give the address of the page (http:// or https://)');
  const scheme = revealedScheme(trimmed);
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    return problem(`must be an http or https address, not ${scheme}:`);
  }
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return problem('is not an address (it must start with http:// or https://)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return problem(`must be an http or https address, not ${url.protocol}`);
  }
  // A password in a saved link would be published with the post; the fragment is only a place in the page.
  url.username = '';
  url.password = '';
  url.hash = '';
  const href = url.href;
  if (href.length > BLOGMARK_LIMITS.url) {
    return problem(`is ${href.length} characters long; at most ${BLOGMARK_LIMITS.url}`);
  }
  return href;
}

function checkTitle(raw: string | undefined, url: string | undefined): string | FieldProblem {
  const title = (raw ?? '').trim();
  const control = CONTROL.exec(title);
  if (control) {
    return {
      field: 'title',
      message: `must not contain control characters (${codePoint(control[0])} at character ${control.index + 1})`,
    };
  }
  const length = [...title].length;
  if (length > BLOGMARK_LIMITS.title) {
    return { field: 'title', message: `is ${length} characters long; at most ${BLOGMARK_LIMITS.title}` };
  }
  if (title !== '') return title;
  return url === undefined ? '' : new URL(url).host;
}

function checkSelection(raw: string | undefined): string | FieldProblem {
  const selection = (raw ?? '').replace(/\r\n?/g, '\n');
  const control = SELECTION_CONTROL.exec(selection);
  if (control) {
    return {
      field: 'selection',
      message: `must not contain control characters other than tabs and line breaks (${codePoint(control[0])} at character ${control.index + 1})`,
    };
  }
  const length = [...selection].length;
  if (length > BLOGMARK_LIMITS.selection) {
    return {
      field: 'selection',
      message: `is ${length} characters long; at most ${BLOGMARK_LIMITS.selection}`,
    };
  }
  return selection.trim();
}

/** Every field's problem (a form shows them all), or the checked fields. */
export function inspectBlogmark(
  input: BlogmarkFields,
): { ok: true; value: CheckedBlogmark } | { ok: false; problems: FieldProblem[] } {
  const url = checkUrl(input.url);
  const title = checkTitle(input.title, typeof url === 'string' ? url : undefined);
  const selection = checkSelection(input.selection);
  const problems = [url, title, selection].filter((v): v is FieldProblem => typeof v !== 'string');
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { url: url as string, title: title as string, selection: selection as string } };
}

/** The checked fields, or `blogmark-invalid` naming the first field that is wrong. */
export function checkBlogmark(input: BlogmarkFields): CheckedBlogmark {
  const r = inspectBlogmark(input);
  if (r.ok) return r.value;
  const first = r.problems[0]!;
  throw new BdsError('blogmark-invalid', `"${first.field}" ${first.message}`, {
    details: { field: first.field, problems: r.problems },
  });
}

/** Backslash-escapes what Markdown would read as markup in inline text (and raw HTML, and entities). */
export function escapeMarkdownText(text: string): string {
  return text.replace(/[\\`*_[\]<>&~|!#]/g, (c) => `\\${c}`);
}

/**
 * A line of plain text kept as text at the start of a Markdown line: no heading, list, rule or quote,
 * and no indented code block (where escapes would show), so leading spaces go.
 */
function escapeLine(line: string): string {
  const inline = escapeMarkdownText(line.trimStart());
  return inline.replace(/^([-+=>]|\d+[.)])/, (mark: string) =>
    /\d/.test(mark) ? `${mark.slice(0, -1)}\\${mark.slice(-1)}` : `\\${mark}`,
  );
}

/** A link destination in `<...>`: the characters that would end it or escape inside it are percent-encoded. */
function linkDestination(url: string): string {
  return url.replace(/[\\<> \n]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** The starting body: a link to the page under its title, and the selection quoted under it. */
export function blogmarkMarkdown(b: CheckedBlogmark): string {
  const link = `[${escapeMarkdownText(b.title)}](<${linkDestination(b.url)}>)`;
  if (b.selection === '') return `${link}\n`;
  const quote = b.selection
    .split('\n')
    .map((line) => (line.trim() === '' ? '>' : `> ${escapeLine(line)}`))
    .join('\n');
  return `${link}\n\n${quote}\n`;
}
