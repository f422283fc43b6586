/**
 * Batches on PostgreSQL against the SQLite backend in the same run, loaded as `batch` loads them:
 * `POST /v1/batch` with 1,000 identities per request (with receipts, then `?receipts=false`),
 * then 200 realistic declarations per request, 4 connections; each load alternates SQLite and
 * PostgreSQL rounds. Both logs start empty and run with the same limits.
 */
import type { BenchContext } from '../../lib/context.js';
import { runLoad, type LoadConfig, type LoadResult } from '../../lib/load.js';
import { freshDir } from '../../lib/logs.js';
import type { TestPostgres } from '../../lib/postgres.js';
import { startLog, type Served } from '../../lib/procs.js';
import { alternate, rates, warmupFor } from '../../lib/compare.js';
import { checkAcknowledged, checkBatchAnswers } from '../batch.js';
import { checkReceipts, treeSize } from '../single.js';

const IDENTITY_ITEMS = 1000;
const DECLARATION_ITEMS = 200;
const CONNECTIONS = 4;
/** How many acknowledged items of a `?receipts=false` run are looked up and verified afterwards. */
const LOOKED_UP = 20;

/** batchOnPostgres records the three batch rows; `pg` is the running throwaway cluster. */
export async function batchOnPostgres(ctx: BenchContext, pg: TestPostgres): Promise<void> {
  const limits = ['--max-batch-items', '1000', '--max-body', String(8 * 1024 * 1024)];
  const procs: (Served & { vkey: string })[] = [];
  try {
    const sqlite = await startLog(freshDir(ctx, 'pg-batch-sqlite'), limits);
    procs.push(sqlite);
    const postgres = await startLog(freshDir(ctx, 'pg-batch-postgres'), [...limits, '--db', await pg.createDatabase(), '--init']);
    procs.push(postgres);
    const common = { path: '/v1/batch', connections: CONNECTIONS, durationSec: ctx.seconds, warmupSec: ctx.warmup, maxRequests: 100_000, sampleBodies: 2 };
    const loads: { name: string; items: number; cfg: Omit<LoadConfig, 'url'>; check: (r: LoadResult, log: Served & { vkey: string }) => Promise<string> }[] = [
      {
        name: 'batch of identities on PostgreSQL (HTTP)',
        items: IDENTITY_ITEMS,
        cfg: { ...common, kind: 'identity-batch', items: IDENTITY_ITEMS },
        check: async (r, log) => (checkBatchAnswers(r, IDENTITY_ITEMS, log.vkey), 'every sampled item answered with a verifying receipt'),
      },
      {
        name: 'batch of identities on PostgreSQL, receipts later (HTTP, ?receipts=false)',
        items: IDENTITY_ITEMS,
        cfg: { ...common, path: '/v1/batch?receipts=false', kind: 'identity-batch', items: IDENTITY_ITEMS },
        check: async (r, log) => {
          const acked = checkAcknowledged(r, IDENTITY_ITEMS);
          const answers = await Promise.all(acked.slice(0, LOOKED_UP).map(async (identity) => (await fetch(`${log.url}/v1/identities/${identity.slice('sha256:'.length)}`)).text()));
          checkReceipts(answers, log.vkey);
          return `answered with index and time once durable; ${LOOKED_UP} acknowledged items looked up afterwards, each receipt verified`;
        },
      },
      {
        name: 'batch of declarations on PostgreSQL (HTTP)',
        items: DECLARATION_ITEMS,
        cfg: { ...common, kind: 'declaration-batch', items: DECLARATION_ITEMS },
        check: async (r, log) => (checkBatchAnswers(r, DECLARATION_ITEMS, log.vkey), 'every sampled item answered with a verifying receipt'),
      },
    ];
    let acknowledged = { sqlite: 0, postgres: 0 };
    for (const l of loads) {
      const { base, subject, all } = await alternate(
        ctx.rounds,
        (i) => runLoad({ ...l.cfg, warmupSec: warmupFor(i, ctx.warmup), url: sqlite.url }),
        (i) => runLoad({ ...l.cfg, warmupSec: warmupFor(i, ctx.warmup), url: postgres.url }),
      );
      await l.check(base, sqlite);
      const checked = await l.check(subject, postgres);
      const rate = subject.perSecond * l.items;
      const baseRate = base.perSecond * l.items;
      acknowledged = { sqlite: acknowledged.sqlite + base.ok * l.items, postgres: acknowledged.postgres + subject.ok * l.items };
      ctx.say(`${l.name}: ${rate.toFixed(0)} entries/s (SQLite ${baseRate.toFixed(0)}/s)`);
      ctx.record({
        scenario: l.name,
        figure: 'entries/s',
        value: rate,
        unit: '/s',
        baseline: { name: 'SQLite backend, same load', value: baseRate, unit: '/s' },
        target: '≥ 0.5× SQLite',
        met: rate >= 0.5 * baseRate,
        note: `${l.items} ${l.items === DECLARATION_ITEMS ? '≈1.3 KB declarations' : 'identities'} per request, ${CONNECTIONS} connections, p99 ${subject.latencyMs.p99} ms per request (SQLite ${base.latencyMs.p99} ms); ${checked}; best of ${ctx.rounds} alternating rounds (PostgreSQL ${rates(all.subject.map((x) => x * l.items))}/s; SQLite ${rates(all.base.map((x) => x * l.items))}/s)`,
      });
    }
    // The kept rounds alone must be in the logs (every round's entries are, so at least these).
    if ((await treeSize(postgres.url)) < acknowledged.postgres || (await treeSize(sqlite.url)) < acknowledged.sqlite) throw new Error('postgres batch: a log holds fewer entries than were acknowledged');
  } finally {
    for (const p of procs) await p.stop().catch(() => undefined);
  }
}
