/**
 * Entry, leaf and Merkle vectors (docs/specification.md §7, §9.3): entries with their leaf hashes,
 * malformed entries, tree roots for many sizes, and inclusion and consistency proofs — every one
 * for small trees, samples for larger ones — each with invalid variants (one fault each).
 *
 * The leaves are given by a rule rather than stored: leaf data i is the entry
 * 0x01 ‖ uint64be(i) ‖ SHA-256(ASCII decimal of i).
 */
import { utf8 } from '../src/encoding/utf8.js';
import { toHex } from '../src/encoding/hex.js';
import { leafHash, nodeHash, sha256, EMPTY_ROOT, type Hash } from '../src/merkle/hash.js';
import { encodeEntry } from '../src/note/entry.js';
import { proveConsistency, proveInclusion } from '../src/merkle/proof.js';
import { treeRoot, type NodeId } from '../src/merkle/tree.js';
import { consistencyOutcome, entryOutcome, inclusionOutcome } from './outcome.js';
import { expectAccepted, expectRefusal } from './expect.js';

/** Leaf data i of the vector tree. */
export function leafData(i: number): Uint8Array {
  return encodeEntry({ type: 0x01, timestamp: i, identity: sha256(utf8(String(i))) });
}

/** An in-memory tree of the first `n` vector leaves, read through the core's HashReader seam. */
function treeOf(n: number) {
  const leaves: Hash[] = [];
  for (let i = 0; i < n; i++) leaves.push(leafHash(leafData(i)));
  const memo = new Map<string, Hash>();
  const node = (level: number, index: number): Hash => {
    if (level === 0) return leaves[index]!;
    const key = `${level}/${index}`;
    let h = memo.get(key);
    if (h === undefined) memo.set(key, (h = nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1))));
    return h;
  };
  const read = (ids: readonly NodeId[]) => ids.map((id) => node(id.level, id.index));
  return { leaves, read, root: (size: number) => treeRoot(size, read) };
}

