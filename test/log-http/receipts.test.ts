/**
 * `Log.receipt` (cached subtree hashes, written by writeTlogProof) is byte-for-byte the receipt the
 * reference path gives — `formatTlogProof` over `proveInclusion` reading the served tiles
 * through `tileReader` — for every index against checkpoints of many sizes (across the 256 tile
 * boundary), whether or not the entry is passed in, and the same through the HTTP settings the
 * routes use; a checkpoint that is not this log's tree is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../log-server/http/context.js';
import { proveInclusion } from '../../src/merkle/proof.js';
import { tileReader, tilesForSize, type Tile } from '../../src/merkle/tiles.js';
import { formatTlogProof } from '../../src/note/tlog-proof.js';
import { fromHex } from '../../src/encoding/hex.js';
import { formatCheckpoint } from '../../src/note/checkpoint.js';
import { signNote } from '../../src/note/note.js';
import { identityHex, openTestLog, ORIGIN, type TestLog } from './setup.js';

let t: TestLog;
const checkpoints: string[] = [];

beforeAll(async () => {
  t = await openTestLog();
  // grow in uneven steps, keeping each signed checkpoint
  let n = 0;
  for (const step of [1, 2, 5, 120, 128, 1, 3, 250, 60]) {
    const seqs = await t.log.submitMany(Array.from({ length: step }, (_, i) => fromHex(identityHex(n + i, 7), 32)));
    n += step;
    checkpoints.push(seqs[seqs.length - 1]!.checkpoint);
  }
});
afterAll(() => t.close());

/** tilesAt reads every tile of the tree of `size` from the log, for a synchronous tile reader. */
async function tilesAt(size: number): Promise<(tile: Tile) => Uint8Array> {
  const tiles = new Map<string, Uint8Array>();
  for (const tile of tilesForSize(size)) tiles.set(JSON.stringify(tile), (await t.log.readTile(tile))!);
  return (tile) => tiles.get(JSON.stringify(tile))!;
}

/** reference writes the receipt the slow, independent way: plain tile reads, proof.ts, formatTlogProof. */
async function reference(index: number, signed: string, size: number): Promise<string> {
  const path = proveInclusion(index, size, tileReader(size, await tilesAt(size)));
  const entry = (await t.log.lookup(fromHex(identityHex(index, 7), 32)))!.entry;
  return formatTlogProof({ extra: entry, index, path, checkpoint: signed });
}

describe('Log.receipt', () => {
  it('writes exactly what the reference path writes', async () => {
    const http = resolveSettings({ log: t.log });
    for (const signed of checkpoints) {
      const size = Number(signed.split('\n')[1]);
      // every index of the smaller trees; a stride plus the edges of the larger ones
      const indexes = new Set<number>();
      for (let i = 0; i < size; i += size <= 260 ? 1 : 11) indexes.add(i);
      for (const i of [255, 256, size - 2, size - 1]) if (i >= 0 && i < size) indexes.add(i);
      const read = await tilesAt(size);
      for (const i of indexes) {
        const want = await reference(i, signed, size);
        expect(await t.log.receipt(i, signed)).toBe(want);
        const entry = (await t.log.lookup(fromHex(identityHex(i, 7), 32)))!.entry;
        expect(await t.log.receipt(i, signed, entry)).toBe(want);
        expect(await http.receipt(i, signed, entry)).toBe(want);
        expect(await t.log.inclusionProof(i, size)).toEqual(proveInclusion(i, size, tileReader(size, read)));
      }
    }
  });

  it('refuses an index beyond the checkpoint and a checkpoint that is not this tree', async () => {
    // Whether a refusal is thrown at once or by the returned promise depends on the backend.
    const refused = (f: () => unknown) => expect(Promise.resolve().then(f)).rejects;
    await refused(() => t.log.receipt(1, checkpoints[0]!)).toMatchObject({ code: 'MALFORMED_REQUEST' });
    const forged = signNote(formatCheckpoint({ origin: ORIGIN, size: 3, root: new Uint8Array(32), extensions: [] }), [t.signer]);
    await refused(() => t.log.receipt(0, forged)).toMatchObject({ code: 'INCONSISTENT_LOG' });
    const foreign = signNote(formatCheckpoint({ origin: 'other/log', size: 3, root: new Uint8Array(32), extensions: [] }), [t.signer]);
    await refused(() => t.log.receipt(0, foreign)).toMatchObject({ code: 'ORIGIN_MISMATCH' });
  });
});
