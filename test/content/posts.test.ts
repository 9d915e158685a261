import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/workspace.js';
import { cleanupTempDirs, readText, samplePost, writeProject } from '../helpers/project.js';

const open: Workspace[] = [];
function openWs(root: string, now?: () => Date): Workspace {
  const ws = Workspace.open(root, { now });
  open.push(ws);
  return ws;
}

afterEach(async () => {
  for (const ws of open.splice(0)) await ws.close();
  cleanupTempDirs();
});

describe('posts on disk', () => {
  it('creates a draft as a file under posts/YYYY/MM in the project timezone', async () => {
    const root = writeProject({}, { settings: { timezone: 'Pacific/Auckland' } });
    const ws = openWs(root, () => new Date('2026-01-31T23:30:00Z'));
    const post = await ws.call('posts.create', {
      title: 'Grüße aus Köln!',
      body: 'Hi\n',
      tags: ['travel', ' travel '],
    });
    expect(post.slug).toBe('grusse-aus-koln');
    expect(post.path).toBe('posts/2026/02/grusse-aus-koln.md');
    expect(post.createdAt).toBe('2026-02-01T12:30:00+13:00');
    expect(post.tags).toEqual(['travel']);
    const text = readText(root, post.path);
    expect(text).toMatch(/^---\nid: /);
    expect(text).toContain('status: draft');
    expect(text.endsWith('---\nHi\n')).toBe(true);
  });

  it('makes slugs unique with -2, -3', async () => {
    const ws = openWs(writeProject({}));
    expect((await ws.call('posts.create', { title: 'Same' })).slug).toBe('same');
    expect((await ws.call('posts.create', { title: 'Same' })).slug).toBe('same-2');
    expect((await ws.call('posts.create', { title: 'Same' })).slug).toBe('same-3');
  });

  it('keeps unknown frontmatter keys on rewrite', async () => {
    const root = writeProject({
      'posts/2026/01/kept.md': samplePost({ slug: 'kept', status: 'draft', mood: 'happy', nested: { a: 1 } }),
    });
    const ws = openWs(root);
    await ws.call('posts.update', { ref: 'kept', title: 'New title' });
    const text = readText(root, 'posts/2026/01/kept.md');
    expect(text).toContain('title: New title');
    expect(text).toContain('mood: happy');
    expect(text).toMatch(/nested:\n\s+a: 1/);
  });

  it('edits of a published post wait in drafts/ID.md until published', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const post = await ws.call('posts.create', { title: 'Live', body: 'v1\n', publish: true });
    const edited = await ws.call('posts.update', { ref: post.id, body: 'v2\n', title: 'Live (edited)' });
    expect(edited.pending?.body).toBe('v2\n');
    expect(edited.body).toBe('v1\n');
    expect(fs.existsSync(path.join(root, `drafts/${post.id}.md`))).toBe(true);
    expect(readText(root, post.path)).toContain('v1');
    const published = await ws.call('posts.publish', { ref: post.id });
    expect(published.body).toBe('v2\n');
    expect(published.title).toBe('Live (edited)');
    expect(published.slug).toBe('live');
    expect(published.pending).toBeUndefined();
    expect(fs.existsSync(path.join(root, `drafts/${post.id}.md`))).toBe(false);
  });

  it('discarding pending edits restores the published version', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const post = await ws.call('posts.create', { title: 'Live', body: 'v1\n', publish: true });
    await ws.call('posts.update', { ref: post.id, body: 'v2\n' });
    const after = await ws.call('posts.discard', { ref: post.id });
    expect(after.body).toBe('v1\n');
    expect(after.pending).toBeUndefined();
    await expect(ws.call('posts.discard', { ref: post.id })).rejects.toThrow(/no pending edits/);
  });

  it('never changes the slug of a post that was published', async () => {
    const ws = openWs(writeProject({}));
    const post = await ws.call('posts.create', { title: 'Fixed', publish: true });
    await expect(ws.call('posts.update', { ref: post.id, slug: 'other' })).rejects.toThrow(/never changes/);
    await ws.call('posts.unpublish', { ref: post.id });
    await expect(ws.call('posts.update', { ref: post.id, slug: 'other' })).rejects.toThrow(/never changes/);
  });

  it('renames the file when a never-published draft gets a new slug', async () => {
    const root = writeProject({});
    const ws = openWs(root);
    const post = await ws.call('posts.create', { title: 'First name' });
    const moved = await ws.call('posts.update', { ref: post.id, slug: 'second-name' });
    expect(moved.path).toMatch(/second-name\.md$/);
    expect(fs.existsSync(path.join(root, post.path))).toBe(false);
    expect(await ws.call('posts.list', {})).toHaveLength(1);
  });

  it('publish, unpublish, archive and delete change status and files', async () => {
    const root = writeProject({});
    const ws = openWs(root, () => new Date('2026-03-01T08:00:00Z'));
    const post = await ws.call('posts.create', { title: 'Cycle' });
    expect((await ws.call('posts.publish', { ref: post.id })).publishedAt).toBe('2026-03-01T08:00:00Z');
    expect((await ws.call('posts.unpublish', { ref: post.id })).status).toBe('draft');
    expect((await ws.call('posts.archive', { ref: post.id })).status).toBe('archived');
    await ws.call('posts.delete', { ref: post.id });
    expect(fs.existsSync(path.join(root, post.path))).toBe(false);
    await expect(ws.call('posts.get', { ref: post.id })).rejects.toThrow(/No post/);
  });

  it('lists by status, tag, category and date and searches title, body, tags', async () => {
    const root = writeProject({
      'posts/2026/01/a.md': samplePost(
        { slug: 'a', title: 'Alpine lakes', tags: ['travel'], publishedAt: '2026-01-02T00:00:00Z' },
        'Cold water.\n',
      ),
      'posts/2026/02/b.md': samplePost(
        {
          slug: 'b',
          title: 'Baking bread',
          tags: ['food'],
          categories: ['aside'],
          publishedAt: '2026-02-03T00:00:00Z',
        },
        'Sourdough starter.\n',
      ),
      'posts/2026/02/c.md': samplePost(
        { slug: 'c', title: 'Draft thoughts', status: 'draft' },
        'Unfinished.\n',
      ),
    });
    const ws = openWs(root);
    expect((await ws.call('posts.list', { status: 'published' })).map((p) => p.slug)).toEqual(['b', 'a']);
    expect((await ws.call('posts.list', { tag: 'TRAVEL' })).map((p) => p.slug)).toEqual(['a']);
    expect((await ws.call('posts.list', { category: 'aside' })).map((p) => p.slug)).toEqual(['b']);
    expect(
      (await ws.call('posts.list', { datePrefix: '2026-02', status: 'published' })).map((p) => p.slug),
    ).toEqual(['b']);
    expect((await ws.call('posts.search', { query: 'sourdough' })).map((h) => h.slug)).toEqual(['b']);
    expect((await ws.call('posts.search', { query: 'alp' })).map((h) => h.slug)).toEqual(['a']);
    expect((await ws.call('posts.search', { query: 'food' })).map((h) => h.slug)).toEqual(['b']);
    expect(await ws.call('posts.search', { query: '"; DROP TABLE posts; --' })).toEqual([]);
  });

  it('adopts a Markdown file without frontmatter as a draft', async () => {
    const root = writeProject({ 'posts/notes.md': '# My notes\n\nSome text.\n' });
    const ws = openWs(root);
    const [post] = await ws.call('posts.list', {});
    expect(post?.title).toBe('My notes');
    expect(post?.status).toBe('draft');
    expect(await ws.call('project.problems', {})).toEqual([]);
  });

  it('loads frontmatter written by hand or by other tools, filling what bds needs, and leaves the file as it is', async () => {
    const hugo = [
      '---',
      'title: "Hello: world"',
      'date: 2024-03-01 10:00:00 +02:00',
      'lastmod: 2024-03-05',
      "tags: [travel, 'night train']",
      'category: notes # one category',
      'weight: 3',
      '---',
      '# Not the title',
      '',
    ].join('\n');
    const jekyll = '---\ntitle: Draft one\ndate: 2024-04-02\npublished: false\ntags: solo\n---\nText\n';
    const undated = '---\ntags:\n  - a\n---\n# From the heading\n';
    const root = writeProject(
      { 'posts/hello.md': hugo, 'posts/2024-04-02-draft-one.md': jekyll, 'posts/undated.md': undated },
      { settings: { timezone: 'Europe/Berlin' } },
    );
    const ws = openWs(root);
    expect(await ws.call('project.problems', {})).toEqual([]);
    const posts = await ws.call('posts.list', {});
    const bySlug = new Map(posts.map((p) => [p.slug, p]));
    const hello = bySlug.get('hello')!;
    expect(hello).toMatchObject({
      title: 'Hello: world',
      status: 'published',
      createdAt: '2024-03-01T09:00:00+01:00',
      publishedAt: '2024-03-01T09:00:00+01:00',
      updatedAt: '2024-03-05T00:00:00+01:00',
      tags: ['travel', 'night train'],
      categories: ['notes'],
      path: 'posts/hello.md',
    });
    expect(hello.extra).toMatchObject({ weight: 3, date: '2024-03-01 10:00:00 +02:00' });
    expect(bySlug.get('draft-one')).toMatchObject({
      status: 'draft',
      tags: ['solo'],
      createdAt: '2024-04-02T00:00:00+02:00',
    });
    expect(bySlug.get('undated')).toMatchObject({ title: 'From the heading', status: 'draft', tags: ['a'] });
    // The same ids every time (from the path), so a rebuilt index equals the live one.
    await ws.call('project.rebuild', {});
    expect((await ws.call('posts.list', {})).map((p) => p.id).sort()).toEqual(posts.map((p) => p.id).sort());
    expect(readText(root, 'posts/hello.md')).toBe(hugo);
    // A tag rename rewrites only the tags line of such a file.
    await ws.call('tags.rename', { name: 'travel', newName: 'trips' });
    expect(readText(root, 'posts/hello.md')).toBe(
      hugo.replace("[travel, 'night train']", '[trips, night train]'),
    );
  });
});

