// Macros live inside Markdown's own grammar: checked against plain markdown-it with bds's options on
// random documents made of Markdown structures (code, raw HTML, links, lists, quotes, tables, footnotes)
// with `[[...]]` everywhere, in and out of code.
// - When no name resolves to a macro, bds's HTML is plain markdown-it's (ids on headings and
//   data-code-language on code blocks aside, which bds adds by design).
// - With built-in macros, no macro comes from code, raw HTML or a link destination, and every macro that
//   plain markdown-it shows as text is expanded.
import fc from 'fast-check';
import MarkdownIt from 'markdown-it';
import type { PluginSimple, Token } from 'markdown-it';
import footnoteTyped from 'markdown-it-footnote';
import { describe, expect, it } from 'vitest';
import { commonmarkCodeSpans } from '../../src/render/code-spans.js';
import { BUILTIN_MACROS, parseMacros, readMacro, renderMarkdownDocument } from '../../src/render/index.js';
import { FakePythonResolver, greet } from './fake-python.js';

// The plugin's types are written against markdown-it's CommonJS types; the plugin itself takes both.
const footnote = footnoteTyped as unknown as PluginSimple;

/** Plain markdown-it with the options bds uses, and its CommonMark code spans (code-spans.ts). */
const plain = MarkdownIt('commonmark', { html: true, xhtmlOut: false, linkify: false, typographer: false });
plain.enable(['table', 'strikethrough']);
plain.use(commonmarkCodeSpans);
plain.use(footnote);

function withoutBdsAttributes(html: string): string {
  return html.replace(/<(h[1-6]) id="[^"]*"/g, '<$1').replace(/ data-code-language="[^"]*"/g, '');
}

// ---------------------------------------------------------------------------------------- generators

const UNKNOWN_NAMES = ['foo', 'x', 'Old_Page', 'shout', 'o', 'YT', 'a1'];
const BUILTIN_USES = ['youtube id=dQw4w9WgXcQ', 'vimeo id=76979871', 'YouTube id="abcdefghijk"', 'tag_cloud'];

/** Parameter text full of characters Markdown cares about. */
const paramValue = fc
  .array(
    fc.constantFrom('x', ' ', '*', '_', '`', '<b>', '</b>', '|', ']', '[', '\\"', '&amp;', '\\', ')', '('),
    {
      maxLength: 5,
    },
  )
  .map((parts) => parts.join(''));

const params = fc
  .array(
    fc.oneof(
      fc.constant(' a=1'),
      fc.constant(' flag'),
      fc.constant(" t='q'"),
      paramValue.map((v) => ` t="${v}"`),
    ),
    { maxLength: 2 },
  )
  .map((p) => p.join(''));

function macroOf(names: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(names, params).map(([n, p]) => `[[${n}${p}]]`) },
    { weight: 1, arbitrary: fc.tuple(names, params).map(([n, p]) => `\\[[${n}${p}]]`) },
    { weight: 1, arbitrary: names.map((n) => `[[${n} a="open`) },
    { weight: 1, arbitrary: names.map((n) => `[[${n}|label]]`) },
    { weight: 1, arbitrary: names.map((n) => `[[[${n}]]]`) },
  );
}

