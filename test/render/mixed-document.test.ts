import { describe, it } from 'vitest';
import { renderMarkdownDocument, type LinkResolver, type RenderMode } from '../../src/render/index.js';
import { FakePythonResolver, greet } from './fake-python.js';
import { expectGolden, readFixture } from './golden.js';
import { FixtureData, GALLERY_IMAGES, POST, TAGS } from './render-data.js';

const FILE = 'posts/2024/05/spring-trip.md';

/** The body after the frontmatter, and how many lines the frontmatter took. */
function splitFrontmatter(text: string): { body: string; lineOffset: number } {
  const m = /^---\n[\s\S]*?\n---\n/.exec(text);
  if (!m) return { body: text, lineOffset: 0 };
  return { body: text.slice(m[0].length), lineOffset: m[0].split('\n').length - 1 };
}

const links: LinkResolver = {
  postUrl: (slug) => (slug === 'autumn-trip' ? '/2023/10/01/autumn-trip/' : undefined),
  mediaUrl: (path) => (path === '2024/05/map.png' ? '/media/2024/05/9f8e7d.png' : undefined),
};

function resolver(): FakePythonResolver {
  return new FakePythonResolver({
    greet,
    weather: (call) => ({
      ok: true,
      html: `<span class="weather">${String(call.context.params.days)} days of sun in ${String(call.context.params.city)}${call.context.params.metric === true ? ' (°C)' : ''}</span>`,
    }),
    boom: () => ({
      ok: false,
      reason: 'exception',
      message:
        'Traceback (most recent call last):\n  File "boom.py", line 4, in render\nZeroDivisionError: division by zero',
    }),
    stranger: () => ({
      ok: false,
      reason: 'untrusted',
      message: 'scripts/stranger.py arrived by git pull and is not trusted yet',
    }),
    // Named like a built-in: must never run.
    youtube: () => ({ ok: true, html: '<p>python youtube</p>' }),
  });
}

describe('a post mixing built-in and Python macros', () => {
  const { body, lineOffset } = splitFrontmatter(readFixture('mixed-post.md'));

  it.each<RenderMode>(['site', 'preview'])('renders in %s mode as the golden file says', async (mode) => {
    const result = await renderMarkdownDocument({
      source: body,
      file: FILE,
      lineOffset,
      post: { ...POST, content: body },
      mode,
      data: new FixtureData({ 'post-1': GALLERY_IMAGES }, [], TAGS),
      resolver: resolver(),
      links,
      mainLanguage: 'en',
    });
    expectGolden(`mixed/${mode}.html`, result.html);
    const report = {
      macroCount: result.macroCount,
      counters: result.counters,
      failures: result.failures,
      warnings: result.warnings,
    };
    expectGolden(`mixed/${mode}.report.json`, `${JSON.stringify(report, null, 2)}\n`);
  });
});
