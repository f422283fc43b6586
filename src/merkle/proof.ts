/**
 * Inclusion and consistency proofs — RFC 9162 §2.1.3 (inclusion) and §2.1.4 (consistency),
 * the same proofs as RFC 6962 §2.1.1–2.1.2, in the plan/compute shape of Go's sumdb/tlog
 * (ProveRecord/CheckRecord, ProveTree/CheckTree).
 *
 * A proof element is the MTH of a subtree of the big tree; when that subtree is not perfect it
 * is computed from the perfect subtrees of {@link rangeNodes}. So `…ProofNodes` lists every perfect
 * subtree needed, and `…ProofFromHashes` regroups them into proof elements.
 */
import { RunproofError, isRunproofError } from '../errors.js';
import { toHex } from '../encoding/hex.js';
import { equalBytes } from '../encoding/utf8.js';
import { type Hash, EMPTY_ROOT, HASH_SIZE, nodeHash } from './hash.js';
import { isPow2, isTreeSize, largestPow2Below, MAX_TREE_SIZE, trailingOnes } from './bits.js';
import { type HashReader, type NodeId, checkSize, rangeHashFromHashes, rangeNodes } from './tree.js';

/** A leaf range [lo, hi) whose MTH is one proof element. */
type Range = readonly [number, number];

/** The most hashes any proof for a tree of at most MAX_TREE_SIZE leaves can hold (52 + 1). */
export const MAX_PROOF_LENGTH = 53;

/**
 * inclusionRanges returns PATH(index, D[0:size]) as leaf ranges, sibling of the leaf first —
 * RFC 6962 §2.1.1 / RFC 9162 §2.1.3.1, walked from the root down then reversed.
 */
function inclusionRanges(index: number, size: number): Range[] {
  checkSize(size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`merkle: leaf index ${index} is not in a tree of size ${size}`);
  }
  const out: Range[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = largestPow2Below(hi - lo);
    if (index < lo + k) {
      out.push([lo + k, hi]); // PATH(m, D[0:k]) : MTH(D[k:n])
      hi = lo + k;
    } else {
      out.push([lo, lo + k]); // PATH(m − k, D[k:n]) : MTH(D[0:k])
      lo += k;
    }
  }
  return out.reverse();
}

/**
 * consistencyRanges returns PROOF(oldSize, D[0:newSize]) as leaf ranges — RFC 6962 §2.1.2 /
 * RFC 9162 §2.1.4.1 SUBPROOF, walked from the root down. Needs 0 < oldSize < newSize.
 */
function consistencyRanges(oldSize: number, newSize: number): Range[] {
  checkSize(oldSize, 'old tree size');
  checkSize(newSize, 'new tree size');
  if (oldSize > newSize) throw new RangeError(`merkle: old tree size ${oldSize} exceeds new tree size ${newSize}`);
  // Sizes 0 and equal sizes have empty proofs (RFC 9162 §2.1.4: the RFC algorithm needs 0 < m < n).
  if (oldSize === 0 || oldSize === newSize) return [];
  const tail: Range[] = [];
  let lo = 0;
  let hi = newSize;
  let m = oldSize; // the old tree's size relative to lo
  let whole = true; // SUBPROOF's b: is [lo, lo+m) the whole old tree (whose root the verifier knows)?
  while (m !== hi - lo) {
    const k = largestPow2Below(hi - lo);
    if (m <= k) {
      tail.push([lo + k, hi]); // SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
      hi = lo + k;
    } else {
      tail.push([lo, lo + k]); // SUBPROOF(m − k, D[k:n], false) : MTH(D[0:k])
      lo += k;
      m -= k;
      whole = false;
    }
  }
  const head: Range[] = whole ? [] : [[lo, hi]]; // SUBPROOF(m, D[m], false) = [MTH(D[m])]
  return head.concat(tail.reverse());
}

function nodesOf(ranges: readonly Range[]): NodeId[] {
  return ranges.flatMap(([lo, hi]) => rangeNodes(lo, hi));
}

function hashesOf(ranges: readonly Range[], hashes: readonly Hash[]): Hash[] {
  const out: Hash[] = [];
  let i = 0;
  for (const [lo, hi] of ranges) {
    const n = rangeNodes(lo, hi).length;
    if (i + n > hashes.length) break;
    out.push(rangeHashFromHashes(lo, hi, hashes.slice(i, i + n)));
    i += n;
  }
  if (i !== hashes.length || out.length !== ranges.length) {
    throw new Error(`merkle: proof needs ${nodesOf(ranges).length} node hashes, got ${hashes.length}`);
  }
  return out;
}

/** inclusionProofNodes lists the perfect subtrees whose hashes make the inclusion proof of leaf `index` in a tree of `size`. */
export function inclusionProofNodes(index: number, size: number): NodeId[] {
  return nodesOf(inclusionRanges(index, size));
}