function documents(macro: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const word = fc.constantFrom(
    'a',
    'word',
    'x y',
    '*',
    '_',
    '**',
    '~~',
    '\\*',
    '&amp;',
    '&',
    '[',
    ']',
    '(',
    ')',
    '!',
    '|',
    '<',
    '>',
    '"',
    "'",
    '\\',
    '1.',
    '-',
    '#',
  );
  const inline: fc.Arbitrary<string> = fc.oneof(
    { weight: 4, arbitrary: word },
    { weight: 4, arbitrary: macro },
    { weight: 1, arbitrary: macro.map((m) => `\`${m}\``) },
    { weight: 1, arbitrary: macro.map((m) => `\`\` a\`${m} \`\``) },
    { weight: 1, arbitrary: macro.map((m) => `*${m}*`) },
    { weight: 1, arbitrary: macro.map((m) => `**a ${m}**`) },
    { weight: 1, arbitrary: macro.map((m) => `<span title="${m}">s</span>`) },
    { weight: 1, arbitrary: macro.map((m) => `<!-- ${m} -->`) },
    { weight: 1, arbitrary: macro.map((m) => `<a href="${m}">`) },
    { weight: 1, arbitrary: macro.map((m) => `[t ${m}](/u)`) },
    { weight: 1, arbitrary: macro.map((m) => `[t](${m})`) },
    { weight: 1, arbitrary: macro.map((m) => `[t](<${m}> "${m}")`) },
    { weight: 1, arbitrary: macro.map((m) => `${m}(/u)`) },
    { weight: 1, arbitrary: macro.map((m) => `${m}[ref]`) },
    { weight: 1, arbitrary: macro.map((m) => `![i ${m}](i.png)`) },
    { weight: 1, arbitrary: macro.map((m) => `<http://e.org/${m}>`) },
    { weight: 1, arbitrary: macro.map((m) => `^[note ${m}]`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('[ref]', '[^1]', '  \n', '\\\n', '\n', '`', '``', '<b>', '</b>'),
    },
  );
  const line = fc.array(inline, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(' '));
  const lines = fc.array(line, { minLength: 1, maxLength: 3 }).map((ls) => ls.join('\n'));
  const block: fc.Arbitrary<string> = fc.oneof(
    { weight: 5, arbitrary: lines },
    { weight: 1, arbitrary: line.map((l) => `# ${l}`) },
    { weight: 1, arbitrary: line.map((l) => `## ${l} ##`) },
    { weight: 1, arbitrary: lines.map((l) => `${l}\n===`) },
    { weight: 1, arbitrary: lines.map((l) => `${l}\n---`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('```', '~~~', '````md'), lines)
        .map(([f, l]) => `${f}\n${l}\n${f.slice(0, 3)}`),
    },
    { weight: 1, arbitrary: lines.map((l) => l.replace(/^/gm, '    ')) },
    { weight: 1, arbitrary: lines.map((l) => l.replace(/^/gm, '> ')) },
    { weight: 1, arbitrary: lines.map((l) => `>${l}`) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('- ', '* ', '1. ', '2) ', '-\t'), lines)
        .map(([m, l]) => `${m}${l}`),
    },
    { weight: 1, arbitrary: fc.tuple(line, line).map(([a, b]) => `- ${a}\n  - ${b}\n\n  ${a}`) },
    { weight: 1, arbitrary: fc.tuple(line, line).map(([a, b]) => `| ${a} | b |\n|---|---|\n| ${b} | c |`) },
    { weight: 1, arbitrary: lines.map((l) => `<div>\n${l}\n</div>`) },
    { weight: 1, arbitrary: lines.map((l) => `<div>${l}</div>`) },
    { weight: 1, arbitrary: macro.map((m) => `<!--\n${m}\n-->`) },
    { weight: 1, arbitrary: fc.constantFrom('***', '---', '[ref]: /url "title"', '[^1]: A note.', '') },
    { weight: 1, arbitrary: line.map((l) => `[^1]: ${l}`) },
    { weight: 1, arbitrary: macro.map((m) => `   ${m}   `) },
  );
  return fc
    .array(fc.tuple(block, fc.constantFrom('\n\n', '\n', '\n\n\n')), { minLength: 1, maxLength: 6 })
    .map((bs) => bs.map(([b, sep]) => b + sep).join(''));
}

