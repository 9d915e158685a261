// The preview renders text the app has not saved yet, for the editor's live preview: only for a same-origin
// JSON request, never changing a file.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import { serveProject, type ServedProject } from '../helpers/server.js';

describe('rendering unsaved text in the preview', () => {
  let s: ServedProject | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('renders the post page with the given title and body, and writes nothing', async () => {
    s = await serveProject({
      'posts/2026/01/first.md': samplePost({ slug: 'first', title: 'First' }, 'Saved text.\n'),
    });
    const post = await s.client.call('posts.get', { ref: 'first' });
    const file = path.join(s.root, post.path);
    const before = fs.readFileSync(file, 'utf8');
    const url = new URL('_bds/render', s.server.previewUrl);
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({
        postId: post.id,
        title: 'Typed title',
        body: 'Typed **now**, [[youtube id="dQw4w9WgXcQ"]]',
      }),
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Typed title');
    expect(html).toContain('<strong>now</strong>');
    expect(html).toContain('data-bds-embed="youtube"');
    expect(html).not.toContain('Saved text.');
    expect(fs.readFileSync(file, 'utf8')).toBe(before);

    // Each new text renders anew (no body kept from the saved file or from the text before).
    for (const text of ['First version.', 'Second version.']) {
      const again = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ postId: post.id, body: text }),
      });
      expect(await again.text()).toContain(text);
    }
  });

  it('refuses other sites, forms and unknown posts', async () => {
    s = await serveProject({ 'posts/2026/01/first.md': samplePost({ slug: 'first' }) });
    const post = await s.client.call('posts.get', { ref: 'first' });
    const url = new URL('_bds/render', s.server.previewUrl);
    const body = JSON.stringify({ postId: post.id, body: 'x' });
    const tries: [Record<string, string>, string, number][] = [
      [{ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body, 403],
      [{ 'content-type': 'application/json', origin: 'http://evil.example' }, body, 403],
      [{ 'content-type': 'text/plain' }, body, 403],
      [{ 'content-type': 'application/json' }, JSON.stringify({ postId: 'nope', body: 'x' }), 404],
      [{ 'content-type': 'application/json' }, '{"postId":', 400],
    ];
    for (const [headers, text, status] of tries) {
      const res = await fetch(url, { method: 'POST', headers, body: text });
      expect(res.status, JSON.stringify(headers)).toBe(status);
    }
  });
});
