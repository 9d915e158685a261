// YAML frontmatter codec for Markdown files: `---\n<yaml>\n---\n<body>`.
// Errors carry the file and the line in the file (not in the YAML block).
import YAML from 'yaml';
import { BdsError } from './errors.js';

export interface FrontmatterDocument {
  data: Record<string, unknown>;
  body: string;
  /** 1-based line in the file where the body starts. */
  bodyLine: number;
  hasFrontmatter: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode bytes as strict UTF-8, naming the file on failure. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    const text = utf8.decode(bytes);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (cause) {
    throw new BdsError('file-encoding', `${file} is not valid UTF-8`, { file, cause });
  }
}

export function parseFrontmatter(text: string, file: string): FrontmatterDocument {
  const src = text.replace(/\r\n?/g, '\n');
  if (!src.startsWith('---\n') && src !== '---') {
    return { data: {}, body: src, bodyLine: 1, hasFrontmatter: false };
  }
  const end = src.indexOf('\n---', 3);
  let yamlEnd = -1;
  let bodyStart = -1;
  // The closing fence is `---` alone on its line.
  for (let i = end; i !== -1; i = src.indexOf('\n---', i + 1)) {
    const after = src.charAt(i + 4);
    if (after === '\n' || after === '') {
      yamlEnd = i;
      bodyStart = after === '' ? src.length : i + 5;
      break;
    }
  }
  if (yamlEnd === -1) {
    throw new BdsError('frontmatter-yaml', `${file}: frontmatter starts with --- on line 1 but is never closed`, {
      file,
      line: 1,
      hint: 'Add a line with --- after the frontmatter.',
    });
  }
  const yamlText = src.slice(4, yamlEnd + 1);
  const yamlLines = yamlText.split('\n').length - 1;
  const doc = YAML.parseDocument(yamlText, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0];
    const line = (pos?.line ?? 1) + 1;
    const message = err.message.split('\n')[0] ?? err.message;
    throw new BdsError('frontmatter-yaml', `${file}:${line}: ${message}`, {
      file,
      line,
      column: pos?.col,
    });
  }
  const value: unknown = doc.toJS();
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    throw new BdsError('frontmatter-invalid', `${file}: frontmatter must be a mapping of keys to values`, {
      file,
      line: 2,
    });
  }
  return {
    data: (value ?? {}) as Record<string, unknown>,
    body: src.slice(bodyStart),
    bodyLine: yamlLines + 3,
    hasFrontmatter: true,
  };
}

/** The 1-based file line of a top-level frontmatter key, for error messages. */
export function frontmatterKeyLine(text: string, key: string): number | undefined {
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '---') return undefined;
    if (l.startsWith(`${key}:`)) return i + 1;
  }
  return undefined;
}

export function stringifyYaml(data: Record<string, unknown>): string {
  // lineWidth 0: never fold long strings; a title stays on one line.
  return YAML.stringify(data, { lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
}

export function serializeFrontmatter(data: Record<string, unknown>, body: string): string {
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (v !== undefined) clean[k] = v;
  const b = body.endsWith('\n') || body === '' ? body : `${body}\n`;
  return `---\n${stringifyYaml(clean)}---\n${b}`;
}
