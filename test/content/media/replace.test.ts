// Replacing a media file's bytes: the id, name, metadata and post links stay, the sidecar and thumbnails
// follow the new file; another type of file is refused, and a file that does not decode changes nothing.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../src/app/workspace.js';
import { thumbnailPath, type MediaRecord } from '../../../src/content/media/index.js';
import { bds } from '../../helpers/cli.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../../helpers/project.js';
import { filesUnder, makeSourceFiles, sizeOf, type SourceFiles } from './fixtures.js';

let src: SourceFiles;
/** 640×480 PNG, another colour than the fixtures. */
let newPng: string;
beforeAll(async () => {
  src = await makeSourceFiles();
  newPng = path.join(tempDir('bds-media-new-'), 'Harbour v2.png');
  await sharp({ create: { width: 640, height: 480, channels: 3, background: '#cc3300' } })
    .png()
    .toFile(newPng);
});
afterAll(() => cleanupTempDirs());

const open: Workspace[] = [];
afterEach(async () => {
  for (const ws of open.splice(0)) await ws.close();
});

async function projectWithImage(): Promise<{ root: string; ws: Workspace; record: MediaRecord }> {
  const root = writeProject({
    'posts/2026/01/first.md': samplePost({ slug: 'first', status: 'draft' }),
  });
  const ws = Workspace.open(root, { home: tempDir('bds-home-') });
  open.push(ws);
  const { results } = await ws.call('media.import', {
    files: [src.big],
    title: 'Harbour',
    alt: 'Boats at dawn',
    caption: 'Taken from the pier',
    tags: ['sea'],
    post: 'first',
  });
  return { root, ws, record: results[0]!.record! };
}

/** Every file under media/ and thumbnails/ with a hash of its bytes (temp files included). */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rel of [...filesUnder(root, 'media'), ...filesUnder(root, 'thumbnails')]) {
    out[rel] = createHash('sha1')
      .update(fs.readFileSync(path.join(root, rel)))
      .digest('hex');
  }
  return out;
}

