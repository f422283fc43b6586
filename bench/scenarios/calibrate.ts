/**
 * Machine calibration: the micro-benchmarks the issue measured on this kind of machine before
 * any code existed (issue #6, "Targets"), re-measured now. Their ratio to those reference
 * figures is the machine factor: on a shared machine it shows how much of the machine this
 * run actually got, so absolute targets can be read fairly (figure ÷ factor).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sha256 } from '../../src/merkle/hash.js';
import { ed25519VerifyRate, sqliteInsertRate } from '../baselines/compute.js';
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
    ctx.say(`calibration: sha256 ${sha.toFixed(0)}/s, ed25519 ${ed.toFixed(0)}/s, sqlite ${sql.toFixed(0)} rows/s`);
  },
};