/** inclusionProofFromHashes builds the inclusion proof from the hashes of {@link inclusionProofNodes}, in order. */
export function inclusionProofFromHashes(index: number, size: number, hashes: readonly Hash[]): Hash[] {
  return hashesOf(inclusionRanges(index, size), hashes);
}

/** proveInclusion returns the RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in a tree of `size`. */
export function proveInclusion(index: number, size: number, read: HashReader): Hash[] {
  return inclusionProofFromHashes(index, size, read(inclusionProofNodes(index, size)));
}

/** consistencyProofNodes lists the perfect subtrees whose hashes make the consistency proof from `oldSize` to `newSize`. */
export function consistencyProofNodes(oldSize: number, newSize: number): NodeId[] {
  return nodesOf(consistencyRanges(oldSize, newSize));
}

/** consistencyProofFromHashes builds the consistency proof from the hashes of {@link consistencyProofNodes}, in order. */
export function consistencyProofFromHashes(oldSize: number, newSize: number, hashes: readonly Hash[]): Hash[] {
  return hashesOf(consistencyRanges(oldSize, newSize), hashes);
}

/** proveConsistency returns the RFC 9162 §2.1.4.1 consistency proof between trees of `oldSize` and `newSize`. */
export function proveConsistency(oldSize: number, newSize: number, read: HashReader): Hash[] {
  return consistencyProofFromHashes(oldSize, newSize, read(consistencyProofNodes(oldSize, newSize)));
}

function hexes(proof: readonly Hash[]): string[] {
  return proof.map((h) => (h instanceof Uint8Array ? toHex(h) : String(h)));
}

function wellFormed(proof: readonly Hash[]): boolean {
  return proof.length <= MAX_PROOF_LENGTH && proof.every((h) => h instanceof Uint8Array && h.length === HASH_SIZE);
}

/**
 * rootFromInclusionProof returns the root that `proof` gives for leaf `index` with hash `leaf`
 * in a tree of `size` — RFC 9162 §2.1.3.2 steps 1–3 (everything but the final comparison).
 * @throws RunproofError PROOF_FAILED if the index is out of range or the proof has the wrong length.
 */
export function rootFromInclusionProof(leaf: Hash, index: number, size: number, proof: readonly Hash[]): Hash {
  const fail = (why: string) =>
    new RunproofError('PROOF_FAILED', `inclusion proof: ${why}`, { evidence: { index, size, proof: hexes(proof) } });
  if (!isTreeSize(size) || !Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw fail(`leaf index ${index} is not in a tree of size ${size}`); // step 1
  }
  if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_SIZE || !wellFormed(proof)) throw fail('malformed hash');
  let fn = index; // step 2
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) throw fail('proof too long'); // step 3a
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r); // step 3b
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2); // step 3c
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw fail('proof too short'); // step 4
  return r;
}

/**
 * verifyInclusion checks that leaf `index` with hash `leaf` is in the tree of `size` with `root` —
 * RFC 9162 §2.1.3.2.
 * @throws RunproofError PROOF_FAILED with the index, size, proof and root as evidence.
 */
export function verifyInclusion(leaf: Hash, index: number, size: number, proof: readonly Hash[], root: Hash): void {
  const got = rootFromInclusionProof(leaf, index, size, proof);
  if (!(root instanceof Uint8Array) || !equalBytes(got, root)) {
    throw new RunproofError('PROOF_FAILED', 'inclusion proof: computed root does not match', {
      evidence: {
        index,
        size,
        leafHash: toHex(leaf),
        proof: hexes(proof),
        root: root instanceof Uint8Array ? toHex(root) : String(root),
        computed: toHex(got),
      },
    });
  }
}

/**
 * verifyConsistency checks that the tree of `oldSize` with `oldRoot` is a prefix of the tree of
 * `newSize` with `newRoot` — RFC 9162 §2.1.4.2, with the edge cases the RFC leaves to callers:
 * - oldSize = newSize: the proof must be empty and the roots equal;
 * - oldSize = 0: the proof must be empty and `oldRoot` must be the empty-tree root (the empty
 *   tree is a prefix of every tree);
 * - oldSize > newSize fails.
 * @throws RunproofError PROOF_FAILED with both sizes, roots and the proof as evidence.
 */
