/**
 * Single declarations with durable receipts on the PostgreSQL backend, against the SQLite
 * backend in the same run (the ratio is the figure), and two instances on one PostgreSQL. The
 * same load as `single` (≈1.3 KB declarations, one per request). PostgreSQL is a throwaway
 * cluster on this machine (bench/lib/postgres.ts), so its own CPU and WAL fsync share the cores
 * with the log and the load generator: what bounds the two-instance figure.
 */
import type { BenchContext, Scenario } from '../lib/context.js';
import { clean, runLoad } from '../lib/load.js';
import { freshDir } from '../lib/logs.js';
import { startPostgres } from '../lib/postgres.js';
import { startLog, type Served } from '../lib/procs.js';
import { alternate, rates } from '../lib/compare.js';
import { checkReceipts, treeSize } from './single.js';

/** Connections of the load (as `single`'s larger count: enough work in flight for group commit). */
const CONNECTIONS = 128;

export const postgres: Scenario = {
  name: 'postgres',
  async run(ctx: BenchContext) {
    const pg = await startPostgres();
    const procs: Served[] = [];
    try {
      const load = { kind: 'declaration' as const, path: '/v1/declarations', durationSec: ctx.seconds, warmupSec: ctx.warmup, maxRequests: 2_000_000 };
      const sqlite = await startLog(freshDir(ctx, 'pg-sqlite'));
      procs.push(sqlite);
      const dir = freshDir(ctx, 'pg-postgres');
      const url = await pg.createDatabase();
      const one = await startLog(dir, ['--db', url, '--init']);
      procs.push(one);
      const { base, subject, all } = await alternate(
        ctx.rounds,
        () => runLoad({ ...load, connections: CONNECTIONS, url: sqlite.url }),
        () => runLoad({ ...load, connections: CONNECTIONS, url: one.url, sampleBodies: 200 }),
      );
      clean(base, 'SQLite');
      clean(subject, 'PostgreSQL');
      const checked = checkReceipts(subject.samples, one.vkey);
      await sqlite.stop();
      // Two instances: half the connections on each, at the same time.
      const two = await startLog(dir, ['--db', url]);
      procs.push(two);
      const halves = await Promise.all([one, two].map((s) => runLoad({ ...load, connections: CONNECTIONS / 2, url: s.url, sampleBodies: 50 })));
      halves.forEach((h, i) => clean(h, `PostgreSQL instance ${i + 1} of 2`));
      checkReceipts(halves.flatMap((h) => h.samples), one.vkey);
      const twoRate = halves[0]!.perSecond + halves[1]!.perSecond;
      const twoP99 = Math.max(halves[0]!.latencyMs.p99, halves[1]!.latencyMs.p99);
      const size = await treeSize(one.url);
      ctx.say(`SQLite: ${base.perSecond.toFixed(0)}/s; PostgreSQL: ${subject.perSecond.toFixed(0)}/s, p99 ${subject.latencyMs.p99} ms; two instances: ${twoRate.toFixed(0)}/s, p99 ${twoP99} ms`);
      const scenario = `single declarations on PostgreSQL (HTTP, ${CONNECTIONS} connections)`;
      ctx.record({
        scenario,
        figure: 'submissions/s',
        value: subject.perSecond,
        unit: '/s',
        baseline: { name: 'SQLite backend, same load', value: base.perSecond, unit: '/s' },
        target: '≥ 0.5× SQLite',
        met: subject.perSecond >= 0.5 * base.perSecond,
        note: `best of ${ctx.rounds} alternating rounds (PostgreSQL ${rates(all.subject)}/s; SQLite ${rates(all.base)}/s); ${checked} sampled receipts verified offline; PostgreSQL 15 on the same 2 cores`,
      });
      ctx.record({
        scenario,
        figure: 'submission→receipt p99',
        value: subject.latencyMs.p99,
        unit: 'ms',
        baseline: { name: 'SQLite p99', value: base.latencyMs.p99, unit: 'ms' },
        target: 'p99 ≤ 100 ms',
        absolute: true,
        met: subject.latencyMs.p99 <= 100,
        note: `p50 ${subject.latencyMs.p50} ms, max ${subject.latencyMs.max} ms (SQLite p50 ${base.latencyMs.p50}, max ${base.latencyMs.max} ms)`,
      });
      ctx.record({
        scenario: `two instances on one PostgreSQL (HTTP, ${CONNECTIONS / 2} connections each)`,
        figure: 'submissions/s',
        value: twoRate,
        unit: '/s',
        baseline: { name: 'one PostgreSQL instance', value: subject.perSecond, unit: '/s' },
        target: 'report (one sequencer; the other forwards through the database)',
        met: true,
        note: `p99 ${twoP99} ms; instance rates ${halves.map((h) => h.perSecond.toFixed(0)).join(' + ')}/s; log size ${size}; bounded by the one sequencer and by PostgreSQL's CPU and fsync on the same 2 cores`,
      });
    } finally {
      for (const p of procs) await p.stop().catch(() => undefined);
      await pg.stop();
    }
  },
};

