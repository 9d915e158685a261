import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { cleanupTempDirs, readText, samplePost, tempDir, writeProject } from '../helpers/project.js';

const open: Workspace[] = [];
function openWs(root: string): Workspace {
  const ws = Workspace.open(root);
  open.push(ws);
  return ws;
}
afterEach(async () => {
  for (const ws of open.splice(0)) await ws.close();
  cleanupTempDirs();
});

/** Open a project holding one good post plus `bad`; the good post loads, the bad file is reported, unchanged. */
async function expectReported(
  bad: Record<string, string | Uint8Array>,
  code: string,
  match: RegExp,
  line?: number,
) {
  const root = writeProject({ 'posts/2026/01/good.md': samplePost({ slug: 'good' }), ...bad });
  const before = Object.fromEntries(
    Object.keys(bad).map((rel) => [rel, fs.readFileSync(path.join(root, rel))]),
  );
  const ws = openWs(root);
  expect((await ws.call('posts.list', {})).map((p) => p.slug)).toContain('good');
  const problems = await ws.call('project.problems', {});
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatchObject({ code, file: Object.keys(bad)[0] });
  expect(problems[0]!.message).toMatch(match);
  if (line !== undefined) expect(problems[0]!.line).toBe(line);
  for (const [rel, bytes] of Object.entries(before))
    expect(fs.readFileSync(path.join(root, rel)).equals(bytes)).toBe(true);
  return { ws, root, problem: problems[0]! };
}

describe('bad input is reported with its file and line; the rest still loads', () => {
  it('malformed YAML names the file and the line in the file', async () => {
    const text = '---\nid: "x1"\ntitle: "Broken\nslug: broken\n---\nBody\n';
    await expectReported(
      { 'posts/2026/01/broken.md': text },
      'frontmatter-yaml',
      /posts\/2026\/01\/broken\.md:\d+/,
    );
  });

  it('a bad value names the field and its line', async () => {
    const text = samplePost({ slug: 'bad-status', status: 'sometimes' });
    const line = text.split('\n').findIndex((l) => l.startsWith('status:')) + 1;
    await expectReported({ 'posts/2026/01/bad-status.md': text }, 'frontmatter-invalid', /"status"/, line);
  });

  it('a missing required field is named', async () => {
    const text =
      '---\nid: "missing-title"\nslug: "missing-title"\nstatus: draft\ncreatedAt: "2026-01-01T00:00:00Z"\nupdatedAt: "2026-01-01T00:00:00Z"\n---\nx\n';
    await expectReported(
      { 'posts/2026/01/missing-title.md': text },
      'frontmatter-invalid',
      /"title" is required/,
    );
  });

  it('an unclosed frontmatter block is reported at line 1', async () => {
    await expectReported(
      { 'posts/2026/01/open.md': '---\ntitle: x\n\nno end\n' },
      'frontmatter-yaml',
      /never closed/,
      1,
    );
  });

  it('duplicate ids: the second file is reported, the first kept', async () => {
    const dup = samplePost({ slug: 'other', id: 'same-id' });
    const root = writeProject({
      'posts/2026/01/a-first.md': samplePost({ slug: 'first', id: 'same-id' }),
      'posts/2026/01/b-second.md': dup,
    });
    const ws = openWs(root);
    expect((await ws.call('posts.list', {})).map((p) => p.slug)).toEqual(['first']);
    expect(await ws.call('project.problems', {})).toMatchObject([
      { code: 'duplicate-id', file: 'posts/2026/01/b-second.md' },
    ]);
    expect(readText(root, 'posts/2026/01/b-second.md')).toBe(dup);
  });

  it('duplicate slugs: the second file is reported', async () => {
    const root = writeProject({
      'posts/2026/01/a.md': samplePost({ slug: 'twin' }),
      'posts/2026/02/b.md': samplePost({ slug: 'twin' }),
    });
    const ws = openWs(root);
    expect(await ws.call('posts.list', {})).toHaveLength(1);
    expect(await ws.call('project.problems', {})).toMatchObject([
      { code: 'duplicate-slug', file: 'posts/2026/02/b.md' },
    ]);
  });

  it('invalid UTF-8 is named', async () => {
    const bytes = Buffer.concat([
      Buffer.from(samplePost({ slug: 'latin1' }).replace('Hello world.', '')),
      Buffer.from([0xff, 0xfe, 0x41]),
    ]);
    await expectReported({ 'posts/2026/01/latin1.md': bytes }, 'file-encoding', /not valid UTF-8/);
  });

  it('a slug that tries to leave the project is refused', async () => {
    await expectReported(
      { 'posts/2026/01/evil.md': samplePost({ slug: '../../etc/passwd' }) },
      'path-escape',
      /leave the project/,
    );
  });

  it('a post id that could leave the drafts folder is refused', async () => {
    await expectReported(
      { 'posts/2026/01/evil-id.md': samplePost({ slug: 'evil-id', id: '../../x' }) },
      'frontmatter-invalid',
      /"id"/,
    );
  });

  it('a 50 MB post is refused without reading it into the index', async () => {
    const big = samplePost({ slug: 'huge' }) + 'x'.repeat(50 * 1024 * 1024);
    await expectReported({ 'posts/2026/01/huge.md': big }, 'file-too-large', /MB/);
  });

  it('creating a post with a slug that leaves the project fails and writes nothing', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    await expect(ws.call('posts.create', { title: 'x', slug: '../escape' })).rejects.toThrow(
      /leave the project/,
    );
    const posts = path.join(root, 'posts');
    expect(fs.existsSync(posts) ? fs.readdirSync(posts, { recursive: true }) : []).toEqual([]);
  });

  it('a broken bds.json names the file; a bad value falls back and is reported with its line', async () => {
    const root = writeProject({ 'bds.json': '{ "name": ' });
    expect(() => Workspace.open(root)).toThrow(/bds\.json is not valid JSON/);
    const root2 = writeProject({
      'bds.json': JSON.stringify({ id: 'x', name: 'n', timezone: 'Mars/Olympus' }, null, 2),
    });
    const ws = Workspace.open(root2, { home: tempDir('bds-home-') });
    try {
      expect(ws.project.settings.timezone).toBe('UTC');
      const problems = await ws.call('project.problems', {});
      expect(problems).toEqual([
        expect.objectContaining({ file: 'bds.json', code: 'settings-invalid', line: 4 }),
      ]);
    } finally {
      await ws.close();
    }
  });

  it('editing a post whose file became invalid fails and changes nothing', async () => {
    const root = writeProject({ 'posts/2026/01/p.md': samplePost({ slug: 'p', status: 'draft' }) });
    const ws = openWs(root);
    const broken = '---\ntitle: [unclosed\n---\n';
    fs.writeFileSync(path.join(root, 'posts/2026/01/p.md'), broken);
    await expect(ws.call('posts.update', { ref: 'p', title: 'New' })).rejects.toThrow(/p\.md/);
    expect(readText(root, 'posts/2026/01/p.md')).toBe(broken);
  });
});
