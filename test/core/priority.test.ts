// A background build's priority, on a real process: every thread it has is lowered, threads it starts
// afterwards (workers) inherit it, and a process already lower stays where it is.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BACKGROUND_NICENESS } from '../../src/core/priority.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PRIORITY = path.join(REPO, 'src/core/priority.ts');

/** Runs runInBackground in a new Node process (under `nice` when given), then starts a worker thread. */
function childPriorities(nice?: number): { before: number[]; after: number[]; worker: number } {
  const code = `
    import os from 'node:os';
    import fs from 'node:fs';
    import { Worker } from 'node:worker_threads';
    const { runInBackground } = await import(${JSON.stringify(PRIORITY)});
    const all = () => fs.readdirSync('/proc/self/task').map((t) => os.getPriority(Number(t)));
    const before = all();
    if (runInBackground() !== 0) throw new Error('refused');
    const after = all();
    const w = new Worker(
      "import { parentPort } from 'node:worker_threads'; import os from 'node:os'; import fs from 'node:fs';" +
        "parentPort.postMessage(os.getPriority(Number(fs.readlinkSync('/proc/thread-self').split('/').pop())));",
      { eval: true },
    );
    const worker = await new Promise((resolve) => w.once('message', resolve));
    await w.terminate();
    console.log(JSON.stringify({ before, after, worker }));
  `;
  const argv = ['--import', 'tsx', '--input-type=module', '-e', code];
  const r =
    nice === undefined
      ? spawnSync(process.execPath, argv, { cwd: REPO, encoding: 'utf8' })
      : spawnSync('nice', ['-n', String(nice), process.execPath, ...argv], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    before: number[];
    after: number[];
    worker: number;
  };
}

describe.skipIf(!fs.existsSync('/proc/self/task'))('a background build', () => {
  it('lowers every thread of the process, and the workers it starts after', () => {
    const { before, after, worker } = childPriorities();
    expect(before.length).toBeGreaterThan(1);
    expect(Math.min(...before)).toBeLessThan(BACKGROUND_NICENESS);
    expect(after.every((p) => p === BACKGROUND_NICENESS)).toBe(true);
    expect(worker).toBe(BACKGROUND_NICENESS);
  });

  it('never raises a process started lower', () => {
    const { after, worker } = childPriorities(15);
    expect(after.every((p) => p === 15)).toBe(true);
    expect(worker).toBe(15);
  });
});
