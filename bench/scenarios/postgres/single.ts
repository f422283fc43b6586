/**
 * Single declarations on PostgreSQL against the SQLite backend in the same run, at 128 and 32
 * connections (the counts of `single`), with the server CPU per declaration of each side, then
 * two instances on the one PostgreSQL log. The same load as `single` (≈1.3 KB declarations, one
 * per request, durable receipts); each count alternates SQLite and PostgreSQL rounds.
 */
import type { BenchContext } from '../../lib/context.js';
import { clean, cpuPerAnswer, runLoad, type LoadResult } from '../../lib/load.js';
import { freshDir } from '../../lib/logs.js';
import { clusterCpuSeconds, type TestPostgres } from '../../lib/postgres.js';
import { startLog, type Served } from '../../lib/procs.js';
import { alternate, rates, warmupFor } from '../../lib/compare.js';
import { checkReceipts, treeSize } from '../single.js';

/** Connection counts, as in `single`: enough work in flight for group commit, and fewer. */
const CONNECTIONS = [128, 32];

/** The target of every PostgreSQL write rate (issue #17): half the SQLite backend's. */
const RATIO = 0.5;

/** The p99 target of single declarations on PostgreSQL (issue #17). */
const P99_MS = 100;

/** singleOnPostgres records the single-declaration rows; `pg` is the running throwaway cluster. */
export async function singleOnPostgres(ctx: BenchContext, pg: TestPostgres): Promise<void> {
  const procs: Served[] = [];
  try {
    const load = { kind: 'declaration' as const, path: '/v1/declarations', durationSec: ctx.seconds, warmupSec: ctx.warmup, maxRequests: 2_000_000 };
    const sqlite = await startLog(freshDir(ctx, 'pg-sqlite'));
    procs.push(sqlite);
    const dir = freshDir(ctx, 'pg-postgres');
    const url = await pg.createDatabase();
    const one = await startLog(dir, ['--db', url, '--init']);
    procs.push(one);
    const dbCpu = () => clusterCpuSeconds(pg.dataDir);
    let best128: LoadResult | undefined;
    for (const connections of CONNECTIONS) {
      const { base, subject, all } = await alternate(
        ctx.rounds,
        (i) => runLoad({ ...load, connections, warmupSec: warmupFor(i, ctx.warmup), url: sqlite.url }, { cpuOf: sqlite.child.pid! }),
        (i) => runLoad({ ...load, connections, warmupSec: warmupFor(i, ctx.warmup), url: one.url, sampleBodies: 200 }, { cpuOf: one.child.pid!, alsoCpu: dbCpu }),
      );
      clean(base, 'SQLite');
      clean(subject, 'PostgreSQL');
      const checked = checkReceipts(subject.samples, one.vkey);
      if (connections === 128) best128 = subject;
      recordSingle(ctx, connections, base, subject, all, checked);
    }
    await sqlite.stop();
    // Two instances: half the connections on each, at the same time.
    const two = await startLog(dir, ['--db', url]);
    procs.push(two);
    const halves = await Promise.all([one, two].map((s) => runLoad({ ...load, connections: 64, url: s.url, sampleBodies: 50 })));
    halves.forEach((h, i) => clean(h, `PostgreSQL instance ${i + 1} of 2`));
    checkReceipts(halves.flatMap((h) => h.samples), one.vkey);
    const twoRate = halves[0]!.perSecond + halves[1]!.perSecond;
    const twoP99 = Math.max(halves[0]!.latencyMs.p99, halves[1]!.latencyMs.p99);
    const size = await treeSize(one.url);
    ctx.say(`two instances: ${twoRate.toFixed(0)}/s, p99 ${twoP99} ms`);
    ctx.record({
      scenario: 'two instances on one PostgreSQL (HTTP, 64 connections each)',
      figure: 'submissions/s',
      value: twoRate,
      unit: '/s',
      baseline: { name: 'one PostgreSQL instance, 128 connections', value: best128!.perSecond, unit: '/s' },
      target: 'report (one sequencer; the other forwards through the database)',
      met: true,
      note: `p99 ${twoP99} ms; instance rates ${halves.map((h) => h.perSecond.toFixed(0)).join(' + ')}/s; log size ${size}; bounded by the one sequencer and by PostgreSQL's CPU and fsync on the same 2 cores`,
    });
  } finally {
    for (const p of procs) await p.stop().catch(() => undefined);
  }
}

/** recordSingle records the rate, p99 and CPU rows of one connection count. */
function recordSingle(ctx: BenchContext, connections: number, base: LoadResult, r: LoadResult, all: { base: number[]; subject: number[] }, checked: number): void {
  const scenario = `single declarations on PostgreSQL (HTTP, ${connections} connections)`;
  const logCpu = cpuPerAnswer(r);
  const dbCpu = (r.otherCpuSec! * 1e6) / r.ok;
  const sqliteCpu = cpuPerAnswer(base);
  ctx.say(`${connections} connections: SQLite ${base.perSecond.toFixed(0)}/s; PostgreSQL ${r.perSecond.toFixed(0)}/s, p99 ${r.latencyMs.p99} ms; CPU per declaration ${logCpu.toFixed(0)} µs log + ${dbCpu.toFixed(0)} µs PostgreSQL (SQLite ${sqliteCpu.toFixed(0)} µs)`);
  ctx.record({
    scenario,
    figure: 'submissions/s',
    value: r.perSecond,
    unit: '/s',
    baseline: { name: 'SQLite backend, same load', value: base.perSecond, unit: '/s' },
    target: `≥ ${RATIO}× SQLite`,
    met: r.perSecond >= RATIO * base.perSecond,
    note: `best of ${ctx.rounds} alternating rounds (PostgreSQL ${rates(all.subject)}/s; SQLite ${rates(all.base)}/s); ${checked} sampled receipts verified offline; PostgreSQL 15 on the same 2 cores`,
  });
  ctx.record({
    scenario,
    figure: 'submission→receipt p99',
    value: r.latencyMs.p99,
    unit: 'ms',
    baseline: { name: 'SQLite p99', value: base.latencyMs.p99, unit: 'ms' },
    target: `p99 ≤ ${P99_MS} ms`,
    absolute: true,
    met: r.latencyMs.p99 <= P99_MS,
    note: `p50 ${r.latencyMs.p50} ms, max ${r.latencyMs.max} ms (SQLite p50 ${base.latencyMs.p50}, max ${base.latencyMs.max} ms)`,
  });
  ctx.record({
    scenario,
    figure: 'server CPU per declaration (log + PostgreSQL)',
    value: logCpu + dbCpu,
    unit: 'µs',
    baseline: { name: 'SQLite backend, log process', value: sqliteCpu, unit: 'µs' },
    target: 'report',
    met: true,
    note: `user + system CPU over the measured run of the kept round ÷ receipts, from /proc: the log process ${logCpu.toFixed(0)} µs (${r.serverCpuSec!.toFixed(2)} s for ${r.ok.toLocaleString('en-US')}) and PostgreSQL's server processes (postmaster, its live and reaped children) ${dbCpu.toFixed(0)} µs (${r.otherCpuSec!.toFixed(2)} s); SQLite backend ${base.serverCpuSec!.toFixed(2)} s for ${base.ok.toLocaleString('en-US')}`,
  });
}
