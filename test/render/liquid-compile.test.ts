// The compiled templates render exactly what liquidjs renders: the built-in theme compiles with no node
// left to liquidjs, and random templates over random data give the same text (or both fail).
import fc from 'fast-check';
import type { Template } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { BdsError } from '../../src/core/errors.js';
import { renderContext, StringEmitter, TemplateCompiler } from '../../src/render/liquid/compile.js';
import { createLiquid, LiquidTheme, templateName } from '../../src/render/liquid/engine.js';
import { loadBuiltinTheme, type TemplateSource } from '../../src/render/theme/index.js';

function sourcesOf(templates: Record<string, string>): Map<string, TemplateSource> {
  return new Map(
    Object.entries(templates).map(([name, source]) => [
      name,
      { name, file: `templates/${name}.liquid`, source, lineOffset: 0 },
    ]),
  );
}

type Outcome = { text: string } | { error: true };

/** The same template rendered by liquidjs and by the compiled closures (no fallback between them). */
function renderBoth(
  sources: ReadonlyMap<string, TemplateSource>,
  name: string,
  scope: Record<string, unknown>,
): { liquidjs: Outcome; compiled: Outcome; inPlaceNodes: number } {
  const liquid = createLiquid(sources);
  const parse = (n: string): Template[] => liquid.parse(sources.get(n)!.source, n);
  const run = (render: () => string): Outcome => {
    try {
      return { text: render() };
    } catch {
      return { error: true };
    }
  };
  const liquidjs = run(() => liquid.renderSync(parse(name), structuredClone(scope)));
  const compiler = new TemplateCompiler(liquid, (file) => {
    const n = templateName(file);
    if (!sources.has(n)) throw new Error(`no partial ${n}`);
    return parse(n);
  });
  const compiled = run(() => {
    const fn = compiler.compile(parse(name));
    const out = new StringEmitter();
    fn(renderContext(liquid, structuredClone(scope)), out);
    return out.buffer;
  });
  return { liquidjs, compiled, inPlaceNodes: compiler.inPlaceNodes };
}

