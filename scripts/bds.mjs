#!/usr/bin/env node
// `bds` as run from the repository: package.json "bin" (so `npx bds ...`) and `npm start` point here.
// It compiles src/ into dist/ when dist/ is missing or stale (scripts/build.mjs, messages on stderr),
// then imports the compiled CLI into this same process: argv, stdin/stdout, the exit code and signals
// (Ctrl-C) are the CLI's own, with no child process in between.
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { BuildError, CLI_ENTRY, ensureBuilt } from './build.mjs';

let built = false;
try {
  await ensureBuilt();
  built = true;
} catch (e) {
  if (!(e instanceof BuildError)) throw e;
  process.stderr.write(`bds: cannot compile the CLI: ${e.message}\n`);
  process.exitCode = 1;
}
if (built) await import(pathToFileURL(CLI_ENTRY).href);
