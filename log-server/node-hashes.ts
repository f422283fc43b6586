/**
 * Perfect-subtree hashes of the log's Merkle tree (RFC 9162 §2.1.1), remembered, and the
 * inclusion proofs built from them (RFC 9162 §2.1.3.1) — the log core's fast path for receipts,
 * which every submission needs.
 *
 * A node at a tree level that is a multiple of 8 is one stored tile hash (c2sp.org/tlog-tiles
 * "Merkle Tree"); any other node is hashed from its tile's hashes and remembered: a perfect
 * subtree's hash never changes once it exists (the log is append-only), so the cache is always
 * correct and a batch of receipts against one checkpoint costs a few hashes each. A proof
 * element that is not a perfect subtree always ends at the tree size; those are remembered per
 * tree size. The results are the proofs of `src/merkle/proof.ts` (a test compares them).
 */
import { HASH_SIZE, type Hash, nodeHash } from '../src/merkle/hash.js';
import { bitLength, largestPow2Below } from '../src/merkle/bits.js';
import { TILE_HEIGHT, TILE_WIDTH } from '../src/merkle/tiles.js';
import { rangeNodes } from '../src/merkle/tree.js';

/**
 * Remembered hashes per tree level. Receipts for new entries hit the right edge again and
 * again; random lookups of old entries rarely repeat, so a large cache only grows the server's
 * memory (and they remember nodes only at the levels where they do repeat: `remembers`). Each
 * remembered hash costs about 75 bytes (32 in the level's ring, the rest its Map entry):
 * 8,192 × ~21 levels ≈ 13 MB at 10M entries, at most. As one Uint8Array(32) and a Map
 * entry each they cost ~190 bytes — 33 MB of old-generation heap at 10M entries, measured.
 */
export const PER_LEVEL = 8_192;
/** Tree sizes whose right-hand proof elements are remembered. */
const SIZES = 8;
/**
 * Proofs of entries this close to the tree size hash their nodes from remembered children
 * ({@link NodeHashes.node}): the receipts of submissions, which come in runs of neighbours.
 */
const RECENT = 4 * 4096;
/** Base64 texts of proof nodes remembered per tree level (forgotten all at once when full). */
const TEXT_PER_LEVEL = 4_096;

/** base64Of is the standard base64 of a hash (RFC 4648 §4), by Node's native encoder. */
function base64Of(h: Hash): string {
  return Buffer.from(h.buffer, h.byteOffset, h.length).toString('base64');
}

/**
 * Reads the blob of hash tile `index` at tile level `level` (tree level 8·level), as published:
 * full, or the partial right-edge tile, holding every hash the published tree has there.
 */
export type TileBlobReader = (level: number, index: number) => Uint8Array;

/**
 * The remembered hashes of one tree level, oldest forgotten first: up to `capacity` 32-byte
 * slots in one buffer (grown by doubling, as a high level holds few nodes), filled in turn
 * once full, and a map from node index to slot.
 */
class LevelCache {
  private hashes = new Uint8Array(64 * HASH_SIZE);
  /** owners[slot] is the node index whose hash the slot holds. */
  private owners = new Float64Array(64);
  private readonly slots = new Map<number, number>();
  /** The slot to overwrite next, once every slot is in use. */
  private next = 0;

  constructor(private readonly capacity: number) {}

  /**
   * get returns the remembered hash of node `index` — a view of its slot, valid until
   * `capacity` more hashes are remembered at this level (callers use it at once or copy it).
   */
  get(index: number): Hash | undefined {
    const slot = this.slots.get(index);
    return slot === undefined ? undefined : this.hashes.subarray(slot * HASH_SIZE, (slot + 1) * HASH_SIZE);
  }

  /** set remembers the hash of node `index` (not yet remembered), forgetting the oldest if full. */
  set(index: number, h: Hash): void {
    let slot: number;
    if (this.slots.size < this.capacity) {
      slot = this.slots.size;
      if (slot === this.owners.length) {
        const n = Math.min(this.capacity, 2 * slot);
        const hashes = new Uint8Array(n * HASH_SIZE);
        hashes.set(this.hashes);
        const owners = new Float64Array(n);
        owners.set(this.owners);
        this.hashes = hashes;
        this.owners = owners;
      }
    } else {
      slot = this.next;
      this.next = (slot + 1) % this.capacity;
      this.slots.delete(this.owners[slot]!);
    }
    this.owners[slot] = index;
    this.hashes.set(h, slot * HASH_SIZE);
    this.slots.set(index, slot);
  }
}

