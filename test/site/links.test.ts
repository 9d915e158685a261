// A symbolic link planted in the built site (html/) must never make a build write outside the project:
// through a linked folder, a linked page file or a linked media folder, the build stops with an error that
// names the link, and the file the link points at is left as it was.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { BdsError } from '../../src/core/errors.js';
import { samplePost, tempDir, writeProject } from '../helpers/project.js';

const opened: Workspace[] = [];
afterEach(async () => {
  for (const ws of opened.splice(0)) await ws.close();
});

function project(): { root: string; ws: Workspace } {
  const root = writeProject({
    'posts/2026/01/hello.md': samplePost({ slug: 'hello', createdAt: '2026-01-15T10:00:00Z' }),
    'media/2026/01/cat.png': 'png bytes',
    'media/2026/01/cat.png.meta.yaml': 'id: cat\n',
  });
  const ws = Workspace.open(root, { home: tempDir('bds-home-') });
  opened.push(ws);
  return { root, ws };
}

/** A folder outside the project with one file, whose text must survive the build. */
function outside(): { dir: string; file: string } {
  const dir = tempDir('bds-outside-');
  const file = path.join(dir, 'index.html');
  fs.writeFileSync(file, 'precious');
  return { dir, file };
}

const build = (ws: Workspace) => ws.call('site.build', {}, { build: { resolver: null } });

describe('symbolic links in html/', () => {
  const cases: [name: string, plant: (root: string, target: { dir: string; file: string }) => string][] = [
    [
      'a linked post folder',
      (root, t) => {
        fs.rmSync(path.join(root, 'html', '2026'), { recursive: true, force: true });
        fs.symlinkSync(t.dir, path.join(root, 'html', '2026'));
        return 'html/2026';
      },
    ],
    [
      'a linked page file',
      (root, t) => {
        fs.rmSync(path.join(root, 'html', 'index.html'), { recursive: true, force: true });
        fs.symlinkSync(t.file, path.join(root, 'html', 'index.html'));
        return 'html/index.html';
      },
    ],
    [
      'a linked media folder',
      (root, t) => {
        fs.rmSync(path.join(root, 'html', 'media'), { recursive: true, force: true });
        fs.symlinkSync(t.dir, path.join(root, 'html', 'media'));
        return 'html/media';
      },
    ],
  ];

  for (const [name, plant] of cases) {
    it(`a build refuses to write through ${name} and names it`, async () => {
      const { root, ws } = project();
      // A first build makes the real tree; then the link replaces a part of it.
      await build(ws);
      const target = outside();
      const link = plant(root, target);
      const linkAbs = path.join(root, link);
      if (fs.existsSync(linkAbs) && !fs.lstatSync(linkAbs).isSymbolicLink()) throw new Error('not planted');
      // A build with nothing to write may pass by; one that writes every file must stop at the link.
      await build(ws).catch((e: unknown) => e);
      const forced = await ws
        .call('site.build', { force: true }, { build: { resolver: null } })
        .catch((e: unknown) => e);
      expect(forced).toBeInstanceOf(BdsError);
      expect((forced as BdsError).code).toBe('path-escape');
      expect((forced as BdsError).message).toContain(path.relative(path.join(root, 'html'), linkAbs));
      expect(fs.readdirSync(target.dir)).toEqual(['index.html']);
      expect(fs.readFileSync(target.file, 'utf8')).toBe('precious');
    });
  }
});
