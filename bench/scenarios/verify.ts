/**
 * Receipt verification (the library behind `runproof verify`): many receipts of the cached bench
 * log, (a) all against one shared checkpoint with one ReceiptVerifier (its signature is verified
 * once, every inclusion proof every time), (b) each against a different checkpoint, every
 * signature verified. Baseline: raw Ed25519 verifications with @noble/ed25519, the library the
 * project uses.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { readKeyFile } from '../../log-server/keyfile.js';
import { Log } from '../../log-server/log.js';
import { sqliteBackend } from '../../log-server/storage/sqlite.js';
import { decodeEntry } from '../../src/note/entry.js';
import { formatIdentity } from '../../src/declaration/identity.js';
import { parseTlogProof } from '../../src/note/tlog-proof.js';
import { ReceiptVerifier, verifyReceipt } from '../../src/receipt/verify.js';
import { useEd25519Accelerator } from '../../src/note/ed25519.js';
import { installNativeEd25519 } from '../../node-shared/native-ed25519.js';
import { ed25519VerifyRate } from '../baselines/compute.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { BENCH_ORIGIN } from '../lib/built.js';
import { builtLog } from '../lib/logs.js';

interface Item {
  receipt: string;
  identity: string;
}

function withIdentity(receipt: string): Item {
  return { receipt, identity: formatIdentity(decodeEntry(parseTlogProof(receipt).extra!).identity) };
}

/** rate runs `f` over `items` round-robin for `seconds` (at least one pass); returns calls per second. */
function rate(items: Item[], seconds: number, f: (x: Item) => void): number {
  let n = 0;
  const t = performance.now();
  const end = t + seconds * 1000;
  while (performance.now() < end || n < items.length) f(items[n++ % items.length]!);
  return n / ((performance.now() - t) / 1000);
}

export const verify: Scenario = {
  name: 'verify',
  async run(ctx: BenchContext) {
    const { dir, built } = await builtLog(ctx, ctx.auditEntries);
    const dbPath = join(dir, 'log.db');
    const ro = new Database(dbPath, { readonly: true });
    const rows = ro.prepare<[], { size: number; note: string }>('SELECT size, note FROM checkpoints WHERE size > 0 ORDER BY size').all();
    ro.close();
    const log = await Log.open({ backend: sqliteBackend(dbPath), origin: BENCH_ORIGIN, signer: readKeyFile(join(dir, 'log.key')) });
    let shared: Item[];
    let distinct: Item[];
    try {
      shared = await Promise.all(Array.from({ length: 2000 }, async (_, i) => withIdentity(await log.receipt(Math.floor((i * 7919 * 127) % built.entries)))));
      distinct = await Promise.all(rows.slice(-250).map(async (row, i) => withIdentity(await log.receipt(Math.floor(((i * 7919) % row.size)), row.note))));
    } finally {
      await log.close();
    }
    const vkey = built.vkey;
    const secs = Math.min(ctx.seconds, 5);
    // The library as a browser or `runproof` gets it: the pure Ed25519 check. (This process has
    // imported runproof/client, which installs node:crypto's; it is put back below.)
    useEd25519Accelerator(undefined);
    const verifier = new ReceiptVerifier({ vkey });
    const sharedRate = rate(shared, secs, (x) => verifier.verify(x));
    const distinctRate = rate(distinct, secs, (x) => verifyReceipt({ ...x, trust: { vkey } }));
    const base = ed25519VerifyRate(secs);
    // As the CLI and runproof/client check them: node:crypto first, the pure verdict always.
    installNativeEd25519();
    const nativeRate = rate(distinct, secs, (x) => verifyReceipt({ ...x, trust: { vkey } }));
    ctx.say(`verify: ${sharedRate.toFixed(0)}/s shared, ${distinctRate.toFixed(0)}/s distinct (${nativeRate.toFixed(0)}/s with node:crypto); raw Ed25519 ${base.toFixed(0)}/s`);
    ctx.record({
      scenario: 'receipt verification (library)',
      figure: 'receipts/s, one shared checkpoint',
      value: sharedRate,
      unit: '/s',
      baseline: { name: 'raw Ed25519 verify (noble)', value: base, unit: '/s' },
      target: '≥ 5,000 receipts/s',
      absolute: true,
      met: sharedRate >= 5000,
      note: `${shared.length} receipts at random indexes of a ${built.entries.toLocaleString('en-US')}-entry log (${parseTlogProof(shared[0]!.receipt).path.length}-hash inclusion proofs), one ReceiptVerifier: parse, identity, entry, leaf hash and inclusion proof every time, the checkpoint signature once`,
    });
    ctx.record({
      scenario: 'receipt verification (library)',
      figure: 'receipts/s, distinct checkpoints',
      value: distinctRate,
      unit: '/s',
      baseline: { name: 'raw Ed25519 verify (noble)', value: base, unit: '/s' },
      note: `${distinct.length} receipts each against a different signed checkpoint, a fresh verifyReceipt() each (every signature verified): bounded by Ed25519`,
    });
    ctx.record({
      scenario: 'receipt verification (CLI, client)',
      figure: 'receipts/s, distinct checkpoints, node:crypto first',
      value: nativeRate,
      unit: '/s',
      baseline: { name: 'the same with the pure check (library)', value: distinctRate, unit: '/s' },
      note: `the receipts of the row above, with node:crypto as the Ed25519 accelerator (installed by the runproof and runproof-log commands and runproof/client): its true is trusted only where it implies the pure verdict, anything else is checked by noble (src/note/ed25519.ts)`,
    });
  },
};
