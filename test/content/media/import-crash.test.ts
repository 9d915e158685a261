// A media import killed at any moment leaves each media file with its sidecar, or neither (issue 19,
// item 6): a real child process imports large files and is SIGKILLed at random points, again and again.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../src/app/workspace.js';
import { STAGED_MARKER, stagedPathOf, TEMP_MARKER } from '../../../src/core/atomic.js';
import { finishInterruptedImports, importMedia } from '../../../src/content/media/index.js';
import { bds } from '../../helpers/cli.js';
import { cleanupTempDirs, tempDir, writeProject } from '../../helpers/project.js';

const KILLS = 12;
/** Go on past KILLS (up to this many) until a kill has landed mid-copy at least once. */
const MAX_KILLS = 40;
const SIDECAR = '.meta.yaml';

let sources: string[];
beforeAll(async () => {
  const dir = tempDir('bds-media-src-');
  const film = path.join(dir, 'film.mp4');
  const archive = path.join(dir, 'archive.zip');
  const photo = path.join(dir, 'photo.jpg');
  fs.writeFileSync(film, randomBytes(48 * 1024 * 1024));
  fs.writeFileSync(archive, randomBytes(32 * 1024 * 1024));
  // Noise does not compress: a 2000×1500 JPEG of about 2 MB whose thumbnails take a while to make.
  await sharp(randomBytes(2000 * 1500 * 3), { raw: { width: 2000, height: 1500, channels: 3 } })
    .jpeg()
    .toFile(photo);
  sources = [film, photo, archive];
});
afterAll(() => cleanupTempDirs());

/** Start the importer, wait until it has opened the project, then SIGKILL it after `delayMs`. */
function importAndKill(root: string, delayMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    // One process (node with the tsx loader), so SIGKILL stops the importer itself.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve('test/helpers/media-importer.ts'), root, ...sources],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`importer exited on its own (${code}): ${stderr}`));
    });
  });
}

