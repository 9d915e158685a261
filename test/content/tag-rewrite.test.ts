// Tag rename and merge rewrite many files: all or nothing, files with problems skipped and reported, and
// nothing changed in a file but the lines the rewrite is about (its BOM and line ends stay).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { TEMP_MARKER } from '../../src/core/atomic.js';
import { readPostFile } from '../../src/content/posts/post-file.js';
import { isMarkdownFile, walkFiles } from '../../src/core/walk.js';
import { bds } from '../helpers/cli.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';

const open: Workspace[] = [];
function openWs(root: string): Workspace {
  const ws = Workspace.open(root, { home: tempDir('bds-home-') });
  open.push(ws);
  return ws;
}
afterEach(async () => {
  vi.restoreAllMocks();
  for (const ws of open.splice(0)) await ws.close();
  cleanupTempDirs();
});

const id = (n: number) => `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`;

/** `count` posts tagged `tag` and `other`, each with a body of a few KB. */
function taggedPosts(count: number, tag: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    files[`posts/2026/01/p-${i}.md`] = samplePost(
      { id: id(i), slug: `p-${i}`, tags: [tag, 'other'] },
      `${'Some text. '.repeat(300)}\n`,
    );
  }
  return files;
}

function bytesOf(root: string): Map<string, Buffer> {
  const files = [...walkFiles(root, 'posts', isMarkdownFile), ...walkFiles(root, 'drafts', isMarkdownFile)];
  return new Map(files.map((rel) => [rel, fs.readFileSync(path.join(root, rel))]));
}

/** The tags of the posts made by `taggedPosts`, read with the same parser as the index. */
function tagsOnDisk(root: string): Map<string, string[]> {
  return new Map(
    walkFiles(root, 'posts', isMarkdownFile)
      .filter((rel) => /\/p-\d+\.md$/.test(rel))
      .map((rel) => [rel, readPostFile(root, rel, 'UTC').fm.tags]),
  );
}

/** What a user sees of the index: every post with its tags, and the tag counts. */
async function indexView(ws: Workspace) {
  return {
    posts: (await ws.call('posts.list', {})).map((p) => [p.path, p.tags]),
    tags: await ws.call('tags.list', {}),
  };
}

async function expectIndexEqualsRebuild(ws: Workspace) {
  const live = await indexView(ws);
  await ws.call('project.rebuild', {});
  expect(await indexView(ws)).toEqual(live);
}

