import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bitCeil, bitLength, isPow2, isTreeSize, largestPow2Below, MAX_TREE_SIZE, trailingOnes, trailingZeros,
} from '../../src/merkle/bits.js';

// bigint references: bigint shifts and masks are exact at any size.
const B = BigInt;
const refBitLength = (n: bigint) => n.toString(2).replace(/^0+/, '').length;
const refTrailingZeros = (n: bigint) => { let k = 0; while ((n & 1n) === 0n) { n >>= 1n; k++; } return k; };
const refTrailingOnes = (n: bigint) => { let k = 0; while ((n & 1n) === 1n) { n >>= 1n; k++; } return k; };
const refLargestPow2Below = (n: bigint) => 1n << B(refBitLength(n - 1n) - 1);
const refBitCeil = (n: bigint) => (n === 1n ? 1n : 1n << B(refBitLength(n - 1n)));

// Values around every power of two up to 2^52, where 32-bit truncation and float rounding bite.
const interesting: number[] = [];
for (let k = 0; k <= 52; k++) for (const d of [-2, -1, 0, 1, 2]) {
  const v = 2 ** k + d;
  if (v >= 1 && v <= MAX_TREE_SIZE) interesting.push(v);
}
interesting.push(MAX_TREE_SIZE - 1, 0x5555_5555_5555, 0xaaaa_aaaa_aaaa, 3 * 2 ** 50 - 1, 2 ** 52 - 2 ** 20);

const arbSize = fc.oneof(
  fc.integer({ min: 1, max: MAX_TREE_SIZE }),
  fc.integer({ min: 2 ** 31 - 1000, max: 2 ** 32 + 1000 }),
  fc.integer({ min: 2 ** 52 - 1000, max: 2 ** 52 }),
);

function checkAll(n: number): void {
  const b = B(n);
  expect(bitLength(n)).toBe(refBitLength(b));
  expect(trailingZeros(n)).toBe(refTrailingZeros(b));
  expect(trailingOnes(n)).toBe(refTrailingOnes(b));
  expect(isPow2(n)).toBe((b & (b - 1n)) === 0n);
  expect(B(bitCeil(n))).toBe(refBitCeil(b));
  if (n >= 2) expect(B(largestPow2Below(n))).toBe(refLargestPow2Below(b));
}

describe('bits (against a bigint reference)', () => {
  it('agrees around every power of two up to 2^52', () => {
    for (const n of interesting) checkAll(n);
  });

  it('agrees on random sizes, dense around 2^31, 2^32 and 2^52', () => {
    fc.assert(fc.property(arbSize, (n) => checkAll(n)), { numRuns: 2000 });
  });

  it('handles zero where defined and rejects it where not', () => {
    expect(bitLength(0)).toBe(0);
    expect(trailingOnes(0)).toBe(0);
      expect(isPow2(0)).toBe(false);
    expect(() => trailingZeros(0)).toThrow(Error);
    expect(() => bitCeil(0)).toThrow(Error);
    expect(() => largestPow2Below(1)).toThrow(Error);
  });

  it('bounds tree sizes to integers in [0, 2^52]', () => {
    expect(isTreeSize(0)).toBe(true);
    expect(isTreeSize(2 ** 52)).toBe(true);
    for (const bad of [-1, 2 ** 52 + 1, 1.5, Number.NaN, Infinity, 2 ** 53]) expect(isTreeSize(bad)).toBe(false);
  });
});
