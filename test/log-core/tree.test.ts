/**
 * The stored tree is the RFC 6962 tree of the entries, served as c2sp.org/tlog-tiles: tiles
 * equal tiles computed independently from the leaf hashes, checkpoint roots equal the
 * independent root, receipts verify, and consistency proofs between stored checkpoints verify —
 * at sizes crossing the tile boundaries 255/256/257 and 65535/65536/65537.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/encoding/utf8.js';
import { leafHash } from '../../src/merkle/hash.js';
import { verifyConsistency, verifyInclusion } from '../../src/merkle/proof.js';
import { tilesForSize } from '../../src/merkle/tiles.js';
import { parseCheckpoint, openCheckpoint, type Checkpoint } from '../../src/note/checkpoint.js';
import { decodeEntry } from '../../src/note/entry.js';
import { toVerifier } from '../../src/note/keys.js';
import { parseNote } from '../../src/note/note.js';
import { parseTlogProof } from '../../src/note/tlog-proof.js';
import { parseBundle } from '../../src/merkle/bundle.js';
import type { Log, Sequenced } from '../../log-server/log.js';
import { identity, openLog, oracleLeaf, oracleMth, oracleTile, signer, tempDir } from './helpers.js';

const verifier = toVerifier(signer);

/** grow submits identities [from, to) in submitMany chunks of at most `chunk`, one awaited batch each. */
async function grow(log: Log, from: number, to: number, chunk: number, out: Sequenced[]): Promise<void> {
  for (let i = from; i < to; i += chunk) {
    const got = await log.submitMany(Array.from({ length: Math.min(chunk, to - i) }, (_, j) => identity(i + j)));
    out.push(...got);
  }
}

/** checkAgainstOracle compares a checkpoint, the tiles (all, or only the partial ones) and the bundles at `size` with the oracle. */
async function checkAgainstOracle(log: Log, entries: readonly Uint8Array[], size: number, leaves: readonly Uint8Array[], onlyPartial = false): Promise<void> {
  const signed = await log.checkpointAt(size);
  expect(signed, `checkpoint ${size}`).toBeDefined();
  const cp = openCheckpoint(signed!, verifier).checkpoint;
  expect(cp.size).toBe(size);
  expect(equalBytes(cp.root, oracleMth(leaves, 0, size))).toBe(true);
  for (const tile of tilesForSize(size).filter((x) => !onlyPartial || x.width < 256)) {
    const got = await log.readTile(tile);
    expect(got, `tile ${JSON.stringify(tile)}`).toBeDefined();
    expect(equalBytes(got!, oracleTile(leaves, tile.level, tile.index, tile.width)), `tile ${JSON.stringify(tile)} at size ${size}`).toBe(true);
  }
  const wrong: number[] = [];
  for (let b = onlyPartial ? Math.floor(size / 256) : 0; b * 256 < size; b++) {
    const width = Math.min(256, size - b * 256);
    const bundle = parseBundle((await log.readEntries(b, width))!, width);
    bundle.forEach((e, i) => {
      if (!equalBytes(e, entries[b * 256 + i]!)) wrong.push(b * 256 + i);
    });
  }
  expect(wrong, `bundle entries at size ${size}`).toEqual([]);
}

const opened = new Map<string, Checkpoint>();
async function checkReceipt(log: Log, index: number, s: Sequenced): Promise<void> {
  const proof = parseTlogProof(await log.receipt(index));
  expect(proof.index).toBe(index);
  expect(equalBytes(proof.extra!, s.entry)).toBe(true);
  if (!opened.has(proof.checkpoint)) opened.set(proof.checkpoint, openCheckpoint(proof.checkpoint, verifier).checkpoint);
  const cp = opened.get(proof.checkpoint)!;
  verifyInclusion(leafHash(s.entry), index, cp.size, proof.path, cp.root);
}

async function checkAllConsistency(log: Log, sizes: readonly number[]): Promise<void> {
  const roots: Uint8Array[] = [];
  for (const n of sizes) roots.push(parseCheckpoint(parseNote((await log.checkpointAt(n))!).text).root);
  for (let i = 0; i < sizes.length; i++) {
    for (let j = i; j < sizes.length; j++) {
      verifyConsistency(sizes[i]!, sizes[j]!, roots[i]!, roots[j]!, await log.consistencyProof(sizes[i]!, sizes[j]!));
    }
  }
}

