/**
 * Every inclusion and consistency proof of every tree of size 1..300 equals the RFC 6962
 * reference (test/merkle/reference.ts) and verifies; tampering makes it fail.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/encoding/hex.js';
import { equalBytes } from '../../src/encoding/utf8.js';
import { isRunproofError } from '../../src/errors.js';
import { EMPTY_ROOT, type Hash } from '../../src/merkle/hash.js';
import {
  consistencyProofNodes, inclusionProofNodes, proveConsistency, proveInclusion, rootFromInclusionProof,
  verifyConsistency, verifyInclusion,
} from '../../src/merkle/proof.js';
import { treeRoot, type HashReader } from '../../src/merkle/tree.js';
import { denseTree, type RefTree, fails } from './reference.js';

const MAX = 300;
const ref = denseTree();
const reader = (t: RefTree): HashReader => (nodes) => nodes.map((n) => t.mth(n.index * 2 ** n.level, (n.index + 1) * 2 ** n.level));
const read = reader(ref);
const same = (a: readonly Hash[], b: readonly Hash[]) => a.length === b.length && a.every((h, i) => equalBytes(h, b[i]!));
const root = (n: number) => ref.mth(0, n);

function flip(h: Hash, bit: number): Hash {
  const out = h.slice();
  out[Math.floor(bit / 8) % 32]! ^= 1 << bit % 8; // test-only tampering of bytes, not of indexes
  return out;
}

/** The left/right shape of PATH(m, D[0:n]): what the RFC 9162 verifier's arithmetic depends on. */
const shape = (m: number, n: number) => ref.pathRanges(m, 0, n).map(([lo]) => (lo > m ? 'R' : 'L')).join('');

/**
 * The shape of PROOF(m, D[0:n]): whether the old root is the first element (m a power of two),
 * then for each element whether it lies inside the old tree or to its right. RFC 9162 §2.1.4.2
 * does the same hashing for two size pairs exactly when their shapes agree.
 */
function consistencyShape(m: number, n: number): string {
  const ranges: [number, number][] = [];
  const walk = (k: number, lo: number, hi: number, whole: boolean): void => {
    if (k === hi - lo) {
      if (!whole) ranges.push([lo, hi]);
      return;
    }
    let half = 1;
    while (half * 2 < hi - lo) half *= 2;
    if (k <= half) walk(k, lo, lo + half, whole);
    else walk(k - half, lo + half, hi, false);
    ranges.push(k <= half ? [lo + half, hi] : [lo, lo + half]);
  };
  walk(m, 0, n, true);
  return (Number.isInteger(Math.log2(m)) ? 'P' : 'N') + ranges.map(([, hi]) => (hi <= m ? 'L' : 'R')).join('');
}

describe('tree roots', () => {
  it('treeRoot equals MTH for sizes 0..300', () => {
    expect(toHex(treeRoot(0, read))).toBe(toHex(EMPTY_ROOT));
    for (let n = 1; n <= MAX; n++) expect(toHex(treeRoot(n, read))).toBe(toHex(root(n)));
  });
});

