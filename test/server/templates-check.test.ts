// templates.check through the HTTP API: a template's Liquid errors as typed, at their line and column of
// the file (frontmatter lines counted), with nothing written.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serveProject, type ServedProject } from '../helpers/server.js';

let s: ServedProject | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('templates.check', () => {
  it('a text that parses has no errors', async () => {
    s = await serveProject({});
    const { content } = await s.client.call('templates.get', { name: 'post' });
    expect(await s.client.call('templates.check', { name: 'post', content })).toEqual({ errors: [] });
  });

  it('an unclosed tag is reported at its line and column, and nothing is written', async () => {
    s = await serveProject({});
    const content = '<main>\n  <h1>{{ post.title }}</h1>\n  {% if post.tags %}\n</main>\n';
    const { errors } = await s.client.call('templates.check', { name: 'post', content });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ line: 3, column: 3 });
    expect(errors[0]!.message).toMatch(/not closed/);
    expect(fs.existsSync(path.join(s.root, 'templates', 'post.liquid'))).toBe(false);
  });

  it('lines count from the top of the file when the template has frontmatter', async () => {
    s = await serveProject({});
    const content = '---\nenabled: true\n---\n<p>{{ post.title | no_such_filter }}</p>\n';
    const { errors } = await s.client.call('templates.check', { name: 'post', content });
    expect(errors).toEqual([expect.objectContaining({ line: 4 })]);
    expect(errors[0]!.message).toMatch(/no_such_filter/);
  });

  it('a name that cannot be a file name is refused', async () => {
    s = await serveProject({});
    await expect(s.client.call('templates.check', { name: 'my post', content: '' })).rejects.toMatchObject({
      code: 'invalid-argument',
    });
  });
});
