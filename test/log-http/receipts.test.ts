/**
 * The HTTP layer's cached receipts are byte-for-byte the receipts `Log.receipt` writes, for every
 * index against checkpoints of many sizes (across the 256 tile boundary), whether or not the
 * entry is passed in; and a checkpoint that is not this log's tree is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiptMaker } from '../../log-server/http/receipts.js';
import { fromHex } from '../../src/encoding/hex.js';
import { formatCheckpoint } from '../../src/note/checkpoint.js';
import { signNote } from '../../src/note/note.js';
import { identityHex, openTestLog, ORIGIN, type TestLog } from './setup.js';

let t: TestLog;
const checkpoints: string[] = [];

beforeAll(async () => {
  t = openTestLog();
  // grow in uneven steps, keeping each signed checkpoint
  let n = 0;
  for (const step of [1, 2, 5, 120, 128, 1, 3, 250, 60]) {
    const seqs = await t.log.submitMany(Array.from({ length: step }, (_, i) => fromHex(identityHex(n + i, 7), 32)));
    n += step;
    checkpoints.push(seqs[seqs.length - 1]!.checkpoint);
  }
});
afterAll(() => t.close());

describe('ReceiptMaker', () => {
  it('writes exactly what Log.receipt writes', () => {
    const maker = new ReceiptMaker(t.log, ORIGIN);
    for (const signed of checkpoints) {
      const size = Number(signed.split('\n')[1]);
      // every index of the smaller trees; a stride plus the edges of the larger ones
      const indexes = new Set<number>();
      for (let i = 0; i < size; i += size <= 260 ? 1 : 11) indexes.add(i);
      for (const i of [255, 256, size - 2, size - 1]) if (i >= 0 && i < size) indexes.add(i);
      for (const i of indexes) {
        const want = t.log.receipt(i, signed);
        expect(maker.receipt(i, signed)).toBe(want);
        const entry = t.log.lookup(fromHex(identityHex(i, 7), 32))!.entry;
        expect(maker.receipt(i, signed, entry)).toBe(want);
      }
    }
  });

  it('refuses an index beyond the checkpoint and a checkpoint that is not this tree', () => {
    const maker = new ReceiptMaker(t.log, ORIGIN);
    expect(() => maker.receipt(1, checkpoints[0]!)).toThrow(expect.objectContaining({ code: 'MALFORMED_REQUEST' }));
    const forged = signNote(formatCheckpoint({ origin: ORIGIN, size: 3, root: new Uint8Array(32), extensions: [] }), [t.signer]);
    expect(() => maker.receipt(0, forged)).toThrow(expect.objectContaining({ code: 'INCONSISTENT_LOG' }));
    const foreign = signNote(formatCheckpoint({ origin: 'other/log', size: 3, root: new Uint8Array(32), extensions: [] }), [t.signer]);
    expect(() => maker.receipt(0, foreign)).toThrow(expect.objectContaining({ code: 'ORIGIN_MISMATCH' }));
  });
});
