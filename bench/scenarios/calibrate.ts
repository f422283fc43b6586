/**
 * Machine calibration: the micro-benchmarks the issue measured on this kind of machine before
 * any code existed (issue #6, "Targets"), re-measured now. Their ratio to those reference
 * figures is the machine factor: on a shared machine it shows how much of the machine this
 * run actually got, so absolute targets can be read fairly (figure ÷ factor).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sha256 } from '../../src/merkle/hash.js';
import { ed25519VerifyRate, fdatasyncLatency, sqliteInsertRate } from '../baselines/compute.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { freshDir } from '../lib/logs.js';

/** Reference figures from issue #6 (2 cores, Node 20, quiet machine). */
export const REFERENCE = { sha256: 1_000_000, ed25519: 900, sqlite10k: 240_000 };

function sha256Rate(seconds: number): number {
  const input = randomBytes(64);
  let n = 0;
  const t = performance.now();
  const end = t + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 1000; i++) sha256(input);
    n += 1000;
  }
  return n / ((performance.now() - t) / 1000);
}

/**
 * Bytes per synced append for the second sync figure: about what a 30-entry batch adds to the WAL
 * (one 4 KiB identity-index leaf per entry — the keys are random — plus the partial tile, bundle
 * and checkpoint pages).
 */
const BATCH_WAL_BYTES = 128 * 1024;

let runs = 0;

export const calibrate: Scenario = {
  name: 'calibrate',
  async run(ctx: BenchContext) {
    const when = runs++ === 0 ? 'start' : 'end';
    const secs = ctx.quick ? 1 : 2;
    const sha = sha256Rate(secs);
    const ed = ed25519VerifyRate(secs);
    const sql = sqliteInsertRate(join(freshDir(ctx, 'calibrate'), 'c.db'), 10_000, secs * 2);
    const rows: [string, number, number, string][] = [
      ['SHA-256 of 64 bytes (@noble/hashes)', sha, REFERENCE.sha256, '/s'],
      ['Ed25519 verify (@noble/ed25519)', ed, REFERENCE.ed25519, '/s'],
      ['SQLite inserts, 10,000 rows/txn, synchronous=FULL', sql, REFERENCE.sqlite10k, 'rows/s'],
    ];
    for (const [figure, value, ref, unit] of rows) {
      ctx.record({ scenario: 'machine calibration', figure: `${figure}, ${when} of run`, value, unit, baseline: { name: 'issue #6 reference, quiet machine', value: ref, unit } });
    }
    // No reference figure: the disk's sync latency bounds a receipt's latency; it is not a
    // measure of how much CPU this run got, so it stays out of the machine factor.
    const dir = freshDir(ctx, 'calibrate');
    const sync = fdatasyncLatency(join(dir, 'sync.bin'), 4096, secs / 2);
    const batchSync = fdatasyncLatency(join(dir, 'sync.bin'), BATCH_WAL_BYTES, secs / 2);
    ctx.record({
      scenario: 'machine calibration',
      figure: `append 4 KiB + fdatasync, median, ${when} of run`,
      value: Number(sync.p50.toFixed(2)),
      unit: 'ms',
      note:
        `p99 ${sync.p99.toFixed(2)} ms over ${sync.n} appends; ${BATCH_WAL_BYTES / 1024} KiB (≈ a 30-entry batch's WAL frames) ` +
        `${batchSync.p50.toFixed(2)} ms median, p99 ${batchSync.p99.toFixed(2)} ms: the disk's floor under a durable receipt, which waits for its batch's WAL sync`,
    });
    ctx.say(`calibration: sha256 ${sha.toFixed(0)}/s, ed25519 ${ed.toFixed(0)}/s, sqlite ${sql.toFixed(0)} rows/s, fdatasync p50 ${sync.p50.toFixed(2)} ms`);
  },
};
