// One post record and one media record: the index, the site, the API and Python see the same fields,
// declared once in src/core/records.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { Workspace } from '../../src/app/index.js';
import { PostSchema, PostSummarySchema, MediaSchema } from '../../src/app/schemas.js';
import { PostDataSchema } from '../../src/core/abi.js';
import {
  MediaRecordSchema,
  POST_FILE_STATE,
  POST_FRONTMATTER_FIELDS,
  PostRecordSchema,
} from '../../src/core/records.js';
import { PostFrontmatterSchema } from '../../src/core/schemas.js';
import { withoutLazyPostText } from '../../src/site/index.js';
import { samplePost, tempDir, writeProject } from '../helpers/project.js';

const keys = (schema: { shape: object }) => Object.keys(schema.shape).sort();

describe('one post record', () => {
  let ws: Workspace | undefined;
  afterEach(async () => {
    await ws?.close();
    ws = undefined;
  });

  it('the frontmatter reader, the API summary and the API post are views of the record', () => {
    for (const k of Object.keys(POST_FRONTMATTER_FIELDS)) {
      expect(keys(PostFrontmatterSchema)).toContain(k);
      expect(keys(PostRecordSchema)).toContain(k);
    }
    const fileState = Object.keys(POST_FILE_STATE);
    expect(keys(PostSummarySchema)).toEqual(
      keys(PostRecordSchema).filter((k) => !['body', 'bodyLine', ...fileState].includes(k)),
    );
    expect(keys(PostSchema)).toEqual(
      [...keys(PostRecordSchema).filter((k) => !fileState.includes(k)), 'pending'].sort(),
    );
    // The macro's post dict takes its field schemas from the record.
    for (const k of ['title', 'slug', 'tags', 'categories', 'createdAt', 'updatedAt'] as const) {
      expect(PostDataSchema.shape[k]).toBe(PostRecordSchema.shape[k]);
    }
    expect(keys(MediaSchema)).toEqual(keys(MediaRecordSchema));
  });

  it('every frontmatter field of a file reaches the API, the site and Python', async () => {
    const fm = {
      id: '11111111-2222-4333-8444-555555555555',
      title: 'All fields',
      slug: 'all-fields',
      status: 'published',
      createdAt: '2026-02-01T09:00:00Z',
      updatedAt: '2026-02-02T09:00:00Z',
      publishedAt: '2026-02-03T09:00:00Z',
      tags: ['rail'],
      categories: ['article'],
      excerpt: 'A short one.',
      author: 'Ada',
      language: 'de',
      template: 'special',
      mood: 'sunny',
    };
    const root = writeProject({ 'posts/2026/02/all-fields.md': samplePost(fm, 'Body text.\n') });
    ws = Workspace.open(root, { home: tempDir() });

    const api = await ws.call('posts.get', { ref: 'all-fields' });
    const site = ws
      .siteSource()
      .snapshot()
      .posts.find((p) => p.slug === 'all-fields');
    const py = (await ws.apiHandler('utility')('posts.get', { id: fm.id })) as Record<string, unknown>;

    for (const k of Object.keys(POST_FRONTMATTER_FIELDS)) {
      if (k === 'media') continue; // no media linked: an empty list
      const want = (fm as Record<string, unknown>)[k];
      expect(api[k as keyof typeof api], `api ${k}`).toEqual(want);
      expect(site?.[k as keyof typeof site], `site ${k}`).toEqual(want);
    }
    expect(api.extra).toEqual({ mood: 'sunny' });
    expect(api.body).toBe('Body text.\n');
    expect(site?.body).toBe('Body text.\n');
    // Python: the contract's names (`content` for the body), the record's values.
    expect(py).toMatchObject({
      id: fm.id,
      title: fm.title,
      excerpt: fm.excerpt,
      author: fm.author,
      language: fm.language,
      publishedAt: fm.publishedAt,
      content: 'Body text.\n',
      hasPendingEdits: false,
    });
  });

  it('a site post copied for a page worker carries no Markdown, and keeps its own', () => {
    const at = '2026-03-01T09:00:00Z';
    const root = writeProject({
      'posts/2026/03/one.md': samplePost(
        { id: '21111111-2222-4333-8444-555555555555', slug: 'one', createdAt: at, updatedAt: at },
        'First body.\n',
      ),
      'posts/2026/03/two.md': samplePost(
        { id: '31111111-2222-4333-8444-555555555555', slug: 'two', createdAt: at, updatedAt: at },
        'Second body.\n',
      ),
    });
    ws = Workspace.open(root, { home: tempDir() });
    const posts = [...ws.siteSource().snapshot().posts].sort((a, b) => a.slug.localeCompare(b.slug));
    const copies = withoutLazyPostText(() => structuredClone(posts));
    expect(copies).toEqual(posts.map((p) => ({ ...p, body: '', bodyLine: 1 })));
    expect(posts.map((p) => p.body)).toEqual(['First body.\n', 'Second body.\n']);
    // Outside the copy, the text is there; a setter replaces it.
    posts[0]!.body = 'Changed.\n';
    expect(posts[0]!.body).toBe('Changed.\n');
    expect(structuredClone(posts[1]!).body).toBe('Second body.\n');
  });
});
