// A document whose scripts are still running renders at once with placeholders, filled in when the
// scripts answer (render/macro-placeholders.ts). It must come out exactly as the document rendered
// with its macros' HTML known: here the same HTML comes from a built-in (known at once, the tokens
// rendered with it) and from a script (a promise: placeholders, or a second render where a block moves).
import type { MarkdownIt, Token } from 'markdown-it';
import { serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import {
  MacroDispatcher,
  parseMacros,
  renderMarkdownDocument,
  type MacroParamValue,
} from '../../src/render/index.js';
import {
  fillPlaceholders,
  renderWithPlaceholders,
  type EarlyRender,
} from '../../src/render/macro-placeholders.js';
import { MacroScan } from '../../src/render/macro-rules.js';
import { markdownEngine, type BdsEnv } from '../../src/render/markdown-engine.js';
import { FakePythonResolver } from './fake-python.js';

const KINDS: Record<string, string> = {
  inline: '<span class="m">in &amp; out</span>',
  block: '<div class="m">a block</div>',
  empty: '',
  comment: '<!-- kept -->',
  blank: '  ',
};

const htmlOf = (params: Record<string, MacroParamValue>): string => KINDS[String(params.k)] ?? '?';

const PLACES = [
  'M',
  'Text before M after.',
  'M\ntext on the next line',
  'text\nM',
  '*emphasis M*',
  '[a link M](/x)',
  '# Heading M',
  '| a | b |\n|---|---|\n| M | x |',
  '- M\n- item',
  '- M\n\n- item',
  '> M',
  '> quoted M text',
  'Text^[a note M] end.',
  'Text[^1].\n\n[^1]: M',
  'Text[^1].\n\n[^1]: before M',
  'Text.\n\n[^9]: a definition nothing refers to M',
  '![alt M](/i.png)',
  'M M',
  'M  \nnext',
  '`M`',
  '\\M',
  'M\nM',
  '1. M\n2. two',
  'a &#x1E; b M',
  'raw \x1E char M',
  'raw \x1F char M',
  'beyond Latin-1 \uFDD0 M',
  'raw \x1E0\x1F M',
  'M then \x1E0\x1F',
  '<http://x.test/a%1E0%1Fb> M',
];

function sources(): string[] {
  const out: string[] = [];
  const kinds = Object.keys(KINDS);
  for (const place of PLACES) {
    for (const k of kinds) {
      for (const k2 of place.split('M').length > 2 ? kinds : [k]) {
        let n = 0;
        out.push(
          `Intro paragraph.\n\n${place.replace(/M/g, () => `[[m k=${n++ === 0 ? k : k2}]]`)}\n\nThe end.`,
        );
      }
    }
  }
  return out;
}

const base = { file: 'posts/p.md', lineOffset: 4, mode: 'site' as const, mainLanguage: 'en', docId: 'p' };

const NO_DATA = { linkedImages: () => [], images: () => [], publishedTagCounts: () => [] };

/** `[[m k=...]]` as a script: its HTML comes later, from a promise. */
const scriptDispatcher = (): MacroDispatcher =>
  new MacroDispatcher({
    data: NO_DATA,
    builtins: new Map(),
    resolver: new FakePythonResolver({
      m: async (call) => ({ ok: true, html: htmlOf(call.context.params) }),
    }),
  });

/** The document rendered with placeholders for its macros (null where they cannot be). */
function withPlaceholders(md: MarkdownIt, source: string): EarlyRender | null {
  const scan = new MacroScan(source);
  const env: BdsEnv = { bdsMacros: scan };
  const tokens: Token[] = md.parse(source, env);
  return renderWithPlaceholders(md, tokens, env, scan.placedIn(tokens, env));
}

describe('rendering before the macros have run', () => {
  it('gives what rendering with their HTML known gives, wherever the macros are and whatever they give', async () => {
    const builtin = new MacroDispatcher({
      data: NO_DATA,
      builtins: new Map([['m', (params: Record<string, MacroParamValue>) => htmlOf(params)]]),
    });
    const script = scriptDispatcher();
    const all = sources();
    expect(all.length).toBeGreaterThan(100);
    for (const source of all) {
      const known = await renderMarkdownDocument({ ...base, source, dispatcher: builtin });
      const later = await renderMarkdownDocument({ ...base, source, dispatcher: script });
      const what = JSON.stringify(source);
      expect(later.html, what).toBe(known.html);
      expect(later.firstParagraph, what).toBe(known.firstParagraph);
      expect(later.warnings, what).toEqual(known.warnings);
      expect(later.macroCount, what).toBe(known.macroCount);
    }
  });

  it('fills a block in its own paragraph, or HTML in running text, without a second render', () => {
    const md = markdownEngine();
    const alone = withPlaceholders(md, 'Intro.\n\n[[m]]\n\nEnd.')!;
    expect(alone.pieces).toEqual(['<p>Intro.</p>\n<p>', '</p>\n<p>End.</p>\n']);
    expect(fillPlaceholders(md, alone, () => '<div>x</div>')).toBe(
      '<p>Intro.</p>\n<div>x</div>\n<p>End.</p>\n',
    );
    expect(fillPlaceholders(md, alone, () => '')).toBe('<p>Intro.</p>\n<p>End.</p>\n');
    const beside = withPlaceholders(md, 'Some [[m]] text.')!;
    expect(fillPlaceholders(md, beside, () => '<b>x</b>')).toBe('<p>Some <b>x</b> text.</p>\n');
    // A block beside text splits the paragraph: that is the full render's to do.
    expect(fillPlaceholders(md, beside, () => '<div>x</div>')).toBeNull();
  });

  it('leaves out the macros of a footnote nothing refers to (markdown-it drops it)', () => {
    expect(parseMacros('Text.\n\n[^9]: unused [[m]]').macros).toEqual([]);
    expect(parseMacros('Text[^9].\n\n[^9]: used [[m]]').macros.map((m) => m.name)).toEqual(['m']);
  });

  it('gives a one-byte string where the document and its macros are Latin-1 (V8 stores it half the size)', async () => {
    // V8's serializer tags a string stored one byte a character '"', two bytes 'c'.
    const stored = (s: string) => (serialize(s)[2] === 0x22 ? 'one-byte' : 'two-byte');
    expect(stored('caf\u00e9')).toBe('one-byte');
    expect(stored('\u2014')).toBe('two-byte');
    const script = scriptDispatcher();
    // Filled in without a second render: inline HTML beside text, a block in a paragraph of its own.
    const md = markdownEngine();
    for (const [k, body] of [
      ['inline', 'Text [[m k=inline]] and more.'],
      ['block', '[[m k=block]]'],
    ] as const) {
      const source = `Intro, caf\u00e9.\n\n${body}\n\nThe end.`;
      const early = withPlaceholders(md, source);
      expect(early, source).not.toBeNull();
      expect(
        fillPlaceholders(md, early!, () => KINDS[k]!),
        source,
      ).not.toBeNull();
      const { html } = await renderMarkdownDocument({ ...base, source, dispatcher: script });
      expect(html).toContain(KINDS[k]);
      expect(stored(html), source).toBe('one-byte');
    }
  });

  it('does not use placeholders where the document already has their characters', () => {
    expect(withPlaceholders(markdownEngine(), 'a \x1E b [[m]]')).toBeNull();
  });
});