function leftoverBatches(root: string): string[] {
  const dir = path.join(root, '.bds/rewrites');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

describe('a rename over many posts skips the files with problems', () => {
  it('a duplicate id and a broken file are left unchanged and reported with their paths; the rest are renamed', async () => {
    const root = writeProject({
      ...taggedPosts(40, 'old'),
      // A copy of p-3 under another name: the same id, so it is not indexed.
      'posts/2026/01/zz-copy.md': samplePost({ id: id(3), slug: 'zz-copy', tags: ['old'] }),
      'posts/2026/01/broken.md': '---\ntitle: "Unclosed\ntags: [old]\n---\nBody\n',
    });
    const ws = openWs(root);
    const before = bytesOf(root);

    const r = await ws.call('tags.rename', { name: 'old', newName: 'new' });
    expect(r).toMatchObject({ changedPosts: 40, rewritten: 40, skipped: 2 });
    expect(r.skippedFiles.map((p) => [p.file, p.code])).toEqual([
      ['posts/2026/01/broken.md', 'frontmatter-yaml'],
      ['posts/2026/01/zz-copy.md', 'duplicate-id'],
    ]);
    expect(r.skippedFiles[0]!.message).toContain('posts/2026/01/broken.md');
    expect(r.skippedFiles[1]!.message).toMatch(/zz-copy\.md.*already used by posts\/2026\/01\/p-3\.md/);
    for (const rel of ['posts/2026/01/zz-copy.md', 'posts/2026/01/broken.md']) {
      expect(fs.readFileSync(path.join(root, rel)).equals(before.get(rel)!)).toBe(true);
    }
    const tags = tagsOnDisk(root);
    for (let i = 0; i < 40; i++) expect(tags.get(`posts/2026/01/p-${i}.md`)).toEqual(['new', 'other']);
    expect(leftoverBatches(root)).toEqual([]);
    await expectIndexEqualsRebuild(ws);

    // Python keeps the count it always had (the skipped file is among the project's problems).
    const merged = await ws.apiHandler('utility')('tags.merge', { sources: ['new'], target: 'newer' });
    expect(merged).toBe(40);
    expect(tagsOnDisk(root).get('posts/2026/01/p-0.md')).toEqual(['newer', 'other']);
  });

  it('the CLI says how many files were rewritten and names each skipped file and why', async () => {
    const root = writeProject({
      ...taggedPosts(5, 'old'),
      'posts/2026/01/zz-copy.md': samplePost({ id: id(1), slug: 'zz-copy', tags: ['old'] }),
    });
    const home = tempDir('bds-home-');
    const r = await bds(['tag', 'rename', 'old', 'new'], { cwd: root, home });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Renamed old to new in 5 file(s); skipped 1 file(s) with problems');
    expect(r.stdout).toMatch(
      /^ {2}posts\/2026\/01\/zz-copy\.md: .*already used by posts\/2026\/01\/p-1\.md.*\[duplicate-id\]$/m,
    );
    const json = await bds(['--json', 'tag', 'merge', 'newer', 'new'], { cwd: root, home });
    expect(json.json()).toEqual({ changedPosts: 5, rewritten: 5, skipped: 0, skippedFiles: [] });
  });
});

describe('a rename is all or nothing', () => {
  /**
   * Make the `from`-th rename of a staged new text over its post fail (`once`), or that one and every
   * rename out of the batch folder after it (the undo's included).
   */
  function failRenames(from: number, once: boolean) {
    const rename = fs.renameSync.bind(fs);
    let n = 0;
    vi.spyOn(fs, 'renameSync').mockImplementation((src, dest) => {
      const s = String(src);
      if (s.includes(`${path.sep}rewrites${path.sep}`)) {
        if (s.endsWith('.new')) n++;
        if (once ? s.endsWith('.new') && n === from : n >= from) {
          throw Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
        }
      }
      rename(src, dest);
    });
  }

  it('a failure after 49 of 120 renames puts every file back and says no file was changed', async () => {
    const root = writeProject(taggedPosts(120, 'old'));
    const ws = openWs(root);
    const before = bytesOf(root);
    failRenames(50, true);
    await expect(ws.call('tags.rename', { name: 'old', newName: 'new' })).rejects.toThrow(
      /Could not rewrite posts\/2026\/01\/p-.*\.md: EIO.*no file was changed/,
    );
    vi.restoreAllMocks();
    expect(bytesOf(root)).toEqual(before);
    expect(leftoverBatches(root)).toEqual([]);
    expect((await ws.call('tags.list', {})).map((t) => [t.name, t.count])).toEqual([
      ['old', 120],
      ['other', 120],
    ]);
    await expectIndexEqualsRebuild(ws);
    // And the same rename then works.
    expect((await ws.call('tags.rename', { name: 'old', newName: 'new' })).rewritten).toBe(120);
  });

  it('when putting the files back fails too, the next open finishes it: no file is renamed', async () => {
    const root = writeProject(taggedPosts(120, 'old'));
    const ws = openWs(root);
    const before = bytesOf(root);
    failRenames(50, false);
    await expect(ws.call('tags.rename', { name: 'old', newName: 'new' })).rejects.toThrow(
      /49 file\(s\) were, and bds puts them back the next time it opens the project/,
    );
    vi.restoreAllMocks();
    await ws.close();
    open.splice(0);
    const again = openWs(root);
    expect(bytesOf(root)).toEqual(before);
    expect(leftoverBatches(root)).toEqual([]);
    expect(await again.call('project.problems', {})).toEqual([]);
    await expectIndexEqualsRebuild(again);
  });

  it('a process killed during the rewrite of 300 posts leaves all or none renamed; the next open agrees with a rebuild', async () => {
    const root = writeProject(taggedPosts(300, 'alpha'));
    const runs: { phase: string; renamed: number }[] = [];
    // Two kills while the new texts are staged, two among the renames after the commit.
    for (const phase of ['prepare', 'apply', 'prepare', 'apply']) {
      const current = [...tagsOnDisk(root).values()][0]![0]!;
      const next = current === 'alpha' ? 'beta' : 'alpha';
      const applying = await renameAndKill(root, current, next, phase === 'apply');
      const ws = openWs(root);
      expect(await ws.call('project.problems', {})).toEqual([]);
      const tags = [...tagsOnDisk(root).values()].map((t) => t[0]);
      const renamed = tags.filter((t) => t === next).length;
      // Killed before the commit: nothing renamed. After it: the open finished the rename.
      expect(renamed).toBe(applying ? 300 : 0);
      expect(tags.filter((t) => t === current).length).toBe(300 - renamed);
      expect(
        (await ws.call('tags.list', {})).find((t) => t.name === (applying ? next : current))?.count,
      ).toBe(300);
      await expectIndexEqualsRebuild(ws);
      expect(leftoverBatches(root)).toEqual([]);
      runs.push({ phase, renamed });
      await ws.close();
      open.splice(0);
    }
    expect(runs.filter((r) => r.phase === 'apply').every((r) => r.renamed === 300)).toBe(true);
    const temps = fs.readdirSync(root, { recursive: true }).filter((f) => String(f).includes(TEMP_MARKER));
    expect(temps).toEqual([]);
  }, 180_000);
});

/**
 * Rename `from` to `to` in a child process (test/helpers/tag-renamer.ts) and SIGKILL it: among the renames
 * after the commit (`amongRenames`), or at a random moment while it prepares. Returns whether the child
 * had committed the rename (written its journal) when it was killed.
 */
function renameAndKill(root: string, from: string, to: string, amongRenames: boolean): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve('test/helpers/tag-renamer.ts'), root, from, to, 'slow'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    let killed = false;
    const kill = (delayMs: number) =>
      setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, delayMs);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      const before = stdout;
      stdout += d.toString();
      if (!before.includes('ready') && stdout.includes('ready') && !amongRenames) kill(Math.random() * 300);
      // 300 renames take about a second in slow mode: kill somewhere in the first half.
      if (!before.includes('applying') && stdout.includes('applying') && amongRenames)
        kill(Math.random() * 500);
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve(stdout.includes('committed'));
      else reject(new Error(`the renamer exited on its own (${code}): ${stdout} ${stderr}`));
    });
  });
}

