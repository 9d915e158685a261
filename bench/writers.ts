// bench:writers — issue 19 item 2: four writer processes and a `bds preview` on one project for N seconds
// (default 120; `--lock-timeout-ms N` gives the writers a short wait, to try project-busy). Each writer is a long-lived process calling the use cases `bds` calls, so their writes
// overlap hundreds of times: (1) `post new`, with one real `bds --json post new` process always running
// beside it, (2) `tag rename` / `tag merge` back and forth on a tag six posts carry, (3) `post edit` of one
// draft's body, (4) `media import` of a small image. The preview's pages are read all the while.
// Counted: operations per writer, p50/p95 latency, `database is locked`, `internal`, ENOENT, failures that
// changed a file anyway, lost updates (a success the files or the index do not hold), duplicates, and
// `project-busy` (allowed, but each with a hint). Verified afterwards: `bds problems` is empty, the index
// equals a rebuild, posts created = successful `post new`, the edited post holds the last edit, media on
// disk = imports. `--json` prints one JSON object as the last line; otherwise a summary goes to stderr.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArgs, round } from './args.js';
import {
  runWriterProcess,
  seedProject,
  startPreviewReader,
  verifyProject,
  writerSummary,
} from './writers-scenario.js';

const args = benchArgs();
const seconds = Number(args.get('seconds', '120'));
const asJson = args.has('json');
// A short wait for the lock (writers only) tries the project-busy path: nothing may change on it.
const lockTimeoutMs = args.has('lock-timeout-ms') ? Number(args.get('lock-timeout-ms', '')) : undefined;
const log = (s: string) => {
  if (!asJson) process.stderr.write(`${s}\n`);
};

const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-writers-')), 'blog');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bds-bench-home-'));
const { image } = await seedProject(root, home);
const preview = await startPreviewReader(root, home);
log(`bench:writers: ${seconds} s, 4 writer processes and a preview on ${preview.url} (${root})`);

const t0 = performance.now();
const reports = await Promise.all([
  runWriterProcess(root, home, image, { role: 'post-new', seconds, cli: true, lockTimeoutMs }),
  runWriterProcess(root, home, image, { role: 'tag', seconds, lockTimeoutMs }),
  runWriterProcess(root, home, image, { role: 'post-edit', seconds, lockTimeoutMs }),
  runWriterProcess(root, home, image, { role: 'media', seconds, lockTimeoutMs }),
]);
const elapsed = (performance.now() - t0) / 1000;
const previewReport = await preview.stop();
const verdict = await verifyProject(root, home, reports, previewReport);
const writers = reports.map(writerSummary);

for (const w of writers)
  log(
    `  ${w.role}: ${w.ops} ops, ${w.ok} ok, ${w.failed} failed ${JSON.stringify(w.byCode)}; ` +
      `p50 ${w.p50Ms} ms, p95 ${w.p95Ms} ms` +
      (w.cli
        ? `; ${w.cli.ops} of them through bds --json: p50 ${w.cli.p50Ms} ms, p95 ${w.cli.p95Ms} ms`
        : ''),
  );
log(
  `  preview: ${previewReport.fetches} reads, ${previewReport.failed} failed, ${previewReport.stderr.length} stderr lines`,
);
log(
  `  trouble: database is locked ${verdict.databaseLocked}, internal ${verdict.internal}, ENOENT ${verdict.enoent}, ` +
    `failed but changed ${verdict.failedButChanged}, lost updates ${verdict.lostUpdates}, duplicates ${verdict.duplicates}, ` +
    `other failures ${verdict.otherFailures}, project-busy without a hint ${verdict.projectBusyWithoutHint}`,
);
log(`  project-busy (allowed): ${verdict.projectBusy}`);
log(
  `  verification: problems ${verdict.problems}, index = rebuild ${verdict.indexEqualsRebuild}, ` +
    `posts created ${verdict.postsCreated} / ok post new ${verdict.postNewOk}, tags ${JSON.stringify(verdict.tags)}, ` +
    `last edit kept ${verdict.lastEditKept}, media on disk ${verdict.mediaOnDisk} / indexed ${verdict.mediaIndexed} / expected ${verdict.mediaExpected}`,
);
for (const e of [...verdict.examples, ...verdict.indexDiff]) log(`    ${e}`);
log(`  ${verdict.pass ? 'PASS' : 'FAIL'} (${round(elapsed, 1)} s)`);

if (asJson)
  process.stdout.write(
    `${JSON.stringify({ seconds: round(elapsed, 1), pass: verdict.pass, writers, preview: { fetches: previewReport.fetches, failed: previewReport.failed }, verdict })}\n`,
  );
fs.rmSync(path.dirname(root), { recursive: true, force: true });
fs.rmSync(home, { recursive: true, force: true });
process.exitCode = verdict.pass ? 0 : 1;
