/**
 * The PostgreSQL backend's rows, each beside the SQLite backend measured in the same run
 * (alternating rounds; the ratio is the figure): single declarations at 128 and 32 connections
 * with the server CPU per declaration, two instances on one database, batches of identities and
 * of declarations, and random old tiles and bundles. PostgreSQL is a throwaway cluster on this
 * machine (bench/lib/postgres.ts), so its own CPU and WAL fsync share the 2 cores with the log
 * and the load generator.
 */
import type { BenchContext, Scenario } from '../lib/context.js';
import { startPostgres } from '../lib/postgres.js';
import { batchOnPostgres } from './postgres/batch.js';
import { readsOnPostgres } from './postgres/reads.js';
import { singleOnPostgres } from './postgres/single.js';

export const postgres: Scenario = {
  name: 'postgres',
  async run(ctx: BenchContext) {
    const pg = await startPostgres();
    try {
      await singleOnPostgres(ctx, pg);
      await batchOnPostgres(ctx, pg);
      await readsOnPostgres(ctx, pg);
    } finally {
      await pg.stop();
    }
  },
};
