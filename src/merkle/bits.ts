/**
 * Tree index arithmetic without JavaScript bitwise operators.
 *
 * `>>`, `<<`, `&`, `|`, `^` and `~` convert their operands to 32-bit integers, so
 * `2 ** 33 >> 1 === 0`. Tree sizes and indexes here are plain `number`s, exact up to 2^53, so
 * every operation is written with multiplication, division, `Math.floor` and `%` instead.
 *
 * The largest supported tree has {@link MAX_TREE_SIZE} = 2^52 leaves. With that cap every value
 * the Merkle code derives (node start/end leaf, `2 · size`, a tile's span) stays a safe integer.
 */

/** The largest tree size (and the exclusive bound on leaf indexes) this code supports: 2^52. */
export const MAX_TREE_SIZE = 2 ** 52;

/** The largest node level: a perfect subtree of a tree of at most 2^52 leaves has level ≤ 52. */
export const MAX_LEVEL = 52;

/** isTreeSize tells whether `n` is an integer in [0, MAX_TREE_SIZE]. */
export function isTreeSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n <= MAX_TREE_SIZE;
}

/** isPow2 tells whether the positive integer `n` is a power of two. */
export function isPow2(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** bitLength returns the number of bits in `n` (0 for 0): the smallest k with n < 2^k. */
export function bitLength(n: number): number {
  if (n === 0) return 0;
  // Math.log2 may be off by one near powers of two for large n; correct it exactly.
  let k = Math.floor(Math.log2(n)) + 1;
  while (2 ** (k - 1) > n) k--;
  while (2 ** k <= n) k++;
  return k;
}

/** largestPow2Below returns the largest power of two strictly less than `n` (n ≥ 2) — RFC 6962 §2.1's k. */
export function largestPow2Below(n: number): number {
  if (!(n >= 2)) throw new Error(`merkle: largestPow2Below needs n ≥ 2, got ${n}`);
  return 2 ** (bitLength(n - 1) - 1);
}

/** bitCeil returns the smallest power of two ≥ `n` (n ≥ 1). */
export function bitCeil(n: number): number {
  if (!(n >= 1)) throw new Error(`merkle: bitCeil needs n ≥ 1, got ${n}`);
  return n === 1 ? 1 : 2 ** bitLength(n - 1);
}

/** trailingZeros returns how many times 2 divides the positive integer `n`. */
export function trailingZeros(n: number): number {
  if (!(n >= 1)) throw new Error(`merkle: trailingZeros needs n ≥ 1, got ${n}`);
  let k = 0;
  while (n % 2 === 0) {
    n /= 2;
    k++;
  }
  return k;
}

/** trailingOnes returns the number of trailing 1 bits of the non-negative integer `n`. */
export function trailingOnes(n: number): number {
  let k = 0;
  while (n % 2 === 1) {
    n = (n - 1) / 2;
    k++;
  }
  return k;
}
