import fc from 'fast-check';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  parseFrontmatter,
  parseSimpleYaml,
  serializeFrontmatter,
  stringifyYaml,
} from '../../src/core/frontmatter.js';

describe('frontmatter', () => {
  it('the fast path agrees with the YAML parser on everything it accepts', () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.constantFrom(
        'true',
        'false',
        'null',
        '~',
        'yes',
        '0x10',
        '1e3',
        '.5',
        '-0',
        '007',
        '2026-01-15T10:00:00Z',
        'a: b',
        'x #y',
        "it's",
        '"q"',
        "'s'",
        '[]',
        '{}',
        '- a',
        '12:30',
        '+1',
        '00000000-0000-4000-8000-000000000001',
        '1_000',
        '0b11',
        '1.2.3',
        '+.inf',
        '-.5e3',
        '0o17',
        '2026-01-15',
        '1:30:00',
        '3d6f',
        '1e',
        '.',
      ),
      fc.integer().map(String),
      fc.double().map(String),
    );
    // Written by hand or by other tools: quotes of both kinds, flow lists, comments, odd indentation.
    const quoted = fc.oneof(
      scalar.map((v) => JSON.stringify(v)),
      scalar.map((v) => `'${v.replaceAll("'", "''")}'`),
      scalar.map((v) => `'${v}'`),
      scalar.map((v) => `"${v}"`),
    );
    const value = fc.oneof(scalar, quoted);
    const comment = fc.constantFrom('', ' # note', '# x', '  #', ' #', '\t# t', ' ');
    const flow = fc
      .tuple(fc.array(value, { maxLength: 3 }), fc.constantFrom(', ', ',', ' , ', ',  '), fc.boolean())
      .map(([items, sep, pad]) => (pad ? `[ ${items.join(sep)} ]` : `[${items.join(sep)}]`));
    const indent = fc.constantFrom('', '  ', '    ', ' ');
    const line = fc.oneof(
      fc
        .tuple(fc.constantFrom('title', 'slug', 'tags', 'x_1', 'Bad Key', 'a', 'cover-image'), scalar)
        .map(([k, v]) => `${k}: ${v}`),
      fc
        .tuple(fc.constantFrom('tags', 'list'), fc.array(scalar, { maxLength: 3 }))
        .map(([k, items]) => [`${k}:`, ...items.map((i) => `  - ${i}`)].join('\n')),
      scalar.map((v) => `title: ${JSON.stringify(v)}`),
      fc
        .tuple(fc.constantFrom('title', 'date', 'draft', 'b'), fc.oneof(value, flow), comment)
        .map(([k, v, c]) => `${k}: ${v}${c}`),
      fc
        .tuple(
          fc.constantFrom('tags', 'categories'),
          fc.array(fc.tuple(indent, value, comment), { maxLength: 3 }),
        )
        .map(([k, items]) => [`${k}:`, ...items.map(([i, v, c]) => `${i}- ${v}${c}`)].join('\n')),
      fc.constantFrom('# a comment', '  # indented comment', '#', '   ', '- stray', '  - stray'),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), (lines) => {
        const text = `${lines.join('\n')}\n`;
        const fast = parseSimpleYaml(text);
        if (fast === undefined) return;
        let expected: unknown;
        try {
          expected = YAML.parse(text, { uniqueKeys: true }) ?? {};
        } catch {
          throw new Error(`fast path accepted text YAML rejects: ${JSON.stringify(text)}`);
        }
        expect(fast).toEqual(expected);
      }),
      { numRuns: 20000 },
    );
  });

  it('takes frontmatter written by hand or by other tools on the fast path', () => {
    const text = [
      'title: "Hello: world — déjà vu?"',
      'date: 2024-03-01 10:00:00 +02:00',
      'tags: [travel, \'night train\', "x y"]  # flow list',
      '# a comment line',
      'categories:',
      '- notes   # why',
      'author: Jane Doe',
      'cover-image: /img/a.png',
      'draft: false',
      "summary: 'It''s here'",
      'weight: 3',
      '',
    ].join('\n');
    const fast = parseSimpleYaml(text);
    expect(fast).toBeDefined();
    expect(fast).toEqual(YAML.parse(text));
  });

  it('what bds writes it reads back the same, through either parser', () => {
    fc.assert(
      fc.property(
        fc.record({
          title: fc.string({ minLength: 1 }),
          tags: fc.array(fc.string()),
          n: fc.integer(),
          ok: fc.boolean(),
        }),
        fc.string(),
        (data, body) => {
          const text = serializeFrontmatter(data, body);
          const doc = parseFrontmatter(text, 'x.md');
          expect(doc.data).toEqual(data);
          expect(YAML.parse(stringifyYaml(data))).toEqual(data);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reports the file line of a YAML error', () => {
    expect(() => parseFrontmatter('---\na: 1\nb: [\n---\nbody', 'p.md')).toThrow(/p\.md:\d/);
    try {
      parseFrontmatter('---\na: 1\nb: "x\n---\n', 'p.md');
    } catch (e) {
      expect((e as { line: number }).line).toBeGreaterThanOrEqual(3);
    }
  });
});
