// Issue 19: four bds writer processes and a preview on one project at once, each writer calling the use
// cases `bds` calls in a loop (bench/writer-process.ts), the post writer with a real `bds --json post new`
// beside it. They start together on a project whose index was deleted (a fresh clone), and one of them
// waits only briefly for the lock, so it meets project-busy. Whatever the interleaving, the user sees
// no `database is locked`, no internal error and no ENOENT; a failed operation changed no file; every
// success is in the files and the index; and the index equals a rebuild from the files.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  runWriterProcess,
  seedProject,
  startPreviewReader,
  verifyProject,
} from '../../bench/writers-scenario.js';
import { cleanupTempDirs, tempDir } from '../helpers/project.js';

afterEach(() => cleanupTempDirs());

describe('several bds processes writing one project at once', () => {
  it('lose no update, fail without changing files, show no lock or internal error, and keep index = files', async () => {
    const root = path.join(tempDir('bds-writers-'), 'blog');
    const home = tempDir('bds-home-');
    const { image } = await seedProject(root, home);
    fs.rmSync(path.join(root, '.bds'), { recursive: true, force: true });
    const preview = await startPreviewReader(root, home);
    let previewStopped = false;
    try {
      const ops = 25;
      const reports = await Promise.all([
        runWriterProcess(root, home, image, { role: 'post-new', ops, cli: true }),
        runWriterProcess(root, home, image, { role: 'tag', ops, lockTimeoutMs: 100 }),
        runWriterProcess(root, home, image, { role: 'post-edit', ops }),
        runWriterProcess(root, home, image, { role: 'media', ops }),
      ]);
      const previewReport = await preview.stop();
      previewStopped = true;
      const v = await verifyProject(root, home, reports, previewReport);
      const trouble = {
        databaseLocked: v.databaseLocked,
        internal: v.internal,
        enoent: v.enoent,
        failedButChanged: v.failedButChanged,
        lostUpdates: v.lostUpdates,
        duplicates: v.duplicates,
        otherFailures: v.otherFailures,
        projectBusyWithoutHint: v.projectBusyWithoutHint,
        previewFailures: v.previewFailures,
        previewStderr: v.previewStderr,
        problems: v.problems,
      };
      expect(trouble, v.examples.join('\n')).toEqual(
        Object.fromEntries(Object.keys(trouble).map((k) => [k, 0])),
      );
      expect(v.indexDiff).toEqual([]);
      expect(v.indexEqualsRebuild).toBe(true);
      // Only the impatient tag writer may have met project-busy (and then changed nothing, above).
      for (const r of reports.filter((r) => r.role !== 'tag')) expect(r.failures, r.role).toEqual([]);
      for (const r of reports) expect(r.ops, r.role).toBeGreaterThanOrEqual(ops);
      expect(reports[0]!.cliOps).toBeGreaterThan(0);
      // Posts on disk = successful creates (in-process and through `bds`), each once.
      expect(v.postsCreated).toBe(v.postNewOk);
      expect(v.postNewOk).toBe(reports[0]!.ok);
      expect(v.mediaOnDisk).toBe(v.mediaExpected);
      expect(v.mediaIndexed).toBe(v.mediaExpected);
      expect(v.lastEditKept).toBe(true);
      expect([0, 6]).toContain(v.tags.red);
      expect(v.tags.red + v.tags.blue).toBe(6);
      expect(v.pass).toBe(true);
    } finally {
      if (!previewStopped) await preview.stop();
    }
  }, 120_000);
});
