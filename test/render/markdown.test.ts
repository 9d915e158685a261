import { describe, expect, it } from 'vitest';
import {
  excerptFromMarkdown,
  markdownEngine,
  renderMarkdownDocument,
  type LinkResolver,
  type RenderDocumentInput,
} from '../../src/render/index.js';
import { FakePythonResolver, greet } from './fake-python.js';
import { FixtureData, GALLERY_IMAGES, POST } from './render-data.js';

const FILE = 'posts/2024/05/spring-trip.md';

const links: LinkResolver = {
  postUrl: (slug) =>
    ({ 'autumn-trip': '/2023/10/01/autumn-trip/', about: '/about/', 'über-uns': '/ueber-uns/' })[slug],
  mediaUrl: (path) =>
    ({
      '2024/05/map.png': '/media/2024/05/9f8e7d.png',
      '2024/05/9f8e7d.png': '/media/2024/05/9f8e7d.png',
      '2024/05/My Photo.jpg': '/media/2024/05/abc123.jpg',
    })[path],
};

async function render(source: string, extra: Partial<RenderDocumentInput> = {}) {
  return renderMarkdownDocument({
    source,
    file: FILE,
    post: POST,
    mode: 'site',
    data: new FixtureData({ 'post-1': GALLERY_IMAGES }),
    resolver: new FakePythonResolver({ greet }),
    links,
    mainLanguage: 'en',
    ...extra,
  });
}

describe('markdown', () => {
  it('follows CommonMark with GFM tables and strikethrough, raw HTML, footnotes, no linkify or typographer', async () => {
    const { html } = await render(
      '| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n<aside class="x">raw</aside>\n\nSee https://example.com "quoted" -- (c)[^n]\n\n[^n]: Note.',
    );
    expect(html).toContain('<table>');
    expect(html).toContain('<s>2</s>');
    expect(html).toContain('<aside class="x">raw</aside>');
    expect(html).toContain('See https://example.com &quot;quoted&quot; -- (c)');
    expect(html).toContain('class="footnotes"');
  });

  it('tags fenced code with its language for highlighting, escaped', async () => {
    const { html } = await render(
      '```ts title="x"\nconst a = 1 < 2;\n```\n\n```"><script>\nx\n```\n\n```\nplain\n```',
    );
    expect(html).toContain(
      '<pre data-code-language="ts"><code class="language-ts">const a = 1 &lt; 2;\n</code></pre>',
    );
    expect(html).toContain('<pre data-code-language="&quot;&gt;&lt;script&gt;">');
    expect(html).toContain('<pre><code>plain\n</code></pre>');
  });

  it('gives headings stable, unique ids', async () => {
    const { html } = await render('# Hello World\n\n## Hello world!\n\n## Grüße & `code` [[greet]]\n\n## ?');
    expect([...html.matchAll(/<h\d id="([^"]+)"/g)].map((m) => m[1])).toEqual([
      'hello-world',
      'hello-world-2',
      'grüße-code',
      'section',
    ]);
  });

  it('reuses one markdown-it instance', () => {
    expect(markdownEngine()).toBe(markdownEngine());
  });
});

