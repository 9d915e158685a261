// Tests that need a system program run when it is installed. With BDS_REQUIRE_SYSTEM_TESTS=1 (CI)
// a missing program fails the test instead of skipping it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, it } from 'vitest';

const KNOWN: Record<string, string[]> = {
  git: ['git'],
  rsync: ['rsync'],
  ssh: ['ssh'],
  sshd: ['/usr/sbin/sshd'],
  chromium: ['/usr/bin/chromium', 'chromium'],
  hugo: ['hugo'],
};

export function hasProgram(name: string): boolean {
  for (const candidate of KNOWN[name] ?? [name]) {
    if (candidate.startsWith('/')) {
      if (fs.existsSync(candidate)) return true;
    } else if (spawnSync('sh', ['-c', `command -v ${candidate}`]).status === 0) {
      return true;
    }
  }
  return false;
}

export const systemTestsRequired = process.env.BDS_REQUIRE_SYSTEM_TESTS === '1';

/** `describe` that runs when every program is present, else skips (or fails when required). */
export function describeWith(programs: string[], name: string, fn: () => void): void {
  const missing = programs.filter((p) => !hasProgram(p));
  if (missing.length === 0) describe(name, fn);
  else if (systemTestsRequired) {
    describe(name, () => {
      it(`needs ${missing.join(', ')}`, () => {
        throw new Error(`BDS_REQUIRE_SYSTEM_TESTS=1 but ${missing.join(', ')} is not installed`);
      });
    });
  } else describe.skip(`${name} (needs ${missing.join(', ')})`, fn);
}