describe('compiled Liquid templates', () => {
  it('the built-in theme compiles without leaving a node to liquidjs', () => {
    const theme = loadBuiltinTheme();
    const liquid = createLiquid(theme.templates);
    const compiler = new TemplateCompiler(liquid, (file) =>
      liquid.parse(theme.templates.get(templateName(file))!.source),
    );
    expect(compiler.supported()).toBe(true);
    for (const t of theme.templates.values()) compiler.compile(liquid.parse(t.source, t.name));
    expect(compiler.inPlaceNodes).toBe(0);
  });

  it('render the built-in theme pages as liquidjs does', () => {
    const theme = loadBuiltinTheme();
    const post = {
      title: 'A <b> & "quoted" title',
      url: '/2024/01/02/a/',
      slug: 'a',
      date: '2024-01-02T03:04:05Z',
      date_label: 'January 2, 2024',
      time_label: '03:04',
      content: '<p>Body</p>',
      is_draft: true,
      is_page: false,
      show_title: true,
      author: 'Ann',
      categories: [{ title: 'Notes', url: '/category/notes/' }],
      tags: [{ name: 'x&y', url: '/tag/x%26y/' }, { name: 'plain' }],
      summary_html: '<article>summary</article>',
    };
    const scope = {
      language: 'en',
      page_title: 'Title',
      page_description: 'Desc',
      canonical_url: 'https://example.org/a/',
      site: {
        name: 'Site',
        description: 'About',
        home_href: '/',
        rss_href: '/rss.xml',
        atom_href: '/atom.xml',
      },
      stylesheet_href: '/assets/bds-theme.css',
      macro_assets: '<link rel="stylesheet" href="/assets/bds-macros.css">',
      menu_items: [
        { href: '/about/', title: 'About', is_current: true },
        { href: '/x/', title: 'X', is_current: false },
      ],
      post,
      newer_post: { url: '/n/', title: 'Newer' },
      older_post: null,
      draft_note: '',
      archive_context: { kind: 'home' },
      list_title: 'Posts',
      day_blocks: [
        { href: '/2024/01/02/', date_key: '2024-01-02', date_label: 'January 2', posts: [post, post] },
        { date_key: '2024-01-01', date_label: 'January 1', posts: [] },
      ],
      has_prev_page: true,
      has_next_page: false,
      prev_page_href: '/',
      page_number: 2,
      page_count: 2,
      not_found_title: 'Not found',
      not_found_message: 'Nothing <here>',
      not_found_back_label: 'Back',
    };
    for (const name of ['post', 'list', 'not-found']) {
      const r = renderBoth(theme.templates, name, scope);
      expect(r.compiled).toEqual(r.liquidjs);
      expect('text' in r.compiled && r.compiled.text.length).toBeGreaterThan(100);
      const empty = renderBoth(theme.templates, name, {});
      expect(empty.compiled).toEqual(empty.liquidjs);
    }
  });

  it('LiquidTheme output is the same with and without compiled templates', () => {
    const sources = sourcesOf({
      page: "{% include 'row' with item %}{% for i in items limit: 2 %}[{{ i }}]{% endfor %}{% cycle 'a', 'b' %}",
      row: '<{{ row | default: "none" }}>',
    });
    const scope = { item: 'x', items: [1, 2, 3] };
    const plain = new LiquidTheme(sources, { compiled: false }).render('page', scope);
    expect(plain).toBe('<x>[1][2]a');
    expect(new LiquidTheme(sources).render('page', scope)).toBe(plain);
  });

  it('a render error names the template and line, as without compiling', () => {
    const sources = sourcesOf({ page: 'line one\n{% include "missing" %}' });
    const errorOf = (compiled: boolean): BdsError => {
      try {
        new LiquidTheme(sources, { compiled }).render('page', {});
      } catch (e) {
        return e as BdsError;
      }
      throw new Error('no error');
    };
    const plain = errorOf(false);
    expect(plain).toBeInstanceOf(BdsError);
    expect(plain).toMatchObject({ file: 'templates/page.liquid', line: 2 });
    const compiled = errorOf(true);
    expect(compiled).toBeInstanceOf(BdsError);
    expect(compiled).toMatchObject({ message: plain.message, file: plain.file, line: plain.line });
  });

  // Random templates from the Liquid the themes use (and some they do not), over random data.
  const key = fc.constantFrom('a', 'b', 'items', 'n', 's', 'obj', 'missing', 'flag', 'forloop', 'it');
  const path = fc
    .tuple(
      key,
      fc.array(
        fc.oneof(
          fc.constantFrom('.a', '.b', '.size', '.first', '.last', '.name', '.index', '.length'),
          fc.constantFrom('[0]', '[1]', '[-1]', '["a"]', "['name']"),
        ),
        { maxLength: 2 },
      ),
    )
    .map(([k, rest]) => k + rest.join(''));
  const literal = fc.constantFrom(
    "'text'",
    '"<q&a>"',
    '0',
    '1',
    '2.5',
    '-3',
    'true',
    'false',
    'nil',
    'empty',
    'blank',
  );
  const operand = fc.oneof({ weight: 3, arbitrary: path }, { weight: 2, arbitrary: literal });
  const filter = fc.constantFrom(
    ' | escape',
    ' | upcase',
    ' | size',
    ' | default: "d"',
    ' | join: ", "',
    ' | append: s',
    ' | plus: 1',
    ' | first',
    ' | url_encode',
    ' | strip_html',
    ' | escape_once',
    ' | downcase',
    ' | truncate: 5',
    ' | map: "a"',
    ' | where: "a", 1',
  );
  const value = fc.tuple(operand, fc.array(filter, { maxLength: 2 })).map(([o, fs]) => o + fs.join(''));
  const op = fc.constantFrom('==', '!=', '>', '<', '>=', '<=', 'contains');
  const numeric = fc.constantFrom(
    'n',
    'items.size',
    'forloop.index',
    'forloop.rindex0',
    's.size',
    'it',
    'it.size',
  );
  const number = fc.constantFrom('0', '1', '2', '3', 'n', 'nil');
  const condition = fc.oneof(
    value,
    fc.tuple(numeric, op, number).map((p) => p.join(' ')),
    fc.tuple(numeric, op, number).map((p) => p.join(' ')),
    fc.constantFrom(
      'flag',
      'it == blank',
      'it == empty',
      's == blank',
      'items == empty',
      'not flag',
      'it contains "a"',
    ),
    fc.tuple(operand, op, operand).map((p) => p.join(' ')),
    fc
      .tuple(operand, fc.constantFrom('and', 'or'), operand, op, operand)
      .map(([a, b, c, d, e]) => `${a} ${b} ${c} ${d} ${e}`),
  );
  const dash = fc.constantFrom('', '-');
  const text = fc.constantFrom('x', ' ', '\n', '<p>', ' y ', '&amp;', '\n  ');

  const { node, block } = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      text,
      fc.tuple(dash, value, dash).map(([l, v, r]) => `{{${l} ${v} ${r}}}`),
      fc
        .tuple(dash, condition, tie('block'), fc.option(tie('block')))
        .map(([d, c, b, e]) => `{%${d} if ${c} %}${b}${e === null ? '' : `{% else %}${e}`}{% endif %}`),
      fc
        .tuple(condition, tie('block'), condition, tie('block'))
        .map(([c, b, c2, b2]) => `{% if ${c} %}${b}{% elsif ${c2} %}${b2}{% endif %}`),
      fc
        .tuple(condition, tie('block'), fc.option(tie('block')))
        .map(([c, b, e]) => `{% unless ${c} %}${b}${e === null ? '' : `{% else %}${e}`}{% endunless %}`),
      fc
        .tuple(
          fc.constantFrom('it', 'a'),
          path,
          tie('block'),
          fc.option(tie('block')),
          fc.constantFrom('', ' limit: 1', ' reversed'),
        )
        .map(
          ([v, p, b, e, mod]) =>
            `{% for ${v} in ${p}${mod} %}{{ forloop.index }}{{ ${v} }}${b}${e === null ? '' : `{% else %}${e}`}{% endfor %}`,
        ),
      fc
        .tuple(
          tie('block'),
          fc.constantFrom(
            '{% if flag %}{% break %}{% endif %}',
            '{% if it == 1 %}{% break %}{% endif %}',
            '{% if forloop.index == 2 %}{% continue %}{% endif %}',
            '{% break %}',
          ),
          tie('block'),
        )
        .map(([b1, stop, b2]) => `{% for it in items %}[{{ it }}${b1}${stop}${b2}]{% endfor %}`),
      fc.tuple(fc.constantFrom('a', 'fresh'), value).map(([k, v]) => `{% assign ${k} = ${v} %}`),
      fc
        .tuple(fc.constantFrom('a', 'cap'), tie('block'))
        .map(([k, b]) => `{% capture ${k} %}${b}{% endcapture %}{{ ${k} }}`),
      fc.constantFrom(
        "{% include 'part' %}",
        "{% include 'part', a: 'from include', n: 2 %}",
        "{% include 'part' with s %}",
        "{% include 'part', flag %}",
        '{% if flag %}{% break %}{% endif %}',
        '{% if it == 1 %}{% break %}{% endif %}',
        '{% if forloop.first %}{% continue %}{% endif %}',
        '{% continue %}',
        '{{ it }}',
        '{{ it.a | default: "-" }}',
        '{% comment %}gone{% endcomment %}',
        '{% raw %}{{ kept }}{% endraw %}',
        '{% case n %}{% when 1 %}one{% else %}other{% endcase %}',
        '{% echo s | upcase %}',
        '{{ (1..n) | join: "," }}',
      ),
    ),
    block: fc.array(tie('node'), { maxLength: 4 }).map((nodes) => nodes.join('')),
  }));

  const leaf = fc.oneof(
    fc.constantFrom('plain', '<b>&"\'</b>', '', ' ', 'Ärger', 'a,b'),
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(0.5, true, false, null),
  );
  const data = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.array(tie('value'), { maxLength: 3 }),
      fc.record(
        { a: tie('value'), b: tie('value'), name: leaf, size: fc.integer({ min: 0, max: 3 }) },
        { requiredKeys: [] },
      ),
    ),
  })).value;
  const scope = fc.record(
    {
      a: data,
      b: data,
      items: fc.array(data, { maxLength: 4 }),
      n: fc.integer({ min: 0, max: 3 }),
      s: leaf,
      obj: data,
      flag: fc.boolean(),
    },
    { requiredKeys: [] },
  );

  it('random templates render exactly as liquidjs renders them', () => {
    let rendered = 0;
    let compiledNodes = 0;
    fc.assert(
      fc.property(block, node, scope, (page, part, values) => {
        let sources: Map<string, TemplateSource>;
        try {
          sources = sourcesOf({ page, part });
          const liquid = createLiquid(sources);
          liquid.parse(page);
          liquid.parse(part);
        } catch {
          return; // a template liquidjs cannot parse is not a rendering question
        }
        const r = renderBoth(sources, 'page', values);
        expect(r.compiled).toEqual(r.liquidjs);
        if ('text' in r.compiled) rendered++;
        if (r.inPlaceNodes === 0) compiledNodes++;
      }),
      { numRuns: 1500 },
    );
    // The runs are worth something only if most templates parse, render, and compile whole.
    expect(rendered).toBeGreaterThan(1200);
    expect(compiledNodes).toBeGreaterThan(350);
  });
});
