/**
 * judgeConsistency (issue #11, finding 1): a failed consistency proof is evidence only when it
 * leads to the signed new root and contradicts the signed old one. Exhaustively for small trees:
 * no single-bit change of an honest proof, and no junk proof, ever reads as a contradiction
 * between two honest roots; a real fork is one whenever the old size is not a power of two.
 */
import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { leafHash, type Hash } from '../../src/merkle/hash.js';
import { isPow2 } from '../../src/merkle/bits.js';
import { judgeConsistency } from '../../src/merkle/proof.js';
import { RefTree } from './reference.js';

/** A reference tree whose leaves up to `forkAt` are salted `a`, later ones `salt`. */
function tree(salt: string, forkAt = Infinity): RefTree {
  return new RefTree((i) => leafHash(sha256(new TextEncoder().encode(`${i < forkAt ? 'a' : salt} ${i}`))));
}

/** flip returns `proof` with bit `bit` of hash `i` inverted. */
function flip(proof: Hash[], i: number, bit: number): Hash[] {
  return proof.map((h, k) => {
    if (k !== i) return h;
    const c = Uint8Array.from(h);
    c[Math.floor(bit / 8)]! ^= 2 ** (bit % 8);
    return c;
  });
}

describe('judgeConsistency', () => {
  it('never finds a contradiction between honest roots, whatever bit of the proof is flipped', () => {
    const t = tree('a');
    for (let n = 2; n <= 40; n++) {
      const newRoot = t.mth(0, n);
      for (let m = 1; m < n; m++) {
        const oldRoot = t.mth(0, m);
        const proof = t.proof(m, n);
        expect(judgeConsistency(m, n, oldRoot, newRoot, proof).verdict).toBe('consistent');
        for (let i = 0; i < proof.length; i++) {
          for (const bit of [0, 77, 255]) {
            expect(judgeConsistency(m, n, oldRoot, newRoot, flip(proof, i, bit)).verdict, `${m}->${n} hash ${i} bit ${bit}`).toBe('unproven');
          }
        }
        expect(judgeConsistency(m, n, oldRoot, newRoot, [new Uint8Array(32)]).verdict).toBe('unproven');
        expect(judgeConsistency(m, n, oldRoot, newRoot, proof.slice(1)).verdict).toBe('unproven');
        expect(judgeConsistency(m, n, oldRoot, newRoot, [...proof, new Uint8Array(32)]).verdict).toBe('unproven');
      }
    }
  });

  it('a fork proven from the new tree is a contradiction when the old size is not a power of two', () => {
    const [ta, tb] = [tree('a'), tree('b', 5)];
    for (let m = 6; m < 40; m++) {
      const v = judgeConsistency(m, 40, ta.mth(0, m), tb.mth(0, 40), tb.proof(m, 40));
      expect(v.verdict, `m=${m}`).toBe(isPow2(m) ? 'unproven' : 'contradiction');
    }
    // Equal sizes, two roots: a contradiction with no proof at all.
    expect(judgeConsistency(20, 20, ta.mth(0, 20), tb.mth(0, 20), []).verdict).toBe('contradiction');
  });
});