/** Files under media/ by kind, project-relative. */
function mediaOnDisk(root: string) {
  const all = fs
    .readdirSync(path.join(root, 'media'), { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/'));
  const base = (rel: string) => path.posix.basename(rel);
  return {
    media: all.filter((f) => !base(f).startsWith('.') && !f.endsWith(SIDECAR)),
    sidecars: all.filter((f) => !base(f).startsWith('.') && f.endsWith(SIDECAR)),
    staged: all.filter((f) => base(f).startsWith(STAGED_MARKER)),
    temps: all.filter((f) => base(f).startsWith(TEMP_MARKER)),
  };
}

const stagedOf = (mediaRel: string) =>
  path.posix.join(path.posix.dirname(mediaRel), STAGED_MARKER + path.posix.basename(mediaRel));

describe('a media import killed at random points leaves both files or neither', () => {
  it(`survives ${KILLS} kills: every media file has its sidecar and the other way round, no problems, index = rebuild`, async () => {
    const root = writeProject({});
    const home = tempDir('bds-home-');
    const landed = { staged: 0, sidecarWaiting: 0, imported: 0 };
    for (let i = 0; i < MAX_KILLS && (i < KILLS || landed.staged === 0); i++) {
      await importAndKill(root, Math.floor(Math.random() * 700));

      // On disk, before anything is opened: the media file is renamed in last, so it never lacks its
      // sidecar; a sidecar without its media file has the staged copy that opening puts in place.
      const raw = mediaOnDisk(root);
      for (const m of raw.media) expect(raw.sidecars).toContain(`${m}${SIDECAR}`);
      for (const s of raw.sidecars) {
        const m = s.slice(0, -SIDECAR.length);
        if (!raw.media.includes(m)) {
          expect(raw.staged).toContain(stagedOf(m));
          landed.sidecarWaiting++;
        }
      }
      landed.staged += raw.staged.length;

      // The first opening after the kill finishes or drops what it left: by the CLI every third time.
      if (i % 3 === 0) {
        const cli = await bds(['problems'], { cwd: root, home });
        expect(cli.stdout.trim()).toBe('No problems.');
        expect(cli.code).toBe(0);
      }
      const ws = Workspace.open(root, { home });
      const after = mediaOnDisk(root);
      expect(after.staged).toEqual([]);
      expect(after.temps).toEqual([]);
      expect(after.sidecars.map((s) => s.slice(0, -SIDECAR.length)).sort()).toEqual([...after.media].sort());
      expect(await ws.call('project.problems', {})).toEqual([]);

      const listed = await ws.call('media.list', {});
      expect(listed.map((r) => r.path).sort()).toEqual([...after.media].sort());
      // Each file is whole: a finished import copied all of its source before its sidecar was written.
      for (const r of listed) {
        const source = sources.find((s) => path.basename(s) === r.originalName)!;
        expect(fs.statSync(path.join(root, r.path)).size).toBe(r.size);
        expect(fs.readFileSync(path.join(root, r.path)).equals(fs.readFileSync(source))).toBe(true);
      }
      await ws.call('project.rebuild', {});
      expect(await ws.call('media.list', {})).toEqual(listed);
      landed.imported += listed.length;

      // Keep the disk small: the next round starts from an empty library.
      for (const r of listed) await ws.call('media.delete', { id: r.id });
      await ws.close();
    }
    // The kills landed mid-import, not only between imports.
    expect(landed.staged).toBeGreaterThan(0);
    console.info(`media import kills: ${JSON.stringify(landed)}`);
  }, 300_000);
});

describe('opening finishes or drops an import a kill left staged', () => {
  const NOW = { now: new Date('2026-03-01T10:00:00Z'), timezone: 'UTC' };

  it('a staged media file whose sidecar was written is put in place and indexed', async () => {
    const root = writeProject({});
    const r = await importMedia(root, sources[2]!, NOW);
    const abs = path.join(root, r.path);
    fs.renameSync(abs, stagedPathOf(abs)); // as a kill between the sidecar and the last rename leaves it
    const ws = Workspace.open(root);
    expect(fs.readFileSync(abs).equals(fs.readFileSync(sources[2]!))).toBe(true);
    expect(fs.existsSync(stagedPathOf(abs))).toBe(false);
    expect((await ws.call('media.list', {})).map((m) => m.id)).toEqual([r.id]);
    expect(await ws.call('project.problems', {})).toEqual([]);
    await ws.close();
  });

  it('a staged media file without a sidecar is removed, and nothing is indexed', async () => {
    const root = writeProject({});
    const r = await importMedia(root, sources[2]!, NOW);
    const abs = path.join(root, r.path);
    fs.renameSync(abs, stagedPathOf(abs));
    fs.rmSync(`${abs}${SIDECAR}`);
    const ws = Workspace.open(root);
    expect(fs.readdirSync(path.dirname(abs))).toEqual([]);
    expect(await ws.call('media.list', {})).toEqual([]);
    expect(await ws.call('project.problems', {})).toEqual([]);
    await ws.close();
  });

  it('a staged file never replaces a media file that is in place', async () => {
    const root = writeProject({});
    const r = await importMedia(root, sources[2]!, NOW);
    const abs = path.join(root, r.path);
    fs.writeFileSync(stagedPathOf(abs), 'other bytes');
    expect(finishInterruptedImports(root)).toEqual({
      finished: [],
      dropped: [path.posix.join(path.posix.dirname(r.path), path.basename(stagedPathOf(abs)))],
      problems: [],
    });
    expect(fs.readFileSync(abs).equals(fs.readFileSync(sources[2]!))).toBe(true);
  });

  it('an import that fails after its file is in place (an image that does not decode) leaves nothing', async () => {
    const root = writeProject({});
    const fake = path.join(tempDir(), 'broken.jpg');
    fs.writeFileSync(fake, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(4096)]));
    await expect(importMedia(root, fake, NOW)).rejects.toThrow(/Cannot import/);
    expect(
      fs
        .readdirSync(path.join(root, 'media'), { recursive: true })
        .filter((f) => !fs.statSync(path.join(root, 'media', String(f))).isDirectory()),
    ).toEqual([]);
  });
});
