// The preview renders a post or a list with a template's unsaved text (the Templates editor): only for a
// same-origin JSON request, never changing a file; a broken template answers with its error page.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { samplePost } from '../helpers/project.js';
import { serveProject, type ServedProject } from '../helpers/server.js';

describe('rendering a template draft in the preview', () => {
  let s: ServedProject | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  const post = async (body: unknown, headers: Record<string, string> = {}) =>
    fetch(new URL('_bds/render-template', s!.server.previewUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('renders a post and a list with the unsaved template, and writes nothing', async () => {
    s = await serveProject({
      'posts/2026/01/first.md': samplePost({ slug: 'first', title: 'First' }, 'Saved text.\n'),
    });
    const { id } = await s.client.call('posts.get', { ref: 'first' });
    const res = await post(
      { templateName: 'post', text: '<main><h1>Draft: {{ post.title }}</h1></main>', postId: id },
      { 'sec-fetch-site': 'same-origin' },
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<main><h1>Draft: First</h1></main>');

    const list = await post({
      templateName: 'post-summary',
      text: '<p class="mine">{{ post.title }}</p>',
      path: '/',
    });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('<p class="mine">First</p>');
    expect(fs.existsSync(path.join(s.root, 'templates', 'post.liquid'))).toBe(false);
    expect(fs.existsSync(path.join(s.root, 'templates', 'post-summary.liquid'))).toBe(false);

    // The page itself still renders with the saved theme.
    const page = await fetch(new URL('2026/01/', s.server.previewUrl));
    expect(await page.text()).not.toContain('class="mine"');
  });

  it('a template that fails to render answers 422 with its line', async () => {
    s = await serveProject({ 'posts/2026/01/first.md': samplePost({ slug: 'first' }) });
    const { id } = await s.client.call('posts.get', { ref: 'first' });
    const res = await post({ templateName: 'post', text: 'ok\n{{ post.title | nope }}\n', postId: id });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Template error');
    expect(html).toContain('templates/post.liquid:2');
  });

  it('refuses other sites, forms, unknown posts and malformed drafts', async () => {
    s = await serveProject({ 'posts/2026/01/first.md': samplePost({ slug: 'first' }) });
    const { id } = await s.client.call('posts.get', { ref: 'first' });
    const good = { templateName: 'post', text: 'x', postId: id };
    const tries: [Record<string, string>, unknown, number][] = [
      [{ 'sec-fetch-site': 'cross-site' }, good, 403],
      [{ origin: 'http://evil.example' }, good, 403],
      [{ 'content-type': 'text/plain' }, good, 403],
      [{}, { ...good, postId: 'nope' }, 404],
      [{}, { templateName: '../post', text: 'x', postId: id }, 404],
      [{}, { templateName: 'post', text: 'x', path: '/no/such/page/' }, 404],
      [{}, '{"templateName":', 400],
    ];
    for (const [headers, body, status] of tries) {
      const res = await post(body, headers);
      expect(res.status, JSON.stringify([headers, body])).toBe(status);
    }
  });
});
