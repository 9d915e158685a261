import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { MACRO_ASSETS, MACROS_CSS, MACROS_JS, macroAssetTags } from '../../src/render/index.js';

describe('macro assets', () => {
  it('the script is valid JavaScript and loads nothing from other hosts', () => {
    expect(() => new Script(MACROS_JS)).not.toThrow();
    expect(MACROS_JS).not.toMatch(/\b(fetch|XMLHttpRequest|import\()/);
    // The only remote addresses are the two embed hosts it allows, loaded after a click.
    const remote = MACROS_JS.split('\n').filter((line) => /https?:/.test(line));
    expect(remote).toHaveLength(1);
    expect(remote[0]).toMatch(/^\s*var EMBED_HOSTS = .*youtube-nocookie.*player\\\.vimeo/);
  });

  it('the stylesheet is balanced and uses no remote resources', () => {
    expect(MACROS_CSS.split('{').length).toBe(MACROS_CSS.split('}').length);
    expect(MACROS_CSS).not.toMatch(/url\(|@import|https?:/);
    for (const cls of [
      'bds-embed',
      'gallery-cols-6',
      'photo-archive-gallery',
      'tag-cloud-list',
      'bds-lightbox',
      'bds-macro-error',
    ]) {
      expect(MACROS_CSS).toContain(`.${cls}`);
    }
  });

  it('are listed with their site paths and linked from a page head', () => {
    expect(MACRO_ASSETS.map((a) => a.path)).toEqual(['assets/bds-macros.css', 'assets/bds-macros.js']);
    expect(macroAssetTags('/blog')).toBe(
      '<link rel="stylesheet" href="/blog/assets/bds-macros.css">\n<script src="/blog/assets/bds-macros.js" defer></script>',
    );
  });
});