export function verifyConsistency(oldSize: number, newSize: number, oldRoot: Hash, newRoot: Hash, proof: readonly Hash[]): void {
  const fail = (why: string) =>
    new RunproofError('PROOF_FAILED', `consistency proof: ${why}`, {
      evidence: {
        oldSize,
        newSize,
        oldRoot: oldRoot instanceof Uint8Array ? toHex(oldRoot) : String(oldRoot),
        newRoot: newRoot instanceof Uint8Array ? toHex(newRoot) : String(newRoot),
        proof: hexes(proof),
      },
    });
  if (!isTreeSize(oldSize) || !isTreeSize(newSize)) throw fail(`tree sizes must be integers in [0, ${MAX_TREE_SIZE}]`);
  if (oldSize > newSize) throw fail(`old size ${oldSize} exceeds new size ${newSize}`);
  if (!(oldRoot instanceof Uint8Array) || oldRoot.length !== HASH_SIZE) throw fail('malformed old root');
  if (!(newRoot instanceof Uint8Array) || newRoot.length !== HASH_SIZE) throw fail('malformed new root');
  if (!wellFormed(proof)) throw fail('malformed proof hash');
  if (oldSize === newSize) {
    if (proof.length !== 0) throw fail('proof between equal sizes must be empty');
    if (!equalBytes(oldRoot, newRoot)) throw fail('roots of equal sizes differ');
    return;
  }
  if (oldSize === 0) {
    if (proof.length !== 0) throw fail('proof from the empty tree must be empty');
    if (!equalBytes(oldRoot, EMPTY_ROOT)) throw fail('the empty tree has a different root');
    return;
  }
  const { fr, sr } = consistencyPathRoots(oldSize, newSize, oldRoot, proof, fail);
  if (!equalBytes(fr, oldRoot)) throw fail('proof does not lead to the old root');
  if (!equalBytes(sr, newRoot)) throw fail('proof does not lead to the new root');
}

/**
 * consistencyPathRoots runs RFC 9162 §2.1.4.2 steps 1–7 for 0 < oldSize < newSize and returns
 * the two roots the proof leads to (`fr`, `sr`), without comparing them with anything. For an
 * old size that is a power of two the proof leaves the old root out and `fr` is `oldRoot` itself.
 */
function consistencyPathRoots(oldSize: number, newSize: number, oldRoot: Hash, proof: readonly Hash[], fail: (why: string) => Error): { fr: Hash; sr: Hash } {
  if (proof.length === 0) throw fail('empty proof'); // step 1
  const path = isPow2(oldSize) ? [oldRoot, ...proof] : [...proof]; // step 2
  let fn = oldSize - 1; // step 3
  let sn = newSize - 1;
  const ones = trailingOnes(fn); // step 4: shift both right while LSB(fn) is set
  fn = Math.floor(fn / 2 ** ones);
  sn = Math.floor(sn / 2 ** ones);
  let fr = path[0]!; // step 5
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) throw fail('proof too long'); // step 6a
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr); // step 6b
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2); // step 6c
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw fail('proof too short'); // step 7
  return { fr, sr };
}

/**
 * The verdict of a consistency proof that is not merely "valid": `contradiction` when the proof
 * leads to the signed new root — so, SHA-256 being collision-resistant, its hashes are the new
 * tree's own nodes — and yet to an old root other than the signed one: the new tree's prefix is
 * another tree, which only a log that signed two histories can produce. Any other failure
 * (wrong length, a hash that leads to neither root, an old size that is a power of two, whose
 * root the proof cannot restate) is `unproven`: it says nothing about the log.
 */
export type ConsistencyVerdict = { verdict: 'consistent' } | { verdict: 'contradiction'; derivedOldRoot: Hash } | { verdict: 'unproven'; why: string };

/**
 * judgeConsistency checks a consistency proof between two (signed) roots and tells a proof of
 * inconsistency from a proof that merely fails; see {@link ConsistencyVerdict}.
 * Equal sizes with different roots are a contradiction with an empty proof.
 */
export function judgeConsistency(oldSize: number, newSize: number, oldRoot: Hash, newRoot: Hash, proof: readonly Hash[]): ConsistencyVerdict {
  try {
    verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof);
    return { verdict: 'consistent' };
  } catch (e) {
    if (!isRunproofError(e, 'PROOF_FAILED')) throw e;
    const why = e.message;
    if (!isTreeSize(oldSize) || !isTreeSize(newSize) || oldSize > newSize || !wellFormed(proof) || !wellFormed([oldRoot, newRoot])) return { verdict: 'unproven', why };
    if (oldSize === newSize) return proof.length === 0 ? { verdict: 'contradiction', derivedOldRoot: newRoot } : { verdict: 'unproven', why };
    if (oldSize === 0 || isPow2(oldSize)) return { verdict: 'unproven', why };
    let roots: { fr: Hash; sr: Hash };
    try {
      roots = consistencyPathRoots(oldSize, newSize, oldRoot, proof, (w) => new RunproofError('PROOF_FAILED', w));
    } catch (e2) {
      if (isRunproofError(e2, 'PROOF_FAILED')) return { verdict: 'unproven', why };
      throw e2;
    }
    if (equalBytes(roots.sr, newRoot) && !equalBytes(roots.fr, oldRoot)) return { verdict: 'contradiction', derivedOldRoot: roots.fr };
    return { verdict: 'unproven', why };
  }
}
