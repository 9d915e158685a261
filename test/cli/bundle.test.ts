// The bundled CLI (dist/cli/bds.js): what `npm start` and `npx bds` run, one file instead of the ~170
// modules tsc writes. Its modules still find what lies next to them in dist/ (the default theme, the page
// and Python worker threads, package.json), which a bundle would break without the launcher's build
// keeping each module's own URL. CI builds dist/ before it tests; elsewhere the test runs when dist/ is
// current (`npm run build`) and is skipped otherwise (it fails then with BDS_REQUIRE_SYSTEM_TESTS=1).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, samplePost, tempDir, writeProject } from '../helpers/project.js';
import { systemTestsRequired } from '../helpers/system.js';

afterAll(() => cleanupTempDirs());

const launcher = (await import(pathToFileURL(path.resolve('scripts/build.mjs')).href)) as {
  CLI_ENTRY: string;
  staleReason: () => string | null;
};
const stale = launcher.staleReason();

function run(args: string[], home: string) {
  const r = spawnSync(process.execPath, [launcher.CLI_ENTRY, ...args], {
    env: { ...process.env, BDS_HOME: home },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`bds ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

describe('the bundled CLI', () => {
  if (stale !== null) {
    if (systemTestsRequired) it('needs a current dist/', () => expect.fail(`dist/ is stale (${stale})`));
    else it.skip(`needs a current dist/ (${stale}): run npm run build`, () => {});
    return;
  }

  it('prints its version and builds a site with a Python macro, a theme and page workers', () => {
    const home = tempDir();
    // Over a thousand pages to render: the build renders some on a worker thread too.
    const files: Record<string, string> = {
      'posts/2026/01/greeting.md': samplePost(
        { slug: 'greeting', title: 'Greeting', status: 'published' },
        'Before [[hello]] after.\n',
      ),
    };
    for (let i = 0; i < 1100; i++) {
      const slug = `p${i}`;
      files[`posts/2025/02/${slug}.md`] = samplePost({ slug, title: `Post ${slug}`, status: 'published' });
    }
    const root = writeProject(files);
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    expect(run(['--version'], home).trim()).toBe(pkg.version);

    const script = JSON.parse(
      run(['--project', root, '--json', 'script', 'new', 'hello', '--kind', 'macro'], home),
    ) as { slug: string; trusted: boolean };
    expect(script).toMatchObject({ slug: 'hello', trusted: true });
    const summary = JSON.parse(run(['--project', root, '--json', 'build'], home)) as {
      posts: number;
      pagesWritten: number;
      macroCounters: { python: number; failed: number };
      failures: unknown[];
    };
    expect(summary.posts).toBe(1101);
    expect(summary.macroCounters).toMatchObject({ python: 1, failed: 0 });
    expect(summary.failures).toEqual([]);
    const html = path.join(root, 'html');
    const pages = new Map<string, string>();
    for (const f of fs.readdirSync(html, { recursive: true, encoding: 'utf8' })) {
      if (f.endsWith(`${path.sep}index.html`)) pages.set(path.basename(path.dirname(f)), path.join(html, f));
    }
    const greeting = fs.readFileSync(pages.get('greeting')!, 'utf8');
    expect(greeting).toContain('Greeting');
    expect(greeting).not.toContain('[[hello]]');
    // Every post page is written, whichever thread rendered it, with the theme's stylesheet.
    for (let i = 0; i < 1100; i += 99) {
      expect(fs.readFileSync(pages.get(`p${i}`)!, 'utf8')).toContain(`Post p${i}`);
    }
    expect(fs.readFileSync(path.join(html, 'assets/bds-theme.css'), 'utf8')).toContain('{');

    // The entry starts the look at the post files (a worker thread) before the rest loads; the worker
    // is found next to its module in dist/ (a wrong path only costs speed, so it is checked here), and a
    // build after an edit made while bds was closed shows the edit.
    // (The first build, with no index yet, started the thread that reads and parses them: the same check.)
    const entry = fs.readFileSync(launcher.CLI_ENTRY, 'utf8');
    for (const name of ['stat-prefetch-worker', 'post-prefetch-worker']) {
      const rel = new RegExp(
        `startReadAhead\\(new URL\\("([^"]+)", import\\.meta\\.url\\)\\.href, "${name}",`,
      ).exec(entry)?.[1];
      expect(rel).toBeDefined();
      const worker = new URL(`./${name}.js`, new URL(rel!, pathToFileURL(launcher.CLI_ENTRY)));
      expect(fs.existsSync(worker)).toBe(true);
    }
    fs.appendFileSync(path.join(root, 'posts/2025/02/p7.md'), 'An edit made while bds was closed.\n');
    const edited = JSON.parse(run(['--project', root, '--json', 'build'], home)) as { postsRendered: number };
    expect(edited.postsRendered).toBe(1);
    expect(fs.readFileSync(pages.get('p7')!, 'utf8')).toContain('An edit made while bds was closed.');
  }, 180_000);
});