describe('macros in markdown', () => {
  it('puts a block macro alone on a line outside any paragraph', async () => {
    const { html } = await render('Before\n\n[[youtube id="dQw4w9WgXcQ"]]\n\nAfter');
    expect(html).toMatch(/^<p>Before<\/p>\n<div class="macro-youtube bds-embed"/);
    expect(html).toMatch(/<\/div>\n<p>After<\/p>\n$/);
  });

  it('splits a paragraph around a block macro between its lines', async () => {
    const { html } = await render('Line one\n[[youtube id="dQw4w9WgXcQ"]]\nLine two');
    expect(html).toMatch(/^<p>Line one<\/p>\n<div class="macro-youtube[\s\S]*<\/div>\n<p>Line two<\/p>\n$/);
  });

  it('keeps an inline macro in its paragraph, also inside emphasis, lists, quotes and tables', async () => {
    const { html } = await render(
      'Hi [[greet name=a]]!\n\n*[[greet name=b]]*\n\n- [[greet name=c]]\n\n> [[greet name=d]]\n\n| x |\n|---|\n| [[greet name=e]] |',
    );
    expect(html).toContain('<p>Hi <span class="greet">Hello a</span>!</p>');
    expect(html).toContain('<p><em><span class="greet">Hello b</span></em></p>');
    expect(html).toContain('<li><span class="greet">Hello c</span></li>');
    expect(html).toContain('<blockquote>\n<p><span class="greet">Hello d</span></p>');
    expect(html).toContain('<td><span class="greet">Hello e</span></td>');
  });

  it('expands a macro in link text inside the link, as Markdown makes the link', async () => {
    const { html } = await render('[see [[greet name=a]] here](/u) and [[[greet name=b]]](/v)');
    expect(html).toBe(
      '<p><a href="/u">see <span class="greet">Hello a</span> here</a> and <a href="/v"><span class="greet">Hello b</span></a></p>\n',
    );
  });

  it('makes a macro alone on its line a block, but never at the cost of the lines after it', async () => {
    const { html } = await render('[[youtube id=dQw4w9WgXcQ]]\n---\n\n[[greet]]\n    more text');
    expect(html).toMatch(/^<div class="macro-youtube[\s\S]*<\/div>\n<hr>\n/);
    // An indented line continues the paragraph (it is no code block), as without the macro.
    expect(html).toContain('<p><span class="greet">Hello you</span>\nmore text</p>');
  });

  it('puts a block macro in a list item and a quote without a paragraph around it', async () => {
    const { html } = await render('- [[vimeo id=1]]\n\n> [[vimeo id=2]]');
    expect(html).toMatch(/<li>\n<div class="macro-vimeo/);
    expect(html).toMatch(/<blockquote>\n<div class="macro-vimeo/);
  });

  it('leaves no empty paragraph where a failed macro renders empty in the site', async () => {
    const { html, failures } = await render('A\n\n[[youtube id=bad]]\n\nB');
    expect(html).toBe('<p>A</p>\n<p>B</p>\n');
    expect(failures).toHaveLength(1);
  });

  it('keeps a sentence whole where a failed macro inside it renders empty in the site', async () => {
    const { html, failures } = await render(
      'Watch [[youtube id=bad]] now.\n\n[[youtube id=bad]] [[youtube id=worse]]',
    );
    expect(html).toBe('<p>Watch  now.</p>\n');
    expect(failures).toHaveLength(3);
  });

  it('does not expand macros in code spans, fenced code or indented code', async () => {
    const resolver = new FakePythonResolver({ greet });
    const { html, macroCount } = await render(
      'Use `[[greet]]` or ``[[greet]]``.\n\n```md\n[[greet]]\n```\n\n~~~\n[[youtube id="dQw4w9WgXcQ"]]\n~~~\n\n    [[greet]]',
      { resolver },
    );
    expect(macroCount).toBe(0);
    expect(resolver.lookups).toBe(0);
    expect(html).toContain('<code>[[greet]]</code> or <code>[[greet]]</code>');
    expect(html).toContain('<code class="language-md">[[greet]]\n</code>');
    expect(html).toContain('<pre><code>[[youtube id=&quot;dQw4w9WgXcQ&quot;]]\n</code></pre>');
    expect(html).toContain('<pre><code>[[greet]]\n</code></pre>');
  });

  it('writes escaped macros out literally, without the backslash and without Markdown inside', async () => {
    const { html, macroCount, warnings } = await render(
      'Write \\[[youtube id="x" note="*not em*"]] to embed.',
    );
    expect(html).toBe('<p>Write [[youtube id=&quot;x&quot; note=&quot;*not em*&quot;]] to embed.</p>\n');
    expect(macroCount).toBe(0);
    expect(warnings).toEqual([]);
  });

  it('leaves an unknown macro to Markdown, as plain markdown-it renders it, and reports it at its file line', async () => {
    const { html, warnings } = await render('Intro\n\nSee [[Old_Page title="*x*"]].', { lineOffset: 7 });
    expect(html).toContain('<p>See [[Old_Page title=&quot;<em>x</em>&quot;]].</p>');
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'macro-unknown', file: FILE, line: 10, column: 5 }),
    ]);
  });

  it('reports malformed macros and keeps their text', async () => {
    const { html, warnings } = await render('A [[greet name="open]] B');
    expect(html).toContain('A [[greet name=&quot;open]] B');
    expect(warnings[0]).toMatchObject({ code: 'macro-syntax', line: 1, column: 3 });
  });

  it('leaves link destinations and titles to Markdown, and expands a macro where Markdown has text', async () => {
    const resolver = new FakePythonResolver({
      url_of: (call) => ({ ok: true, html: `/${String(call.context.params.slug)}/` }),
    });
    const { html } = await render(
      '[go](<[[url_of slug=about]]> "[[url_of slug=t]]") ![[[url_of]]](a.png "[[url_of]]")\n\n[no link]([[url_of slug=x]] y)',
      { resolver },
    );
    expect(html).toContain('<a href="%5B%5Burl_of%20slug=about%5D%5D" title="[[url_of slug=t]]">go</a>');
    expect(html).toContain('<img src="a.png" alt="[[url_of]]" title="[[url_of]]">');
    // Not a link (a destination holds no space): the macro is in text.
    expect(html).toContain('<p>[no link](/x/ y)</p>');
    expect(resolver.calls.map((c) => c.context.params.slug)).toEqual(['x']);
  });

  it('renders error boxes in preview and counts macros', async () => {
    const { html, macroCount, counters } = await render('[[youtube id=bad]] and [[greet]]', {
      mode: 'preview',
    });
    expect(html).toMatch(/^<div class="bds-macro-error"/);
    expect(html).toContain('<p>and <span class="greet">Hello you</span></p>');
    expect(macroCount).toBe(2);
    expect(counters).toEqual({ builtin: 1, python: 1, unknown: 0, failed: 1 });
  });

  it('renders a document without macros without consulting scripts', async () => {
    const resolver = new FakePythonResolver({ greet });
    const result = await render('Just [text] and [links](https://x.y).', { resolver });
    expect(result.html).toBe('<p>Just [text] and <a href="https://x.y">links</a>.</p>\n');
    expect(result.macroCount).toBe(0);
    expect(resolver.lookups).toBe(0);
  });

  it('survives private-use characters and placeholder look-alikes in the source', async () => {
    const { html } = await render('\ue000 0\ue000 [[greet name=x]] \ue0010\ue001 &#57346;1&#57346;');
    expect(html).toContain('\ue000 0\ue000 <span class="greet">Hello x</span> \ue0010\ue001');
  });
});

