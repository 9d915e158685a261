import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two test files at a time even on two cores (vitest's default is cores - 1): most of a file's time is
    // waiting on Chromium, Pyodide workers, git or sshd, so the suite takes about 20% less time.
    maxWorkers: 2,
    // expect.poll gives up after 1 s by default: too soon for a page or a worker on a machine running two
    // test files. A poll that succeeds returns at once, so only a failing one waits this long.
    expect: { poll: { timeout: 15_000 } },
    reporters: ['default'],
  },
});
