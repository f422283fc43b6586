import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // End-to-end suites start servers on loopback ports and spawn the built bins; two cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