describe('internal links', () => {
  it('resolves /post/slug, /posts/slug and /posts/YYYY/MM/slug to the canonical URL, keeping the fragment', async () => {
    const { html, warnings } = await render(
      '[a](/post/autumn-trip) [b](/posts/autumn-trip/) [c](/posts/2023/10/autumn-trip#day-2) [d](/post/%C3%BCber-uns)',
    );
    expect(html).toContain('<a href="/2023/10/01/autumn-trip/">a</a>');
    expect(html).toContain('<a href="/2023/10/01/autumn-trip/">b</a>');
    expect(html).toContain('<a href="/2023/10/01/autumn-trip/#day-2">c</a>');
    expect(html).toContain('<a href="/ueber-uns/">d</a>');
    expect(warnings).toEqual([]);
  });

  it('keeps an unresolved post link and reports it with its position', async () => {
    const { html, warnings } = await render('Text\n\nSee [x](/posts/2024/04/missing-post).', {
      lineOffset: 5,
    });
    expect(html).toContain('<a href="/posts/2024/04/missing-post">x</a>');
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'link-unresolved', file: FILE, line: 8, column: 9 }),
    ]);
  });

  it('resolves relative media paths by stored or original name, in links and images', async () => {
    const { html, warnings } = await render(
      '![map](media/2024/05/map.png) [pdf](./media/2024/05/9f8e7d.png) ![p](media/2024/05/My%20Photo.jpg) ![q](<media/2024/05/My Photo.jpg>) ![gone](media/2024/05/gone.png)',
    );
    expect(html).toContain('<img src="/media/2024/05/9f8e7d.png" alt="map">');
    expect(html).toContain('<a href="/media/2024/05/9f8e7d.png">pdf</a>');
    expect(html).toContain('<img src="/media/2024/05/abc123.jpg" alt="p">');
    expect(html).toContain('<img src="/media/2024/05/abc123.jpg" alt="q">');
    expect(html).toContain('<img src="media/2024/05/gone.png" alt="gone">');
    expect(warnings).toEqual([expect.objectContaining({ code: 'media-unresolved', line: 1 })]);
  });

  it('leaves external links, anchors, links in code and raw HTML alone', async () => {
    const { html, warnings } = await render(
      '[e](https://example.com/post/x) [h](#post) `[c](/post/nope)` <a href="/post/nope">raw</a>',
    );
    expect(html).toContain('href="https://example.com/post/x"');
    expect(html).toContain('href="#post"');
    expect(html).toContain('<code>[c](/post/nope)</code>');
    expect(warnings).toEqual([]);
  });
});

