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
  it('creates a draft as a file under posts/YYYY/MM in the project timezone', () => {
    const root = writeProject({}, { settings: { timezone: 'Pacific/Auckland' } });
    const ws = openWs(root, () => new Date('2026-01-31T23:30:00Z'));
    const post = ws.createPost({ title: 'Grüße aus Köln!', body: 'Hi\n', tags: ['travel', ' travel '] });
    expect(post.slug).toBe('grusse-aus-koln');
    expect(post.path).toBe('posts/2026/02/grusse-aus-koln.md');
    expect(post.createdAt).toBe('2026-02-01T12:30:00+13:00');
    expect(post.tags).toEqual(['travel']);
    const text = readText(root, post.path);
    expect(text).toMatch(/^---\nid: /);
    expect(text).toContain('status: draft');
    expect(text.endsWith('---\nHi\n')).toBe(true);
  });

  it('makes slugs unique with -2, -3', () => {
    const ws = openWs(writeProject({}));
    expect(ws.createPost({ title: 'Same' }).slug).toBe('same');
    expect(ws.createPost({ title: 'Same' }).slug).toBe('same-2');
    expect(ws.createPost({ title: 'Same' }).slug).toBe('same-3');
  });

  it('keeps unknown frontmatter keys on rewrite', () => {
    const root = writeProject({
      'posts/2026/01/kept.md': samplePost({ slug: 'kept', status: 'draft', mood: 'happy', nested: { a: 1 } }),
    });
    const ws = openWs(root);
    ws.updatePost('kept', { title: 'New title' });
    const text = readText(root, 'posts/2026/01/kept.md');
    expect(text).toContain('title: New title');
    expect(text).toContain('mood: happy');
    expect(text).toMatch(/nested:\n\s+a: 1/);
  });

  it('edits of a published post wait in drafts/ID.md until published', () => {
    const root = writeProject({});
    const ws = openWs(root);
    const post = ws.createPost({ title: 'Live', body: 'v1\n', publish: true });
    const edited = ws.updatePost(post.id, { body: 'v2\n', title: 'Live (edited)' });
    expect(edited.pending?.body).toBe('v2\n');
    expect(edited.body).toBe('v1\n');
    expect(fs.existsSync(path.join(root, `drafts/${post.id}.md`))).toBe(true);
    expect(readText(root, post.path)).toContain('v1');
    const published = ws.publishPost(post.id);
    expect(published.body).toBe('v2\n');
    expect(published.title).toBe('Live (edited)');
    expect(published.slug).toBe('live');
    expect(published.pending).toBeUndefined();
    expect(fs.existsSync(path.join(root, `drafts/${post.id}.md`))).toBe(false);
  });

  it('discarding pending edits restores the published version', () => {
    const root = writeProject({});
    const ws = openWs(root);
    const post = ws.createPost({ title: 'Live', body: 'v1\n', publish: true });
    ws.updatePost(post.id, { body: 'v2\n' });
    const after = ws.discardPendingEdits(post.id);
    expect(after.body).toBe('v1\n');
    expect(after.pending).toBeUndefined();
    expect(() => ws.discardPendingEdits(post.id)).toThrow(/no pending edits/);
  });

  it('never changes the slug of a post that was published', () => {
    const ws = openWs(writeProject({}));
    const post = ws.createPost({ title: 'Fixed', publish: true });
    expect(() => ws.updatePost(post.id, { slug: 'other' })).toThrow(/never changes/);
    ws.unpublishPost(post.id);
    expect(() => ws.updatePost(post.id, { slug: 'other' })).toThrow(/never changes/);
  });

  it('renames the file when a never-published draft gets a new slug', () => {
    const root = writeProject({});
    const ws = openWs(root);
    const post = ws.createPost({ title: 'First name' });
    const moved = ws.updatePost(post.id, { slug: 'second-name' });
    expect(moved.path).toMatch(/second-name\.md$/);
    expect(fs.existsSync(path.join(root, post.path))).toBe(false);
    expect(ws.listPosts()).toHaveLength(1);
  });

  it('publish, unpublish, archive and delete change status and files', () => {
    const root = writeProject({});
    const ws = openWs(root, () => new Date('2026-03-01T08:00:00Z'));
    const post = ws.createPost({ title: 'Cycle' });
    expect(ws.publishPost(post.id).publishedAt).toBe('2026-03-01T08:00:00Z');
    expect(ws.unpublishPost(post.id).status).toBe('draft');
    expect(ws.archivePost(post.id).status).toBe('archived');
    ws.deletePost(post.id);
    expect(fs.existsSync(path.join(root, post.path))).toBe(false);
    expect(() => ws.getPost(post.id)).toThrow(/No post/);
  });

  it('lists by status, tag, category and date and searches title, body, tags', () => {
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
    expect(ws.listPosts({ status: 'published' }).map((p) => p.slug)).toEqual(['b', 'a']);
    expect(ws.listPosts({ tag: 'TRAVEL' }).map((p) => p.slug)).toEqual(['a']);
    expect(ws.listPosts({ category: 'aside' }).map((p) => p.slug)).toEqual(['b']);
    expect(ws.listPosts({ datePrefix: '2026-02', status: 'published' }).map((p) => p.slug)).toEqual(['b']);
    expect(ws.searchPosts('sourdough').map((h) => h.slug)).toEqual(['b']);
    expect(ws.searchPosts('alp').map((h) => h.slug)).toEqual(['a']);
    expect(ws.searchPosts('food').map((h) => h.slug)).toEqual(['b']);
    expect(ws.searchPosts('"; DROP TABLE posts; --')).toEqual([]);
  });

  it('adopts a Markdown file without frontmatter as a draft', () => {
    const root = writeProject({ 'posts/notes.md': '# My notes\n\nSome text.\n' });
    const ws = openWs(root);
    const [post] = ws.listPosts();
    expect(post?.title).toBe('My notes');
    expect(post?.status).toBe('draft');
    expect(ws.problems()).toEqual([]);
  });
});

