/**
 * Old entries — more than RECENT_BLOBS full tiles behind the tree size — are read without the
 * blob cache (log-server/blob-cache.ts): a lookup reads 41 bytes of the bundle (SQL substr), and a
 * proof reads the leaf's level-0 tile from storage. Both must give exactly what the bundles and
 * tiles say, and receipts of old entries must verify. Old tiles and bundles are read through a
 * snapshot shared by consecutive reads on SQLite (log-server/storage/read-snapshot.ts),
 * alone or many at once, also after the log grew: they must be the stored bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HASH_SIZE } from '../../src/merkle/hash.js';
import { leafHash } from '../../src/merkle/hash.js';
import { verifyInclusion } from '../../src/merkle/proof.js';
import { verifierKey } from '../../src/note/keys.js';
import { ReceiptVerifier } from '../../src/receipt/verify.js';
import { formatIdentity } from '../../src/declaration/identity.js';
import type { Log } from '../../log-server/log.js';
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { blobCopyPath, claimedRecords, HEADER_BYTES, RECORD_BYTES } from '../../log-server/storage/blob-copy.js';
import { onSqlite } from '../helpers/backends.js';
import { identity, openLog, oracleLeaf, signer, tempDir } from './helpers.js';

// 160 full tiles: tiles 0–31 are "old" (RECENT_BLOBS = 128), the rest recent.
const SIZE = 160 * 256 + 3;
let t: ReturnType<typeof tempDir>;
let log: Log;

beforeAll(async () => {
  t = tempDir();
  log = await openLog(t.db, { maxBatch: 4096 });
  for (let n = 0; n < SIZE; n += 4096) {
    await log.submitMany(Array.from({ length: Math.min(4096, SIZE - n) }, (_, i) => identity(n + i, 'old')));
  }
}, 120_000);
afterAll(async () => {
  await log.close();
  await t.cleanup();
});

describe('entries far behind the tree size', () => {
  it('look up to the bundle bytes and prove inclusion, old and recent alike', async () => {
    const verifier = new ReceiptVerifier({ vkey: verifierKey(signer) });
    const latest = log.latest();
    for (const n of [0, 1, 255, 256, 1000, 31 * 256 + 255, 32 * 256, 100 * 256 + 7, SIZE - 1]) {
      const found = await log.lookup(identity(n, 'old'));
      expect(found?.index, `entry ${n}`).toBe(n);
      const bundle = (await log.readEntries(Math.floor(n / 256), 256)) ?? (await log.readEntries(Math.floor(n / 256), SIZE % 256))!;
      const off = (n % 256) * 43;
      expect(found!.entry).toEqual(bundle.slice(off + 2, off + 43));
      // The proof walks the leaf's level-0 tile for levels 0–7: asked for once per level.
      verifyInclusion(leafHash(found!.entry), n, latest.checkpoint.size, await log.inclusionProof(n, latest.checkpoint.size), latest.checkpoint.root);
      const receipt = await log.receipt(n);
      expect(verifier.verify({ receipt, identity: formatIdentity(identity(n, 'old')) }).index).toBe(n);
    }
  });

  it('serves old and recent tiles and bundles whole, alone or many in one turn, as stored', async () => {
    const check = async (index: number, width: number) => {
      const [tile, bundle] = await Promise.all([log.readTile({ level: 0, index, width }), log.readEntries(index, width)]);
      expect(tile!.length, `tile 0/${index}.p/${width}`).toBe(width * HASH_SIZE);
      expect(bundle!.length, `bundle ${index}.p/${width}`).toBe(width * 43);
      for (let k = 0; k < width; k++) {
        const entry = bundle!.subarray(k * 43 + 2, k * 43 + 43);
        expect(tile!.subarray(k * HASH_SIZE, (k + 1) * HASH_SIZE), `leaf ${index * 256 + k}`).toEqual(oracleLeaf(entry));
        if (k === 0 || k === width - 1) expect(entry, `entry ${index * 256 + k}`).toEqual((await log.lookup(identity(index * 256 + k, 'old')))!.entry);
      }
    };
    // One at a time, then many at once sharing one snapshot.
    for (const index of [0, 17, 31, 32, 159]) await check(index, 256);
    await Promise.all([0, 1, 2, 3, 5, 8, 13, 21, 31, 40, 100, 159].flatMap((index) => [check(index, 256), check(index, 7)]));
    expect(await log.readTile({ level: 0, index: 160, width: 4 })).toBeUndefined();
    expect(await log.readEntries(160, 4)).toBeUndefined();
    // The log grows (tile 160 fills up): reads after it see the new published size.
    await log.submitMany(Array.from({ length: 256 }, (_, i) => identity(SIZE + i, 'old')));
    await Promise.all([0, 31, 159, 160].map((index) => check(index, 256)));
  });

  it.runIf(onSqlite)('are read from the blob copy once it holds them (SQLite)', async () => {
    // The reads above started the copy (log-server/storage/blob-copy.ts); wait for its claim.
    const path = blobCopyPath(t.db);
    const full = Math.floor(log.size / 256);
    for (let i = 0; i < 2_000 && !(existsSync(path) && claimedRecords(path) === full); i++) await new Promise((r) => setTimeout(r, 5));
    expect(claimedRecords(path)).toBe(full);
    // A byte changed in the file's record 5 shows in the answer: old reads come from the copy.
    // (Each read of tile 5 follows one of tile 6: the blob cache keeps the last old blob read.)
    const tile5 = async () => {
      await log.readTile({ level: 0, index: 6, width: 256 });
      return (await log.readTile({ level: 0, index: 5, width: 256 }))!;
    };
    const stored = (await tile5()).slice();
    const at = HEADER_BYTES + 5 * RECORD_BYTES + 100;
    const fd = openSync(path, 'r+');
    try {
      writeSync(fd, Uint8Array.of(stored[100]! ^ 1), 0, 1, at);
      expect((await tile5())[100]).toBe(stored[100]! ^ 1);
      writeSync(fd, Uint8Array.of(stored[100]!), 0, 1, at);
    } finally {
      closeSync(fd);
    }
    expect(await tile5()).toEqual(stored);
  });
});
