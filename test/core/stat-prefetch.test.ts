// The look at a project's post files taken on another thread while `bds build` loads: opening the project
// takes it instead of walking, gives the index the files the disk holds, never drops a post written since
// the look by another process, and hands nothing over when the walk met what only a real walk reports.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { startStatPrefetch, takeStatPrefetch } from '../../src/core/stat-prefetch.js';
import { CONTENT_FOLDERS } from '../../src/core/walk.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';

afterAll(() => cleanupTempDirs());

const post = (slug: string) =>
  samplePost({ slug, title: `Title ${slug}`, createdAt: '2026-01-15T10:00:00Z' }, `Body of ${slug}.\n`);
const file = (slug: string) => `posts/2026/01/${slug}.md`;

async function slugsOf(root: string): Promise<string[]> {
  const ws = Workspace.open(root, { home: tempDir('bds-home-') });
  try {
    const list = await ws.call('posts.list', {});
    return list.map((p) => p.slug).sort();
  } finally {
    await ws.close();
  }
}

describe('stat prefetch', () => {
  it('gives the files and stats a walk gives, once, and only for the folders it looked at', () => {
    const root = writeProject({
      [file('a')]: post('a'),
      [file('b')]: post('b'),
      'drafts/x.txt': 'not a post',
    });
    startStatPrefetch(root, CONTENT_FOLDERS);
    expect(takeStatPrefetch(root, ['posts'])).toBeUndefined();
    startStatPrefetch(root, CONTENT_FOLDERS);
    const got = takeStatPrefetch(root, CONTENT_FOLDERS)!;
    expect(got.files).toEqual([file('a'), file('b')]);
    const st = fs.statSync(path.join(root, file('b')));
    expect(got.stat(1)).toEqual({ mtimeMs: st.mtimeMs, size: st.size });
    expect(takeStatPrefetch(root, CONTENT_FOLDERS)).toBeUndefined();
  });

  it('opening a project takes it: edits made before it are indexed, a post another process wrote since is kept', async () => {
    const root = writeProject({ [file('a')]: post('a'), [file('b')]: post('b'), [file('c')]: post('c') });
    expect(await slugsOf(root)).toEqual(['a', 'b', 'c']);
    // While bds was closed: b edited, c removed, d added.
    fs.writeFileSync(path.join(root, file('b')), post('b').replace('Body of b.', 'Body of b, edited.'));
    fs.rmSync(path.join(root, file('c')));
    fs.writeFileSync(path.join(root, file('d')), post('d'));
    // Another bds process (the app) has the project open.
    const other = Workspace.open(root, { home: tempDir('bds-home-') });
    startStatPrefetch(root, CONTENT_FOLDERS);
    // Wait for the look to finish, then another process writes and indexes e.
    const deadline = Date.now() + 10_000;
    const pending = (globalThis as Record<symbol, { flag: Int32Array } | undefined>)[
      Symbol.for('bds.statPrefetch')
    ]!;
    while (Atomics.load(pending.flag, 0) === 0 && Date.now() < deadline) Atomics.wait(pending.flag, 0, 0, 20);
    fs.writeFileSync(path.join(root, file('e')), post('e'));
    other.applyExternalChange(file('e'));
    await other.close();

    const ws = Workspace.open(root, { home: tempDir('bds-home-') });
    try {
      // The look was taken (nothing is left to take).
      expect(takeStatPrefetch(root, CONTENT_FOLDERS)).toBeUndefined();
      const list = await ws.call('posts.list', {});
      expect(list.map((p) => p.slug).sort()).toEqual(['a', 'b', 'd', 'e']);
      const b = await ws.call('posts.get', { ref: 'b' });
      expect(b.body).toContain('Body of b, edited.');
    } finally {
      await ws.close();
    }
  });

  it('hands nothing over when the walk meets a dot-file: opening walks itself and removes a torn temp file', async () => {
    const root = writeProject({ [file('a')]: post('a') });
    expect(await slugsOf(root)).toEqual(['a']);
    const torn = path.join(root, 'posts/2026/01/.bds-tmp-99999999-torn.md');
    fs.writeFileSync(torn, 'half a post');
    fs.writeFileSync(path.join(root, file('b')), post('b'));
    startStatPrefetch(root, CONTENT_FOLDERS);
    expect(takeStatPrefetch(root, CONTENT_FOLDERS)).toBeUndefined();
    startStatPrefetch(root, CONTENT_FOLDERS);
    expect(await slugsOf(root)).toEqual(['a', 'b']);
    expect(fs.existsSync(torn)).toBe(false);
  });
});
