/**
 * The right edge of the log, in memory: everything the sequencer needs to append without
 * reading the database back — the tree size, the latest entry time, the hashes of the perfect
 * subtrees that make up the tree (the compact range, RFC 9162 §2.1.1's "right edge"), the
 * partial right-edge hash tile of every tile level, and the partial entry bundle
 * (c2sp.org/tlog-tiles "Partial Tiles").
 *
 * A RightEdge is immutable: {@link RightEdge.append} returns the next one plus the blobs to
 * write, so a batch whose transaction fails simply keeps the old object (nothing to undo).
 * At start-up {@link RightEdge.restore} rebuilds it from the stored right-edge tiles and the
 * last bundle — a handful of reads, no replay of entries.
 */
import { ENTRY_SIZE, decodeEntry } from '../../src/note/entry.js';
import { HASH_SIZE, leafHash, type Hash } from '../../src/merkle/hash.js';
import { TILE_HEIGHT, TILE_WIDTH, tileReader, type Tile } from '../../src/merkle/tiles.js';
import { appendLeaves, rootFromHashes, rootNodes } from '../../src/merkle/tree.js';

/** Bytes per entry in a bundle: a big-endian uint16 length (41) and the entry. */
export const BUNDLE_RECORD = 2 + ENTRY_SIZE;
/** Bytes in a full hash tile. */
export const FULL_TILE = TILE_WIDTH * HASH_SIZE;
/** Bytes in a full entry bundle. */
export const FULL_BUNDLE = TILE_WIDTH * BUNDLE_RECORD;

/** A blob to store: hash tile (level, idx) or, with level `'entries'`, entry bundle idx. */
export interface BlobWrite {
  level: number | 'entries';
  idx: number;
  data: Uint8Array;
}

/** Reads a stored blob (hash tile at `level`, or entry bundle) by index; undefined if absent. */
export type BlobSource = (level: number | 'entries', idx: number) => Uint8Array | undefined;

const EMPTY = new Uint8Array(0);

/** RightEdge is the in-memory right edge of a committed (or about-to-commit) tree. */
export class RightEdge {
  private constructor(
    /** Tree size (number of entries). */
    readonly size: number,
    /** Time of the latest entry in ms (0 for an empty log). */
    readonly lastTime: number,
    /** Hashes of rootNodes(size), left to right. */
    private readonly edge: readonly Hash[],
    /** Per tile level: the partial right-edge tile blob (empty when the level ends on a full tile). */
    private readonly partialTiles: readonly Uint8Array[],
    /** The partial entry bundle blob (empty when size is a multiple of 256). */
    private readonly partialBundle: Uint8Array,
  ) {}

  /** empty returns the right edge of the empty log. */
  static empty(): RightEdge {
    return new RightEdge(0, 0, [], [], EMPTY);
  }

  /**
   * restore rebuilds the right edge of a tree of `size` entries from the stored blobs. It reads
   * the partial tile of each level, the tiles holding the right-edge nodes and the last bundle.
   * @throws Error if a stored blob is missing or shorter than `size` requires (corruption)
   */
  static restore(size: number, read: BlobSource): RightEdge {
    if (size === 0) return RightEdge.empty();
    const need = (level: number | 'entries', idx: number, bytes: number): Uint8Array => {
      const blob = read(level, idx);
      if (blob === undefined || blob.length < bytes) {
        throw new Error(`storage: ${level === 'entries' ? 'bundle' : `tile ${level}/`}${idx} has ${blob?.length ?? 0} bytes, a tree of ${size} needs ${bytes}`);
      }
      return blob.subarray(0, bytes);
    };
    const partialTiles: Uint8Array[] = [];
    for (let level = 0; nodesAt(size, level) > 0; level++) {
      const n = nodesAt(size, level);
      const width = n % TILE_WIDTH;
      partialTiles.push(width === 0 ? EMPTY : need(level, Math.floor(n / TILE_WIDTH), width * HASH_SIZE).slice());
    }
    const edge = tileReader(size, (t: Tile) => need(t.level, t.index, t.width * HASH_SIZE))(rootNodes(size));
    const count = size % TILE_WIDTH;
    const partialBundle = count === 0 ? EMPTY : need('entries', Math.floor(size / TILE_WIDTH), count * BUNDLE_RECORD).slice();
    const last = count === 0 ? need('entries', size / TILE_WIDTH - 1, FULL_BUNDLE).subarray(FULL_BUNDLE - ENTRY_SIZE) : partialBundle.subarray(partialBundle.length - ENTRY_SIZE);
    return new RightEdge(size, decodeEntry(last).timestamp, edge, partialTiles, partialBundle);
  }

