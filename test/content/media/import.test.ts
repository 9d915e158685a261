import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BdsError } from '../../../src/core/errors.js';
import {
  importMedia,
  importMediaFiles,
  readMediaSidecar,
  thumbnailPath,
  type MediaImportProgress,
} from '../../../src/content/media/index.js';
import { cleanupTempDirs, writeProject } from '../../helpers/project.js';
import { filesUnder, makeSourceFiles, sizeOf, type SourceFiles } from './fixtures.js';

const NOW = new Date('2026-11-24T10:00:00Z');
const opts = { now: NOW, timezone: 'UTC' };
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';

let src: SourceFiles;
beforeAll(async () => {
  src = await makeSourceFiles();
});
afterAll(() => cleanupTempDirs());

async function expectError(p: Promise<unknown>, code: string, message: RegExp): Promise<BdsError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BdsError);
  expect((e as BdsError).code).toBe(code);
  expect((e as BdsError).message).toMatch(message);
  return e as BdsError;
}

describe('importMedia', () => {
  it('copies the file to media/YYYY/MM/ID.ext with a YAML sidecar and 150/400/800 px WebP thumbnails', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.big, {
      ...opts,
      title: 'Sea',
      alt: 'Blue sea',
      tags: ['blue', ' sea ', 'blue'],
    });
    expect(r.path).toMatch(new RegExp(`^media/2026/11/${UUID}\\.png$`));
    expect(r.path).toBe(`media/2026/11/${r.id}.png`);
    expect(r).toMatchObject({
      originalName: 'Big Photo.PNG',
      mimeType: 'image/png',
      size: fs.statSync(src.big).size,
      width: 1200,
      height: 800,
      title: 'Sea',
      alt: 'Blue sea',
      tags: ['blue', 'sea'],
      createdAt: '2026-11-24T10:00:00Z',
      extra: {},
    });
    expect(fs.readFileSync(path.join(root, r.path))).toEqual(fs.readFileSync(src.big));

    const sidecar = fs.readFileSync(path.join(root, `${r.path}.meta.yaml`), 'utf8');
    expect(YAML.parse(sidecar)).toEqual({
      id: r.id,
      originalName: 'Big Photo.PNG',
      mimeType: 'image/png',
      size: r.size,
      width: 1200,
      height: 800,
      title: 'Sea',
      alt: 'Blue sea',
      tags: ['blue', 'sea'],
      createdAt: '2026-11-24T10:00:00Z',
    });
    expect(readMediaSidecar(root, `${r.path}.meta.yaml`)).toEqual(r);

    for (const size of [150, 400, 800] as const) {
      const rel = thumbnailPath(r, size);
      expect(rel).toBe(`thumbnails/2026/11/${r.id}-${size}.webp`);
      expect(await sizeOf(path.join(root, rel))).toEqual({
        format: 'webp',
        width: size,
        height: Math.round((size * 800) / 1200),
      });
    }
    // Nothing else was written: no temp files, no stray folders.
    expect([...filesUnder(root, 'media'), ...filesUnder(root, 'thumbnails')]).toEqual([
      r.path,
      `${r.path}.meta.yaml`,
      `thumbnails/2026/11/${r.id}-150.webp`,
      `thumbnails/2026/11/${r.id}-400.webp`,
      `thumbnails/2026/11/${r.id}-800.webp`,
    ]);
  });

  it('never enlarges: a 100 px wide image gets three 100 px thumbnails', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.small, opts);
    expect(r).toMatchObject({ mimeType: 'image/jpeg', width: 100, height: 50 });
    expect(r.path).toMatch(/\.jpg$/);
    for (const size of [150, 400, 800] as const) {
      expect(await sizeOf(path.join(root, thumbnailPath(r, size)))).toEqual({
        format: 'webp',
        width: 100,
        height: 50,
      });
    }
  });

  it('honours EXIF orientation in the recorded size and the thumbnails', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.rotated, opts);
    expect(r).toMatchObject({ width: 300, height: 600 });
    expect(await sizeOf(path.join(root, thumbnailPath(r, 150)))).toMatchObject({ width: 150, height: 300 });
    expect(await sizeOf(path.join(root, thumbnailPath(r, 800)))).toMatchObject({ width: 300, height: 600 });
  });

  it('makes thumbnails of the first frame of a GIF', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.gif, opts);
    expect(r).toMatchObject({ mimeType: 'image/gif', width: 300, height: 200 });
    expect(await sizeOf(path.join(root, thumbnailPath(r, 400)))).toEqual({
      format: 'webp',
      width: 300,
      height: 200,
    });
  });

  it('keeps a very tall strip within the WebP limit of 16383 px', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.tall, opts);
    const thumb = await sizeOf(path.join(root, thumbnailPath(r, 150)));
    expect(thumb.height).toBeLessThanOrEqual(16383);
    expect(thumb.width).toBe(Math.round((120 * 16383) / 20000));
  });

  it('imports a non-image with its type from the extension and no thumbnails', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.text, opts);
    expect(r).toMatchObject({ mimeType: 'text/plain', originalName: 'notes.txt', size: 11 });
    expect(r.width).toBeUndefined();
    expect(r.path).toMatch(/\.txt$/);
    expect(filesUnder(root, 'thumbnails')).toEqual([]);
    expect(fs.readFileSync(path.join(root, `${r.path}.meta.yaml`), 'utf8')).not.toMatch(/width|height|title/);
  });

  it('takes the type from the image itself, and keeps the original extension', async () => {
    const root = writeProject({});
    const r = await importMedia(root, src.pngNamedJpg, opts);
    expect(r).toMatchObject({ mimeType: 'image/png', width: 40, height: 30 });
    expect(r.path).toMatch(/\.jpg$/);
  });

  it('replaces an extension that is not [a-z0-9]{1,10} by one for the type, else .bin', async () => {
    const root = writeProject({});
    const odd = await importMedia(root, src.oddExtension, opts);
    expect(odd).toMatchObject({ mimeType: 'application/octet-stream', originalName: 'odd name.%$#' });
    expect(odd.path).toMatch(/\.bin$/);
    const pngCopy = path.join(src.dir, 'photo.tooLongExtension');
    fs.copyFileSync(src.pngNamedJpg, pngCopy);
    expect((await importMedia(root, pngCopy, opts)).path).toMatch(/\.png$/);
    const noExt = path.join(src.dir, 'README');
    fs.writeFileSync(noExt, 'hello');
    expect((await importMedia(root, noExt, opts)).path).toMatch(/\.bin$/);
  });

  it('puts the file in the month of the given timezone, not UTC nor the machine zone', async () => {
    const root = writeProject({});
    const now = new Date('2026-01-31T23:30:00Z');
    const auckland = await importMedia(root, src.small, { now, timezone: 'Pacific/Auckland' });
    expect(auckland.path).toMatch(/^media\/2026\/02\//);
    expect(auckland.createdAt).toBe('2026-02-01T12:30:00+13:00');
    expect(thumbnailPath(auckland, 150)).toMatch(/^thumbnails\/2026\/02\//);
    const utc = await importMedia(root, src.small, { now, timezone: 'UTC' });
    expect(utc.path).toMatch(/^media\/2026\/01\//);
    const honolulu = await importMedia(root, src.small, {
      now: new Date('2026-03-01T05:00:00Z'),
      timezone: 'Pacific/Honolulu',
    });
    expect(honolulu.path).toMatch(/^media\/2026\/02\//);
  });

  it('refuses a missing source file, naming it, and writes nothing', async () => {
    const root = writeProject({});
    const missing = path.join(src.dir, 'nope.jpg');
    const e = await expectError(
      importMedia(root, missing, opts),
      'media-import',
      /nope\.jpg: the file does not exist/,
    );
    expect(e.file).toBe(missing);
    expect(fs.existsSync(path.join(root, 'media'))).toBe(false);
  });

  it('refuses a folder as the source', async () => {
    const root = writeProject({});
    await expectError(importMedia(root, src.dir, opts), 'media-import', /it is a folder/);
  });

  it('refuses a file named like an image that is not one, and leaves nothing behind', async () => {
    const root = writeProject({});
    await expectError(
      importMedia(root, src.fakePng, opts),
      'media-import',
      /fake\.png: it is not a readable image\/png image/,
    );
    expect(filesUnder(root, 'media')).toEqual([]);
    expect(filesUnder(root, 'thumbnails')).toEqual([]);
  });

  it('refuses an unknown timezone before touching anything', async () => {
    const root = writeProject({});
    await expectError(
      importMedia(root, src.small, { now: NOW, timezone: 'Mars/Olympus' }),
      'project-invalid',
      /Mars\/Olympus/,
    );
    expect(fs.existsSync(path.join(root, 'media'))).toBe(false);
  });

  it('gives every import its own id', async () => {
    const root = writeProject({});
    const [a, b] = [await importMedia(root, src.small, opts), await importMedia(root, src.small, opts)];
    expect(a.id).not.toBe(b.id);
    expect(filesUnder(root, 'media')).toHaveLength(4);
  });
});

describe('importMediaFiles', () => {
  it('imports a batch in order; a bad file fails alone and progress is reported for each file', async () => {
    const root = writeProject({});
    const missing = path.join(src.dir, 'missing.png');
    const progress: MediaImportProgress[] = [];
    const results = await importMediaFiles(
      root,
      [src.small, missing, src.fakePng, src.gif],
      { ...opts, caption: 'Trip' },
      (p) => progress.push(p),
    );
    expect(results.map((r) => [r.file, r.record?.originalName, r.code])).toEqual([
      [src.small, 'small.jpg', undefined],
      [missing, undefined, 'media-import'],
      [src.fakePng, undefined, 'media-import'],
      [src.gif, 'anim.gif', undefined],
    ]);
    expect(results[1]!.error).toMatch(/missing\.png: the file does not exist/);
    expect(results[0]!.record!.caption).toBe('Trip');
    expect(progress.map((p) => [p.done, p.total, p.file, p.result === results[p.done - 1]])).toEqual([
      [1, 4, src.small, true],
      [2, 4, missing, true],
      [3, 4, src.fakePng, true],
      [4, 4, src.gif, true],
    ]);
    const ok = results.flatMap((r) => (r.record ? [r.record.path, `${r.record.path}.meta.yaml`] : []));
    expect(filesUnder(root, 'media')).toEqual(ok.sort());
  });
});