describe('tags and categories', () => {
  it('renames and merges tags by rewriting the posts', () => {
    const root = writeProject({
      'posts/2026/01/a.md': samplePost({ slug: 'a', tags: ['js', 'web'] }),
      'posts/2026/01/b.md': samplePost({ slug: 'b', tags: ['javascript'] }),
      'meta/tags.json': JSON.stringify([{ name: 'js', color: '#ff0000' }]),
    });
    const ws = openWs(root);
    // 'javascript' on post b is the same tag (case-insensitive), so it takes the new spelling too.
    expect(ws.renameTag('js', 'JavaScript')).toBe(2);
    expect(readText(root, 'posts/2026/01/b.md')).toMatch(/tags:\n\s+- JavaScript\n/);
    expect(readText(root, 'posts/2026/01/a.md')).toMatch(/tags:\n\s+- JavaScript\n\s+- web/);
    expect(ws.listTags().find((t) => t.name === 'JavaScript')?.color).toBe('#ff0000');
    expect(ws.mergeTags(['web'], 'javascript')).toBe(2);
    const a = ws.getPost('a');
    expect(a.tags).toEqual(['javascript']);
    expect(ws.listTags().map((t) => [t.name, t.count, t.color])).toEqual([['javascript', 2, '#ff0000']]);
    expect(() => ws.renameTag('nope', 'x')).toThrow(/No tag/);
  });

  it('keeps category metadata in meta/categories.json', () => {
    const root = writeProject({ 'posts/2026/01/a.md': samplePost({ slug: 'a', categories: ['article'] }) });
    const ws = openWs(root);
    ws.setCategory('recipes', { title: 'Recipes', showTitle: false });
    const cats = ws.listCategories();
    expect(cats.find((c) => c.name === 'recipes')?.meta).toMatchObject({
      title: 'Recipes',
      showTitle: false,
      renderInLists: true,
    });
    expect(cats.find((c) => c.name === 'article')?.count).toBe(1);
    expect(JSON.parse(readText(root, 'meta/categories.json')).recipes.title).toBe('Recipes');
  });
});
