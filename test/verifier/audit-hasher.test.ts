/**
 * The audit's in-place hashing (verifier/audit/hasher.ts) against node:crypto and the core's
 * leafHash / nodeHash: the same RFC 6962 hashes for random entries and nodes, a flipped bit in
 * an entry or in a tile hash is a mismatch, and folding a tile gives the core's subtree hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leafHash, nodeHash } from '../../src/merkle/hash.js';
import { FAST_ENTRY_SIZE, foldTile, leafMatches, nodeHashAt } from '../../verifier/audit/hasher.js';

const sha = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());

describe('audit hasher', () => {
  it('matches the leaf hash of 41-byte entries read in place, and only it', () => {
    for (let i = 0; i < 2000; i++) {
      const pad = i % 7;
      const buf = randomBytes(pad + FAST_ENTRY_SIZE + 3);
      const entry = buf.subarray(pad, pad + FAST_ENTRY_SIZE);
      const want = sha(Uint8Array.of(0), entry);
      expect(want).toEqual(leafHash(entry));
      const hashes = new Uint8Array(64);
      hashes.set(want, 32);
      expect(leafMatches(buf, pad, hashes, 32)).toBe(true);
      const badHash = hashes.slice();
      badHash[32 + (i % 32)]! ^= 1 << (i % 8);
      expect(leafMatches(buf, pad, badHash, 32)).toBe(false);
      const badEntry = Buffer.from(buf);
      badEntry[pad + (i % FAST_ENTRY_SIZE)]! ^= 1 << (i % 8);
      expect(leafMatches(badEntry, pad, hashes, 32)).toBe(false);
    }
  });

  it('computes node hashes in place, also over its own input', () => {
    for (let i = 0; i < 2000; i++) {
      const buf = randomBytes(64 + 2 * (i % 5));
      const o = i % 5;
      const want = sha(Uint8Array.of(1), buf.subarray(o, o + 64));
      expect(want).toEqual(nodeHash(buf.subarray(o, o + 32), buf.subarray(o + 32, o + 64)));
      const out = new Uint8Array(40);
      nodeHashAt(buf, o, out, 8);
      expect(out.subarray(8)).toEqual(want);
      nodeHashAt(buf, o, buf, o + 16); // overlapping output
      expect(new Uint8Array(buf.subarray(o + 16, o + 48))).toEqual(want);
    }
  });

  it('folds a tile to the core Merkle hash of its hashes', () => {
    for (const count of [1, 2, 4, 64, 256]) {
      const hashes = randomBytes(32 * count);
      let level: Uint8Array[] = [];
      for (let i = 0; i < count; i++) level.push(hashes.subarray(32 * i, 32 * i + 32));
      while (level.length > 1) {
        const next: Uint8Array[] = [];
        for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
        level = next;
      }
      const work = new Uint8Array(hashes);
      foldTile(work, count);
      expect(work.subarray(0, 32)).toEqual(new Uint8Array(level[0]!));
    }
  });
});