describe('inclusion proofs, sizes 1..300', () => {
  // In blocks of sizes, so no single test runs long on a busy machine.
  for (const [from, to] of [[1, 150], [151, 220], [221, 270], [271, MAX]] as const) {
    it(`equal RFC 6962 PATH and verify, for every index (sizes ${from}..${to})`, () => {
      const wrong: string[] = [];
      for (let n = from; n <= to; n++) {
        for (let m = 0; m < n; m++) {
          const proof = proveInclusion(m, n, read);
          if (!same(proof, ref.path(m, n))) wrong.push(`PATH(${m}, ${n})`);
          // A proof never needs more stored hashes than twice its length (one per element + the right edge).
          if (inclusionProofNodes(m, n).length > 2 * proof.length) wrong.push(`nodes(${m}, ${n})`);
          verifyInclusion(ref.leaf(m), m, n, proof, root(n));
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it('fail when a proof hash, the leaf or the root has one bit flipped', () => {
    for (let n = 1; n <= MAX; n += n < 70 ? 1 : 23) {
      for (let m = 0; m < n; m += n < 40 ? 1 : 7) {
        const proof = proveInclusion(m, n, read);
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.slice();
          bad[i] = flip(bad[i]!, (i * 37 + m) % 256);
          expect(fails(() => verifyInclusion(ref.leaf(m), m, n, bad, root(n)))).toBe(true);
        }
        expect(fails(() => verifyInclusion(flip(ref.leaf(m), m % 256), m, n, proof, root(n)))).toBe(true);
        expect(fails(() => verifyInclusion(ref.leaf(m), m, n, proof, flip(root(n), n % 256)))).toBe(true);
      }
    }
  });

  it('fail when hashes are added, dropped or the index moved; a changed size passes only with the same path shape', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 0; m < n; m++) {
        const proof = proveInclusion(m, n, read);
        const leaf = ref.leaf(m);
        expect(fails(() => verifyInclusion(leaf, m, n, [...proof, root(n)], root(n)))).toBe(true);
        expect(fails(() => verifyInclusion(leaf, m, n, [leaf, ...proof], root(n)))).toBe(true);
        if (proof.length > 0) expect(fails(() => verifyInclusion(leaf, m, n, proof.slice(1), root(n)))).toBe(true);
        if (proof.length > 0) expect(fails(() => verifyInclusion(leaf, m, n, proof.slice(0, -1), root(n)))).toBe(true);
        for (const m2 of [m - 1, m + 1, m + 2, n]) {
          if (m2 === m || m2 < 0) continue;
          // RFC 9162 binds the index only through the path's left/right shape.
          const same = m2 < n && shape(m2, n) === shape(m, n);
          expect(fails(() => verifyInclusion(leaf, m2, n, proof, root(n)))).toBe(!same);
        }
        for (const n2 of [n - 1, n + 1, 2 * n]) {
          // The size is bound only by the checkpoint signature; the arithmetic binds the shape.
          const same = m < n2 && shape(m, n2) === shape(m, n);
          expect(fails(() => verifyInclusion(leaf, m, n2, proof, root(n)))).toBe(!same);
        }
      }
    }
  });

  it('rejects out-of-range indexes, sizes and malformed hashes with PROOF_FAILED', () => {
    const leaf = ref.leaf(0);
    for (const [m, n] of [[0, 0], [5, 5], [-1, 5], [1.5, 5], [0, 2 ** 52 + 1], [Number.NaN, 3]] as const) {
      expect(fails(() => rootFromInclusionProof(leaf, m, n, []))).toBe(true);
    }
    expect(fails(() => verifyInclusion(leaf.subarray(1), 0, 1, [], leaf))).toBe(true);
    expect(fails(() => verifyInclusion(ref.leaf(0), 0, 2, [ref.leaf(1).subarray(0, 31)], root(2)))).toBe(true);
    expect(fails(() => verifyInclusion(ref.leaf(0), 0, 2, [ref.leaf(1)], root(2).subarray(0, 31)))).toBe(true);
    // The planner refuses them as caller bugs (plain errors, not verdicts).
    expect(() => inclusionProofNodes(5, 5)).toThrow(RangeError);
    expect(() => inclusionProofNodes(0, 2 ** 53)).toThrow(RangeError);
  });

  it('carries the evidence a third party needs', () => {
    try {
      verifyInclusion(ref.leaf(1), 1, 4, proveInclusion(1, 4, read), root(5));
      expect.unreachable();
    } catch (e) {
      expect(isRunproofError(e, 'PROOF_FAILED')).toBe(true);
      const ev = (e as { evidence: Record<string, unknown> }).evidence;
      expect(ev).toMatchObject({ index: 1, size: 4, root: toHex(root(5)), computed: toHex(root(4)) });
      expect(ev.proof).toHaveLength(2);
    }
  });
});

describe('consistency proofs, sizes 1..300', () => {
  for (const [from, to] of [[1, 150], [151, 220], [221, 270], [271, MAX]] as const) {
    it(`equal RFC 6962 PROOF and verify, for every pair (sizes ${from}..${to})`, () => {
      const wrong: string[] = [];
      for (let n = from; n <= to; n++) {
        for (let m = 1; m <= n; m++) {
          const proof = proveConsistency(m, n, read);
          if (!same(proof, ref.proof(m, n))) wrong.push(`PROOF(${m}, ${n})`);
          verifyConsistency(m, n, root(m), root(n), proof);
        }
        if (proveConsistency(0, n, read).length !== 0) wrong.push(`PROOF(0, ${n})`);
        verifyConsistency(0, n, EMPTY_ROOT, root(n), []);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('from and to the empty tree', () => {
    verifyConsistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, []);
    expect(proveConsistency(0, 0, read)).toEqual([]);
  });

  it('fail when a proof hash or either root has one bit flipped, or hashes are added or dropped', () => {
    for (let n = 1; n <= MAX; n += n < 70 ? 1 : 23) {
      for (let m = 1; m <= n; m += n < 40 ? 1 : 7) {
        const proof = proveConsistency(m, n, read);
        for (let i = 0; i < proof.length; i++) {
          const bad = proof.slice();
          bad[i] = flip(bad[i]!, (i * 41 + m) % 256);
          expect(fails(() => verifyConsistency(m, n, root(m), root(n), bad))).toBe(true);
        }
        expect(fails(() => verifyConsistency(m, n, flip(root(m), m % 256), root(n), proof))).toBe(true);
        expect(fails(() => verifyConsistency(m, n, root(m), flip(root(n), n % 256), proof))).toBe(true);
        expect(fails(() => verifyConsistency(m, n, root(m), root(n), [...proof, root(n)]))).toBe(true);
        expect(fails(() => verifyConsistency(m, n, root(m), root(n), [root(m), ...proof]))).toBe(true);
        if (proof.length > 0) expect(fails(() => verifyConsistency(m, n, root(m), root(n), proof.slice(1)))).toBe(true);
        if (proof.length > 0) expect(fails(() => verifyConsistency(m, n, root(m), root(n), proof.slice(0, -1)))).toBe(true);
        if (m < n) expect(fails(() => verifyConsistency(m, n, root(n), root(m), proof))).toBe(true); // swapped roots
      }
    }
  });

  it('fail when a size is changed but the roots kept, unless the proof shape is the same', () => {
    let passed = 0;
    for (let n = 2; n <= 64; n++) {
      for (let m = 1; m < n; m++) {
        const proof = proveConsistency(m, n, read);
        for (const [m2, n2] of [[m - 1, n], [m + 1, n], [m, n + 1], [m, n - 1], [m, 2 * n]] as const) {
          // Sizes are bound by the checkpoint signatures; the arithmetic binds only the shape.
          const same = m2 >= 1 && m2 < n2 && consistencyShape(m2, n2) === consistencyShape(m, n);
          if (same) passed++;
          expect(fails(() => verifyConsistency(m2, n2, root(m), root(n), proof))).toBe(!same);
        }
      }
    }
    expect(passed).toBeGreaterThan(0); // the caveat is real, so the shape rule is tested both ways
  });

  it('handles the edge cases the RFC leaves to callers', () => {
    const r5 = root(5);
    verifyConsistency(5, 5, r5, r5, []); // equal sizes: empty proof, equal roots
    expect(fails(() => verifyConsistency(5, 5, r5, root(4), []))).toBe(true);
    expect(fails(() => verifyConsistency(5, 5, r5, r5, [r5]))).toBe(true);
    expect(fails(() => verifyConsistency(0, 5, EMPTY_ROOT, r5, [r5]))).toBe(true); // from empty: proof must be empty
    expect(fails(() => verifyConsistency(0, 5, r5, r5, []))).toBe(true); // and the old root must be the empty root
    expect(fails(() => verifyConsistency(6, 5, root(6), r5, []))).toBe(true); // shrinking
    expect(fails(() => verifyConsistency(3, 5, root(3), r5, []))).toBe(true); // 0 < m < n needs a proof
    expect(fails(() => verifyConsistency(-1, 5, EMPTY_ROOT, r5, []))).toBe(true);
    expect(fails(() => verifyConsistency(3, 2 ** 53, root(3), r5, []))).toBe(true);
    expect(fails(() => verifyConsistency(3, 5, root(3).subarray(1), r5, proveConsistency(3, 5, read)))).toBe(true);
    expect(() => consistencyProofNodes(6, 5)).toThrow(RangeError);
  });
});
