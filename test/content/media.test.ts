import fs from 'node:fs';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { bds } from '../helpers/cli.js';
import { cleanupTempDirs, readText, samplePost, tempDir, writeProject } from '../helpers/project.js';

const open: Workspace[] = [];
function openWs(root: string, now?: () => Date): Workspace {
  const ws = Workspace.open(root, { now, home: tempDir('bds-home-') });
  open.push(ws);
  return ws;
}
afterEach(async () => {
  for (const ws of open.splice(0)) await ws.close();
});

let files: Record<string, string>;
beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(process.env.BDS_HOME!, 'media-src-'));
  const make = async (name: string, img: Sharp) => {
    const f = path.join(dir, name);
    await img.toFile(f);
    return f;
  };
  const solid = (w: number, h: number) =>
    sharp({ create: { width: w, height: h, channels: 3, background: '#3366cc' } });
  files = {
    big: await make('Big Photo.PNG', solid(1200, 800).png()),
    small: await make('small.jpg', solid(100, 50).jpeg()),
    gif: await make('anim.gif', solid(300, 200).gif()),
    rotated: await make('rotated.jpg', solid(600, 300).jpeg().withMetadata({ orientation: 6 })),
    text: path.join(dir, 'notes.txt'),
    weird: path.join(dir, 'odd name.../../x.%$#'),
  };
  fs.writeFileSync(files.text!, 'plain text\n');
  fs.writeFileSync(path.join(dir, 'odd name.%$#'), 'x');
  files.weird = path.join(dir, 'odd name.%$#');
  return () => cleanupTempDirs();
});

