import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BdsError } from '../../../src/core/errors.js';
import { parseSimpleYaml } from '../../../src/core/frontmatter.js';
import {
  deleteMedia,
  ensureThumbnails,
  importMedia,
  mediaUrl,
  parseSidecar,
  readMediaSidecar,
  serializeSidecar,
  thumbnailPath,
  updateMediaMetadata,
  type MediaRecord,
} from '../../../src/content/media/index.js';
import { cleanupTempDirs, writeProject } from '../../helpers/project.js';
import { filesUnder, makeSourceFiles, type SourceFiles } from './fixtures.js';

const ID = '0f8c3a52-1d2e-4c3b-9a4f-5e6d7c8b9a01';
const REL = `media/2026/01/${ID}.jpg`;
const SIDE = `${REL}.meta.yaml`;
const GOOD = [
  `id: ${ID}`,
  'originalName: cat.jpg',
  'mimeType: image/jpeg',
  'size: 4',
  'width: 10',
  'height: 5',
  'tags:',
  '  - cats',
  'createdAt: 2026-01-10T09:00:00+01:00',
  '',
].join('\n');

const opts = { now: new Date('2026-11-24T10:00:00Z'), timezone: 'UTC' };
let src: SourceFiles;
beforeAll(async () => {
  src = await makeSourceFiles();
});
afterAll(() => cleanupTempDirs());

function projectWithSidecar(sidecar: string | Uint8Array, media = true): string {
  return writeProject({ [SIDE]: sidecar, ...(media ? { [REL]: 'jpeg' } : {}) });
}

function errorOf(fn: () => unknown): BdsError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BdsError);
    return e as BdsError;
  }
  throw new Error('expected an error');
}

