// A batch job's CPU priority: `bds build` from a terminal is background work next to the app, the
// editor and the preview, so it yields them the CPU when they want it and takes every core when they
// do not (a lower priority costs nothing on an idle machine).
import fs from 'node:fs';
import os from 'node:os';

/** The niceness a background build runs at (0 normal, 19 lowest). */
export const BACKGROUND_NICENESS = 10;

/** The process's threads: each has a priority of its own on Linux, where new threads take their creator's. */
function threadIds(): number[] {
  try {
    return fs.readdirSync('/proc/self/task').map(Number).filter(Number.isInteger);
  } catch {
    // No /proc (macOS, Windows): the process's priority covers its threads.
    return [0];
  }
}

/**
 * Lower this process's priority to `niceness` (never raise it: a build started under `nice -n 19` stays
 * there), on every thread it has now; threads started later take it from the main thread. Returns the
 * threads whose priority could not be changed (none, unless the system refuses).
 */
export function runInBackground(niceness = BACKGROUND_NICENESS): number {
  let refused = 0;
  for (const tid of threadIds()) {
    try {
      if (os.getPriority(tid) < niceness) os.setPriority(tid, niceness);
    } catch {
      // The thread ended meanwhile, or the system does not allow it: the build runs as it is.
      refused++;
    }
  }
  return refused;
}