/** NodeHashes computes and remembers node hashes of one log's tree. */
export class NodeHashes {
  /** levels[l] remembers the hashes of perfect subtrees (l, index), for l % 8 ≠ 0. */
  private readonly levels: LevelCache[] = [];
  /** Per tree size: MTH(D[lo:size]) by lo, for ranges that are not perfect subtrees. */
  private readonly right = new Map<number, Map<number, Hash>>();
  /** text[l]: base64 of perfect subtree hashes at level l ≥ 1, by node index (inclusionTexts). */
  private readonly text: Map<number, string>[] = [];
  /** scratch[l]: the left child's hash while node (l, ·) is hashed from its children. */
  private readonly scratch: Uint8Array[] = [];

  /** @param perLevel hashes remembered per tree level (tests use a few to exercise forgetting) */
  constructor(
    private readonly tile: TileBlobReader,
    private readonly perLevel = PER_LEVEL,
  ) {}

  /**
   * node returns the hash of perfect subtree (level, index); it must be complete in the
   * published tree. A node between tile levels is the Merkle hash of 2^(level mod 8)
   * consecutive hashes of one tile (Go tlog tileForIndex), hashed in one pass over the tile
   * blob and then remembered. The result is a view (of a tile blob or of the cache): use it
   * before the next call or copy it.
   *
   * With `fromChildren` it is instead hashed from its two children, which are remembered too:
   * one hash per node when the neighbours' proofs need those children anyway — the receipts of
   * a batch of new entries, whose proofs cover every node of their range (measured: 7 hashes
   * per receipt of a 1,000-entry batch in one pass per node, 1 this way). A lone old entry's
   * proof needs only the node, so lookups keep the one pass and do not fill the cache with
   * children. With `remember` false the node is not remembered either (see {@link remembers}).
   */
  node(level: number, index: number, fromChildren = false, remember = true): Hash {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const r = level % TILE_HEIGHT;
    if (r === 0) {
      const off = (index % TILE_WIDTH) * HASH_SIZE;
      return this.tile(tileLevel, Math.floor(index / TILE_WIDTH)).subarray(off, off + HASH_SIZE);
    }
    const at = (this.levels[level] ??= new LevelCache(this.perLevel));
    let h = at.get(index);
    if (h === undefined && fromChildren) {
      // A copy of the left child: computing the right one may reuse its cache slot.
      const left = (this.scratch[level] ??= new Uint8Array(HASH_SIZE));
      left.set(this.node(level - 1, 2 * index, true));
      h = nodeHash(left, this.node(level - 1, 2 * index + 1, true));
      at.set(index, h);
    } else if (h === undefined) {
      const perTile = 2 ** (TILE_HEIGHT - r);
      const count = 2 ** r;
      const blob = this.tile(tileLevel, Math.floor(index / perTile));
      const start = (index % perTile) * count;
      let row: Hash[] = [];
      for (let i = start; i < start + count; i++) row.push(blob.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      while (row.length > 1) {
        const up: Hash[] = [];
        for (let i = 0; i < row.length; i += 2) up.push(nodeHash(row[i]!, row[i + 1]!));
        row = up;
      }
      h = row[0]!;
      if (remember) at.set(index, h);
    }
    return h;
  }

  /**
   * remembers tells whether a proof of an old entry (not {@link RECENT}) should remember its
   * node (or its text) at `level` in a tree of `size`: only where the level has at most twice as
   * many nodes as the cache holds (`capacity`), so that a random lookup finds it again at least
   * half the time.
   * Below that, lookups of random old entries would only churn the cache and keep it full of
   * nodes almost never read again: at 10M entries the hashes of levels 1–7 and 9 and the texts
   * of those and level 10 (docs/performance.md, the large log's RSS).
   */
  private remembers(level: number, size: number, capacity: number): boolean {
    return size / 2 ** level <= 2 * capacity;
  }

  /** root returns MTH(D[0:size]) for 0 < size ≤ the published size (remembered: do not modify it). */
  root(size: number): Hash {
    return this.rightRange(0, size);
  }

  /**
   * inclusion returns PATH(index, D[0:size]) — RFC 9162 §2.1.3.1. Needs 0 ≤ index < size ≤ the
   * published size. The hashes are the caller's own copies.
   */
  inclusion(index: number, size: number): Hash[] {
    const path: Hash[] = [];
    const recent = size - index <= RECENT;
    this.walk(index, size, (level, node, lo) => path.push(this.pathHash(level, node, lo, size, recent).slice()));
    return path.reverse();
  }

  /**
   * inclusionTexts returns the same proof as {@link inclusion} as the standard base64 texts of
   * its hashes, ROOT end first (the reverse of the proof's order): the lines of a c2sp.org/
   * tlog-proof body, for receipts (./receipts.ts) and batch answers written as bytes
   * (log-server/http/batch-answer.ts). Receipts are the log's hottest output (every submission
   * gets one), so this path allocates no hash copies, encodes with Node's native base64, and
   * remembers the text of nodes above level 0, which consecutive entries' proofs share
   * (measured: a batch of 1,000 receipts spent a third of its time collecting the garbage of
   * per-hash copies and JS base64 strings).
   */
  inclusionTexts(index: number, size: number): string[] {
    const lines: string[] = [];
    const recent = size - index <= RECENT;
    this.walk(index, size, (level, node, lo) => {
      if (level === 0 || node < 0) {
        lines.push(base64Of(this.pathHash(level, node, lo, size, recent)));
        return;
      }
      // The text first: a remembered line needs no hash, nor a view of one (measured: the views
      // of proof nodes were 15 % of the allocations of a 1,000-item batch's receipts).
      const memo = (this.text[level] ??= new Map<number, string>());
      let line = memo.get(node);
      if (line === undefined) {
        line = base64Of(this.pathHash(level, node, lo, size, recent));
        if (recent || this.remembers(level, size, TEXT_PER_LEVEL)) {
          if (memo.size >= TEXT_PER_LEVEL) memo.clear();
          memo.set(node, line);
        }
      }
      lines.push(line);
    });
    return lines;
  }

  /**
   * pathHash is the hash of one element of an inclusion proof as {@link walk} names it: perfect
   * subtree (level, node), or for node −1 the range MTH(D[lo:size]). A view: use it at once.
   */
  private pathHash(level: number, node: number, lo: number, size: number, recent: boolean): Hash {
    return node < 0 ? this.rightRange(lo, size) : this.node(level, node, recent, recent || this.remembers(level, size, this.perLevel));
  }

  /**
   * walk visits PATH(index, D[0:size]) root end first — the same walk as RFC 6962 §2.1.1: from
   * the root down, the sibling of the half holding the leaf. `visit` gets each element's level
   * and node index, or node −1 and its first leaf `lo` for a range ending at the tree size; it
   * reads the hash itself ({@link pathHash}) only if it needs it.
   */
  private walk(index: number, size: number, visit: (level: number, node: number, lo: number) => void): void {
    let lo = 0;
    let hi = size;
    // k = 2^level is the largest power of two below hi − lo; it only halves as the walk descends.
    let k = size > 1 ? largestPow2Below(size) : 1;
    let level = bitLength(k) - 1;
    while (hi - lo > 1) {
      while (k >= hi - lo) {
        k /= 2;
        level--;
      }
      if (index < lo + k) {
        // MTH(D[k:n]): a perfect subtree when it is as large as the left half, otherwise a
        // range ending at the tree size (only the walk's right edge is ever short).
        if (hi - lo === 2 * k) visit(level, (lo + k) / k, lo + k);
        else visit(level, -1, lo + k);
        hi = lo + k;
      } else {
        visit(level, lo / k, lo); // MTH(D[lo:lo+k]), a perfect subtree
        lo += k;
      }
    }
  }

  /**
   * rightRange returns MTH(D[lo:size]) — the fold of its perfect subtrees, largest first (RFC
   * 9162 §2.1.1 applied to the right edge) — remembered per tree size.
   */
  private rightRange(lo: number, size: number): Hash {
    let bySize = this.right.get(size);
    if (bySize === undefined) {
      if (this.right.size >= SIZES) this.right.delete(this.right.keys().next().value!);
      bySize = new Map<number, Hash>();
      this.right.set(size, bySize);
    }
    let h = bySize.get(lo);
    if (h === undefined) {
      const nodes = rangeNodes(lo, size);
      // A copy: node() answers with a view of a tile or of the cache, and this one is kept.
      h = this.node(nodes[nodes.length - 1]!.level, nodes[nodes.length - 1]!.index).slice();
      for (let i = nodes.length - 2; i >= 0; i--) h = nodeHash(this.node(nodes[i]!.level, nodes[i]!.index), h);
      bySize.set(lo, h);
    }
    return h;
  }
}
