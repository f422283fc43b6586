/**
 * A deliberately naive RFC 6962 reference, straight from the RFC text (§2.1 MTH, §2.1.1 PATH,
 * §2.1.2 PROOF / SUBPROOF), recursive and memoised. The fast code in src/merkle is checked
 * against it. It shares nothing with src/merkle but the two hash primitives.
 */
import { isRunproofError } from '../../src/errors.js';
import { leafHash, nodeHash, sha256, type Hash } from '../../src/merkle/hash.js';

/** k: the largest power of two strictly smaller than n (n > 1), by plain doubling. */
export function refK(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export class RefTree {
  private readonly memo = new Map<string, Hash>();

  /**
   * @param leaf the leaf hash of leaf i
   * @param shortcut optionally, the MTH of a perfect range [lo, hi) without computing it
   */
  constructor(
    readonly leaf: (i: number) => Hash,
    private readonly shortcut: (lo: number, hi: number) => Hash | undefined = () => undefined,
  ) {}

  /** MTH(D[lo:hi]) — RFC 6962 §2.1. */
  mth(lo: number, hi: number): Hash {
    if (hi === lo) return sha256(new Uint8Array(0));
    if (hi - lo === 1) return this.leaf(lo);
    const key = `${lo},${hi}`;
    let h = this.memo.get(key);
    if (h === undefined) {
      h = this.shortcut(lo, hi);
      if (h === undefined) {
        const k = refK(hi - lo);
        h = nodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
      }
      this.memo.set(key, h);
    }
    return h;
  }

  /** PATH(m, D[lo:hi]) as leaf ranges — RFC 6962 §2.1.1. */
  pathRanges(m: number, lo: number, hi: number): [number, number][] {
    if (hi - lo === 1) return [];
    const k = refK(hi - lo);
    if (m < lo + k) return [...this.pathRanges(m, lo, lo + k), [lo + k, hi]];
    return [...this.pathRanges(m, lo + k, hi), [lo, lo + k]];
  }

  /** PATH(m, D[0:n]). */
  path(m: number, n: number): Hash[] {
    return this.pathRanges(m, 0, n).map(([a, b]) => this.mth(a, b));
  }

  /** SUBPROOF(m, D[lo:hi], b) — RFC 6962 §2.1.2; m counts leaves from lo. */
  subproof(m: number, lo: number, hi: number, b: boolean): Hash[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.mth(lo, hi)];
    const k = refK(n);
    if (m <= k) return [...this.subproof(m, lo, lo + k, b), this.mth(lo + k, hi)];
    return [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }

  /** PROOF(m, D[0:n]), 0 < m ≤ n. */
  proof(m: number, n: number): Hash[] {
    return this.subproof(m, 0, n, true);
  }
}

/** A dense tree whose leaf i is the entry "leaf <i>". */
export function denseTree(): RefTree {
  const cache: Hash[] = [];
  return new RefTree((i) => (cache[i] ??= leafHash(new TextEncoder().encode(`leaf ${i}`))));
}

/**
 * A tree of any size (up to 2^52) where every leaf is the empty entry except a few "special"
 * ones; perfect ranges without a special leaf have a precomputed hash, so only the paths to the
 * special leaves are ever hashed. It is a real tree, so proofs over it must verify.
 */
let uniformCache: Hash[] | undefined;

export function sparseTree(special: Iterable<number>): RefTree {
  const marks = [...new Set(special)].sort((a, b) => a - b);
  // uniform[l]: the hash of a perfect subtree of 2^l empty entries.
  const uniform = (uniformCache ??= (() => {
    const u: Hash[] = [leafHash(new Uint8Array(0))];
    for (let l = 1; l <= 53; l++) u.push(nodeHash(u[l - 1]!, u[l - 1]!));
    return u;
  })());
  const hasMark = (lo: number, hi: number) => marks.some((m) => m >= lo && m < hi);
  const leaf = (i: number) => (hasMark(i, i + 1) ? leafHash(new TextEncoder().encode(`special ${i}`)) : uniform[0]!);
  const shortcut = (lo: number, hi: number) => {
    if (hasMark(lo, hi)) return undefined;
    const n = hi - lo;
    const level = Math.log2(n);
    return Number.isInteger(level) ? uniform[level] : undefined;
  };
  return new RefTree(leaf, shortcut);
}

/** fails tells whether `f` throws PROOF_FAILED (false if it returns); any other error is rethrown. */
export function fails(f: () => void): boolean {
  try {
    f();
    return false;
  } catch (e) {
    if (isRunproofError(e, 'PROOF_FAILED')) return true;
    throw e;
  }
}
