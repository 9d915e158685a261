// Every example of the CommonMark spec (npm commonmark-spec) as the body of a post, built into a site
// the way `bds build` builds one: each post page's body must be the spec's HTML. Only what bds adds on
// purpose is set aside: heading ids and `data-code-language` on code blocks. The spec writes void tags
// XHTML-style (`<br />`) and puts a line break inside an empty <blockquote>; bds writes HTML (`<br>`) and
// markdown-it writes `<blockquote></blockquote>`, so both sides are compared with line breaks between
// tags dropped and void tags without their slash. No example names a macro, so this is also the
// promise that `[[...]]` naming nothing leaves Markdown alone (spec example 548 is `[[[foo]]]`).
import fs from 'node:fs';
import path from 'node:path';
import { tests as examples } from 'commonmark-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';

/** The spec shows tabs as →. */
const withTabs = (s: string) => s.replace(/→/g, '\t');

function comparable(html: string): string {
  return html
    .replace(/<(h[1-6]) id="[^"]*"/g, '<$1')
    .replace(/<pre data-code-language="[^"]*">/g, '<pre>')
    .replace(/<(br|hr|img)([^>]*?) \/>/g, '<$1$2>')
    .replace(/>\n+</g, '><')
    .trim();
}

/** The post body of a built post page (the theme puts it in `.bds-content`). */
function bodyOf(page: string): string {
  const open = '<div class="bds-content e-content">\n';
  const start = page.indexOf(open) + open.length;
  const end = page.lastIndexOf('\n    </div>', page.indexOf('</article>'));
  return page.slice(start, end);
}

let ws: Workspace;
let out: string;

beforeAll(async () => {
  const files: Record<string, string> = {};
  for (const ex of examples) {
    files[`posts/2026/01/spec-${ex.number}.md`] = samplePost(
      { slug: `spec-${ex.number}`, title: `Example ${ex.number}`, createdAt: '2026-01-15T10:00:00Z' },
      withTabs(ex.markdown),
    );
  }
  ws = Workspace.open(writeProject(files), { home: tempDir('bds-home-') });
  out = tempDir('bds-spec-site-');
  // The workspace's own macro resolver, as `bds build` has it (the project has no scripts).
  await ws.call('site.build', { outDir: out }, {});
}, 120_000);

afterAll(async () => {
  await ws.close();
  cleanupTempDirs();
});

describe('the CommonMark spec through a site build', () => {
  it('has its 652 examples', () => {
    expect(examples).toHaveLength(652);
  });

  it('renders every example as the spec does', () => {
    const failing: { number: number; markdown: string; expected: string; got: string }[] = [];
    for (const ex of examples) {
      const page = fs.readFileSync(
        path.join(out, '2026', '01', '15', `spec-${ex.number}`, 'index.html'),
        'utf8',
      );
      const got = bodyOf(page);
      if (comparable(got) !== comparable(withTabs(ex.html))) {
        failing.push({ number: ex.number, markdown: ex.markdown, expected: ex.html, got });
      }
    }
    expect(failing).toEqual([]);
  });

  it('compares what it should: a changed body is told apart', () => {
    expect(comparable('<p>a <em>b</em></p>\n')).not.toBe(comparable('<p>a b</p>\n'));
    expect(
      comparable(
        '<h2 id="x">T</h2>\n<pre data-code-language="js"><code class="language-js">1\n</code></pre>',
      ),
    ).toBe(comparable('<h2>T</h2>\n<pre><code class="language-js">1\n</code></pre>\n'));
  });
});