/** An independent recursive MTH (RFC 9162 §2.1.1), to cross-check the stored-hash tree. */
function mth(leaves: Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

const flip = (h: string): string => (parseInt(h[0]!, 16) ^ 1).toString(16) + h.slice(1);

const SIZES = [...Array(34).keys(), 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 1023, 1024, 1025];
const MAX = 1025;

/** buildMerkleVectors returns the Merkle vector file's content. */
export function buildMerkleVectors() {
  const t = treeOf(MAX);
  const roots = SIZES.map((size) => {
    const root = t.root(size);
    if (toHex(root) !== toHex(mth(t.leaves.slice(0, size)))) throw new Error(`conformance: root of ${size} disagrees with MTH`);
    return { size, root: toHex(root) };
  });
  const rootHex = new Map(roots.map((r) => [r.size, r.root]));

  const entries = [0, 1, 2, 1767225600000, Number.MAX_SAFE_INTEGER].map((time) => {
    const hex = toHex(encodeEntry({ type: 0x01, timestamp: time, identity: sha256(utf8(`entry ${time}`)) }));
    return { entry: hex, expect: expectAccepted(hex, entryOutcome(hex)) };
  });
  const good = entries[1]!.entry;
  const badEntries: [string, string][] = [
    ['40 bytes', good.slice(0, 80)],
    ['42 bytes', good + '00'],
    ['type 0x00', '00' + good.slice(2)],
    ['type 0x02', '02' + good.slice(2)],
    ['time 2^53', '01' + '0020000000000000' + good.slice(18)],
    ['time 2^64 - 1', '01' + 'ffffffffffffffff' + good.slice(18)],
  ];
  for (const [name, hex] of badEntries) entries.push({ entry: hex, name, expect: expectRefusal(name, entryOutcome(hex), 'MALFORMED_ENTRY', undefined) } as never);

  const inclusion: object[] = [];
  const addInclusion = (index: number, size: number) => {
    const path = proveInclusion(index, size, t.read).map(toHex);
    const v = { index, size, leaf_hash: toHex(t.leaves[index]!), path, root: rootHex.get(size)! };
    inclusion.push({ ...v, expect: expectAccepted(`inclusion ${index}/${size}`, inclusionOutcome(v)) });
    return v;
  };
  const badInclusion = (name: string, v: { index: number; size: number; leaf_hash: string; path: string[]; root: string }) =>
    inclusion.push({ name, ...v, expect: expectRefusal(name, inclusionOutcome(v), 'PROOF_FAILED', undefined) });
  for (const size of SIZES) {
    if (size === 0) continue;
    const indexes = size <= 17 ? [...Array(size).keys()] : [0, 1, Math.floor(size / 2), size - 2, size - 1];
    for (const index of indexes) addInclusion(index, size);
  }
  const base = addInclusion(5, 13);
  badInclusion('index = size', { ...base, index: 13 });
  badInclusion('wrong index', { ...base, index: 4 });
  badInclusion('wrong size', { ...base, size: 12, root: rootHex.get(12)! });
  badInclusion('path one hash short', { ...base, path: base.path.slice(0, -1) });
  badInclusion('path one hash long', { ...base, path: [...base.path, base.path[0]!] });
  badInclusion('a path hash flipped', { ...base, path: base.path.map((h, i) => (i === 1 ? flip(h) : h)) });
  badInclusion('wrong leaf', { ...base, leaf_hash: toHex(t.leaves[6]!) });
  badInclusion('wrong root', { ...base, root: rootHex.get(14)! });
  badInclusion('size 0', { ...base, index: 0, size: 0, path: [], root: rootHex.get(0)! });
  const one = addInclusion(0, 1);
  badInclusion('size 1 with a path hash', { ...one, path: [one.leaf_hash] });

  const consistency: object[] = [];
  const addConsistency = (oldSize: number, newSize: number) => {
    const path = proveConsistency(oldSize, newSize, t.read).map(toHex);
    const v = { old_size: oldSize, new_size: newSize, old_root: rootHex.get(oldSize)!, new_root: rootHex.get(newSize)!, path };
    consistency.push({ ...v, expect: expectAccepted(`consistency ${oldSize}→${newSize}`, consistencyOutcome(v)) });
    return v;
  };
  const badConsistency = (name: string, v: { old_size: number; new_size: number; old_root: string; new_root: string; path: string[] }) =>
    consistency.push({ name, ...v, expect: expectRefusal(name, consistencyOutcome(v), 'PROOF_FAILED', undefined) });
  for (let n = 0; n <= 17; n++) for (let m = 0; m <= n; m++) addConsistency(m, n);
  for (const [m, n] of [[1, 1025], [63, 64], [64, 65], [127, 129], [128, 256], [255, 1000], [1000, 1025], [1024, 1025], [257, 1023]] as const) addConsistency(m, n);
  const c = addConsistency(6, 13);
  badConsistency('old size > new size', { ...c, old_size: 13, new_size: 6, old_root: c.new_root, new_root: c.old_root });
  badConsistency('path one hash short', { ...c, path: c.path.slice(0, -1) });
  badConsistency('path one hash long', { ...c, path: [...c.path, c.path[0]!] });
  badConsistency('a path hash flipped', { ...c, path: c.path.map((h, i) => (i === 0 ? flip(h) : h)) });
  badConsistency('wrong old root', { ...c, old_root: rootHex.get(7)! });
  badConsistency('wrong new root', { ...c, new_root: rootHex.get(14)! });
  badConsistency('empty proof between different sizes', { ...c, path: [] });
  const same = addConsistency(8, 8);
  badConsistency('equal sizes with a non-empty proof', { ...same, path: [same.old_root] });
  badConsistency('equal sizes, different roots', { ...same, new_root: rootHex.get(9)!, new_size: 8 });
  const fromEmpty = addConsistency(0, 8);
  badConsistency('from the empty tree with a wrong old root', { ...fromEmpty, old_root: rootHex.get(1)! });
  const pow2 = addConsistency(4, 8);
  badConsistency('power-of-two old size: wrong old root', { ...pow2, old_root: rootHex.get(3)! });

  return {
    description: 'Entry, leaf and Merkle vectors: docs/specification.md §7 (entry), §9.3 (tree, inclusion, consistency). Leaf data i of the tree is the entry 0x01 ‖ uint64be(i) ‖ SHA-256(ASCII decimal of i); leaf_hash_0 and leaf_hash_1 below check that rule.',
    leaf_rule: 'entry(type 0x01, time i, identity SHA-256(ASCII decimal of i))',
    leaf_data_0: toHex(leafData(0)),
    leaf_hash_0: toHex(t.leaves[0]!),
    leaf_hash_1: toHex(t.leaves[1]!),
    entries,
    roots,
    inclusion,
    consistency,
  };
}
