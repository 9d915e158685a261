// One script on disk: `scripts/slug.py`, a docstring holding YAML frontmatter, then the code.
// The file is the truth. Missing or invalid values fall back to safe defaults and each fallback is
// reported, so a hand-written or broken file still shows up instead of vanishing.
import { createHash } from 'node:crypto';
import path from 'node:path';
import YAML from 'yaml';
import { formatIsoInZone, isIsoDate } from '../../core/dates.js';
import { stringifyYaml } from '../../core/frontmatter.js';
import { SAFE_ID } from '../../core/schemas.js';
import { isValidScriptSlug, slugifyScript } from '../../core/slug.js';

export const SCRIPT_KINDS = ['macro', 'transform', 'utility'] as const;
export type ScriptKind = (typeof SCRIPT_KINDS)[number];

export const DEFAULT_ENTRYPOINT: Record<ScriptKind, string> = {
  macro: 'render',
  transform: 'transform',
  utility: 'main',
};

export interface ScriptMeta {
  id: string;
  slug: string;
  title: string;
  kind: ScriptKind;
  entrypoint: string;
  enabled: boolean;
  version: number;
  /** Run order of transforms (lower first, then slug). */
  order: number;
  createdAt: string;
  updatedAt: string;
}

export interface ScriptNotice {
  field: string;
  message: string;
  line?: number;
}

