// Built-in macros always win over Python scripts of the same name: in the build and in the preview, the
// script named like a built-in is never even called (the runtime's macro counter proves it).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, startPreviewServer } from '../helpers/site.js';
import { Workspace } from '../../src/app/workspace.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';

const macroScript = (slug: string, body: string) =>
  `"""\n---\nid: ${slug}-script\nslug: ${slug}\ntitle: ${slug}\nkind: macro\nenabled: true\n---\n"""\n\n\ndef render(context, post):\n    ${body}\n`;

const BODY = [
  'A video: [[youtube id="dQw4w9WgXcQ" title="Harbour"]]',
  '',
  '[[gallery columns=2]]',
  '',
  'And a real Python macro: [[echo word="ahoy"]]',
  '',
].join('\n');

let ws: Workspace;

beforeAll(async () => {
  const root = writeProject({
    'posts/2026/01/video.md': samplePost({ slug: 'video', title: 'Video' }, BODY),
    'scripts/youtube.py': macroScript('youtube', 'return "<p>python youtube</p>"'),
    'scripts/gallery.py': macroScript('gallery', 'return "<p>python gallery</p>"'),
    'scripts/echo.py': macroScript('echo', 'return "<em>" + context["params"]["word"] + "</em>"'),
  });
  ws = Workspace.open(root, { home: tempDir('bds-home-'), python: { size: 1 } });
  for (const slug of ['youtube', 'gallery', 'echo']) await ws.call('scripts.trust', { ref: slug });
  expect(
    (await ws.call('scripts.list', {})).filter((s) => s.kind === 'macro' && s.enabled).map((s) => s.slug),
  ).toEqual(expect.arrayContaining(['youtube', 'gallery', 'echo']));
}, 60_000);

afterAll(async () => {
  await ws.close();
  cleanupTempDirs();
});

function expectBuiltins(html: string): void {
  expect(html).toContain('class="macro-youtube bds-embed"');
  expect(html).toContain('class="macro-gallery gallery-cols-2"');
  expect(html).not.toContain('python youtube');
  expect(html).not.toContain('python gallery');
  expect(html).toContain('<em>ahoy</em>');
}

describe('Python scripts named like built-in macros', () => {
  it('never override the built-in in the build, and are never called', async () => {
    ws.python().resetCounters();
    const out = tempDir('bds-site-out-');
    const summary = await buildSite(ws, { outDir: out });
    expectBuiltins(fs.readFileSync(path.join(out, '2026/01/15/video/index.html'), 'utf8'));
    expect(summary.macroCounters).toEqual({ builtin: 2, python: 1, unknown: 0, failed: 0 });
    expect(summary.failures).toEqual([]);
    // Only [[echo]] reached Python.
    expect(ws.python().counters.macroCount).toBe(1);
  }, 60_000);

  it('never override the built-in in the preview, and are never called', async () => {
    ws.python().resetCounters();
    const server = await startPreviewServer(ws, { port: 0 });
    try {
      const res = await fetch(new URL('/2026/01/15/video/', server.url));
      expect(res.status).toBe(200);
      expectBuiltins(await res.text());
    } finally {
      await server.close();
    }
    expect(ws.python().counters.macroCount).toBe(1);
  }, 60_000);
});
