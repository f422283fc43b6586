/**
 * The log's remembered node hashes (log-server/node-hashes.ts) give the same inclusion proofs
 * and roots as src/merkle over the same tiles, verified against an independent RFC 6962 root —
 * with the default cache and with a cache of two hashes per level, which forgets on almost
 * every call — and the hashes it hands out stay the caller's: later calls never change them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/encoding/base64.js';
import { leafHash } from '../../src/merkle/hash.js';
import { proveInclusion, verifyInclusion } from '../../src/merkle/proof.js';
import { tileReader, tileWidthAt } from '../../src/merkle/tiles.js';
import { NodeHashes } from '../../log-server/node-hashes.js';
import { identity, oracleMth, oracleTile } from './helpers.js';

// Past 65,536 leaves: nodes of every tree level up to 16 and a partial tile at tile levels 0–2.
const SIZE = 65_536 + 3 * 256 + 17;

/** The tlog-proof body lines of a proof, leaf end first, as receipts write them from inclusionTexts. */
const lines = (nh: NodeHashes, index: number, size: number) => nh.inclusionTexts(index, size).reverse().map((t) => t + '\n').join('');

describe('NodeHashes', () => {
  let leaves: Uint8Array[];
  let read: (level: number, index: number) => Uint8Array;
  const tiles = new Map<string, Uint8Array>();

  beforeAll(() => {
    leaves = Array.from({ length: SIZE }, (_, i) => leafHash(identity(i, 'node-hashes')));
    read = (level, index) => {
      const key = `${level}/${index}`;
      let t = tiles.get(key);
      if (t === undefined) tiles.set(key, (t = oracleTile(leaves, level, index, tileWidthAt(level, index, SIZE))));
      return t;
    };
  });

  /** Leaf indexes around the tile boundaries, the right edge, and spread pseudo-randomly. */
  function sample(size: number): number[] {
    const picks = [0, 1, 255, 256, 257, 65_535, 65_536, size - 257, size - 256, size - 2, size - 1];
    for (let i = 0, x = 12_345; i < 60; i++) picks.push((x = (x * 1_103_515_245 + 12_345) % 2 ** 31) % size);
    return picks.filter((i) => i >= 0 && i < size);
  }

  for (const perLevel of [undefined, 2]) {
    it(`proves inclusion and roots like src/merkle (${perLevel ?? 'default'} hashes per level)`, () => {
      const nh = new NodeHashes(read, perLevel);
      for (const size of [SIZE, SIZE - 1, 65_536, 65_535, 256 * 3 + 5, 256, 1]) {
        const root = oracleMth(leaves, 0, size);
        expect(nh.root(size)).toEqual(root);
        const ref = tileReader(size, (t) => read(t.level, t.index).subarray(0, t.width * 32));
        for (const index of sample(size)) {
          const proof = nh.inclusion(index, size);
          expect(proof).toEqual(proveInclusion(index, size, ref));
          verifyInclusion(leaves[index]!, index, size, proof, root);
          // The receipt text: the same hashes, base64 (RFC 4648 §4), one per line.
          expect(lines(nh, index, size)).toBe(proof.map((h) => toBase64(h) + '\n').join(''));
        }
      }
    });
  }

  it('gives the right proof texts for runs of consecutive entries in several tree sizes', () => {
    const nh = new NodeHashes(read, 2);
    // Consecutive indexes share upper nodes, whose texts are remembered across calls and sizes:
    // a perfect subtree's hash never changes, so a remembered text must stay right.
    for (const size of [SIZE, 65_536, 4_097]) {
      const ref = tileReader(size, (t) => read(t.level, t.index).subarray(0, t.width * 32));
      for (let index = 0; index < Math.min(size, 5_000); index += 1 + (index % 3)) {
        expect(lines(nh, index, size)).toBe(proveInclusion(index, size, ref).map((h) => toBase64(h) + '\n').join(''));
      }
    }
  });

  for (const perLevel of [undefined, 2]) {
    it(`proves a run of the newest entries (hashed from remembered children) like src/merkle (${perLevel ?? 'default'} per level)`, () => {
      const nh = new NodeHashes(read, perLevel);
      const ref = tileReader(SIZE, (t) => read(t.level, t.index).subarray(0, t.width * 32));
      // The receipts of a batch: every entry of the last 1,500 in order, then an old one between.
      for (let index = SIZE - 1_500; index < SIZE; index++) {
        expect(nh.inclusion(index, SIZE)).toEqual(proveInclusion(index, SIZE, ref));
        if (index % 100 === 0) expect(nh.inclusion(index % 40_000, SIZE)).toEqual(proveInclusion(index % 40_000, SIZE, ref));
      }
    });
  }

  it('hands out hashes that later calls do not change', () => {
    const nh = new NodeHashes(read, 2);
    const kept = sample(SIZE).map((index) => ({ index, proof: nh.inclusion(index, SIZE) }));
    const copies = kept.map(({ proof }) => proof.map((h) => h.slice()));
    const root = nh.root(65_536);
    const rootCopy = root.slice();
    for (let index = 0; index < SIZE; index += 97) nh.inclusion(index, SIZE);
    for (let index = 0; index < 65_536; index += 101) nh.inclusion(index, 65_536);
    kept.forEach(({ proof }, i) => expect(proof).toEqual(copies[i]));
    expect(root).toEqual(rootCopy);
    expect(nh.root(65_536)).toEqual(oracleMth(leaves, 0, 65_536));
  });
});

describe('NodeHashes, what proofs of old entries remember', () => {
  // A perfect tree of 65,536 leaves: an old entry's proof is 16 perfect subtrees, one per level.
  const size = 65_536;
  let leaves: Uint8Array[];
  beforeAll(() => {
    leaves = Array.from({ length: size }, (_, i) => leafHash(identity(i, 'node-hashes-remember')));
  });

  /** A NodeHashes whose tile reads are counted. */
  function counted(perLevel: number) {
    const reads = { n: 0 };
    const nh = new NodeHashes((level, index) => {
      reads.n++;
      return oracleTile(leaves, level, index, tileWidthAt(level, index, size));
    }, perLevel);
    return { nh, reads };
  }

  it('remembers a node only at levels whose nodes a random lookup finds again at least half the time', () => {
    // Two hashes per level: levels 14 (4 nodes) and 15 (2 nodes) hold at most twice that;
    // every other level between tile levels holds more, so lookups there hash from the tile again.
    const { nh, reads } = counted(2);
    const proof = nh.inclusion(1_000, size);
    expect(reads.n).toBe(16); // one tile read per level
    reads.n = 0;
    expect(nh.inclusion(1_000, size)).toEqual(proof);
    expect(reads.n).toBe(14); // levels 14 and 15 were remembered
  });

  it('remembers every node of a recent entry, and texts where a lookup finds them again', () => {
    const { nh, reads } = counted(8_192);
    // Recent (within 16,384 of the tree size): hashed from children, all remembered.
    nh.inclusion(60_000, size);
    reads.n = 0;
    nh.inclusion(60_000, size);
    expect(reads.n).toBe(2); // levels 0 and 8 are tile hashes, read every time
    // An old entry's proof as texts: texts are remembered at levels with ≤ 8,192 nodes (4,096
    // texts per level: levels 3 and up), hashes at levels with ≤ 16,384 (level 2 too); level 1
    // (32,768 nodes) is hashed from its tile again, and level 0 is read.
    const text = nh.inclusionTexts(1_000, size);
    reads.n = 0;
    expect(nh.inclusionTexts(1_000, size)).toEqual(text);
    expect(reads.n).toBe(2);
  });
});
