// The macro recogniser: the grammar of one macro, and where markdown-it's rules find macros (only where
// CommonMark has text). How the rules behave against plain markdown-it is in markdown-equivalence.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MacroScanMemo, scanMacro } from '../../src/render/macro-grammar.js';
import { parseMacros, readMacro } from '../../src/render/index.js';

function names(source: string): string[] {
  return parseMacros(source).macros.map((m) => m.name);
}

describe('macro grammar', () => {
  it('reads quoted, numeric, boolean, flag and unquoted parameters', () => {
    const { macros, warnings } = parseMacros(
      `[[Gallery caption="A \\"big\\" day" title='it\\'s' columns=4 ratio=1.5 show=true hide=false lightbox size=large]]`,
    );
    expect(warnings).toEqual([]);
    expect(macros).toHaveLength(1);
    expect(macros[0]!.name).toBe('gallery');
    expect(macros[0]!.params).toEqual({
      caption: 'A "big" day',
      title: "it's",
      columns: 4,
      ratio: 1.5,
      show: true,
      hide: false,
      lightbox: true,
      size: 'large',
    });
  });

  it('keeps quoted numbers as strings and numbers that would not print back the same as strings', () => {
    const { macros } = parseMacros('[[v a="42" b=007 c=12345678901234567890 d=-3 e=1.50]]');
    expect(macros[0]!.params).toEqual({ a: '42', b: '007', c: '12345678901234567890', d: -3, e: '1.50' });
  });

  it('decodes backslash escapes in quoted values', () => {
    const { macros } = parseMacros(String.raw`[[x a="back\\slash" b="tab\tnew\nline" c="\]]"]]`);
    expect(macros[0]!.params).toEqual({ a: 'back\\slash', b: 'tab\tnew\nline', c: ']]' });
  });

  it('lets the last of duplicate keys win', () => {
    expect(parseMacros('[[x a=1 a=2]]').macros[0]!.params).toEqual({ a: 2 });
  });

  it('records file, line, column, raw text and offsets', () => {
    const source = 'first line\n\nsome text [[youtube id="dQw4w9WgXcQ"]] more\r\n  [[tag_cloud]]';
    const { macros } = parseMacros(source, { file: 'posts/2024/05/a.md', lineOffset: 6 });
    expect(macros.map((m) => [m.name, m.file, m.line, m.column])).toEqual([
      ['youtube', 'posts/2024/05/a.md', 9, 11],
      ['tag_cloud', 'posts/2024/05/a.md', 10, 3],
    ]);
    for (const m of macros) expect(source.slice(m.start, m.end)).toBe(m.raw);
    expect(macros[0]!.raw).toBe('[[youtube id="dQw4w9WgXcQ"]]');
  });

  it('treats [[ without a name, and wiki-style links, as plain text without warnings', () => {
    const { macros, warnings } = parseMacros(
      'a [[ x]] b [[Page|Label]] c [[[nested]]] d [[]] [[Old Page|x]]',
    );
    expect(macros.map((m) => m.raw)).toEqual(['[[nested]]']);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['[[gallery caption="open]]', 'unterminated quoted value for "caption"'],
    ['[[gallery columns=3', 'missing its closing "]]"'],
    ['[[gallery a="x"b]]', 'needs a space after the value of "a"'],
    ['[[gallery =3]]', 'unexpected "="'],
    ['[[gallery a=x]y]]', 'has a "]" in the unquoted value of "a"'],
    ['[[gallery a=[x]]', 'has a "[" in the unquoted value of "a"'],
  ])('leaves %s as text and reports a syntax warning', (source, message) => {
    const parsed = parseMacros(`line one\ntext ${source} end`, { file: 'p.md' });
    expect(parsed.macros).toEqual([]);
    expect(parsed.warnings).toHaveLength(1);
    expect(parsed.warnings[0]).toMatchObject({ code: 'macro-syntax', file: 'p.md', line: 2, column: 6 });
    expect(parsed.warnings[0]!.message).toContain(message);
  });

  it('never lets a macro span lines', () => {
    const parsed = parseMacros('[[x a="one\ntwo"]]');
    expect(parsed.macros).toEqual([]);
    expect(parsed.warnings[0]!.message).toContain('unterminated');
  });

  it('finds a valid macro after a malformed one on the same line', () => {
    expect(names('[[broken "x" [[youtube id=abcdefghijk]]')).toEqual(['youtube']);
  });
});

describe('escaped macros', () => {
  it('are not macros', () => {
    const parsed = parseMacros('Write \\[[youtube id="x"]] to embed.');
    expect(parsed.macros).toEqual([]);
    expect(parsed.unknown).toEqual([]);
  });

  it('expands a macro after an escaped backslash (\\\\[[x]])', () => {
    expect(names('a \\\\[[x]]')).toEqual(['x']);
  });
});

