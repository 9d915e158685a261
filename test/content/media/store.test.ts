import fs from 'node:fs';
import sharp from 'sharp';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../src/app/workspace.js';
import { thumbnailPath } from '../../../src/content/media/index.js';
import { cleanupTempDirs, tempDir, writeProject } from '../../helpers/project.js';
import { makeSourceFiles, type SourceFiles } from './fixtures.js';

let src: SourceFiles;
beforeAll(async () => {
  src = await makeSourceFiles();
});
afterAll(() => cleanupTempDirs());

const open: Workspace[] = [];
function openWs(root: string): Workspace {
  const ws = Workspace.open(root, { home: tempDir('bds-home-') });
  open.push(ws);
  return ws;
}
afterEach(async () => {
  for (const ws of open.splice(0)) await ws.close();
});

const mediaProblems = async (ws: Workspace) =>
  (await ws.call('project.problems', {}))
    .filter((p) => p.file.startsWith('media/'))
    .map((p) => [p.file, p.code]);

describe('the media library of an open project', () => {
  it('reports a media file without a sidecar at open, and forgets it once the sidecar is back', async () => {
    const root = writeProject({});
    let ws = openWs(root);
    const [a, b] = (await ws.call('media.import', { files: [src.small, src.gif] })).results.map(
      (r) => r.record!,
    );
    await ws.close();
    const side = path.join(root, `${a!.path}.meta.yaml`);
    const saved = fs.readFileSync(side);
    fs.rmSync(side);
    ws = openWs(root);
    expect((await ws.call('media.list', {})).map((m) => m.id)).toEqual([b!.id]);
    expect(await mediaProblems(ws)).toEqual([[a!.path, 'media-no-sidecar']]);
    await ws.close();
    fs.writeFileSync(side, saved);
    ws = openWs(root);
    expect(await mediaProblems(ws)).toEqual([]);
    expect(await ws.call('media.list', {})).toHaveLength(2);
    await ws.call('project.rebuild', {});
    expect(await mediaProblems(ws)).toEqual([]);
  });

  it('a media file dropped in while the project is open is reported until its sidecar arrives', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const [a] = (await ws.call('media.import', { files: [src.small] })).results.map((r) => r.record!);
    const copy = a!.path.replace(/^media\/\d{4}\/\d{2}\//, 'media/2099/12/');
    fs.mkdirSync(path.dirname(path.join(root, copy)), { recursive: true });
    fs.copyFileSync(path.join(root, a!.path), path.join(root, copy));
    ws.applyExternalChange(copy);
    expect(await mediaProblems(ws)).toEqual([[copy, 'media-no-sidecar']]);
    fs.rmSync(path.join(root, copy));
    ws.applyExternalChange(copy);
    expect(await mediaProblems(ws)).toEqual([]);
  });

  it('a media file replaced outside bds gets new thumbnails; a file bds just wrote does not', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const [a] = (await ws.call('media.import', { files: [src.big] })).results.map((r) => r.record!);
    const thumb = path.join(root, thumbnailPath(a!, 400));
    const before = fs.readFileSync(thumb);
    const events: string[][] = [];
    ws.events.on('media-changed', ({ paths }) => events.push(paths));
    ws.applyExternalChange(a!.path);
    await ws.settled();
    expect(events).toEqual([[a!.path]]);
    expect(fs.readFileSync(thumb).equals(before)).toBe(true);
    // Another picture under the same name, a little later than the thumbnails.
    await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#ff0000' } })
      .png()
      .toFile(path.join(root, a!.path));
    const later = new Date(Date.now() + 2000);
    fs.utimesSync(path.join(root, a!.path), later, later);
    events.length = 0;
    ws.applyExternalChange(a!.path);
    await ws.settled();
    expect(events[1]).toEqual(expect.arrayContaining([thumbnailPath(a!, 400)]));
    expect(fs.readFileSync(thumb).equals(before)).toBe(false);
  });

  it('a rebuild keeps the first of two sidecars with one id and reports the other', async () => {
    const root = writeProject({});
    let ws = openWs(root);
    const [a] = (await ws.call('media.import', { files: [src.small] })).results.map((r) => r.record!);
    await ws.close();
    const copy = a!.path.replace(/^media\/\d{4}\/\d{2}\//, 'media/2099/12/');
    fs.mkdirSync(path.dirname(path.join(root, copy)), { recursive: true });
    fs.copyFileSync(path.join(root, a!.path), path.join(root, copy));
    fs.copyFileSync(path.join(root, `${a!.path}.meta.yaml`), path.join(root, `${copy}.meta.yaml`));
    fs.rmSync(path.join(root, '.bds'), { recursive: true });
    ws = openWs(root);
    expect((await ws.call('media.get', { id: a!.id })).path).toBe(a!.path);
    expect(await mediaProblems(ws)).toEqual([[`${copy}.meta.yaml`, 'duplicate-id']]);
  });

  it('rebuilding thumbnails goes on past a damaged image and then reports it', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const [bad, good] = (await ws.call('media.import', { files: [src.small, src.big] })).results.map(
      (r) => r.record!,
    );
    fs.rmSync(path.join(root, 'thumbnails'), { recursive: true });
    fs.writeFileSync(path.join(root, bad!.path), 'damaged');
    await expect(ws.call('media.thumbnails', {})).rejects.toMatchObject({
      code: 'media-thumbnail',
      message: expect.stringMatching(/^3 thumbnails written; 1 media failed/),
    });
    expect(fs.existsSync(path.join(root, thumbnailPath(good!, 800)))).toBe(true);
  });

  it('edits and deletes through the index rewrite the files', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const [r] = (await ws.call('media.import', { files: [src.small], tags: ['a'] })).results.map(
      (x) => x.record!,
    );
    expect(await ws.call('media.update', { id: r!.id, title: 'Boat', tags: ['a', 'b'] })).toMatchObject({
      title: 'Boat',
      tags: ['a', 'b'],
    });
    expect(fs.readFileSync(path.join(root, `${r!.path}.meta.yaml`), 'utf8')).toContain('title: Boat');
    await ws.call('media.delete', { id: r!.id });
    expect(fs.existsSync(path.join(root, r!.path))).toBe(false);
    expect(fs.existsSync(path.join(root, thumbnailPath(r!, 150)))).toBe(false);
    expect(await ws.call('media.list', {})).toEqual([]);
  });
});