describe('readMediaSidecar', () => {
  it('reads a hand-written sidecar into a record; unknown keys go to extra', () => {
    const root = projectWithSidecar(`${GOOD}camera: X100\nexif:\n  iso: 200\n`);
    expect(readMediaSidecar(root, SIDE)).toEqual({
      id: ID,
      path: REL,
      originalName: 'cat.jpg',
      mimeType: 'image/jpeg',
      size: 4,
      width: 10,
      height: 5,
      title: undefined,
      alt: undefined,
      caption: undefined,
      tags: ['cats'],
      createdAt: '2026-01-10T09:00:00+01:00',
      extra: { camera: 'X100', exif: { iso: 200 } },
    } satisfies MediaRecord);
  });

  it('reports malformed YAML with the file and line', () => {
    const root = projectWithSidecar(GOOD.replace('size: 4', 'title: Cat: the sequel'));
    const e = errorOf(() => readMediaSidecar(root, SIDE));
    expect(e.code).toBe('frontmatter-yaml');
    expect([e.file, e.line, e.column]).toEqual([SIDE, 4, 8]);
    expect(e.message).toBe(`${SIDE}:4: Nested mappings are not allowed in compact mappings`);
    expect(e.hint).toMatch(/sidecar/);
  });

  it('puts an error found at the end of the text on its last line', () => {
    const root = projectWithSidecar(`${GOOD}camera: [X100\n\n`);
    const e = errorOf(() => readMediaSidecar(root, SIDE));
    expect([e.code, e.line]).toEqual(['frontmatter-yaml', 10]);
  });

  it('reports a duplicated key as malformed YAML at its line', () => {
    const root = projectWithSidecar(`${GOOD}size: 5\n`);
    const e = errorOf(() => readMediaSidecar(root, SIDE));
    expect([e.code, e.line]).toEqual(['frontmatter-yaml', 10]);
  });

  it.each([
    ['originalName', GOOD.replace('originalName: cat.jpg\n', ''), /"originalName" is required/, undefined],
    ['size', GOOD.replace('size: 4', 'size: four'), /"size" /, 4],
    [
      'createdAt',
      GOOD.replace(/createdAt: .*/, 'createdAt: last tuesday'),
      /"createdAt" must be an ISO-8601 date/,
      9,
    ],
    ['id', GOOD.replace(`id: ${ID}`, 'id: cat'), /"id" must be a UUID/, 1],
    ['mimeType', GOOD.replace('mimeType: image/jpeg', 'mimeType: jpeg'), /"mimeType" must be a MIME type/, 3],
    ['tags', GOOD.replace('  - cats', '  - {a: 1}'), /"tags\.0"/, 7],
  ])('names the invalid field %s', (_field, text, message, line) => {
    const root = projectWithSidecar(text);
    const e = errorOf(() => readMediaSidecar(root, SIDE));
    expect(e.code).toBe('frontmatter-invalid');
    expect(e.message).toMatch(message);
    expect([e.file, e.line]).toEqual([SIDE, line]);
  });

  it('refuses an id that does not match the file name', () => {
    const root = projectWithSidecar(GOOD.replace(ID, '11111111-2222-4333-8444-555555555555'));
    const e = errorOf(() => readMediaSidecar(root, SIDE));
    expect([e.code, e.line]).toEqual(['frontmatter-invalid', 1]);
    expect(e.message).toMatch(/does not match the file name's id/);
  });

  it('refuses a sidecar that is not valid UTF-8', () => {
    const root = projectWithSidecar(Buffer.concat([Buffer.from(GOOD), Buffer.from([0xc3, 0x28, 0x0a])]));
    const e = errorOf(() => readMediaSidecar(root, SIDE));
    expect([e.code, e.file]).toEqual(['file-encoding', SIDE]);
  });

  it('names both the sidecar and its missing media file', () => {
    const root = projectWithSidecar(GOOD, false);
    const e = errorOf(() => readMediaSidecar(root, SIDE));
    expect(e.code).toBe('media-not-found');
    expect(e.file).toBe(SIDE);
    expect(e.message).toContain(SIDE);
    expect(e.message).toContain(`its media file ${REL} is missing`);
  });

  it.each([
    `../outside/${ID}.jpg.meta.yaml`,
    `media/../../${ID}.jpg.meta.yaml`,
    `/etc/${ID}.jpg.meta.yaml`,
    `media\\2026\\01\\${ID}.jpg.meta.yaml`,
  ])('refuses a path that leaves the project: %s', (rel) => {
    const root = projectWithSidecar(GOOD);
    expect(errorOf(() => readMediaSidecar(root, rel)).code).toBe('path-escape');
  });

  it('reports a sidecar that does not exist as not found', () => {
    const root = writeProject({});
    const e = errorOf(() => readMediaSidecar(root, SIDE));
    expect([e.code, e.file]).toEqual(['media-not-found', SIDE]);
  });

  it('names a media file that is a link to nothing as missing', () => {
    const root = projectWithSidecar(GOOD, false);
    fs.symlinkSync(path.join(root, 'gone.jpg'), path.join(root, REL));
    const e = errorOf(() => readMediaSidecar(root, SIDE));
    expect([e.code, e.file]).toEqual(['media-not-found', REL]);
  });

  it('refuses a sidecar outside the media/YYYY/MM/ID.ext layout', () => {
    const root = writeProject({ 'media/cat.jpg.meta.yaml': GOOD, 'media/cat.jpg': 'x' });
    expect(errorOf(() => readMediaSidecar(root, 'media/cat.jpg.meta.yaml')).code).toBe('media-layout');
    expect(errorOf(() => readMediaSidecar(root, REL)).code).toBe('media-layout');
  });

  it('refuses a sidecar that links outside the project', () => {
    const outside = writeProject({ 'secret.yaml': GOOD });
    const root = writeProject({ [REL]: 'jpeg' });
    fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(root, SIDE));
    expect(errorOf(() => readMediaSidecar(root, SIDE)).code).toBe('path-escape');
  });
});

