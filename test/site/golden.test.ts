// The golden site: a fixture project (posts, a page, tags, categories, a user template, media, Python macro
// scripts) built with real Pyodide and compared file by file with test/fixtures/site/golden/expected/.
// `UPDATE_GOLDEN=1 npx vitest run test/site/golden` writes expected/ again (review the diff by eye).
// The theme's and macros' static assets are compared with their sources instead, so a style change in the
// theme does not need a new golden site.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../helpers/site.js';
import { Workspace } from '../../src/app/workspace.js';
import { MACRO_ASSETS } from '../../src/render/index.js';
import type { BuildSummary } from '../../src/site/index.js';
import { cleanupTempDirs, tempDir } from '../helpers/project.js';
import { copyFixtureProject, filesUnder, SITE_FIXTURES } from './helpers.js';

const EXPECTED = path.join(SITE_FIXTURES, 'golden', 'expected');
const POST = 'posts/2026/03/macros-meet-python.md';
const THEME_ASSETS = path.join(
  SITE_FIXTURES,
  '..',
  '..',
  '..',
  'src',
  'render',
  'theme',
  'default',
  'assets',
);
const isAsset = (f: string) => f.startsWith('assets/');

let ws: Workspace;
let out: string;
let summary: BuildSummary;

beforeAll(async () => {
  const root = copyFixtureProject('golden');
  ws = Workspace.open(root, {
    home: tempDir('bds-home-'),
    now: () => new Date('2026-04-01T12:00:00Z'),
    python: { size: 1 },
  });
  // The user trusts the scripts they wrote; scripts/stranger.py came with the copy and stays untrusted.
  for (const slug of ['greet', 'squares', 'boom']) await ws.call('scripts.trust', { ref: slug });
  out = tempDir('bds-site-out-');
  summary = await buildSite(ws, { outDir: out });
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.rmSync(EXPECTED, { recursive: true, force: true });
    fs.cpSync(out, EXPECTED, { recursive: true, filter: (src) => !isAsset(path.relative(out, src)) });
  }
}, 120_000);

afterAll(async () => {
  await ws.close();
  cleanupTempDirs();
});

describe('the golden site', () => {
  it('writes exactly the files of expected/, each byte for byte', () => {
    const written = filesUnder(out).filter((f) => !isAsset(f));
    expect(written).toEqual(filesUnder(EXPECTED));
    const differing = written.filter(
      (f) => !fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(EXPECTED, f))),
    );
    // On a difference, compare the first one as text for a readable diff.
    if (differing.length > 0) {
      const f = differing[0]!;
      expect(fs.readFileSync(path.join(out, f), 'utf8'), f).toBe(
        fs.readFileSync(path.join(EXPECTED, f), 'utf8'),
      );
    }
    expect(differing).toEqual([]);
  });

  it('copies the theme and macro assets as they are in bds', () => {
    const sources = new Map<string, Buffer>(MACRO_ASSETS.map((a) => [a.path, Buffer.from(a.content)]));
    for (const f of fs.readdirSync(THEME_ASSETS))
      sources.set(`assets/${f}`, fs.readFileSync(path.join(THEME_ASSETS, f)));
    expect(filesUnder(out).filter(isAsset)).toEqual([...sources.keys()].sort());
    for (const [f, content] of sources)
      expect(fs.readFileSync(path.join(out, f)).equals(content), f).toBe(true);
  });

  it('lists the failing macro and the untrusted script with script, file, line and column', () => {
    expect(summary.failures).toHaveLength(2);
    const [boom, stranger] = summary.failures;
    expect(boom).toMatchObject({
      macro: 'boom',
      script: 'boom',
      file: POST,
      line: 22,
      column: 20,
      reason: 'exception',
    });
    // The traceback names the line of scripts/boom.py that raised.
    expect(boom!.message).toMatch(/IndexError: list index out of range \(scripts\/boom\.py:18\)/);
    expect(stranger).toMatchObject({
      macro: 'stranger',
      script: 'stranger',
      file: POST,
      line: 24,
      column: 1,
      reason: 'untrusted',
    });
    expect(summary.macroCounters).toEqual({ builtin: 3, python: 5, unknown: 1, failed: 2 });
  });

  it('with strict, the same build fails with both failures and writes nothing', async () => {
    const strictOut = path.join(tempDir('bds-site-strict-'), 'html');
    const error = await buildSite(ws, { outDir: strictOut, strict: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'site-strict' });
    const message = (error as Error).message;
    expect(message).toContain(`${POST}:22:20: macro "boom" (script boom) failed (exception)`);
    expect(message).toContain(`${POST}:24:1: macro "stranger" (script stranger) failed (untrusted)`);
    expect(fs.existsSync(strictOut)).toBe(false);
  }, 60_000);

  it('reports the unknown macro as a warning with its position, and keeps it as written', () => {
    expect(summary.warnings).toEqual([
      expect.objectContaining({ code: 'macro-unknown', file: POST, line: 26, column: 41 }),
    ]);
    expect(summary.warnings[0]!.message).toContain('harbour_map');
    const html = fs.readFileSync(path.join(out, '2026/03/02/macros-meet-python/index.html'), 'utf8');
    expect(html).toContain('<p>An imported wiki link stays as written: [[harbour_map zoom=3]].</p>');
  });

  it('never runs the untrusted script, and the failing macro leaves no trace in any page', () => {
    for (const f of filesUnder(out).filter((f) => /\.(html|xml)$/.test(f))) {
      const text = fs.readFileSync(path.join(out, f), 'utf8');
      expect(text, f).not.toContain('stranger ran');
      expect(text, f).not.toMatch(/IndexError|Traceback|\[\[boom\]\]|\[\[stranger\]\]/);
    }
    const html = fs.readFileSync(path.join(out, '2026/03/02/macros-meet-python/index.html'), 'utf8');
    expect(html).toContain('<p>This macro raises:  and the sentence goes on.</p>');
  });

  it('does not expand macros in code spans, fenced or indented code, or escaped with a backslash', () => {
    const html = fs.readFileSync(path.join(out, '2026/03/02/macros-meet-python/index.html'), 'utf8');
    expect(html).toContain('<code>[[greet name=&quot;code&quot;]]</code>');
    expect(html).toContain('<code class="language-text">[[gallery columns=3]]\n</code>');
    expect(html).toContain('<pre><code>[[tag_cloud]]\n</code></pre>');
    expect(html).toContain('write [[youtube id=&quot;VIDEO_ID&quot;]] in a post');
    expect(html.match(/class="macro-gallery/g)).toHaveLength(1);
    expect(html.match(/class="macro-tag-cloud/g)).toHaveLength(1);
    expect(html.match(/class="macro-youtube/g)).toHaveLength(1);
    expect(html).toContain('<span class="greet">Hello, readers! (Macros meet Python)</span>');
    expect(html).toContain('<strong class="squares">30</strong>');
  });
});