describe('tags and categories', () => {
  it('renames and merges tags by rewriting the posts', async () => {
    const root = writeProject({
      'posts/2026/01/a.md': samplePost({ slug: 'a', tags: ['js', 'web'] }),
      'posts/2026/01/b.md': samplePost({ slug: 'b', tags: ['javascript'] }),
      'meta/tags.json': JSON.stringify([{ name: 'js', color: '#ff0000' }]),
    });
    const ws = openWs(root);
    // 'javascript' on post b is the same tag (case-insensitive), so it takes the new spelling too.
    expect((await ws.call('tags.rename', { name: 'js', newName: 'JavaScript' })).changedPosts).toBe(2);
    // The files wrote their tags as one-line JSON lists; they still do.
    expect(readText(root, 'posts/2026/01/b.md')).toContain('\ntags: ["JavaScript"]\n');
    expect(readText(root, 'posts/2026/01/a.md')).toContain('\ntags: ["JavaScript","web"]\n');
    expect((await ws.call('tags.list', {})).find((t) => t.name === 'JavaScript')?.color).toBe('#ff0000');
    expect((await ws.call('tags.merge', { sources: ['web'], target: 'javascript' })).changedPosts).toBe(2);
    const a = await ws.call('posts.get', { ref: 'a' });
    expect(a.tags).toEqual(['javascript']);
    expect((await ws.call('tags.list', {})).map((t) => [t.name, t.count, t.color])).toEqual([
      ['javascript', 2, '#ff0000'],
    ]);
    await expect(ws.call('tags.rename', { name: 'nope', newName: 'x' })).rejects.toThrow(/No tag/);
  });

  it('keeps category metadata in meta/categories.json', async () => {
    const root = writeProject({ 'posts/2026/01/a.md': samplePost({ slug: 'a', categories: ['article'] }) });
    const ws = openWs(root);
    await ws.call('categories.set', { name: 'recipes', title: 'Recipes', showTitle: false });
    const cats = await ws.call('categories.list', {});
    expect(cats.find((c) => c.name === 'recipes')).toMatchObject({
      title: 'Recipes',
      showTitle: false,
      renderInLists: true,
    });
    expect(cats.find((c) => c.name === 'article')?.count).toBe(1);
    expect(JSON.parse(readText(root, 'meta/categories.json')).recipes.title).toBe('Recipes');
  });
});
