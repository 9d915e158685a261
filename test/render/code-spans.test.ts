// Code spans as CommonMark defines them: the spec's examples, and openers after a bracket, where
// markdown-it 14's own rule lost closers it had not seen yet.
import MarkdownIt from 'markdown-it';
import { describe, expect, it } from 'vitest';
import { commonmarkCodeSpans } from '../../src/render/code-spans.js';
import { renderMarkdownDocument } from '../../src/render/index.js';

const md = MarkdownIt('commonmark', { html: true });
md.use(commonmarkCodeSpans);
const inline = (source: string): string => md.renderInline(source);

describe('code spans', () => {
  it.each([
    ['`foo`', '<code>foo</code>'],
    ['`` foo ` bar ``', '<code>foo ` bar</code>'],
    ['` `` `', '<code>``</code>'],
    ['`  ``  `', '<code> `` </code>'],
    ['` a`', '<code> a</code>'],
    ['` `\n`  `', '<code> </code>\n<code>  </code>'],
    ['``\nfoo\nbar  \nbaz\n``', '<code>foo bar   baz</code>'],
    ['`foo   bar \nbaz`', '<code>foo   bar  baz</code>'],
    ['`foo\\`bar`', '<code>foo\\</code>bar`'],
    ['``foo`bar``', '<code>foo`bar</code>'],
    ['*foo`*`', '*foo<code>*</code>'],
    ['[not a `link](/foo`)', '[not a <code>link](/foo</code>)'],
    ['`<a href="`">`', '<code>&lt;a href=&quot;</code>&quot;&gt;`'],
    ['```foo``', '```foo``'],
    ['`foo', '`foo'],
    ['`foo``bar``', '`foo<code>bar</code>'],
  ])('%j', (source, html) => {
    expect(inline(source)).toBe(html);
  });

  it.each([
    ['[`[`\n``', '[<code>[</code>\n``'],
    ['[``a]``)`]', '[<code>a]</code>)`]'],
    ['[[``)``)`', '[[<code>)</code>)`'],
    ['[))a``a`` a``', '[))a<code>a</code> a``'],
  ])('after a bracket: %j', (source, html) => {
    expect(inline(source)).toBe(html);
  });

  it('bds renders them', async () => {
    const links = { postUrl: () => undefined, mediaUrl: () => undefined };
    const { html } = await renderMarkdownDocument({
      source: '[`[`\n``',
      file: 'p.md',
      mode: 'site',
      mainLanguage: 'en',
      links,
    });
    expect(html).toBe('<p>[<code>[</code>\n``</p>\n');
  });
});
