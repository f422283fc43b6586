import { defineConfig } from 'vitest/config';

const common = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // End-to-end suites start servers on loopback ports and spawn the built bins; two cores.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { test: { name: 'default', include: ['test/**/*.test.ts'], ...common } },
      // The log-core and HTTP suites again, on the PostgreSQL backend (test/helpers/backends.ts),
      // against one throwaway cluster for the run (test/helpers/postgres-global.ts; PostgreSQL 15
      // from Debian, which .ci/run installs). RUNPROOF_PG_SUITE=0 leaves it out, e.g. on a machine
      // without PostgreSQL.
      ...(process.env['RUNPROOF_PG_SUITE'] === '0' ? [] : [{
        test: {
          name: 'postgres',
          include: ['test/log-core/**/*.test.ts', 'test/log-http/**/*.test.ts'],
          env: { RUNPROOF_TEST_BACKEND: 'postgres' },
          globalSetup: ['test/helpers/postgres-global.ts'],
          ...common,
        },
      }]),
    ],
  },
});
