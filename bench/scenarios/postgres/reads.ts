/**
 * Random old hash tiles and entry bundles (c2sp.org/tlog-tiles) served from PostgreSQL against
 * the SQLite backend serving the same log in the same run, alternating rounds. The log is the
 * cached 100,000-entry bench log (bench/lib/build-log.ts, through the log core) copied into
 * the throwaway cluster by `runproof-log migrate`, which commits only if the tree rebuilt from the
 * copied tiles has the root the SQLite log signed: both sides serve the same bytes. (The copy
 * took ≈ 10 s per 100,000 entries here: the 1,000,000-entry log of `reads` would take most of
 * this scenario's time budget.)
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { entriesPath, tilePath } from '../../../src/merkle/tiles.js';
import type { BenchContext } from '../../lib/context.js';
import { clean, runLoad, type LoadConfig } from '../../lib/load.js';
import { builtLog, freshDir } from '../../lib/logs.js';
import type { TestPostgres } from '../../lib/postgres.js';
import { BIN, runNode, startLog, type Served } from '../../lib/procs.js';
import { alternate, rates, warmupFor } from '../../lib/compare.js';

/** Entries of the log read. */
const ENTRIES = 100_000;

/** Level-0 tiles and bundles the log keeps cached however they are read (log-server/blob-cache.ts RECENT_BLOBS). */
const RECENT = 128;

/** readsOnPostgres records the old-tile and old-bundle rows; `pg` is the running throwaway cluster. */
export async function readsOnPostgres(ctx: BenchContext, pg: TestPostgres): Promise<void> {
  const { dir, built } = await builtLog(ctx, ENTRIES);
  const url = await pg.createDatabase();
  const copied = await runNode([BIN.log, 'migrate', '--from', join(dir, 'log.db'), '--to', url, '--key', join(dir, 'log.key')], 600_000);
  if (copied.code !== 0) throw new Error(`postgres reads: migrate failed: ${copied.stderr.slice(-2000)}`);
  ctx.say(`copied the ${built.entries.toLocaleString('en-US')}-entry log into PostgreSQL in ${(copied.ms / 1000).toFixed(1)} s`);
  // Old full tiles only (never the recent ones the server always caches), in a rotation longer
  // than the server's 256-blob cache, so every read goes to the backend.
  const old = Math.floor(built.entries / 256) - RECENT;
  const tiles = Array.from({ length: old }, (_, i) => '/' + tilePath({ level: 0, index: i, width: 256 }));
  const bundles = Array.from({ length: old }, (_, i) => '/' + entriesPath(i, 256));
  // Half the usual run: reads are many short requests, and the scenario's time is spent on writes.
  const load = { kind: 'paths' as const, connections: ctx.connections, durationSec: Math.max(2, ctx.seconds / 2), maxRequests: 5_000_000 };
  const procs: Served[] = [];
  try {
    const sqlite = await startLog(dir);
    procs.push(sqlite);
    const pgDir = freshDir(ctx, 'pg-reads');
    copyFileSync(join(dir, 'log.key'), join(pgDir, 'log.key'));
    const postgres = await startLog(pgDir, ['--db', url]);
    procs.push(postgres);
    const runs: [string, Partial<LoadConfig>][] = [
      ['old hash tiles', { path: tiles[0]!, paths: tiles }],
      ['old entry bundles', { path: bundles[0]!, paths: bundles }],
    ];
    for (const [name, extra] of runs) {
      const cfg = { ...load, ...extra } as Omit<LoadConfig, 'url'>;
      const { base, subject: r, all } = await alternate(
        ctx.rounds,
        async (i) => clean(await runLoad({ ...cfg, warmupSec: warmupFor(i, ctx.warmup), url: sqlite.url }), `SQLite ${name}`),
        async (i) => clean(await runLoad({ ...cfg, warmupSec: warmupFor(i, ctx.warmup), url: postgres.url }), `PostgreSQL ${name}`),
      );
      ctx.say(`${name}: PostgreSQL ${r.perSecond.toFixed(0)}/s (SQLite ${base.perSecond.toFixed(0)}/s)`);
      ctx.record({
        scenario: 'reads from PostgreSQL (tlog-tiles)',
        figure: `${name} requests/s`,
        value: r.perSecond,
        unit: '/s',
        baseline: { name: 'SQLite backend, same log', value: base.perSecond, unit: '/s' },
        target: 'report',
        met: true,
        note: `${ctx.connections} connections on a ${built.entries.toLocaleString('en-US')}-entry log (built through the log core on SQLite, copied by runproof-log migrate, roots checked), rotating over its ${old} oldest full ${name.slice(4)} (not the ${RECENT} recent ones the server keeps cached; the rotation is longer than its 256-blob cache); p99 ${r.latencyMs.p99} ms (SQLite ${base.latencyMs.p99} ms); best of ${ctx.rounds} alternating rounds (PostgreSQL ${rates(all.subject)}/s; SQLite ${rates(all.base)}/s)`,
      });
    }
  } finally {
    for (const p of procs) await p.stop().catch(() => undefined);
  }
}
