/**
 * Proofs in trees up to 2^50 leaves. No tree is stored: a sparse tree (every leaf empty except a
 * few special ones) has cheap node hashes yet is a real RFC 6962 tree, so the fast code must
 * agree with the reference and its proofs must verify against the root read the same way.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../src/encoding/hex.js';
import { type Hash } from '../../src/merkle/hash.js';
import { proveConsistency, proveInclusion, verifyConsistency, verifyInclusion } from '../../src/merkle/proof.js';
import { treeRoot, type HashReader } from '../../src/merkle/tree.js';
import { sparseTree, type RefTree, fails } from './reference.js';

const reader = (t: RefTree): HashReader => (nodes) => nodes.map((n) => t.mth(n.index * 2 ** n.level, (n.index + 1) * 2 ** n.level));
const hex = (hs: readonly Hash[]) => hs.map(toHex);

function flipped(proof: Hash[], which: number): Hash[] {
  const out = proof.slice();
  const i = which % out.length;
  const h = out[i]!.slice();
  h[which % 32] = (h[which % 32]! + 1) % 256;
  out[i] = h;
  return out;
}

// Sizes spread over every magnitude up to 2^50, plus the 2^31/2^32 boundaries.
const arbSize = fc.oneof(
  fc.integer({ min: 1, max: 2 ** 50 }),
  fc.integer({ min: 1, max: 50 }).chain((k) => fc.integer({ min: Math.max(1, 2 ** k - 3), max: 2 ** k + 3 })),
  fc.integer({ min: 2 ** 31 - 3, max: 2 ** 32 + 3 }),
);

describe('proofs in trees up to 2^50 leaves', () => {
  it('inclusion: equals the reference and verifies; a changed hash fails', () => {
    fc.assert(
      fc.property(arbSize, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.nat(), (size, f, which) => {
        const m = Math.floor(f * size);
        const t = sparseTree([0, m - 1, m, m + 1, size - 1]);
        const read = reader(t);
        const root = treeRoot(size, read);
        expect(toHex(root)).toBe(toHex(t.mth(0, size)));
        const proof = proveInclusion(m, size, read);
        expect(hex(proof)).toEqual(hex(t.path(m, size)));
        verifyInclusion(t.leaf(m), m, size, proof, root);
        if (proof.length > 0) expect(fails(() => verifyInclusion(t.leaf(m), m, size, flipped(proof, which), root))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('consistency: equals the reference and verifies; a changed hash fails', () => {
    fc.assert(
      fc.property(arbSize, fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), (newSize, f, which) => {
        const oldSize = Math.max(1, Math.floor(f * newSize));
        const t = sparseTree([0, oldSize - 2, oldSize - 1, oldSize, newSize - 1]);
        const read = reader(t);
        const oldRoot = treeRoot(oldSize, read);
        const newRoot = treeRoot(newSize, read);
        const proof = proveConsistency(oldSize, newSize, read);
        expect(hex(proof)).toEqual(hex(t.proof(oldSize, newSize)));
        verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof);
        if (proof.length > 0) expect(fails(() => verifyConsistency(oldSize, newSize, oldRoot, newRoot, flipped(proof, which)))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('works at the 2^52 cap', () => {
    const size = 2 ** 52;
    const m = size - 1;
    const t = sparseTree([m, 2 ** 51]);
    const read = reader(t);
    const root = treeRoot(size, read);
    const proof = proveInclusion(m, size, read);
    expect(proof).toHaveLength(52);
    verifyInclusion(t.leaf(m), m, size, proof, root);
    verifyConsistency(2 ** 51 + 1, size, treeRoot(2 ** 51 + 1, read), root, proveConsistency(2 ** 51 + 1, size, read));
  });
});