export interface ScriptDocument {
  meta: ScriptMeta;
  /** Unknown frontmatter keys, kept on rewrite. */
  extra: Record<string, unknown>;
  code: string;
  /** 1-based file line where the code starts (to map Python line numbers to the file). */
  codeLine: number;
  /** Text the docstring holds after the frontmatter (a description of the script), kept on rewrite. */
  description: string;
  path: string;
  /** sha256 of the whole file: what trust is granted to. */
  hash: string;
  hasFrontmatter: boolean;
  /** Every fallback that was applied, to report. */
  notices: ScriptNotice[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KNOWN = [
  'id',
  'slug',
  'title',
  'kind',
  'entrypoint',
  'enabled',
  'version',
  'order',
  'createdAt',
  'updatedAt',
];

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

interface Split {
  yaml?: string;
  yamlLine: number;
  description: string;
  code: string;
  codeLine: number;
}

/** Separate the frontmatter docstring from the code. */
function split(text: string): Split {
  const src = text.replace(/\r\n?/g, '\n');
  const m = /^(\s*)("""|''')\n?---\n/.exec(src);
  if (!m) return { yamlLine: 0, code: src, codeLine: 1, description: '' };
  const quote = m[2]!;
  const start = m[0].length;
  const close = src.indexOf(`\n---\n`, start - 1);
  if (close === -1) return { yamlLine: 0, code: src, codeLine: 1, description: '' };
  const after = src.indexOf(quote, close + 5);
  if (after === -1) return { yamlLine: 0, code: src, codeLine: 1, description: '' };
  // Text after the closing `---` describes the script: the docstring stays a docstring.
  const description = src.slice(close + 5, after);
  let codeStart = after + 3;
  if (src.charAt(codeStart) === '\n') codeStart++;
  const yaml = src.slice(start, close + 1);
  const linesBefore = (s: string) => s.split('\n').length - 1;
  return {
    yaml,
    description: description.trim() === '' ? '' : description,
    yamlLine: linesBefore(src.slice(0, start)) + 1,
    code: src.slice(codeStart),
    codeLine: linesBefore(src.slice(0, codeStart)) + 1,
  };
}

export interface ParseContext {
  /** Project-relative path, e.g. scripts/hello.py */
  path: string;
  mtimeMs: number;
  timezone: string;
}

export function parseScriptText(text: string, ctx: ParseContext): ScriptDocument {
  const notices: ScriptNotice[] = [];
  const parts = split(text);
  let data: Record<string, unknown> = {};
  if (parts.yaml !== undefined) {
    const doc = YAML.parseDocument(parts.yaml, { prettyErrors: false });
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      const line = parts.yamlLine + parts.yaml.slice(0, err.pos[0]).split('\n').length - 1;
      notices.push({ field: 'frontmatter', message: `malformed YAML: ${err.message.split('\n')[0]}`, line });
    } else {
      const v: unknown = doc.toJS();
      if (v && typeof v === 'object' && !Array.isArray(v)) data = v as Record<string, unknown>;
      else if (v !== null && v !== undefined)
        notices.push({ field: 'frontmatter', message: 'is not a mapping' });
    }
  } else {
    notices.push({
      field: 'frontmatter',
      message: 'missing; defaults are used and written on the next save',
    });
  }
  const lineOf = (key: string): number | undefined => {
    if (parts.yaml === undefined) return undefined;
    const i = parts.yaml.split('\n').findIndex((l) => l.startsWith(`${key}:`));
    return i === -1 ? undefined : parts.yamlLine + i;
  };
  const fallback = (field: string, message: string) => notices.push({ field, message, line: lineOf(field) });

  const fileSlug = slugifyScript(path.posix.basename(ctx.path).replace(/\.py$/i, ''));
  let slug = fileSlug;
  if (typeof data.slug === 'string' && isValidScriptSlug(data.slug)) slug = data.slug;
  else if (data.slug !== undefined)
    fallback('slug', `"${String(data.slug)}" is not a valid macro name; using "${fileSlug}"`);
  else if (parts.yaml !== undefined) fallback('slug', `missing; using "${fileSlug}" from the file name`);

  let id: string;
  if (typeof data.id === 'string' && SAFE_ID.test(data.id)) id = data.id;
  else {
    id = hashText(`script:${ctx.path}`).slice(0, 32);
    if (parts.yaml !== undefined)
      fallback(
        'id',
        data.id === undefined ? 'missing; derived from the path' : 'invalid; derived from the path',
      );
  }

  let kind: ScriptKind = 'utility';
  let kindInvalid = false;
  if (typeof data.kind === 'string' && (SCRIPT_KINDS as readonly string[]).includes(data.kind))
    kind = data.kind as ScriptKind;
  else if (data.kind !== undefined) {
    kindInvalid = true;
    fallback('kind', `"${String(data.kind)}" is not macro, transform or utility; using utility, disabled`);
  } else if (parts.yaml !== undefined) fallback('kind', 'missing; using utility');

  let entrypoint = DEFAULT_ENTRYPOINT[kind];
  if (typeof data.entrypoint === 'string' && IDENT.test(data.entrypoint)) entrypoint = data.entrypoint;
  else if (data.entrypoint !== undefined)
    fallback('entrypoint', `"${String(data.entrypoint)}" is not a Python name; using ${entrypoint}`);

  let enabled = !kindInvalid;
  if (typeof data.enabled === 'boolean') enabled = kindInvalid ? false : data.enabled;
  else if (data.enabled !== undefined) {
    enabled = false;
    fallback('enabled', `"${String(data.enabled)}" is not true or false; disabled`);
  }

  let version = 1;
  if (Number.isInteger(data.version) && (data.version as number) > 0) version = data.version as number;
  else if (data.version !== undefined) fallback('version', 'must be a positive integer; using 1');

  let order = 0;
  if (Number.isInteger(data.order)) order = data.order as number;
  else if (data.order !== undefined) fallback('order', 'must be an integer; using 0');

  const fileTime = formatIsoInZone(new Date(ctx.mtimeMs), ctx.timezone);
  const date = (key: 'createdAt' | 'updatedAt'): string => {
    const v = data[key];
    if (typeof v === 'string' && isIsoDate(v)) return v;
    if (v instanceof Date) return v.toISOString();
    if (v !== undefined) fallback(key, 'is not an ISO-8601 date; using the file time');
    return fileTime;
  };
  const title = typeof data.title === 'string' && data.title.trim() ? data.title.trim() : slug;

  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (!KNOWN.includes(k)) extra[k] = v;

  return {
    meta: {
      id,
      slug,
      title,
      kind,
      entrypoint,
      enabled,
      version,
      order,
      createdAt: date('createdAt'),
      updatedAt: date('updatedAt'),
    },
    extra,
    code: parts.code,
    description: parts.description,
    codeLine: parts.codeLine,
    path: ctx.path,
    hash: hashText(text),
    hasFrontmatter: parts.yaml !== undefined,
    notices,
  };
}

export function serializeScript(
  meta: ScriptMeta,
  extra: Record<string, unknown>,
  code: string,
  description = '',
): string {
  const data: Record<string, unknown> = {
    id: meta.id,
    slug: meta.slug,
    title: meta.title,
    kind: meta.kind,
    entrypoint: meta.entrypoint,
    enabled: meta.enabled,
    version: meta.version,
  };
  if (meta.order !== 0) data.order = meta.order;
  data.createdAt = meta.createdAt;
  data.updatedAt = meta.updatedAt;
  for (const [k, v] of Object.entries(extra)) if (!(k in data)) data[k] = v;
  let yaml = stringifyYaml(data);
  // A value holding three quotes would end the docstring early: double-quoted YAML escapes every quote.
  if (yaml.includes('"""') || yaml.includes("'''")) {
    yaml = YAML.stringify(data, { lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
  }
  const body = code.endsWith('\n') || code === '' ? code : `${code}\n`;
  // A description must not end the docstring early either.
  const text = description.replaceAll('"""', '\\"\\"\\"');
  const about = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `"""\n---\n${yaml}---\n${about}"""\n${body}`;
}

export function scriptRelPath(slug: string): string {
  return `scripts/${slug}.py`;
}

export const STARTER_CODE: Record<ScriptKind, string> = {
  macro: `def render(context, post):
    """Return the HTML that replaces [[name ...]] in a post."""
    name = context["params"].get("name", "world")
    return f"<p>Hello, {name}!</p>"
`,
  transform: `def transform(post, context):
    """Change a bookmarked link before it becomes a post; return None to keep it as is."""
    post["tags"] = sorted(set(post.get("tags", []) + ["link"]))
    return post
`,
  utility: `def main(context):
    """Run from bds: \`bds script run NAME --arg key=value\`."""
    print("arguments:", context["params"])
    return {"ok": True}
`,
};