describe('a rewrite changes only the lines it is about', () => {
  const crlfPost = [
    '---',
    `id: "${id(900)}"`,
    'title: "Café: notes"',
    'slug: cafe-notes',
    'status: draft',
    'createdAt: 2026-01-15T10:00:00Z',
    'updatedAt: 2026-01-15T10:00:00Z',
    '# the tags of this post',
    'tags:',
    '  - old',
    '  - other',
    'categories: [article]',
    'mood: {a: 1, b: [x, y]}',
    '---',
    'First line of the body.',
    '',
    'Second  line,   spaced as typed. ',
    '',
  ];

  it('a CRLF file with a BOM keeps both after a rename, and only the tag line changes', async () => {
    const rel = 'posts/2026/01/cafe-notes.md';
    const root = writeProject({ [rel]: `\uFEFF${crlfPost.join('\r\n')}` });
    const ws = openWs(root);
    expect(await ws.call('project.problems', {})).toEqual([]);
    expect((await ws.call('tags.rename', { name: 'old', newName: 'new' })).rewritten).toBe(1);
    const bytes = fs.readFileSync(path.join(root, rel));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text).not.toMatch(/[^\r]\n/);
    expect(text.split('\r\n')).toEqual(crlfPost.map((l) => (l === '  - old' ? '  - new' : l)));
    expect((await ws.call('posts.get', { ref: 'cafe-notes' })).tags).toEqual(['new', 'other']);
  });

  it('a one-line flow list stays one line; an LF file stays LF without a BOM', async () => {
    const rel = 'posts/2026/01/flow.md';
    const lines = crlfPost.map((l) => l.replace('cafe-notes', 'flow')).filter((l) => !l.startsWith('  - '));
    lines[lines.indexOf('tags:')] = 'tags: [old, other]';
    const root = writeProject({ [rel]: lines.join('\n') });
    const ws = openWs(root);
    await ws.call('tags.merge', { sources: ['old', 'other'], target: 'Both' });
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    expect(text.split('\n')).toEqual(lines.map((l) => (l === 'tags: [old, other]' ? 'tags: [Both]' : l)));
  });

  it('deleting a media file unlinks it from a CRLF post with a BOM, removing only its lines', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const image = path.join(tempDir('bds-media-src-'), 'dot.png');
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3366cc' } })
      .png()
      .toFile(image);
    const { results } = await ws.call('media.import', { files: [image] });
    const media = results[0]!.record!;
    const rel = 'posts/2026/01/cafe-notes.md';
    const lines = [...crlfPost];
    lines.splice(lines.indexOf('mood: {a: 1, b: [x, y]}'), 0, 'media:', `  - ${media.id}`);
    fs.mkdirSync(path.join(root, 'posts/2026/01'), { recursive: true });
    fs.writeFileSync(path.join(root, rel), `\uFEFF${lines.join('\r\n')}`);
    ws.applyExternalChange(rel);
    expect((await ws.call('posts.get', { ref: 'cafe-notes' })).media).toEqual([media.id]);
    await ws.call('media.delete', { id: media.id });
    const bytes = fs.readFileSync(path.join(root, rel));
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8').split('\r\n')).toEqual(crlfPost);
  });
});
