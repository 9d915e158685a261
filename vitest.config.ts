import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // expect.poll gives up after 1 s by default: too soon for a page or a worker on a busy machine. A poll
    // that succeeds returns at once, so only a failing one waits this long. (Two test files at a time
    // took CI from ~880 s to ~810 s on two cores, but live-reload and time-limited Python tests failed
    // under the load: one file at a time, vitest's default on two cores.)
    expect: { poll: { timeout: 15_000 } },
    reporters: ['default'],
  },
});
