import { describe, expect, it } from 'vitest';
import {
  BUILTIN_MACROS,
  MacroParamError,
  parseMacros,
  type PostData,
  type RenderData,
} from '../../src/render/index.js';
import { expectGolden } from './golden.js';
import { ARCHIVE_IMAGES, FixtureData, GALLERY_IMAGES, POST, TAGS } from './render-data.js';

/** Runs the one macro written in `source` through its built-in. */
function run(source: string, data: RenderData = new FixtureData(), post: PostData | null = POST): string {
  const macro = parseMacros(source, { file: 'posts/2024/05/spring-trip.md' }).macros[0]!;
  const builtin = BUILTIN_MACROS.get(macro.name)!;
  return builtin(macro.params, { macro, post, data, language: 'en', mode: 'site' });
}

const galleryData = new FixtureData({ 'post-1': GALLERY_IMAGES });
const archiveData = new FixtureData({}, ARCHIVE_IMAGES);
const tagData = new FixtureData({}, [], TAGS);

describe('youtube and vimeo', () => {
  it('render a click-to-load placeholder (golden)', () => {
    expectGolden(
      'builtins/youtube.html',
      run('[[youtube id="dQw4w9WgXcQ" title="Never <gonna> give & \'up\'"]]'),
    );
    expectGolden('builtins/vimeo.html', run('[[vimeo id=76979871 title="Moon"]]'));
  });

  it('request nothing from the video host before a click, and link to it for readers without script', () => {
    for (const html of [run('[[youtube id=dQw4w9WgXcQ]]'), run('[[vimeo id=76979871]]')]) {
      expect(html).not.toContain('<iframe');
      expect(html).not.toMatch(/\ssrc="/);
      expect(html).toMatch(
        /<noscript><a class="bds-embed-link" href="https:\/\/(www\.youtube\.com|vimeo\.com)\//,
      );
    }
    expect(run('[[youtube id=dQw4w9WgXcQ]]')).toContain(
      'data-embed-src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?rel=0&amp;autoplay=1"',
    );
  });

  it('escape the title everywhere', () => {
    const html = run('[[youtube id=dQw4w9WgXcQ title="<script>alert(1)</script>"]]');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it.each([
    ['[[youtube]]', 'youtube needs an id'],
    ['[[youtube id="too-short"]]', 'is not a YouTube video id'],
    ['[[youtube id="dQw4w9WgXcQ&x=1"]]', 'is not a YouTube video id'],
    ['[[vimeo id="12ab"]]', 'digits only'],
    ['[[vimeo title=x]]', 'vimeo needs an id'],
  ])('reject %s with a parameter error', (source, message) => {
    expect(() => run(source)).toThrow(MacroParamError);
    expect(() => run(source)).toThrow(message);
  });
});

describe('gallery', () => {
  it('shows the post’s linked images with a caption and lightbox links (golden)', () => {
    expectGolden('builtins/gallery.html', run('[[gallery columns=4 caption="Spring <2024>"]]', galleryData));
  });

  it('shows a note when the post has no images', () => {
    expectGolden('builtins/gallery-empty.html', run('[[gallery]]', new FixtureData()));
  });

  it('falls back to 3 columns for a missing or out-of-range value, and accepts a quoted number', () => {
    expect(run('[[gallery]]', galleryData)).toContain('gallery-cols-3');
    expect(run('[[gallery columns=9]]', galleryData)).toContain('gallery-cols-3');
    expect(run('[[gallery columns=two]]', galleryData)).toContain('gallery-cols-3');
    expect(run('[[gallery columns="6"]]', galleryData)).toContain('gallery-cols-6');
    expect(run('[[gallery columns=1]]', galleryData)).toContain('data-columns="1"');
  });

  it('keeps the order the data gives and skips files that are not images', () => {
    const html = run('[[gallery]]', galleryData);
    expect(html.indexOf('a1b2c3')).toBeLessThan(html.indexOf('d4e5f6'));
    expect(html).not.toContain('notes1');
  });
});

describe('photo_archive', () => {
  it('shows the newest ten months, newest first, without a year (golden)', () => {
    const html = run('[[photo_archive]]', archiveData);
    expectGolden('builtins/photo-archive-recent.html', html);
    const months = [...html.matchAll(/data-year="(\d+)" data-month="(\d+)"/g)].map((m) => `${m[1]}-${m[2]}`);
    expect(months).toEqual([
      '2024-12',
      '2024-11',
      '2024-10',
      '2024-09',
      '2024-08',
      '2024-07',
      '2024-06',
      '2024-05',
      '2024-04',
      '2024-03',
    ]);
  });

  it('shows one month, newest image first (golden)', () => {
    const html = run('[[photo_archive year=2024 month=5]]', archiveData);
    expectGolden('builtins/photo-archive-month.html', html);
    expect(html.indexOf('late-may')).toBeLessThan(html.indexOf('m05'));
  });

  it('shows a whole year', () => {
    const html = run('[[photo_archive year="2023"]]', archiveData);
    expect(html).toContain('photo-archive-full-year');
    expect(html).toContain('December 2023');
    expect(html).not.toContain('2024');
  });

  it('puts an image in the month of the project timezone', () => {
    const berlin = new FixtureData({}, ARCHIVE_IMAGES);
    berlin.timezone = 'Europe/Berlin';
    expect(run('[[photo_archive year=2024 month=6]]', berlin)).toContain('late-may');
    expect(run('[[photo_archive year=2024 month=6]]', archiveData)).not.toContain('late-may');
  });

  it('is also called photo_album', () => {
    expect(run('[[photo_album year=2024 month=5]]', archiveData)).toBe(
      run('[[photo_archive year=2024 month=5]]', archiveData),
    );
  });

  it('shows a note when there are no photos', () => {
    expect(run('[[photo_archive year=1999]]', archiveData)).toContain('<div class="photo-archive-empty">');
  });

  it.each([
    ['[[photo_archive year=24]]', '4-digit year'],
    ['[[photo_archive year=twenty]]', '4-digit year'],
    ['[[photo_archive year=2024 month=13]]', 'from 1 to 12'],
    ['[[photo_archive month=5]]', 'month needs a year'],
  ])('rejects %s with a parameter error', (source, message) => {
    expect(() => run(source, archiveData)).toThrow(MacroParamError);
    expect(() => run(source, archiveData)).toThrow(message);
  });
});

describe('tag_cloud', () => {
  it('links published tags sized by count, sorted by count then name (golden)', () => {
    const html = run('[[tag_cloud]]', tagData);
    expectGolden('builtins/tag-cloud.html', html);
    const tags = [...html.matchAll(/<a class="[^"]*" href="([^"]+)" style="font-size:(\d+)px"/g)].map(
      (m) => `${m[1]} ${m[2]}`,
    );
    expect(tags).toEqual([
      '/tag/travel/ 56',
      '/tag/food%20%26%20drink/ 37',
      '/tag/art/ 22',
      '/tag/c%2B%2B/ 22',
      '/tag/%C3%BCn%C3%AFcode/ 14',
    ]);
  });

  it('gives every tag 35 px when all counts are equal', () => {
    const html = run(
      '[[tag_cloud]]',
      new FixtureData(
        {},
        [],
        [
          { name: 'a', count: 2 },
          { name: 'b', count: 2 },
        ],
      ),
    );
    expect(html.match(/font-size:35px/g)).toHaveLength(2);
  });

  it('keeps the data attributes a theme can draw a richer cloud from', () => {
    const html = run('[[tag_cloud width=1200 height=5000 orientation=hv]]', tagData);
    expect(html).toContain('data-tag-cloud="true"');
    expect(html).toContain('data-orientation="mixed-hv"');
    expect(html).toContain('data-width="1200"');
    expect(html).toContain('data-height="420"');
    expect(html).toContain('data-color-distribution="quantile"');
    const words = JSON.parse(
      /data-tag-cloud-words="([^"]*)"/
        .exec(html)![1]!
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&'),
    ) as unknown[];
    expect(words[0]).toEqual({ text: 'travel', size: 56, count: 12, url: '/tag/travel/' });
  });

  it('shows a note when no published post has tags', () => {
    expectGolden('builtins/tag-cloud-empty.html', run('[[tag_cloud]]', new FixtureData()));
  });
});