describe('sidecar text', () => {
  const record = fc.record({
    id: fc.uuid({ version: 4 }),
    originalName: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() !== ''),
    mimeType: fc.constantFrom('image/jpeg', 'image/png', 'text/plain', 'application/octet-stream'),
    size: fc.nat(),
    width: fc.option(fc.integer({ min: 1, max: 20000 }), { nil: undefined }),
    height: fc.option(fc.integer({ min: 1, max: 20000 }), { nil: undefined }),
    title: fc.option(
      fc.string().filter((s) => s.trim() !== ''),
      { nil: undefined },
    ),
    alt: fc.option(
      fc.string().filter((s) => s.trim() !== ''),
      { nil: undefined },
    ),
    caption: fc.option(
      fc.string().filter((s) => s.trim() !== ''),
      { nil: undefined },
    ),
    tags: fc.uniqueArray(
      fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() === s && s !== ''),
      { maxLength: 4 },
    ),
    createdAt: fc.constantFrom(
      '2026-01-31T23:30:00Z',
      '2026-02-01T12:30:00+13:00',
      '2025-07-04T08:00:00-04:00',
    ),
    extra: fc.dictionary(
      fc.constantFrom('camera', 'lens', 'credit', 'location'),
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 })),
    ),
  });

  it('what bds writes reads back the same, and the fast path agrees with the full YAML parser', () => {
    fc.assert(
      fc.property(record, (r0) => {
        const r: MediaRecord = { ...r0, path: `media/2026/01/${r0.id}.jpg` };
        const text = serializeSidecar(r);
        expect(parseSidecar(text, `${r.path}.meta.yaml`)).toEqual(r);
        const fast = parseSimpleYaml(text);
        if (fast) expect(fast).toEqual(YAML.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('a plain sidecar as bds writes it takes the fast path', () => {
    expect(parseSimpleYaml(GOOD)).toBeDefined();
  });
});

describe('updateMediaMetadata', () => {
  it('rewrites the sidecar in bds key order, exactly as a fresh write would', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.small, opts);
    const next = updateMediaMetadata(root, r, {
      title: 'Harbour',
      alt: 'Boats at dawn',
      tags: ['sea', 'sea', ' boats '],
    });
    expect(next).toEqual({ ...r, title: 'Harbour', alt: 'Boats at dawn', tags: ['sea', 'boats'] });
    expect(fs.readFileSync(path.join(root, `${r.path}.meta.yaml`), 'utf8')).toBe(serializeSidecar(next));
    expect(readMediaSidecar(root, `${r.path}.meta.yaml`)).toEqual(next);
  });

  it('keeps unknown keys and comments; null or empty clears a value; missing keys stay', () => {
    const root = projectWithSidecar(
      `# shot on holiday\n${GOOD.replace('size: 4', 'size: 4 # bytes')}title: Cat\ncamera: X100\n`,
    );
    const next = updateMediaMetadata(root, ID, { title: null, caption: 'A cat on a wall' });
    expect(next).toMatchObject({
      title: undefined,
      caption: 'A cat on a wall',
      tags: ['cats'],
      extra: { camera: 'X100' },
    });
    const text = fs.readFileSync(path.join(root, SIDE), 'utf8');
    expect(text).toContain('# shot on holiday');
    expect(text).toContain('size: 4 # bytes');
    expect(text).toContain('camera: X100');
    expect(text).not.toContain('title:');
    expect(text.indexOf('caption:')).toBeLessThan(text.indexOf('tags:'));
    expect(updateMediaMetadata(root, ID, { caption: '' }).caption).toBeUndefined();
  });

  it('refuses a bad patch, an unknown id and a broken sidecar, and rewrites nothing', () => {
    const root = projectWithSidecar(GOOD);
    const before = fs.readFileSync(path.join(root, SIDE), 'utf8');
    expect(errorOf(() => updateMediaMetadata(root, ID, { tags: 'cats' } as never)).code).toBe(
      'invalid-argument',
    );
    expect(errorOf(() => updateMediaMetadata(root, ID, { width: 3 } as never)).code).toBe('invalid-argument');
    expect(errorOf(() => updateMediaMetadata(root, '../../etc/passwd', { title: 'x' })).code).toBe(
      'invalid-argument',
    );
    expect(errorOf(() => updateMediaMetadata(root, '11111111-2222-4333-8444-555555555555', {})).code).toBe(
      'media-not-found',
    );
    expect(fs.readFileSync(path.join(root, SIDE), 'utf8')).toBe(before);
    fs.writeFileSync(path.join(root, SIDE), `${GOOD}size: [\n`);
    expect(errorOf(() => updateMediaMetadata(root, ID, { title: 'x' })).code).toBe('frontmatter-yaml');
    expect(fs.readFileSync(path.join(root, SIDE), 'utf8')).toBe(`${GOOD}size: [\n`);
  });

  it('refuses a record whose path is not a media path or does not match its id', () => {
    const root = projectWithSidecar(GOOD);
    const r = readMediaSidecar(root, SIDE);
    expect(errorOf(() => updateMediaMetadata(root, { ...r, path: '../../etc/passwd' }, {})).code).toBe(
      'path-escape',
    );
    expect(errorOf(() => updateMediaMetadata(root, { ...r, path: 'media/x.jpg' }, {})).code).toBe(
      'media-layout',
    );
    expect(
      errorOf(() =>
        updateMediaMetadata(
          root,
          { ...r, path: 'media/2026/01/11111111-2222-4333-8444-555555555555.jpg' },
          {},
        ),
      ).code,
    ).toBe('invalid-argument');
  });
});

describe('deleteMedia, ensureThumbnails and URLs', () => {
  it('deletes the file, its sidecar and its thumbnails, by record or by id', async () => {
    const root = writeProject({});
    const a = await importMedia(root, src.big, opts);
    const b = await importMedia(root, src.small, opts);
    expect(deleteMedia(root, a)).toEqual([
      `${a.path}.meta.yaml`,
      a.path,
      thumbnailPath(a, 150),
      thumbnailPath(a, 400),
      thumbnailPath(a, 800),
    ]);
    expect(deleteMedia(root, b.id.toUpperCase())).toHaveLength(5);
    expect([...filesUnder(root, 'media'), ...filesUnder(root, 'thumbnails')]).toEqual([]);
    expect(errorOf(() => deleteMedia(root, b.id)).code).toBe('media-not-found');
  });

  it('deletes media whose sidecar is broken', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.small, opts);
    fs.writeFileSync(path.join(root, `${r.path}.meta.yaml`), 'id: [');
    expect(deleteMedia(root, r.id)).toHaveLength(5);
  });

  it('regenerates missing thumbnails only, or all of them with force', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.big, opts);
    fs.rmSync(path.join(root, 'thumbnails'), { recursive: true });
    expect(await ensureThumbnails(root, r)).toBe(3);
    expect(await ensureThumbnails(root, r)).toBe(0);
    fs.rmSync(path.join(root, thumbnailPath(r, 400)));
    expect(await ensureThumbnails(root, r)).toBe(1);
    expect(await ensureThumbnails(root, r, { force: true })).toBe(3);
    const txt = await importMedia(root, src.text, opts);
    expect(await ensureThumbnails(root, txt, { force: true })).toBe(0);
  });

  it('reports a damaged image when its thumbnails are rebuilt', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.small, opts);
    fs.rmSync(path.join(root, 'thumbnails'), { recursive: true });
    fs.writeFileSync(path.join(root, r.path), 'no longer a jpeg');
    await expect(ensureThumbnails(root, r)).rejects.toMatchObject({ code: 'media-thumbnail', file: r.path });
    fs.rmSync(path.join(root, r.path));
    await expect(ensureThumbnails(root, r)).rejects.toMatchObject({ code: 'media-not-found' });
  });

  it('gives the site URL of a file and the paths of its thumbnails', () => {
    const r = { id: ID, path: REL };
    expect(mediaUrl(r)).toBe(`/${REL}`);
    expect(thumbnailPath(r, 800)).toBe(`thumbnails/2026/01/${ID}-800.webp`);
    expect(() => thumbnailPath({ id: '../x', path: REL }, 150)).toThrow(/not a media id/);
    expect(() => thumbnailPath(r, 300 as never)).toThrow(/not one of 150, 400, 800/);
  });
});