  /** root returns the Merkle tree hash of the tree (RFC 9162 §2.1.1). */
  root(): Hash {
    return rootFromHashes(this.size, this.edge);
  }

  /** partialTile returns the partial right-edge tile blob of `level` (maybe empty). */
  partialTile(level: number): Uint8Array {
    return this.partialTiles[level] ?? EMPTY;
  }

  /** bundleTail returns the partial right-edge bundle blob (maybe empty). */
  bundleTail(): Uint8Array {
    return this.partialBundle;
  }

  /**
   * append adds 41-byte entries (all stamped `time`, which must not be below lastTime) and
   * returns the new right edge and the blobs to store: every tile and bundle the batch filled
   * or grew, each once, as its complete new content.
   */
  append(entries: readonly Uint8Array[], time: number): { next: RightEdge; writes: BlobWrite[] } {
    if (time < this.lastTime) throw new Error(`storage: entry time ${time} is below the latest ${this.lastTime}`);
    const writes: BlobWrite[] = [];

    // Entry bundles: append uint16-prefixed records to the tail, emitting each bundle that fills.
    let bundleIdx = Math.floor(this.size / TILE_WIDTH);
    let bundle = new Uint8Array(FULL_BUNDLE);
    bundle.set(this.partialBundle);
    let bundleLen = this.partialBundle.length;
    for (const e of entries) {
      if (e.length !== ENTRY_SIZE) throw new Error(`storage: entry of ${e.length} bytes`);
      bundle[bundleLen] = Math.floor(ENTRY_SIZE / 256);
      bundle[bundleLen + 1] = ENTRY_SIZE % 256;
      bundle.set(e, bundleLen + 2);
      bundleLen += BUNDLE_RECORD;
      if (bundleLen === FULL_BUNDLE) {
        writes.push({ level: 'entries', idx: bundleIdx, data: bundle });
        bundleIdx++;
        bundle = new Uint8Array(FULL_BUNDLE);
        bundleLen = 0;
      }
    }
    const partialBundle = bundle.slice(0, bundleLen);
    if (bundleLen > 0) writes.push({ level: 'entries', idx: bundleIdx, data: partialBundle });

    // Hash tiles: every new node at a tree level that is a multiple of 8 is the next hash of
    // its tile level (c2sp.org/tlog-tiles "Merkle Tree"), in index order.
    const { size, rightEdge, newNodes } = appendLeaves(this.edge, this.size, entries.map(leafHash));
    const open: { idx: number; buf: Uint8Array; width: number; dirty: boolean }[] = [];
    const slot = (level: number) => {
      let t = open[level];
      if (t === undefined) {
        const old = this.partialTile(level);
        const buf = new Uint8Array(FULL_TILE);
        buf.set(old);
        t = { idx: Math.floor(nodesAt(this.size, level) / TILE_WIDTH), buf, width: old.length / HASH_SIZE, dirty: false };
        open[level] = t;
      }
      return t;
    };
    for (const { node, hash } of newNodes) {
      if (node.level % TILE_HEIGHT !== 0) continue;
      const level = node.level / TILE_HEIGHT;
      const t = slot(level);
      if (node.index !== t.idx * TILE_WIDTH + t.width) throw new Error(`storage: node ${node.level}/${node.index} out of order`);
      t.buf.set(hash, t.width * HASH_SIZE);
      t.width++;
      t.dirty = true;
      if (t.width === TILE_WIDTH) {
        writes.push({ level, idx: t.idx, data: t.buf });
        open[level] = { idx: t.idx + 1, buf: new Uint8Array(FULL_TILE), width: 0, dirty: false };
      }
    }
    const partialTiles: Uint8Array[] = [];
    for (let level = 0; nodesAt(size, level) > 0; level++) {
      const t = open[level];
      if (t === undefined) {
        partialTiles.push(this.partialTile(level));
        continue;
      }
      const data = t.buf.slice(0, t.width * HASH_SIZE);
      partialTiles.push(data);
      if (t.dirty) writes.push({ level, idx: t.idx, data });
    }
    return { next: new RightEdge(size, time, rightEdge, partialTiles, partialBundle), writes };
  }
}

/** nodesAt returns how many complete nodes tile level `level` (tree level 8·level) has. */
function nodesAt(size: number, level: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}
