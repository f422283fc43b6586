/** Perfect-subtree decomposition, range hashes and the sequencer's append. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../src/encoding/hex.js';
import { leafHash, type Hash } from '../../src/merkle/hash.js';
import { MAX_TREE_SIZE } from '../../src/merkle/bits.js';
import { appendLeaves, isValidSubtree, rangeHashFromHashes, rangeNodes, rootFromHashes, rootNodes } from '../../src/merkle/tree.js';
import { denseTree } from './reference.js';

const ref = denseTree();
const hashOf = (level: number, index: number) => ref.mth(index * 2 ** level, (index + 1) * 2 ** level);

describe('rangeNodes', () => {
  it('splits [lo, hi) into aligned perfect subtrees, left to right, each as large as possible', () => {
    const bound = fc.integer({ min: 0, max: MAX_TREE_SIZE });
    fc.assert(
      fc.property(bound, bound, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const nodes = rangeNodes(lo, hi);
        let at = lo;
        const bad: unknown[] = [];
        for (const n of nodes) {
          const size = 2 ** n.level;
          if (n.index * size !== at) bad.push(['not contiguous or aligned', n]);
          // Maximal: the parent block is misaligned here or would overshoot hi.
          if (at % (2 * size) === 0 && at + 2 * size <= hi) bad.push(['not maximal', n]);
          at += size;
        }
        expect(bad).toEqual([]);
        expect(at).toBe(hi);
        expect(nodes.length).toBeLessThanOrEqual(2 * 53);
      }),
      { numRuns: 300 },
    );
    expect(rangeNodes(0, 0)).toEqual([]);
    expect(rootNodes(2 ** 52)).toEqual([{ level: 52, index: 0 }]);
    expect(rootNodes(7)).toEqual([{ level: 2, index: 0 }, { level: 1, index: 2 }, { level: 0, index: 6 }]);
    expect(rangeNodes(3, 13)).toEqual([{ level: 0, index: 3 }, { level: 2, index: 1 }, { level: 2, index: 2 }, { level: 0, index: 12 }]);
    expect(() => rangeNodes(5, 4)).toThrow(RangeError);
    expect(() => rangeNodes(0, 2 ** 52 + 1)).toThrow(RangeError);
  });

  it('gives MTH of every valid subtree up to 130 leaves', () => {
    for (let lo = 0; lo < 130; lo++) {
      for (let hi = lo + 1; hi <= 130; hi++) {
        let k = 1;
        while (k < hi - lo) k *= 2;
        expect(isValidSubtree(lo, hi)).toBe(lo % k === 0);
        if (!isValidSubtree(lo, hi)) {
          expect(() => rangeHashFromHashes(lo, hi, [])).toThrow(RangeError);
          continue;
        }
        const hashes = rangeNodes(lo, hi).map((n) => hashOf(n.level, n.index));
        expect(toHex(rangeHashFromHashes(lo, hi, hashes))).toBe(toHex(ref.mth(lo, hi)));
      }
    }
    expect(() => rootFromHashes(5, [])).toThrow(Error); // wrong hash count is a bug, not a verdict
  });
});

describe('appendLeaves', () => {
  const leaves: Hash[] = Array.from({ length: 600 }, (_, i) => ref.leaf(i));

  it('in any batches gives the same right edge, root and new nodes as the reference', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 12 }), (batches) => {
        let size = 0;
        let edge: Hash[] = [];
        const seen = new Map<string, string>();
        for (const b of batches) {
          const n = Math.min(b, leaves.length - size);
          const r = appendLeaves(edge, size, leaves.slice(size, size + n));
          for (const { node, hash } of r.newNodes) {
            const key = `${node.level}/${node.index}`;
            expect(seen.has(key)).toBe(false); // each node is new exactly once
            // It is complete in the new tree and was not in the old one.
            expect((node.index + 1) * 2 ** node.level).toBeGreaterThan(size);
            expect((node.index + 1) * 2 ** node.level).toBeLessThanOrEqual(size + n);
            expect(toHex(hash)).toBe(toHex(hashOf(node.level, node.index)));
            seen.set(key, toHex(hash));
          }
          size = r.size;
          edge = r.rightEdge;
          expect(edge.map(toHex)).toEqual(rootNodes(size).map((x) => toHex(hashOf(x.level, x.index))));
          expect(toHex(rootFromHashes(size, edge))).toBe(toHex(size === 0 ? rootFromHashes(0, []) : ref.mth(0, size)));
        }
        // Every complete node of the final tree was reported once: a tree of s leaves has 2s − popcount(s) of them.
        let pop = 0;
        for (let s = size; s > 0; s = Math.floor(s / 2)) pop += s % 2;
        expect(seen.size).toBe(2 * size - pop);
      }),
      { numRuns: 15 },
    );
  });

  it('refuses a right edge that does not match the size', () => {
    expect(() => appendLeaves([], 3, [leafHash(new Uint8Array(0))])).toThrow(Error);
    expect(() => appendLeaves([], 2 ** 52, [leafHash(new Uint8Array(0))])).toThrow(RangeError);
  });
});