/** Anything at all, from pieces Markdown and macros are made of. */
const chaos = fc
  .array(
    fc.constantFrom(
      '[[',
      ']]',
      '[',
      ']',
      '\\',
      '"',
      '`',
      '```',
      '    ',
      '\t',
      '\n',
      '> ',
      '- ',
      '<',
      '>',
      '<b>',
      '<!--',
      '-->',
      '(',
      ')',
      '*',
      '|',
      '---',
      'foo',
      'x ',
      'a=1',
      ' t="',
      'youtube id=x',
      ':',
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(''));

// ------------------------------------------------------------------------------------------- checks

const resolver = () => new FakePythonResolver({ greet });

async function bdsHtml(source: string): Promise<string> {
  const doc = await renderMarkdownDocument({
    source,
    file: 'p.md',
    mode: 'site',
    resolver: resolver(),
    mainLanguage: 'en',
  });
  return withoutBdsAttributes(doc.html);
}

describe('names that resolve to nothing', () => {
  const unknownMacro = macroOf(fc.constantFrom(...UNKNOWN_NAMES));

  it('leave the HTML exactly as plain markdown-it writes it', async () => {
    await fc.assert(
      fc.asyncProperty(documents(unknownMacro), async (source) => {
        expect(await bdsHtml(source)).toBe(plain.render(source));
      }),
      { numRuns: 1500 },
    );
  });

  it('leave any text exactly as plain markdown-it writes it, and never throw', async () => {
    await fc.assert(
      fc.asyncProperty(chaos, async (source) => {
        const doc = await renderMarkdownDocument({
          source,
          file: 'p.md',
          mode: 'site',
          mainLanguage: 'en',
          resolver: null,
        });
        // `youtube` in the pieces is a built-in: compare only where it does not form a macro.
        if (doc.macroCount === 0) expect(withoutBdsAttributes(doc.html)).toBe(plain.render(source));
      }),
      { numRuns: 3000 },
    );
  });

  it('are the cases the old macro pass got wrong', async () => {
    for (const source of [
      '`x\n2. [[youtube]]`',
      'Intro\n\n***\n    [[shout]]',
      '-\t\t[[shout]]',
      '<!-- [[youtube]] -->',
      '<a href="[[tag_cloud]]">',
      '[y]:[[o ]]',
      '[[x]]()',
      'o**[[o]]**',
      '| [[foo x="a|b"]] | c |\n|---|---|',
      '[[[foo]]]\n\n[[[foo]]]: /url\n',
    ]) {
      expect(await bdsHtml(source), source).toBe(plain.render(source));
    }
  });
});

// --------------------------------------------------------------------- built-in macros in a document

const isBuiltin = (name: string) => BUILTIN_MACROS.has(name);

/** A name of the same length that occurs nowhere else, so plain markdown-it's tokens can be searched. */
function sentinel(index: number, length: number): string {
  const letters = `zq${index.toString(26).replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;
  return (letters + 'w'.repeat(length)).slice(0, Math.max(length, letters.length));
}

interface PlainPlaces {
  /** Text the reader sees as text (not an image's alt text). */
  text: string[];
  /** Code, raw HTML, autolinks, link and image destinations and titles, alt text. */
  markup: string[];
}

function plainPlaces(source: string): PlainPlaces {
  const places: PlainPlaces = { text: [], markup: [] };
  const visit = (tokens: readonly Token[], inAlt: boolean): void => {
    let inAutolink = false;
    for (const t of tokens) {
      if (['code_inline', 'code_block', 'fence', 'html_inline', 'html_block'].includes(t.type)) {
        places.markup.push(t.content);
      }
      for (const [name, value] of t.attrs ?? []) if (name !== 'alt') places.markup.push(String(value));
      // An autolink's text is its destination.
      if (t.type === 'link_open' && t.markup === 'autolink') inAutolink = true;
      if (t.type === 'link_close') inAutolink = false;
      if (t.type === 'text') (inAlt || inAutolink ? places.markup : places.text).push(t.content);
      if (t.children) visit(t.children, inAlt || t.type === 'image');
    }
  };
  visit(plain.parse(source, {}), false);
  return places;
}

describe('built-in macros', () => {
  const builtinMacro = macroOf(fc.oneof(fc.constantFrom(...BUILTIN_USES), fc.constantFrom(...UNKNOWN_NAMES)));

  it('never come from code, raw HTML or a destination, and are expanded wherever markdown-it has text', () => {
    fc.assert(
      fc.property(documents(builtinMacro), (source) => {
        const found = parseMacros(source, { isMacro: isBuiltin }).macros;
        // Every well-formed `[[...]]` with a built-in name, each given a name found nowhere else.
        const candidates: { start: number; end: number; nameEnd: number }[] = [];
        for (let i = source.indexOf('[['); i >= 0; i = source.indexOf('[[', i + 1)) {
          const m = readMacro(source, i);
          if (m.kind === 'macro' && isBuiltin(m.name))
            candidates.push({ start: i, end: m.end, nameEnd: i + 2 + m.name.length });
        }
        candidates.forEach((c, k) => {
          const name = sentinel(k, c.nameEnd - c.start - 2);
          const marked = source.slice(0, c.start + 2) + name + source.slice(c.nameEnd);
          const raw = marked.slice(c.start, c.end - (c.nameEnd - c.start - 2) + name.length);
          const places = plainPlaces(marked);
          const expanded = found.some((m) => m.start === c.start);
          if (expanded) {
            for (const markup of places.markup)
              expect(markup, `${source}\n${raw} in markup`).not.toContain(name);
          }
          const asText = places.text.some((t) => t.includes(raw));
          const escaped = source[c.start - 1] === '\\';
          const inside = found.some((m) => m.start < c.start && c.start < m.end);
          if (asText && !escaped && !inside) expect(expanded, `${source}\n${raw} is text`).toBe(true);
        });
      }),
      { numRuns: 1500 },
    );
  });
});