describe('excerpt', () => {
  it('is the first paragraph with text, as plain text, without macros', () => {
    expect(
      excerptFromMarkdown(
        '# Title\n\n[[youtube id=x]]\n\nThe *first* `real` [paragraph](/x)\nwith [[greet]] two lines.\n\nSecond.',
      ),
    ).toBe('The first real paragraph with two lines.');
  });

  it('keeps escaped macros as text', () => {
    expect(excerptFromMarkdown('Write \\[[youtube id=x]] here.')).toBe('Write [[youtube id=x]] here.');
  });

  it('comes with a rendered document, macros left out and escaped ones as text, as excerptFromMarkdown finds it', async () => {
    for (const source of [
      '# Title\n\n[[youtube id=x]]\n\nThe *first* `real` [paragraph](/x)\nwith [[greet]] two lines.\n\nSecond.',
      'Write \\[[youtube id=x]] here, [[greet name=Ann]] and [[nothing-known]] too.',
      '[[greet]]\n\nAfter a macro alone.',
      'No macros at all.',
    ]) {
      const doc = await render(source);
      expect(doc.firstParagraph).toBe(excerptFromMarkdown(source));
    }
  });

  it('of a document whose first paragraph holds a block macro is the text beside it', async () => {
    for (const source of [
      'Look: [[youtube id=dQw4w9WgXcQ]] and more.\n\nNext.',
      'Look: [[youtube id=dQw4w9WgXcQ]]\n\nNext.',
      '[[youtube id=dQw4w9WgXcQ]] Then text.\n\nNext.',
      'A [[youtube id=dQw4w9WgXcQ]] b [[vimeo id=76979871]] c\n\nNext.',
    ]) {
      const doc = await render(source);
      expect(doc.html).toContain('bds-embed');
      expect(doc.firstParagraph).toBe(excerptFromMarkdown(source));
    }
  });

  it('is at most 280 characters, cut at a word with an ellipsis', () => {
    const long = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
    const excerpt = excerptFromMarkdown(long);
    expect([...excerpt].length).toBeLessThanOrEqual(280);
    expect(excerpt.endsWith('…')).toBe(true);
    expect(long.startsWith(excerpt.slice(0, -1))).toBe(true);
  });

  it('finds the first paragraph of a long post, or gives an empty string', () => {
    expect(excerptFromMarkdown(`${'```\ncode\n\n```\n\n'.repeat(1000)}Finally text.`)).toBe('Finally text.');
    expect(excerptFromMarkdown('# Only a heading')).toBe('');
  });
});