describe('names that are not macros', () => {
  it('are listed with their positions and left to Markdown', () => {
    const parsed = parseMacros('Intro\n\nSee [[Old_Page a=1]] and [[greet]].', {
      isMacro: (name) => name === 'greet',
      file: 'p.md',
      lineOffset: 4,
    });
    expect(parsed.macros.map((m) => m.name)).toEqual(['greet']);
    expect(parsed.unknown.map((m) => [m.name, m.params, m.line, m.column])).toEqual([
      ['old_page', { a: 1 }, 7, 5],
    ]);
  });

  it('match ignoring case', () => {
    expect(parseMacros('[[YouTube id=x]]', { isMacro: (n) => n === 'youtube' }).macros).toHaveLength(1);
  });
});

describe('positions', () => {
  it.each([
    ['a paragraph line', 'one\n  two [[x]]', 2, 7],
    ['a blockquote', '> a\n> b [[x]]', 2, 5],
    ['a nested list', '- a\n  - b [[x]]', 2, 7],
    ['a heading with closing hashes', '## t [[x]] ##', 1, 6],
    ['a table cell', '| a | b |\n|---|---|\n| [[y]] | [[x]] |', 3, 11],
    ['a setext heading', 'a\n [[x]]\n===', 2, 2],
    ['a line of its own', 'a\n\n   [[x]]   \n', 3, 4],
    ['a link text', 'see [a [[x]]](/u)', 1, 8],
    ['an inline footnote', 'a^[note [[x]]]', 1, 9],
    ['CRLF line ends', 'a\r\n\r\nb [[x]]', 3, 3],
  ])('are file line and column in %s', (_label, source, line, column) => {
    const m = parseMacros(source).macros.find((x) => x.name === 'x')!;
    expect([m.line, m.column]).toEqual([line, column]);
    expect(source.slice(m.start, m.end)).toBe(m.raw);
  });
});

describe('code is never expanded', () => {
  it.each([
    ['a code span', 'see `[[x]]` here'],
    ['a double-backtick code span', 'see `` a ` [[x]] `` here'],
    ['a code span across lines of a paragraph', 'see `code\n[[x]]` here'],
    ['a backtick fence', '```\n[[x]]\n```'],
    ['a fence with an info string', '```python title="a"\n[[x]]\n```'],
    ['a tilde fence', '~~~~\n[[x]]\n~~~\n[[y]]\n~~~~'],
    ['an unclosed fence', 'text\n\n```\n[[x]]\n\nmore [[y]]'],
    ['a fence in a blockquote', '> ```\n> [[x]]\n> ```'],
    ['a fence in a list item', '- item\n\n  ```\n  [[x]]\n  ```'],
    ['an indented block at the start', '    [[x]]'],
    ['an indented block after a blank line', 'para\n\n    [[x]]\n\n    [[y]]'],
    ['a tab-indented block', 'para\n\n\t[[x]]'],
    ['an indented block after a heading', '# Title\n    [[x]]'],
    ['an indented block inside a list item', '- item\n\n      [[x]]'],
  ])('in %s', (_label, source) => {
    expect(names(source)).toEqual([]);
  });

  it.each([
    ['an indented paragraph continuation', 'para\n    [[x]]'],
    ['a list continuation paragraph', '- item\n\n    [[x]]'],
    ['text after a closed fence', '```\ncode\n```\n[[x]]'],
    ['an unmatched backtick', 'a ` b [[x]]'],
    ['an escaped backtick', 'a \\` b [[x]] c `'],
    ['a code span closed in the next paragraph', 'a `b\n\n[[x]] c`'],
    ['a shorter fence that does not close', '````\ncode\n```\n````\n[[x]]'],
  ])('but expands in %s', (_label, source) => {
    expect(names(source)).toEqual(['x']);
  });
});

