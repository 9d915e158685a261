// What the terminal shows for bad input (issue 19, item 7): the path once, a line for invalid UTF-8,
// control characters escaped, and the hint that fits the mistake.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { escapeControl, formatError, withLocation, BdsError } from '../../src/core/errors.js';
import { bds } from '../helpers/cli.js';
import { cleanupTempDirs, readText, samplePost, tempDir, writeProject } from '../helpers/project.js';

afterEach(() => cleanupTempDirs());

/** `bds problems` in a project of one good post plus `bad`: its output lines, and the files unchanged. */
async function problemsOf(bad: Record<string, string | Uint8Array>) {
  const root = writeProject({ 'posts/2026/01/good.md': samplePost({ slug: 'good' }), ...bad });
  const before = Object.fromEntries(
    Object.keys(bad).map((rel) => [rel, fs.readFileSync(path.join(root, rel))]),
  );
  const home = tempDir('bds-home-');
  const r = await bds(['problems'], { cwd: root, home });
  const list = await bds(['post', 'list'], { cwd: root, home });
  expect(list.stdout).toMatch(/good/);
  for (const [rel, bytes] of Object.entries(before))
    expect(fs.readFileSync(path.join(root, rel))).toEqual(bytes);
  return { root, home, lines: r.stdout.trimEnd().split('\n') };
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('messages name the place once', () => {
  it('a YAML error prints its path once, with line and column', async () => {
    const text = '---\nid: "y1"\ntitle: "ok"\nslug: yaml\nfoo: [a, b\nstatus: draft\n---\nbody\n';
    const { lines } = await problemsOf({ 'posts/2026/01/yaml.md': text });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^posts\/2026\/01\/yaml\.md:\d+:\d+: [A-Z][^:]*\[frontmatter-yaml\]$/);
    expect(count(lines[0]!, 'yaml.md')).toBe(1);
  });

  it('a broken meta/tags.json prints its path once, in the list and in an error', async () => {
    const broken = '[\n  { "name": "a", }\n]\n';
    const { root, home, lines } = await problemsOf({ 'meta/tags.json': broken });
    expect(lines).toEqual([
      'meta/tags.json:2:18: not valid JSON (Expected double-quoted property name); bds uses no metadata from this file until it is fixed [meta-invalid]',
    ]);
    const r = await bds(['tag', 'color', 'a', '#112233'], { cwd: root, home });
    expect(r.code).toBe(1);
    const first = r.stderr.split('\n')[0]!;
    expect(first).toMatch(/^error: meta\/tags\.json:2:18: not valid JSON/);
    expect(count(first, 'meta/tags.json')).toBe(1);
    expect(readText(root, 'meta/tags.json')).toBe(broken);
  });

  it('withLocation drops a location the message already starts with, and keeps other messages', () => {
    const at = { file: 'a.md', line: 4, column: 2 };
    expect(withLocation(at, 'a.md:4: bad thing')).toBe('a.md:4:2: bad thing');
    expect(withLocation(at, 'a.md: bad thing')).toBe('a.md:4:2: bad thing');
    expect(withLocation(at, 'a.md is too large')).toBe('a.md:4:2: is too large');
    expect(withLocation({ file: 'a.md' }, 'a.md is too large')).toBe('a.md is too large');
    expect(withLocation(at, 'bad thing')).toBe('a.md:4:2: bad thing');
    expect(withLocation({ file: 'a.md' }, 'a.mdx: other file')).toBe('a.md: a.mdx: other file');
    const e = new BdsError('meta-invalid', 'meta/tags.json:1: not valid JSON', {
      file: 'meta/tags.json',
      line: 1,
    });
    expect(formatError(e).split('\n')[0]).toBe('meta/tags.json:1: not valid JSON');
  });
});

describe('invalid UTF-8 names the line of the first bad byte', () => {
  it('the problem carries the line and column, and the message the byte', async () => {
    const text = samplePost({ slug: 'latin1' }, 'First line.\nCaf\u00e9 line.\n');
    const bytes = Buffer.from(text, 'latin1'); // é as one byte: 0xe9
    const line = text.split('\n').findIndex((l) => l.startsWith('Caf')) + 1;
    const { lines } = await problemsOf({ 'posts/2026/01/latin1.md': bytes });
    expect(lines).toEqual([`posts/2026/01/latin1.md:${line}:4: not valid UTF-8 (byte 0xe9) [file-encoding]`]);
  });

  it('counts columns in characters after valid multi-byte ones, and not the BOM', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('---\ntitle: "\u00fc\u00fc'),
      Buffer.from([0xc3, 0x28]), // a lead byte without its continuation
      Buffer.from('"\n---\n'),
    ]);
    const { lines } = await problemsOf({ 'posts/2026/01/bom.md': bytes });
    expect(lines).toEqual(['posts/2026/01/bom.md:2:11: not valid UTF-8 (byte 0xc3) [file-encoding]']);
  });
});

describe('control characters from a file are escaped in messages', () => {
  it('a NUL and an escape sequence in a slug are printed as \\x00 and \\x1b', async () => {
    const text = samplePost({ slug: 'bad\u0000slug\u001b[31m' });
    const { lines } = await problemsOf({ 'posts/2026/01/nul.md': text });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"bad\\x00slug\\x1b[31m"');
    expect(escapeControl(lines[0]!)).toBe(lines[0]); // nothing raw left to escape
  });

  it('escapeControl keeps newlines and tabs and escapes bidi overrides', () => {
    expect(escapeControl('a\tb\nc\u0000d\u202ee\u0085')).toBe('a\tb\nc\\x00d\\u202ee\\x85');
  });
});

describe('the hint fits the mistake in bds.json', () => {
  it('an invalid id says what an id must be, not that the file must be an object', async () => {
    const settings = '{\n  "id": 5,\n  "name": "Blog"\n}\n';
    const root = writeProject({ 'bds.json': settings });
    const r = await bds(['post', 'list'], { cwd: root, home: tempDir('bds-home-') });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bds\.json:2:\d+: "?id"? /);
    expect(r.stderr).toMatch(/hint: Give "id" a UUID/);
    expect(r.stderr).not.toMatch(/JSON object/);
    expect(readText(root, 'bds.json')).toBe(settings);
  });

  it('JSON that does not parse gets its line and a syntax hint; a list gets the object hint', async () => {
    const broken = '{\n  "id": "x",\n  "name": "Blog",,\n}\n';
    const root = writeProject({ 'bds.json': broken });
    const r = await bds(['--json', 'post', 'list'], { cwd: root, home: tempDir('bds-home-') });
    expect(JSON.parse(r.stderr)).toMatchObject({
      error: {
        code: 'project-invalid',
        line: 3,
        hint: expect.stringMatching(/JSON syntax of bds\.json at line 3/),
      },
    });
    const list = writeProject({ 'bds.json': '[]' });
    const l = await bds(['post', 'list'], { cwd: list, home: tempDir('bds-home-') });
    expect(l.stderr).toMatch(/hint: Make bds\.json one JSON object/);
  });
});
