// The post files of a project without an index, read and parsed on another thread while `bds build`
// loads: each document is the one the reader would parse, a file the thread could not parse is left to
// the reader (which reports it), and opening the project indexes exactly what it indexes without it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { readPostFile } from '../../src/content/posts/post-file.js';
import { ENDED, startPostPrefetch, takePostPrefetch } from '../../src/content/posts/post-prefetch.js';
import { CONTENT_FOLDERS } from '../../src/core/walk.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';

afterAll(() => cleanupTempDirs());

const HAND = [
  '---',
  '# written by hand',
  'title: "Quoted: a title"',
  'date: 2025-03-04 10:20',
  'tags: [one, "two words"]',
  'custom_key: kept',
  '---',
  'Body with é and `code`.',
  '',
].join('\r\n');

/** Enough files for several of the worker's chunks, written by bds and by hand, one broken. */
function project(): string {
  const files: Record<string, string | Uint8Array> = {
    'posts/2025/03/hand.md': HAND,
    'posts/2025/03/bom.md': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(samplePost())]),
    'posts/2025/03/broken.md': '---\ntitle: [unclosed\n---\nBody.\n',
    'posts/2025/03/plain.md': 'No frontmatter at all, just text.\n',
  };
  for (let i = 0; i < 600; i++) {
    files[`posts/2026/01/p${String(i).padStart(3, '0')}.md`] = samplePost(
      { slug: `p${i}`, title: `Post ${i}`, tags: [`t${i % 7}`] },
      `Body ${i}.\n`,
    );
  }
  return writeProject(files);
}

async function indexed(root: string): Promise<unknown> {
  const ws = Workspace.open(root, { home: tempDir('bds-home-') });
  try {
    const posts = await ws.call('posts.list', {});
    const bodies = await Promise.all(posts.map((p) => ws.call('posts.get', { ref: p.id })));
    const problems = await ws.call('project.problems', {});
    return { posts, bodies, problems };
  } finally {
    await ws.close();
  }
}

describe('post prefetch', () => {
  it('gives each file as the reader parses it, and nothing for one it could not parse', () => {
    const root = project();
    startPostPrefetch(root, CONTENT_FOLDERS, 'UTC');
    const got = takePostPrefetch(root, CONTENT_FOLDERS, 'UTC')!;
    expect(got.files.length).toBe(604);
    let parsed = 0;
    got.files.forEach((rel, i) => {
      const doc = got.doc(i);
      if (rel.endsWith('broken.md')) {
        expect(doc).toBeUndefined();
        expect(() => readPostFile(root, rel, 'UTC')).toThrow();
        return;
      }
      expect(doc).toEqual(readPostFile(root, rel, 'UTC'));
      parsed++;
    });
    expect(parsed).toBe(603);
    got.close();
    expect(takePostPrefetch(root, CONTENT_FOLDERS, 'UTC')).toBeUndefined();
  });

  it('opening a project without an index takes it and indexes what it indexes without', async () => {
    const root = project();
    const without = await indexed(root);
    fs.rmSync(path.join(root, '.bds'), { recursive: true, force: true });
    startPostPrefetch(root, CONTENT_FOLDERS, 'UTC');
    const withPrefetch = await indexed(root);
    // It was taken (nothing is left to take).
    expect(takePostPrefetch(root, CONTENT_FOLDERS, 'UTC')).toBeUndefined();
    expect(withPrefetch).toEqual(without);
    expect(JSON.stringify(without)).toContain('broken.md');
  });

  it('a file changed, added or removed after the thread read it is taken from the disk', async () => {
    const root = project();
    startPostPrefetch(root, CONTENT_FOLDERS, 'UTC');
    // Wait until the thread has read every file, then another process changes the folder.
    const pending = (globalThis as Record<symbol, { words: Int32Array } | undefined>)[
      Symbol.for('bds.postPrefetch')
    ]!;
    const deadline = Date.now() + 20_000;
    while (Atomics.load(pending.words, ENDED) === 0 && Date.now() < deadline)
      Atomics.wait(pending.words, ENDED, 0, 20);
    const edited = path.join(root, 'posts/2026/01/p001.md');
    fs.writeFileSync(edited, fs.readFileSync(edited, 'utf8').replace('Body 1.', 'Body 1, edited since.'));
    fs.rmSync(path.join(root, 'posts/2026/01/p002.md'));
    fs.writeFileSync(path.join(root, 'posts/2026/01/new.md'), samplePost({ slug: 'new-one' }, 'New.\n'));
    const ws = Workspace.open(root, { home: tempDir('bds-home-') });
    try {
      expect(takePostPrefetch(root, CONTENT_FOLDERS, 'UTC')).toBeUndefined();
      expect((await ws.call('posts.get', { ref: 'p1' })).body).toContain('Body 1, edited since.');
      const slugs = (await ws.call('posts.list', {})).map((p) => p.slug);
      expect(slugs).toContain('new-one');
      expect(slugs).not.toContain('p2');
      expect(slugs).toHaveLength(603);
    } finally {
      await ws.close();
    }
  });

  it('hands nothing over in another timezone or when the walk meets a dot-file', () => {
    const root = project();
    startPostPrefetch(root, CONTENT_FOLDERS, 'Europe/Berlin');
    expect(takePostPrefetch(root, CONTENT_FOLDERS, 'UTC')).toBeUndefined();
    fs.writeFileSync(path.join(root, 'posts/2026/01/.bds-tmp-1-torn.md'), 'half a post');
    startPostPrefetch(root, CONTENT_FOLDERS, 'UTC');
    expect(takePostPrefetch(root, CONTENT_FOLDERS, 'UTC')).toBeUndefined();
  });
});