describe('replacing a media file', () => {
  it('keeps the id, path, metadata and post links, and takes the new size, dimensions and thumbnails', async () => {
    const { root, ws, record } = await projectWithImage();
    // A key bds does not know and a comment survive the sidecar rewrite.
    const sidecar = path.join(root, `${record.path}.meta.yaml`);
    fs.appendFileSync(sidecar, '# shot on film\nphotographer: Ada\n');
    ws.applyExternalChange(`${record.path}.meta.yaml`);
    const thumb400 = path.join(root, thumbnailPath(record, 400));
    const oldThumb = fs.readFileSync(thumb400);

    const events: string[][] = [];
    ws.events.on('media-changed', ({ paths }) => events.push(paths));
    const replaced = await ws.call('media.replace', { id: record.id, file: newPng });

    expect(replaced).toMatchObject({
      id: record.id,
      path: record.path,
      originalName: 'Harbour v2.png',
      mimeType: 'image/png',
      size: fs.statSync(newPng).size,
      width: 640,
      height: 480,
      title: 'Harbour',
      alt: 'Boats at dawn',
      caption: 'Taken from the pier',
      tags: ['sea'],
      createdAt: record.createdAt,
      extra: { photographer: 'Ada' },
    });
    expect(fs.readFileSync(path.join(root, record.path))).toEqual(fs.readFileSync(newPng));
    const text = fs.readFileSync(sidecar, 'utf8');
    expect(text).toContain('# shot on film');
    expect(text).toContain('width: 640');
    expect(await ws.call('media.get', { id: record.id })).toEqual(replaced);
    expect((await ws.call('media.linked', { post: 'first' })).map((m) => m.id)).toEqual([record.id]);
    expect(events).toEqual([[record.path]]);
    // Thumbnails of the new picture: 400 px wide, 4:3, not the old 3:2 ones.
    expect(fs.readFileSync(thumb400).equals(oldThumb)).toBe(false);
    expect(await sizeOf(thumb400)).toEqual({ format: 'webp', width: 400, height: 300 });
    expect(await sizeOf(path.join(root, thumbnailPath(record, 800)))).toMatchObject({ width: 640 });
    expect(filesUnder(root, 'media').filter((f) => path.posix.basename(f).startsWith('.'))).toEqual([]);
    // A rebuild from the files agrees with what the index was told.
    await ws.call('project.rebuild', {});
    expect(await ws.call('media.get', { id: record.id })).toEqual(replaced);
  });

  it('accepts another spelling of the same type (.jpeg for .jpg) under the old name', async () => {
    const root = writeProject({});
    const ws = Workspace.open(root, { home: tempDir('bds-home-') });
    open.push(ws);
    const [old] = (await ws.call('media.import', { files: [src.small] })).results.map((r) => r.record!);
    const jpeg = path.join(tempDir('bds-media-new-'), 'bigger.jpeg');
    await sharp({ create: { width: 200, height: 100, channels: 3, background: '#00aa00' } })
      .jpeg()
      .toFile(jpeg);
    const r = await ws.call('media.replace', { id: old!.id, file: jpeg });
    expect(r).toMatchObject({ path: old!.path, originalName: 'bigger.jpeg', width: 200, height: 100 });
    expect(r.path.endsWith('.jpg')).toBe(true);
  });

  it('refuses a file of another type and changes nothing: posts link to the name', async () => {
    const { root, ws, record } = await projectWithImage();
    const before = snapshot(root);
    const err = await ws.call('media.replace', { id: record.id, file: src.small }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid-argument', file: record.path });
    const { message, hint } = err as { message: string; hint: string };
    expect(message).toContain(record.path);
    expect(message).toContain(src.small);
    expect(message).toContain('posts link to');
    expect(message).toContain('a JPEG image');
    expect(hint).toBe('Replace it with a PNG image, or import the new file as a new item.');
    expect(snapshot(root)).toEqual(before);
    expect(await ws.call('media.get', { id: record.id })).toEqual(record);
  });

  it('a file that is not a readable image puts the old file, sidecar and thumbnails back', async () => {
    const { root, ws, record } = await projectWithImage();
    const before = snapshot(root);
    const events: string[][] = [];
    ws.events.on('media-changed', ({ paths }) => events.push(paths));
    // Text named .png: the same extension, so it gets as far as the thumbnails before it fails.
    const err = await ws.call('media.replace', { id: record.id, file: src.fakePng }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'media-import',
      file: record.path,
      message: expect.stringContaining(
        `Cannot replace ${record.path} with ${src.fakePng}: it is not a readable image/png image`,
      ),
    });
    expect(snapshot(root)).toEqual(before);
    expect(await ws.call('media.get', { id: record.id })).toEqual(record);
    expect(events).toEqual([]);
  });

  it('refuses an unknown id, a missing file and a relative path before touching anything', async () => {
    const { root, ws, record } = await projectWithImage();
    const before = snapshot(root);
    await expect(
      ws.call('media.replace', { id: '00000000-0000-4000-8000-00000000abcd', file: newPng }),
    ).rejects.toMatchObject({ code: 'media-not-found' });
    await expect(
      ws.call('media.replace', { id: record.id, file: path.join(src.dir, 'gone.png') }),
    ).rejects.toMatchObject({ code: 'media-import', message: expect.stringContaining('does not exist') });
    await expect(ws.call('media.replace', { id: record.id, file: 'Harbour v2.png' })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
    expect(snapshot(root)).toEqual(before);
  });

  it('is bds_api.media.replace_file(id, new_source_path) for utility scripts, not for macros', async () => {
    const { root, ws, record } = await projectWithImage();
    const utility = ws.apiHandler('utility');
    const r = (await utility('media.replaceFile', { id: record.id, newSourcePath: newPng })) as MediaRecord;
    expect(r).toMatchObject({ id: record.id, path: record.path, width: 640 });
    expect(fs.readFileSync(path.join(root, record.path))).toEqual(fs.readFileSync(newPng));
    const macro = ws.apiHandler('macro');
    expect(() => macro('media.replaceFile', { id: record.id, newSourcePath: newPng })).toThrow(
      expect.objectContaining({ code: 'api-read-only' }),
    );
  });

  it('from the CLI: bds media replace ID FILE (relative to the folder), then bds media usage ID', async () => {
    const { root, ws, record } = await projectWithImage();
    await ws.close();
    open.splice(open.indexOf(ws), 1);
    const home = tempDir('bds-home-');
    const replaced = await bds(['--project', root, 'media', 'replace', record.id, path.basename(newPng)], {
      cwd: path.dirname(newPng),
      home,
    });
    expect(replaced.stderr).toBe('');
    expect(replaced.stdout).toBe(`Replaced ${record.path} with Harbour v2.png\n`);
    const usage = await bds(['media', 'usage', record.id], { cwd: root, home });
    expect(usage.stdout).toMatch(/^first\s+draft\s+linked\s+Post \d+\n$/);
  });
});
