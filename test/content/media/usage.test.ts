// Where a media file is used: posts that link it (published, or in their pending edits) and posts whose
// body names its id (published, or in their pending edits), newest first; unrelated posts are not listed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../../../src/app/workspace.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../../helpers/project.js';
import { makeSourceFiles, type SourceFiles } from './fixtures.js';

let src: SourceFiles;
beforeAll(async () => {
  src = await makeSourceFiles();
});
afterAll(() => cleanupTempDirs());

const open: Workspace[] = [];
afterEach(async () => {
  for (const ws of open.splice(0)) await ws.close();
});

const day = (d: number) => `2026-01-${String(d).padStart(2, '0')}T10:00:00Z`;
const dated = (d: number, over: Record<string, unknown>) =>
  samplePost({ createdAt: day(d), updatedAt: day(d), publishedAt: day(d), ...over });

describe('media usage', () => {
  it('lists the posts that link a media file or name it in their body, pending edits included, newest first', async () => {
    const root = writeProject({});
    const ws = Workspace.open(root, { home: tempDir('bds-home-') });
    open.push(ws);
    const [photo, other] = (await ws.call('media.import', { files: [src.small, src.gif] })).results.map(
      (r) => r.record!,
    );
    const posts: Record<string, string> = {
      'posts/2026/01/linked.md': dated(1, { slug: 'linked', title: 'Linked', media: [photo!.id] }),
      'posts/2026/01/in-body.md': dated(3, {
        slug: 'in-body',
        title: 'In body',
        status: 'draft',
      }).replace('Hello world.', `![Boat](/${photo!.path})`),
      'posts/2026/01/both.md': dated(2, { slug: 'both', title: 'Both', media: [photo!.id] }).replace(
        'Hello world.',
        `[[gallery ids="${photo!.id}"]]`,
      ),
      'posts/2026/01/unrelated.md': dated(4, { slug: 'unrelated', media: [other!.id] }),
      'posts/2026/01/pending-link.md': dated(5, { slug: 'pending-link', title: 'Pending link' }),
      'posts/2026/01/pending-body.md': dated(6, { slug: 'pending-body', title: 'Pending body' }),
    };
    for (const [rel, text] of Object.entries(posts)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
      ws.applyExternalChange(rel);
    }
    // Edits of published posts wait as pending edits (in drafts/) until published.
    await ws.call('media.link', { post: 'pending-link', ids: [photo!.id] });
    await ws.call('posts.update', { ref: 'pending-body', body: `See ${photo!.path}.\n` });

    const usage = await ws.call('media.usage', { id: photo!.id });
    expect(usage.map((u) => [u.slug, u.linked, u.inBody])).toEqual([
      ['pending-body', false, true],
      ['pending-link', true, false],
      ['in-body', false, true],
      ['both', true, true],
      ['linked', true, false],
    ]);
    expect(usage[2]).toEqual({
      id: expect.any(String),
      slug: 'in-body',
      title: 'In body',
      status: 'draft',
      linked: false,
      inBody: true,
    });
    expect(await ws.call('media.usage', { id: other!.id })).toMatchObject([
      { slug: 'unrelated', linked: true, inBody: false },
    ]);
    // Macros may ask (a read), as bds_api.media.usage(id).
    expect(await ws.apiHandler('macro')('media.usage', { id: other!.id })).toMatchObject([
      { slug: 'unrelated' },
    ]);
  });

  it('an unknown media id is media-not-found', async () => {
    const ws = Workspace.open(writeProject({ 'posts/2026/01/a.md': samplePost() }), {
      home: tempDir('bds-home-'),
    });
    open.push(ws);
    await expect(
      ws.call('media.usage', { id: '00000000-0000-4000-8000-00000000abcd' }),
    ).rejects.toMatchObject({ code: 'media-not-found' });
  });
});