describe('the parser under fuzzing', () => {
  const alphabet = fc.constantFrom(
    '[',
    '[[',
    ']',
    ']]',
    '\\',
    '"',
    "'",
    '`',
    '```',
    '~~~',
    ' ',
    '    ',
    '\t',
    '\n',
    '\r\n',
    '> ',
    '- ',
    '1. ',
    '#',
    '=',
    'a',
    'x',
    'yt',
    '42',
    'true',
    '\u00e9',
    '\ud83d\ude00',
  );
  const markdownish = fc.array(alphabet, { maxLength: 80 }).map((parts) => parts.join(''));
  const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), markdownish);
  const macroish = fc
    .array(fc.constantFrom('[[', 'a', ' ', 'k=', 'k', '"', "'", '\\', ']]', ']', '[', '|', '1', '\n', '\t'), {
      maxLength: 60,
    })
    .map((parts) => parts.join(''));

  it('never throws, on any input', () => {
    fc.assert(
      fc.property(anyString, (source) => {
        parseMacros(source, { file: 'f.md' });
      }),
      { numRuns: 3000 },
    );
  });

  it('gives positions that point at the [[ of each macro', () => {
    fc.assert(
      fc.property(markdownish, (source) => {
        const lines = source.split(/\r\n|\r|\n/);
        for (const m of parseMacros(source).macros) {
          expect(source.slice(m.start, m.end)).toBe(m.raw);
          expect(m.raw.startsWith('[[') && m.raw.endsWith(']]')).toBe(true);
          expect(lines[m.line - 1]!.slice(m.column - 1, m.column + 1)).toBe('[[');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('with no name a macro, finds none and reports every name where it is written', () => {
    fc.assert(
      fc.property(markdownish, (source) => {
        const none = parseMacros(source, { isMacro: () => false });
        expect(none.macros).toEqual([]);
        for (const m of none.unknown) expect(source.slice(m.start, m.end)).toBe(m.raw);
      }),
      { numRuns: 2000 },
    );
  });

  it('scans every [[ of a text as it reads it, with one memo shared by all of them', () => {
    fc.assert(
      fc.property(macroish, (source) => {
        const memo = new MacroScanMemo(source);
        for (let i = source.indexOf('[['); i >= 0; i = source.indexOf('[[', i + 1)) {
          const read = readMacro(source, i);
          const scanned = scanMacro(source, i, memo);
          expect(scanned.kind).toBe(read.kind);
          if (read.kind === 'macro' && scanned.kind === 'macro') {
            expect([scanned.name, scanned.end]).toEqual([read.name, read.end]);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('parses generated macros back to their name and parameters', () => {
    const key = fc.stringMatching(/^[a-z_][a-z0-9_-]{0,8}$/);
    const value = fc.oneof(
      fc.string({ maxLength: 12 }).filter((s) => !/[\r\n]/.test(s)),
      fc.integer({ min: -1000, max: 1000 }),
      fc.boolean(),
    );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/),
        fc.dictionary(key, value, { maxKeys: 5 }),
        (name, params) => {
          const text = Object.entries(params)
            .map(([k, v]) =>
              typeof v === 'string' ? `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : `${k}=${v}`,
            )
            .join(' ');
          const source = `before [[${name}${text ? ` ${text}` : ''}]] after`;
          const { macros, warnings } = parseMacros(source);
          expect(warnings).toEqual([]);
          expect(macros).toHaveLength(1);
          expect(macros[0]!.name).toBe(name);
          expect(macros[0]!.params).toEqual({ ...params });
        },
      ),
      { numRuns: 1000 },
    );
  });

  // Work is counted in characters the grammar looks at, not timed: linear means a bounded count per
  // character of input, whatever the input.
  const stepsPerChar = (source: string): number => parseMacros(source).steps / Math.max(1, source.length);

  it('looks at each character a bounded number of times, on any input', () => {
    fc.assert(
      fc.property(anyString, (source) => {
        expect(stepsPerChar(source)).toBeLessThanOrEqual(8);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['unclosed macros', '[[a '],
    ['unclosed values', '[[a b='],
    ['unclosed quotes', '[[a b="'],
    ['quotes of both kinds', `[[a b='x' c="`],
    ['macros inside quotes', '[[a b="[['],
    ['escaped quotes inside quotes', '[[a b="\\" '],
    ['escaped quotes then many parameters', '[[u a="\\" [[u a="\\" k=1 k=1 k=1 '],
    ['code spans around macros', '`[[a` '],
    ['macros in link text', '[x [[a]] '],
  ])('stays linear on adversarial input: %s', (_label, unit) => {
    const small = unit.repeat(2_000);
    const large = unit.repeat(8_000);
    expect(stepsPerChar(small)).toBeLessThanOrEqual(8);
    expect(stepsPerChar(large)).toBeLessThanOrEqual(stepsPerChar(small) * 1.1 + 0.01);
    // The same with a quote that closes at the very end, after every macro has started.
    expect(stepsPerChar(`${large}" k=1]]`)).toBeLessThanOrEqual(8);
  });

  it('finds a macro after thousands of unmatched backtick runs', () => {
    const ticks = Array.from({ length: 400 }, (_, i) => '`'.repeat(i + 1)).join(' x ');
    expect(parseMacros(`${ticks} [[y]]`).macros).toHaveLength(1);
  });
});
