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
    reporters: ['default'],
  },
});
