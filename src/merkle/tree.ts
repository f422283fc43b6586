/**
 * Merkle Tree Hash over perfect subtrees — RFC 6962 §2.1 / RFC 9162 §2.1.1, in the shape of Go's
 * golang.org/x/mod/sumdb/tlog (subTreeIndex / subTreeHash / TreeHash).
 *
 * Every computation is split in two: a *plan* that says which perfect-subtree hashes it needs
 * (`NodeId[]`) and a *compute* step that takes those hashes in the same order. Storage (SQLite on
 * the server, HTTP tiles in the verifier) sits between the two, behind a {@link HashReader}.
 */
import { type Hash, EMPTY_ROOT, nodeHash } from './hash.js';
import { bitCeil, bitLength, isTreeSize, MAX_LEVEL, MAX_TREE_SIZE, trailingZeros } from './bits.js';

/**
 * A perfect subtree: the node at `level` (0 = leaf) covering leaves
 * [index·2^level, (index+1)·2^level).
 */
export interface NodeId {
  level: number;
  index: number;
}

/** Reads the hashes of the given perfect subtrees, in the same order (synchronous storage). */
export type HashReader = (nodes: readonly NodeId[]) => Hash[];

/** Reads the hashes of the given perfect subtrees, in the same order (asynchronous storage). */
export type AsyncHashReader = (nodes: readonly NodeId[]) => Promise<Hash[]>;

/** A node hash with its position, as produced by {@link appendLeaves}. */
export interface NodeHash {
  node: NodeId;
  hash: Hash;
}

/** checkSize throws a RangeError unless `n` is a tree size in [0, MAX_TREE_SIZE]. */
export function checkSize(n: number, what = 'tree size'): void {
  if (!isTreeSize(n)) throw new RangeError(`merkle: ${what} ${n} is not an integer in [0, ${MAX_TREE_SIZE}]`);
}

/** nodeStart returns the first leaf index covered by `node`. */
export function nodeStart(node: NodeId): number {
  return node.index * 2 ** node.level;
}

/** nodeEnd returns one past the last leaf index covered by `node`. */
export function nodeEnd(node: NodeId): number {
  return (node.index + 1) * 2 ** node.level;
}

/**
 * isValidSubtree tells whether [lo, hi) is a subtree of every tree that contains it, i.e. whether
 * its RFC 6962 MTH is well defined as a node of the big tree: lo < hi and lo is a multiple of
 * bit_ceil(hi − lo) (draft-ietf-plants-merkle-tree-certs §4.1; transparency-dev/merkle isSubtreeValid).
 */
export function isValidSubtree(lo: number, hi: number): boolean {
  return isTreeSize(lo) && isTreeSize(hi) && lo < hi && lo % bitCeil(hi - lo) === 0;
}

/**
 * rangeNodes returns the perfect subtrees that make up leaves [lo, hi), left to right, each as
 * large as possible (Go tlog subTreeIndex). For lo = 0 these are the right edge of a tree of
 * size hi. Any 0 ≤ lo ≤ hi ≤ MAX_TREE_SIZE is accepted; [lo, lo) gives no nodes.
 */
export function rangeNodes(lo: number, hi: number): NodeId[] {
  checkSize(lo, 'range start');
  checkSize(hi, 'range end');
  if (lo > hi) throw new RangeError(`merkle: range [${lo}, ${hi}) is reversed`);
  const out: NodeId[] = [];
  while (lo < hi) {
    // The largest aligned block starting at lo that still fits below hi.
    let level = lo === 0 ? MAX_LEVEL : Math.min(trailingZeros(lo), MAX_LEVEL);
    level = Math.min(level, bitLength(hi - lo) - 1);
    const size = 2 ** level;
    out.push({ level, index: lo / size });
    lo += size;
  }
  return out;
}

/**
 * rangeHashFromHashes returns MTH(D[lo:hi]) from the hashes of {@link rangeNodes}(lo, hi), in
 * that order (Go tlog subTreeHash). [lo, hi) must be a valid subtree ({@link isValidSubtree}),
 * otherwise the fold below is not the RFC 6962 hash of that range.
 */
export function rangeHashFromHashes(lo: number, hi: number, hashes: readonly Hash[]): Hash {
  if (!isValidSubtree(lo, hi)) throw new RangeError(`merkle: [${lo}, ${hi}) is not a valid subtree`);
  const want = rangeNodes(lo, hi).length;
  if (hashes.length !== want) throw new Error(`merkle: range [${lo}, ${hi}) needs ${want} hashes, got ${hashes.length}`);
  return foldRight(hashes);
}

/** foldRight combines right-edge hashes, largest subtree first, into one root. */
function foldRight(hashes: readonly Hash[]): Hash {
  let h = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(hashes[i]!, h);
  return h;
}

/** rootNodes returns the perfect subtrees whose hashes give the root of a tree of `size` leaves. */
export function rootNodes(size: number): NodeId[] {
  return rangeNodes(0, size);
}

/** rootFromHashes returns the root of a tree of `size` leaves from the hashes of {@link rootNodes}(size). */
export function rootFromHashes(size: number, hashes: readonly Hash[]): Hash {
  checkSize(size);
  if (size === 0) {
    if (hashes.length !== 0) throw new Error('merkle: the empty tree needs no hashes');
    return EMPTY_ROOT; // MTH({}) — RFC 6962 §2.1
  }
  return rangeHashFromHashes(0, size, hashes);
}

/** treeRoot returns the root of a tree of `size` leaves, reading the stored hashes it needs. */
export function treeRoot(size: number, read: HashReader): Hash {
  return rootFromHashes(size, read(rootNodes(size)));
}

/**
 * appendLeaves extends a tree's right edge (compact range) by some leaf hashes.
 *
 * `rightEdge` holds the hashes of {@link rootNodes}(size), in order. The result is the right edge
 * of the tree of size + leafHashes.length, and `newNodes`: every perfect-subtree hash that
 * exists in the new tree but not the old one (the new leaves included), in the order created —
 * exactly what a sequencer must add to its stored hashes or tiles, without reading any back.
 * The new root is `rootFromHashes(result.size, result.rightEdge)`.
 */
export function appendLeaves(
  rightEdge: readonly Hash[],
  size: number,
  leafHashes: readonly Hash[],
): { size: number; rightEdge: Hash[]; newNodes: NodeHash[] } {
  checkSize(size);
  checkSize(size + leafHashes.length, 'new tree size');
  const stack: NodeHash[] = [];
  const edge = rootNodes(size);
  if (edge.length !== rightEdge.length) {
    throw new Error(`merkle: a tree of size ${size} has ${edge.length} right-edge hashes, got ${rightEdge.length}`);
  }
  edge.forEach((node, i) => stack.push({ node, hash: rightEdge[i]! }));
  const newNodes: NodeHash[] = [];
  let next = size;
  for (const hash of leafHashes) {
    let top: NodeHash = { node: { level: 0, index: next++ }, hash };
    newNodes.push(top);
    // Merge equal-level neighbours: two siblings make their parent (RFC 6962 §2.1 node hash).
    while (stack.length > 0 && stack[stack.length - 1]!.node.level === top.node.level) {
      const left = stack.pop()!;
      top = { node: { level: top.node.level + 1, index: left.node.index / 2 }, hash: nodeHash(left.hash, top.hash) };
      newNodes.push(top);
    }
    stack.push(top);
  }
  return { size: next, rightEdge: stack.map((n) => n.hash), newNodes };
}