describe('media library', () => {
  it('imports a file with a real YAML sidecar and three WebP thumbnails, never enlarged', async () => {
    const root = writeProject({});
    const ws = openWs(root, () => new Date('2026-01-31T23:30:00Z'));
    const { results } = await ws.call('media.import', {
      files: [files.big!, files.small!],
      title: 'Sea',
      tags: ['blue'],
    });
    const [big, small] = results;
    expect(big!.record).toMatchObject({
      originalName: 'Big Photo.PNG',
      mimeType: 'image/png',
      width: 1200,
      height: 800,
      title: 'Sea',
      tags: ['blue'],
    });
    const rec = big!.record!;
    expect(rec.path).toMatch(/^media\/2026\/01\/[0-9a-f-]{36}\.png$/);
    const sidecar = readText(root, `${rec.path}.meta.yaml`);
    expect(sidecar).toContain('originalName: Big Photo.PNG');
    expect(sidecar).toContain('createdAt: 2026-01-31T23:30:00Z');
    for (const size of [150, 400, 800]) {
      const meta = await sharp(path.join(root, `thumbnails/2026/01/${rec.id}-${size}.webp`)).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: size });
    }
    const s = small!.record!;
    for (const size of [150, 400, 800]) {
      expect((await sharp(path.join(root, `thumbnails/2026/01/${s.id}-${size}.webp`)).metadata()).width).toBe(
        100,
      );
    }
  });

  it('puts media in the month of the project timezone', async () => {
    const ws = openWs(
      writeProject({}, { settings: { timezone: 'Pacific/Auckland' } }),
      () => new Date('2026-01-31T23:30:00Z'),
    );
    const [r] = (await ws.call('media.import', { files: [files.small!] })).results;
    expect(r!.record!.path).toMatch(/^media\/2026\/02\//);
  });

  it('honours EXIF orientation, handles GIFs and non-images, and sanitises odd extensions', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const [rot, gif, txt, weird] = (
      await ws.call('media.import', { files: [files.rotated!, files.gif!, files.text!, files.weird!] })
    ).results;
    expect(rot!.record).toMatchObject({ width: 300, height: 600 });
    expect(
      (
        await sharp(
          path.join(root, `thumbnails/${rot!.record!.path.slice(6, 13)}/${rot!.record!.id}-150.webp`),
        ).metadata()
      ).height,
    ).toBe(300);
    expect(gif!.record).toMatchObject({ mimeType: 'image/gif', width: 300 });
    expect(txt!.record).toMatchObject({ mimeType: 'text/plain' });
    expect(
      fs
        .readdirSync(path.join(root, 'thumbnails'), { recursive: true })
        .some((f) => String(f).includes(txt!.record!.id)),
    ).toBe(false);
    expect(weird!.record!.path).toMatch(/\.bin$/);
  });

  it('one missing file fails alone and leaves nothing behind', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const { results } = await ws.call('media.import', { files: [path.join(root, 'nope.jpg'), files.small!] });
    expect(results[0]!.error).toMatch(/does not exist/);
    expect(results[1]!.record).toBeDefined();
    expect(await ws.call('media.list', {})).toHaveLength(1);
  });

  it('links media to posts in order, searches media text, keeps unknown sidecar keys, deletes cleanly', async () => {
    const root = writeProject({ 'posts/2026/01/trip.md': samplePost({ slug: 'trip', status: 'draft' }) });
    const ws = openWs(root);
    const [a, b] = (
      await ws.call('media.import', { files: [files.big!, files.small!], caption: 'harbour at dawn' })
    ).results.map((r) => r.record!);
    await ws.call('media.link', { post: 'trip', ids: [b!.id, a!.id] });
    expect((await ws.call('media.linked', { post: 'trip' })).map((m) => m.id)).toEqual([b!.id, a!.id]);
    expect(await ws.call('media.search', { query: 'harbour' })).toHaveLength(2);
    const side = path.join(root, `${a!.path}.meta.yaml`);
    fs.writeFileSync(side, `${fs.readFileSync(side, 'utf8')}camera: X100\n`);
    ws.applyExternalChange(`${a!.path}.meta.yaml`);
    await ws.call('media.update', { id: a!.id, alt: 'A harbour' });
    expect(fs.readFileSync(side, 'utf8')).toContain('camera: X100');
    expect((await ws.call('media.get', { id: a!.id })).alt).toBe('A harbour');
    await ws.call('media.delete', { id: a!.id });
    expect(fs.existsSync(path.join(root, a!.path))).toBe(false);
    expect((await ws.call('posts.get', { ref: 'trip' })).media).toEqual([b!.id]);
  });

  it('bad sidecars are reported with file and line; the rest still loads; rebuild agrees', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const [a, b, c] = (
      await ws.call('media.import', { files: [files.big!, files.small!, files.gif!] })
    ).results.map((r) => r.record!);
    await ws.close();
    open.length = 0;
    fs.writeFileSync(path.join(root, `${a!.path}.meta.yaml`), 'id: [broken\n');
    fs.writeFileSync(path.join(root, `${b!.path}.meta.yaml`), Buffer.from([0xff, 0xfe]));
    fs.rmSync(path.join(root, c!.path));
    fs.rmSync(path.join(root, '.bds'), { recursive: true });
    const again = openWs(root);
    expect(await again.call('media.list', {})).toEqual([]);
    const problems = (await again.call('project.problems', {})).map((p) => [p.file, p.code, p.line]);
    expect(problems).toEqual(
      [
        [`${a!.path}.meta.yaml`, 'frontmatter-yaml', 1],
        [`${b!.path}.meta.yaml`, 'file-encoding', 1],
        [`${c!.path}.meta.yaml`, 'media-not-found', undefined],
      ].sort(),
    );
  });

  it('bds media import/list/link from the command line', async () => {
    const home = tempDir();
    const root = writeProject({ 'posts/2026/01/p.md': samplePost({ slug: 'p', status: 'draft' }) });
    const r = await bds(
      ['--json', 'media', 'import', files.small!, files.big!, '--post', 'p', '--alt', 'blue'],
      { cwd: root, home },
    );
    expect(r.code).toBe(0);
    const list = await bds(['--json', 'media', 'list', '--post', 'p'], { cwd: root, home });
    expect(
      (list.json() as { originalName: string; alt: string }[]).map((m) => [m.originalName, m.alt]),
    ).toEqual([
      ['small.jpg', 'blue'],
      ['Big Photo.PNG', 'blue'],
    ]);
    const bad = await bds(['media', 'import', path.join(root, 'missing.png')], { cwd: root, home });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('failed');
  });
});
