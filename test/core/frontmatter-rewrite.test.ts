import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyTextStyle,
  parseFrontmatter,
  setFrontmatterKeys,
  textStyleOf,
} from '../../src/core/frontmatter.js';

describe('setting frontmatter keys in place', () => {
  it('replaces a block list and keeps its item indent, the line ends and every other line', () => {
    const text = '---\r\ntitle: "A: b"\r\ntags:\r\n- old\r\n- x\r\nslug: a\r\n---\r\nBody\r\n';
    expect(setFrontmatterKeys(text, { tags: ['new', 'x'] })).toBe(
      '---\r\ntitle: "A: b"\r\ntags:\r\n- new\r\n- x\r\nslug: a\r\n---\r\nBody\r\n',
    );
  });

  it('keeps a one-line flow list on one line, JSON-quoted when it was', () => {
    expect(setFrontmatterKeys('---\ntags: [a, b]\n---\n', { tags: ['c', 'd e'] })).toBe(
      '---\ntags: [c, d e]\n---\n',
    );
    expect(setFrontmatterKeys('---\ntags: ["a"]\n---\n', { tags: ['c'] })).toBe('---\ntags: ["c"]\n---\n');
  });

  it('adds a missing key before the closing fence and removes a key set to undefined', () => {
    expect(
      setFrontmatterKeys('---\nslug: a\nmedia:\n  - m1\n---\nx\n', { media: undefined, tags: ['t'] }),
    ).toBe('---\nslug: a\ntags:\n  - t\n---\nx\n');
  });

  it('gives up on what it cannot edit safely: a key written twice, no frontmatter, no closing fence', () => {
    expect(setFrontmatterKeys('---\ntags: []\ntags: []\n---\n', { tags: ['a'] })).toBeUndefined();
    expect(setFrontmatterKeys('# Title\n', { tags: ['a'] })).toBeUndefined();
    expect(setFrontmatterKeys('---\ntags: []\n', { tags: ['a'] })).toBeUndefined();
  });

  it('any list of tags reads back as set, and no other line changes', () => {
    const eol = fc.constantFrom('\n', '\r\n');
    const tag = fc.string({ minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(eol, fc.array(tag, { maxLength: 4 }), fc.boolean(), (nl, tags, flow) => {
        const before = [
          '---',
          'title: "T"',
          flow ? 'tags: [a, b]' : 'tags:\n  - a\n  - b',
          'slug: s',
          '---',
          'Body',
          '',
        ];
        const text = before.join('\n').replace(/\n/g, nl);
        const out = setFrontmatterKeys(text, { tags });
        expect(out).toBeDefined();
        expect(parseFrontmatter(out!, 'x.md').data).toEqual({ title: 'T', tags, slug: 's' });
        const lines = out!.split(nl);
        expect(lines.slice(0, 2)).toEqual(['---', 'title: "T"']);
        expect(lines.slice(lines.lastIndexOf('slug: s'))).toEqual(['slug: s', '---', 'Body', '']);
        if (nl === '\r\n') expect(out).not.toMatch(/[^\r]\n/);
      }),
      { numRuns: 500 },
    );
  });

  it('a text written whole is spelled in the file style: its line ends and BOM', () => {
    const style = textStyleOf('---\r\nx: 1\r\n', true);
    expect(style).toEqual({ bom: true, eol: '\r\n' });
    expect(applyTextStyle('---\nx: 1\n---\nb\n', style)).toBe('\uFEFF---\r\nx: 1\r\n---\r\nb\r\n');
    expect(textStyleOf('no line end', false)).toEqual({ bom: false, eol: '\n' });
  });
});
