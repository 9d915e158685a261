#!/usr/bin/env node
// Entry point of the `bds` command. Before the rest of bds loads, `bds build` starts looking at the
// project's post files on another thread (see core/stat-prefetch.ts; in a project without an index,
// reading and parsing them: content/posts/post-prefetch.ts): in a large project that look takes about
// as long as loading does, and opening the project finds it done. (Not for commands that
// stay open, such as `serve`: an edit saved between that look and the start of their file watcher would
// go unseen until the next start; a build that missed it sees it at the next build.)
import { prefetchProjectFiles } from '../app/prefetch.js';

const args = process.argv.slice(2);
prefetchFor(args);
// (In the bundled CLI, run.js is the bundle of the rest: dist/cli/bds-run.js.)
const { run } = await import('./run.js');
process.exitCode = await run(args);

/** `bds [--project DIR] build ...` in a project (DIR, or the current folder): its post files. */
function prefetchFor(argv: readonly string[]): void {
  let project: string | undefined;
  let command: string | undefined;
  for (let i = 0; i < argv.length && command === undefined; i++) {
    const a = argv[i]!;
    if (a === '--project') project = argv[++i];
    else if (a.startsWith('--project=')) project = a.slice('--project='.length);
    else if (!a.startsWith('-')) command = a;
  }
  if (command === 'build') prefetchProjectFiles(project ?? '.');
}
