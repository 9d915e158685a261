import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEMP_MARKER } from '../../../src/core/atomic.js';
import {
  importMediaFiles,
  scanMedia,
  serializeSidecar,
  type MediaRecord,
} from '../../../src/content/media/index.js';
import { cleanupTempDirs, writeProject } from '../../helpers/project.js';
import { makeSourceFiles, type SourceFiles } from './fixtures.js';

let src: SourceFiles;
beforeAll(async () => {
  src = await makeSourceFiles();
});
afterAll(() => cleanupTempDirs());

/** A valid record for a hand-written project. */
function record(id: string, folder = '2026/01', ext = 'jpg', over: Partial<MediaRecord> = {}): MediaRecord {
  return {
    id,
    path: `media/${folder}/${id}.${ext}`,
    originalName: `${id.slice(0, 4)}.${ext}`,
    mimeType: 'image/jpeg',
    size: 4,
    tags: [],
    createdAt: '2026-01-10T09:00:00Z',
    extra: {},
    ...over,
  };
}

/** Files for a media record: the file itself and its sidecar. */
function filesOf(r: MediaRecord): Record<string, string> {
  return { [r.path]: 'jpeg', [`${r.path}.meta.yaml`]: serializeSidecar(r) };
}

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('scanMedia', () => {
  it('finds nothing, and no problem, in a project without media/', () => {
    expect(scanMedia(writeProject({}))).toEqual({ records: [], problems: [] });
  });

  it('reads back exactly what was imported, sorted by path', async () => {
    const root = writeProject({});
    const now = new Date('2026-03-15T12:00:00Z');
    const a = await importMediaFiles(root, [src.big, src.text], { now, timezone: 'UTC', tags: ['x'] });
    const b = await importMediaFiles(root, [src.gif], {
      now: new Date('2025-12-01T00:00:00Z'),
      timezone: 'UTC',
    });
    const imported = [...a, ...b].map((r) => r.record!);
    const scan = scanMedia(root);
    expect(scan.problems).toEqual([]);
    expect(scan.records).toEqual([...imported].sort((x, y) => (x.path < y.path ? -1 : 1)));
    expect(scan.records[0]!.path).toMatch(/^media\/2025\/12\//);
  });

  it('reports each bad sidecar with its file (and line) and still reads the rest', () => {
    const good = [record(id(1)), record(id(2), '2026/02'), record(id(3), '2025/12', 'png')];
    const root = writeProject({
      ...Object.assign({}, ...good.map(filesOf)),
      ...filesOf(record(id(4))),
      [`media/2026/01/${id(4)}.jpg.meta.yaml`]: `id: ${id(4)}\noriginalName: a.jpg\ntitle: Cat: the sequel\n`,
      ...filesOf(record(id(5))),
      [`media/2026/01/${id(5)}.jpg.meta.yaml`]: Buffer.from([0x69, 0x64, 0x3a, 0x20, 0xff, 0x0a]),
      [`media/2026/01/${id(6)}.jpg.meta.yaml`]: serializeSidecar(record(id(6))),
      ...filesOf(record(id(7))),
      [`media/2026/01/${id(7)}.jpg.meta.yaml`]: serializeSidecar(record(id(7))).replace(
        /^size: .*$/m,
        'size: -1',
      ),
      'media/2026/01/photo.jpg': 'jpeg',
      'media/2026/01/photo.jpg.meta.yaml': serializeSidecar(record(id(8))),
      'media/2026/01/stray.png': 'png',
    });
    const { records, problems } = scanMedia(root);
    expect(records.map((r) => r.path)).toEqual(good.map((r) => r.path).sort());
    expect(records).toEqual([...good].sort((x, y) => (x.path < y.path ? -1 : 1)));
    expect(problems.map((p) => [p.file, p.code, p.line])).toEqual([
      [`media/2026/01/${id(4)}.jpg.meta.yaml`, 'frontmatter-yaml', 3],
      [`media/2026/01/${id(5)}.jpg.meta.yaml`, 'file-encoding', 1],
      [`media/2026/01/${id(6)}.jpg.meta.yaml`, 'media-not-found', undefined],
      [`media/2026/01/${id(7)}.jpg.meta.yaml`, 'frontmatter-invalid', 4],
      ['media/2026/01/photo.jpg.meta.yaml', 'media-layout', undefined],
      ['media/2026/01/stray.png', 'media-no-sidecar', undefined],
    ]);
    expect(problems[2]!.message).toContain(`its media file media/2026/01/${id(6)}.jpg is missing`);
    expect(problems[3]!.message).toMatch(/"size"/);
  });

  it('keeps the first of two sidecars with the same id (by path) and reports the second', () => {
    const first = record(id(1), '2026/01');
    const again = record(id(1), '2026/02');
    const sameFolder = record(id(1), '2026/01', 'png');
    const root = writeProject({ ...filesOf(again), ...filesOf(sameFolder), ...filesOf(first) });
    const { records, problems } = scanMedia(root);
    expect(records).toEqual([first]);
    expect(problems.map((p) => [p.file, p.code])).toEqual([
      [`${sameFolder.path}.meta.yaml`, 'duplicate-id'],
      [`${again.path}.meta.yaml`, 'duplicate-id'],
    ]);
    expect(problems[1]!.message).toContain(`already used by ${first.path}.meta.yaml`);
  });

  it('ignores dot-files and the temp files of interrupted writes', () => {
    const r = record(id(1));
    const root = writeProject({
      ...filesOf(r),
      [`media/2026/01/${TEMP_MARKER}${id(2)}.jpg.meta.yaml.123.abcd`]: 'id: [torn',
      [`media/2026/01/${TEMP_MARKER}${id(2)}.jpg.123.abcd`]: 'half a jpeg',
      'media/.DS_Store': 'x',
      'media/2026/.hidden/x.jpg': 'x',
    });
    expect(scanMedia(root)).toEqual({ records: [r], problems: [] });
  });

  it('refuses links that lead outside the project, and does not follow links to folders', () => {
    const outside = writeProject({ 'secret.jpg': 'secret' });
    const r = record(id(1));
    const root = writeProject({ [`${r.path}.meta.yaml`]: serializeSidecar(r) });
    fs.symlinkSync(path.join(outside, 'secret.jpg'), path.join(root, r.path));
    fs.symlinkSync(path.join(root, 'media/2026'), path.join(root, 'media/loop'));
    const { records, problems } = scanMedia(root);
    expect(records).toEqual([]);
    expect(problems.map((p) => [p.file, p.code])).toEqual([
      [r.path, 'path-escape'],
      [`${r.path}.meta.yaml`, 'media-not-found'],
      ['media/loop', 'media-layout'],
    ]);
  });

  it('accepts a link to a file inside the project', () => {
    const r = record(id(1));
    const root = writeProject({ [`${r.path}.meta.yaml`]: serializeSidecar(r), 'originals/cat.jpg': 'jpeg' });
    fs.symlinkSync(path.join(root, 'originals/cat.jpg'), path.join(root, r.path));
    expect(scanMedia(root)).toEqual({ records: [r], problems: [] });
  });
});
