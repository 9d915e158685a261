// `bds build` as a user runs it: --strict fails and writes nothing, --json prints the summary, warnings
// name file and line, and a second `bds build` in a new process takes post bodies from the render cache.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildSummary } from '../../src/site/index.js';
import { bds } from '../helpers/cli.js';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';
import { ageFiles, changedFiles, filesUnder, mtimes } from './helpers.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

afterAll(() => cleanupTempDirs());

const GOOD = 'Calm water.\n';
// Line 3 of the body: a youtube id that is not one (a built-in macro failure), and an unknown macro.
const BAD = 'Calm water.\n\nA video: [[youtube id="no video"]] and [[harbour_map]].\n';

function project(body: string): string {
  return writeProject({
    'posts/2026/01/calm.md': samplePost({ slug: 'calm', title: 'Calm' }, body),
    'posts/2026/01/storm.md': samplePost({ slug: 'storm', title: 'Storm' }, 'Wind.\n'),
  });
}

/** Line and column of `needle` in the post file. */
function positionOf(root: string, needle: string): { line: number; column: number } {
  const lines = fs.readFileSync(path.join(root, 'posts/2026/01/calm.md'), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(needle));
  return { line: i + 1, column: lines[i]!.indexOf(needle) + 1 };
}

describe('bds build', () => {
  it('--strict exits non-zero, lists the failure with its position and writes nothing', async () => {
    const root = project(BAD);
    const home = tempDir();
    const r = await bds(['build', '--strict'], { cwd: root, home });
    expect(r.code).not.toBe(0);
    const { line, column } = positionOf(root, '[[youtube');
    expect(r.stderr).toContain(`posts/2026/01/calm.md:${line}:${column}: macro "youtube"`);
    expect(r.stderr).toContain('nothing was written');
    expect(fs.existsSync(path.join(root, 'html'))).toBe(false);
  });

  it('--strict after a good build leaves the site as it was', async () => {
    const root = project(GOOD);
    const home = tempDir();
    expect((await bds(['build'], { cwd: root, home })).code).toBe(0);
    const out = path.join(root, 'html');
    ageFiles(out);
    const before = mtimes(out);
    const manifest = fs.readFileSync(path.join(root, '.bds/site-manifest.json'), 'utf8');
    fs.writeFileSync(
      path.join(root, 'posts/2026/01/calm.md'),
      samplePost({ slug: 'calm', title: 'Calm' }, BAD),
    );
    const r = await bds(['build', '--strict'], { cwd: root, home });
    expect(r.code).not.toBe(0);
    expect(changedFiles(before, mtimes(out))).toEqual([]);
    expect(fs.readFileSync(path.join(root, '.bds/site-manifest.json'), 'utf8')).toBe(manifest);
    // Without --strict the same build goes through, the failure rendered empty and listed.
    const loose = await bds(['build'], { cwd: root, home });
    expect(loose.code).toBe(0);
    expect(loose.stdout).toMatch(/Macro failures \(1; they render empty/);
  });

  it('runs in the background (a lower CPU priority) unless --priority normal', async () => {
    const root = project(GOOD);
    const home = tempDir();
    let lowered = 0;
    const background = () => lowered++;
    expect((await bds(['build'], { cwd: root, home, background })).code).toBe(0);
    expect(lowered).toBe(1);
    expect((await bds(['build', '--priority', 'normal'], { cwd: root, home, background })).code).toBe(0);
    expect(lowered).toBe(1);
    const bad = await bds(['build', '--priority', 'high'], { cwd: root, home, background });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Allowed choices are background, normal');
    expect(lowered).toBe(1);
  });

  it('--json prints the summary; warnings name file, line and column in both outputs', async () => {
    const root = project(BAD);
    const home = tempDir();
    const r = await bds(['--json', 'build'], { cwd: root, home });
    expect(r.code).toBe(0);
    const summary = r.json() as BuildSummary;
    const video = positionOf(root, '[[youtube');
    const map = positionOf(root, '[[harbour_map');
    expect(summary).toMatchObject({
      posts: 2,
      pagesWritten: summary.files,
      postsRendered: 2,
      macroCounters: { builtin: 1, python: 0, unknown: 1, failed: 1 },
    });
    expect(summary.failures).toEqual([
      expect.objectContaining({
        macro: 'youtube',
        reason: 'invalid-params',
        file: 'posts/2026/01/calm.md',
        ...video,
      }),
    ]);
    expect(summary.warnings).toContainEqual(
      expect.objectContaining({ code: 'macro-unknown', file: 'posts/2026/01/calm.md', ...map }),
    );
    const human = await bds(['build', '--force'], { cwd: root, home });
    expect(human.stdout).toContain(
      `posts/2026/01/calm.md:${map.line}:${map.column}: Unknown macro "harbour_map"`,
    );
  });

  it('a second bds build in a new process takes every post from the render cache and writes nothing', () => {
    const root = project(GOOD);
    const run = () => {
      const r = spawnSync(
        process.execPath,
        [
          '--import',
          pathToFileURL(path.join(REPO, 'node_modules/tsx/dist/loader.mjs')).href,
          path.join(REPO, 'src/cli/main.ts'),
          '--json',
          'build',
        ],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, BDS_HOME: tempDir() },
        },
      );
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as BuildSummary;
    };
    const first = run();
    expect(first).toMatchObject({ postsRendered: 2, postsCached: 0 });
    const files = filesUnder(path.join(root, 'html'));
    const second = run();
    expect(second).toMatchObject({ postsRendered: 0, postsCached: 2, pagesWritten: 0, pagesRemoved: 0 });
    expect(filesUnder(path.join(root, 'html'))).toEqual(files);
  }, 60_000);
});