describe('small log across the first tile boundary', () => {
  const t = tempDir();
  let log: Log;
  const got: Sequenced[] = [];
  beforeAll(async () => {
    log = await openLog(t.db);
    await grow(log, 0, 255, 100, got); // sizes 100, 200, 255
    await grow(log, 255, 256, 1, got);
    await grow(log, 256, 257, 1, got);
    await grow(log, 257, 600, 343, got);
  });
  afterAll(async () => {
    await log.close();
    await t.cleanup();
  });

  it('assigns consecutive indexes and builds well-formed entries', () => {
    expect(log.size).toBe(600);
    got.forEach((s, i) => {
      expect(s.index).toBe(i);
      expect(s.duplicate).toBe(false);
      const e = decodeEntry(s.entry);
      expect(equalBytes(e.identity, identity(i))).toBe(true);
      expect(e.timestamp).toBe(s.timestamp);
      expect(parseCheckpoint(parseNote(s.checkpoint).text).size).toBeGreaterThan(i);
    });
  });

  it('serves tiles, bundles and roots equal to an independent RFC 6962 computation at every checkpoint', async () => {
    const entries = got.map((s) => s.entry);
    const leaves = entries.map(oracleLeaf);
    for (const size of [0, 100, 200, 255, 256, 257, 600]) await checkAgainstOracle(log, entries, size, leaves);
  });

  it('issues a verifying receipt for every entry', async () => {
    for (const [i, s] of got.entries()) await checkReceipt(log, i, s);
  });

  it('proves consistency between every pair of stored checkpoints', async () => {
    await checkAllConsistency(log, [0, 100, 200, 255, 256, 257, 600]);
  });

  it('receipts against an older checkpoint prove inclusion in that checkpoint', async () => {
    const old = (await log.checkpointAt(256))!;
    const proof = parseTlogProof(await log.receipt(255, old));
    expect(proof.checkpoint).toBe(old);
    const cp = parseCheckpoint(parseNote(old).text);
    verifyInclusion(leafHash(got[255]!.entry), 255, 256, proof.path, cp.root);
  });

  it('refuses proofs beyond the log or out of order with codes', async () => {
    // Whether a refusal is thrown at once or by the returned promise depends on the backend.
    const refused = (f: () => unknown) => expect(Promise.resolve().then(f)).rejects;
    await refused(() => log.inclusionProof(5, 601)).toMatchObject({ code: 'NOT_FOUND' });
    await refused(() => log.inclusionProof(600, 600)).toMatchObject({ code: 'MALFORMED_REQUEST' });
    await refused(() => log.consistencyProof(300, 200)).toMatchObject({ code: 'MALFORMED_REQUEST' });
    const at256 = (await log.checkpointAt(256))!;
    await refused(() => log.receipt(256, at256)).toMatchObject({ code: 'MALFORMED_REQUEST' });
    expect(await log.readTile({ level: 0, index: 2, width: 89 })).toBeUndefined(); // 600 = 2*256 + 88
    expect(await log.readTile({ level: 0, index: 2, width: 88 })).toBeDefined();
    expect(await log.readTile({ level: 1, index: 0, width: 3 })).toBeUndefined();
    expect(await log.readEntries(2, 89)).toBeUndefined();
    expect(await log.checkpointAt(601)).toBeUndefined();
  });
});

describe('large log across the second tile level boundary', () => {
  const t = tempDir();
  let log: Log;
  const got: Sequenced[] = [];
  const leaves: Uint8Array[] = [];
  const sizes = [0];
  beforeAll(async () => {
    log = await openLog(t.db);
    for (const [to, chunk] of [[60000, 4000], [65535, 5535], [65536, 1], [65537, 1], [66000, 463]] as const) {
      await grow(log, log.size, to, chunk, got);
      for (let s = sizes.at(-1)! + chunk; s <= to; s += chunk) sizes.push(s);
    }
  }, 60_000);
  afterAll(async () => {
    await log.close();
    await t.cleanup();
  });

  it('stored one checkpoint per batch, at the expected sizes', async () => {
    expect(sizes).toContain(65535);
    expect(sizes).toContain(65536);
    expect(sizes).toContain(65537);
    for (const s of sizes) expect(await log.checkpointAt(s), `checkpoint ${s}`).toBeDefined();
  });

  it('serves tiles equal to the independent computation and the independent root', async () => {
    const entries = got.map((s) => s.entry);
    leaves.push(...entries.map(oracleLeaf));
    await checkAgainstOracle(log, entries, 66000, leaves);
    // Full tiles never change; at the earlier sizes check the root and the partial tiles.
    for (const size of [65535, 65536, 65537]) await checkAgainstOracle(log, entries, size, leaves, true);
  }, 60_000);

  it('issues verifying receipts around the boundaries and at random', async () => {
    const picks = [0, 1, 255, 256, 65279, 65280, 65534, 65535, 65536, 65999];
    for (let i = 0; i < 50; i++) picks.push(Math.floor(Math.random() * got.length));
    for (const i of picks) await checkReceipt(log, i, got[i]!);
  });

  it('proves consistency between every pair of stored checkpoints', async () => {
    await checkAllConsistency(log, sizes);
  });

  it('reopens at a two-level right edge with the same root and keeps appending', async () => {
    const before = log.latest();
    await log.close();
    log = await openLog(t.db, { create: false });
    expect(log.latest()).toEqual(before);
    await grow(log, log.size, log.size + 1, 1, got);
    leaves.push(oracleLeaf(got.at(-1)!.entry));
    expect(equalBytes(log.latest().checkpoint.root, oracleMth(leaves))).toBe(true);
  });
});
