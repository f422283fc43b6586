/**
 * vitest global setup of the `postgres` project (vitest.config.ts): one throwaway PostgreSQL
 * cluster for the whole run of the log-core and HTTP suites on the PostgreSQL backend; each test
 * gets its own database in it (test/helpers/backends.ts). Its port reaches the test workers as
 * RUNPROOF_TEST_PG_PORT.
 */
import { startPostgres } from './postgres.js';

export default async function setup(): Promise<() => Promise<void>> {
  const pg = await startPostgres();
  process.env['RUNPROOF_TEST_PG_PORT'] = String(pg.port);
  return () => pg.stop();
}
