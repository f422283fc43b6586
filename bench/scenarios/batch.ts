/**
 * Batch submission: `POST /v1/batch` with 1,000 identities per request (with a receipt per item,
 * then with `?receipts=false`: index and time only, receipts fetched later), then with 200
 * realistic declarations per request, a few connections at once (the sequencer merges them into
 * transactions of up to 4,096 entries). Baseline: raw better-sqlite3 inserts of identity rows
 * (WAL, synchronous=FULL) in transactions of the same size as a request.
 */
import { join } from 'node:path';
import { sqliteInsertRate } from '../baselines/compute.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { freshDir } from '../lib/logs.js';
import { startLog } from '../lib/procs.js';
import { checkReceipts, treeSize } from './single.js';

/** How many acknowledged items of the `?receipts=false` run are looked up and verified afterwards. */
const LOOKED_UP = 20;

const IDENTITY_ITEMS = 1000;
const DECLARATION_ITEMS = 200;
const CONNECTIONS = 4;

/** checkBatchAnswers verifies the sampled batch answers: every item logged, receipts verify. */
export function checkBatchAnswers(r: LoadResult, items: number, vkey: string): void {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`batch: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statusCodes)})`);
  if (r.ok === 0 || r.samples.length === 0) throw new Error(`batch: no answer within ${r.seconds} s`);
  for (const s of r.samples) {
    const { results } = JSON.parse(s) as { results: ({ error?: unknown } & Record<string, unknown>)[] };
    if (results.length !== items || results.some((x) => x.error !== undefined)) throw new Error('batch: an item was refused');
    checkReceipts(results.slice(0, 20).map((x) => JSON.stringify(x)), vkey);
  }
}

/** checkAcknowledged checks the sampled `?receipts=false` answers and returns their identities. */
export function checkAcknowledged(r: LoadResult, items: number): string[] {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`batch: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statusCodes)})`);
  if (r.ok === 0 || r.samples.length === 0) throw new Error(`batch: no answer within ${r.seconds} s`);
  const identities: string[] = [];
  for (const s of r.samples) {
    const { results } = JSON.parse(s) as { results: { identity?: string; index?: unknown; receipt?: unknown }[] };
    if (results.length !== items || results.some((x) => typeof x.index !== 'number' || x.receipt !== undefined)) throw new Error('batch: an item was not acknowledged');
    identities.push(...results.map((x) => x.identity!));
  }
  return identities;
}

export const batch: Scenario = {
  name: 'batch',
  async run(ctx: BenchContext) {
    const dir = freshDir(ctx, 'batch');
    // The baseline before and after the load, best kept: the machine's load swings within seconds.
    const before1000 = sqliteInsertRate(join(dir, 'baseline.db'), IDENTITY_ITEMS, Math.min(ctx.seconds, 5));
    const before200 = sqliteInsertRate(join(dir, 'baseline.db'), DECLARATION_ITEMS, Math.min(ctx.seconds, 5));
    const log = await startLog(dir, ['--max-batch-items', '1000', '--max-body', String(8 * 1024 * 1024)]);
    let ids: LoadResult;
    let bare: LoadResult;
    let decls: LoadResult;
    let size: number;
    try {
      const common = { url: log.url, path: '/v1/batch', connections: CONNECTIONS, durationSec: Math.max(ctx.seconds, 6), warmupSec: ctx.warmup, maxRequests: 100_000, sampleBodies: 2 };
      ids = await runLoad({ ...common, kind: 'identity-batch', items: IDENTITY_ITEMS });
      bare = await runLoad({ ...common, path: '/v1/batch?receipts=false', kind: 'identity-batch', items: IDENTITY_ITEMS });
      // Acknowledged without receipts: the entries must still be there, with verifying receipts.
      const acked = checkAcknowledged(bare, IDENTITY_ITEMS);
      const answers = await Promise.all(acked.slice(0, LOOKED_UP).map(async (identity) => (await fetch(`${log.url}/v1/identities/${identity.slice('sha256:'.length)}`)).text()));
      checkReceipts(answers, log.vkey);
      decls = await runLoad({ ...common, kind: 'declaration-batch', items: DECLARATION_ITEMS });
      size = await treeSize(log.url);
    } finally {
      await log.stop();
    }
    checkBatchAnswers(ids, IDENTITY_ITEMS, log.vkey);
    checkBatchAnswers(decls, DECLARATION_ITEMS, log.vkey);
    if (size < (ids.ok + bare.ok) * IDENTITY_ITEMS + decls.ok * DECLARATION_ITEMS) throw new Error('batch: the log holds fewer entries than were acknowledged');
    const idRate = ids.perSecond * IDENTITY_ITEMS;
    const bareRate = bare.perSecond * IDENTITY_ITEMS;
    const declRate = decls.perSecond * DECLARATION_ITEMS;
    ctx.say(`batch: ${idRate.toFixed(0)} identities/s, ${declRate.toFixed(0)} declarations/s`);
    const sqlite1000 = Math.max(before1000, sqliteInsertRate(join(dir, 'baseline.db'), IDENTITY_ITEMS, Math.min(ctx.seconds, 5)));
    const sqlite200 = Math.max(before200, sqliteInsertRate(join(dir, 'baseline.db'), DECLARATION_ITEMS, Math.min(ctx.seconds, 5)));
    ctx.say(`raw SQLite (best of before and after): ${sqlite1000.toFixed(0)} rows/s (1,000/txn), ${sqlite200.toFixed(0)} rows/s (200/txn)`);
    ctx.record({
      scenario: 'batch of identities (HTTP)',
      figure: 'entries/s',
      value: idRate,
      unit: '/s',
      baseline: { name: 'raw SQLite inserts, 1,000 rows/txn', value: sqlite1000, unit: 'rows/s' },
      target: '≥ 0.5× raw SQLite',
      met: idRate >= 0.5 * sqlite1000,
      note: `${IDENTITY_ITEMS} identities per request, ${CONNECTIONS} connections, p99 ${ids.latencyMs.p99} ms per request; every sampled item answered with a verifying receipt`,
    });
    ctx.record({
      scenario: 'batch of identities, receipts later (HTTP, ?receipts=false)',
      figure: 'entries/s',
      value: bareRate,
      unit: '/s',
      baseline: { name: 'raw SQLite inserts, 1,000 rows/txn', value: sqlite1000, unit: 'rows/s' },
      target: '≥ 0.5× raw SQLite',
      met: bareRate >= 0.5 * sqlite1000,
      note: `${IDENTITY_ITEMS} identities per request, ${CONNECTIONS} connections, p99 ${bare.latencyMs.p99} ms per request; answered with index and time once durable; ${LOOKED_UP} acknowledged items looked up afterwards, each receipt verified`,
    });
    ctx.record({
      scenario: 'batch of declarations (HTTP)',
      figure: 'entries/s',
      value: declRate,
      unit: '/s',
      baseline: { name: 'raw SQLite inserts, 200 rows/txn', value: sqlite200, unit: 'rows/s' },
      target: '≥ 0.25× raw SQLite',
      met: declRate >= 0.25 * sqlite200,
      note: `${DECLARATION_ITEMS} ≈1.3 KB declarations per request (strict parse, schema, RFC 8785, SHA-256 each), ${CONNECTIONS} connections, p99 ${decls.latencyMs.p99} ms per request`,
    });
  },
};
