/**
 * Hash tiles and their paths — c2sp.org/tlog-tiles (v0.1.0), the tile math of Go's
 * golang.org/x/mod/sumdb/tlog tile.go with the tile height fixed at 8.
 *
 * A level-L tile of index N holds, for i in [0, width), the hash of tree node
 * (level 8·L, index N·256 + i), i.e. MTH(D[(N·256+i)·256^L : (N·256+i+1)·256^L]); level 0 holds
 * leaf hashes. A full tile has 256 hashes (8192 bytes); the right edge of each level may be a
 * partial tile of width 1..255, published under `.p/<width>`.
 */
import { RunproofError } from '../errors.js';
import { type Hash, HASH_SIZE, nodeHash } from './hash.js';
import { isPow2, isTreeSize, MAX_TREE_SIZE } from './bits.js';
import { type AsyncHashReader, type HashReader, type NodeId, checkSize, nodeEnd } from './tree.js';

/** Tree levels per tile (c2sp.org/tlog-tiles: "tiles of height 8"). */
export const TILE_HEIGHT = 8;

/** Hashes in a full tile: 2^TILE_HEIGHT. */
export const TILE_WIDTH = 256;

/** The highest tile level a path may name (c2sp.org/tlog-tiles: L is 0..63). */
export const MAX_TILE_LEVEL = 63;

/**
 * A hash tile: level `level` (tree level 8·level), index `index`, holding `width` (1..256) hashes
 * of nodes index·256 … index·256 + width − 1.
 */
export interface Tile {
  level: number;
  index: number;
  width: number;
}

/** A parsed tile path: a hash tile, or an entry bundle of `width` entries starting at entry index·256. */
export type TilePathInfo = { kind: 'hash'; tile: Tile } | { kind: 'entries'; index: number; width: number };

/**
 * tileEnd returns how many leaves lie before the end of the tile's last hash,
 * (index·256 + width)·256^level — the smallest tree size that contains the tile.
 */
function tileEnd(level: number, index: number, width: number): number {
  return (index * TILE_WIDTH + width) * TILE_WIDTH ** level;
}

function checkTile(t: Tile): void {
  const ok =
    Number.isSafeInteger(t.level) && t.level >= 0 && t.level <= MAX_TILE_LEVEL &&
    Number.isSafeInteger(t.index) && t.index >= 0 &&
    Number.isSafeInteger(t.width) && t.width >= 1 && t.width <= TILE_WIDTH &&
    tileEnd(t.level, t.index, t.width) <= MAX_TREE_SIZE;
  if (!ok) throw new RangeError(`merkle: invalid tile ${JSON.stringify(t)}`);
}

/**
 * formatIndex writes N as zero-padded 3-digit groups, most significant first, every group but
 * the last prefixed with `x` — c2sp.org/tlog-tiles ("1234067" → `x001/x234/067`).
 */
function formatIndex(n: number): string {
  let out = String(n % 1000).padStart(3, '0');
  n = Math.floor(n / 1000);
  while (n > 0) {
    out = `x${String(n % 1000).padStart(3, '0')}/${out}`;
    n = Math.floor(n / 1000);
  }
  return out;
}

function widthSuffix(width: number): string {
  return width === TILE_WIDTH ? '' : `.p/${width}`; // full tiles have no .p/ (c2sp.org/tlog-tiles)
}

/** tilePath returns the tile's path, e.g. `tile/0/x001/234.p/5` (no leading slash). */
export function tilePath(tile: Tile): string {
  checkTile(tile);
  return `tile/${tile.level}/${formatIndex(tile.index)}${widthSuffix(tile.width)}`;
}

/** entriesPath returns the path of entry bundle `index` holding `width` (1..256) entries, e.g. `tile/entries/x001/234.p/5`. */
export function entriesPath(index: number, width: number): string {
  checkTile({ level: 0, index, width });
  return `tile/entries/${formatIndex(index)}${widthSuffix(width)}`;
}

const LEVEL_RE = /^(0|[1-9][0-9]?)$/;
const WIDTH_RE = /^[1-9][0-9]{0,2}$/;

/**
 * parseTilePath parses `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` strictly: L is
 * canonical decimal 0..63, N is 3-digit groups with `x` on all but the last, W is canonical
 * decimal 1..255; the tile must fit in a tree of at most MAX_TREE_SIZE leaves.
 * @throws RunproofError MALFORMED_TILE_PATH
 */
export function parseTilePath(path: string): TilePathInfo {
  const bad = (why: string) =>
    new RunproofError('MALFORMED_TILE_PATH', `tile path ${JSON.stringify(String(path).slice(0, 120))}: ${why}`, { path: String(path).slice(0, 200) });
  if (typeof path !== 'string' || path.length > 200) throw bad('not a string of at most 200 characters');
  const parts = path.split('/');
  if (parts[0] !== 'tile' || parts.length < 3) throw bad('want tile/<L>/<N>[.p/<W>]');
  const levelText = parts[1]!;
  let rest = parts.slice(2);
  // Width: a last-but-one element ending in ".p" followed by W.
  let width = TILE_WIDTH;
  const beforeLast = rest[rest.length - 2];
  if (beforeLast !== undefined && beforeLast.endsWith('.p')) {
    const w = rest[rest.length - 1]!;
    if (!WIDTH_RE.test(w) || Number(w) >= TILE_WIDTH) throw bad('partial width must be 1..255 in canonical decimal');
    width = Number(w);
    rest = [...rest.slice(0, -2), beforeLast.slice(0, -2)];
  }
  if (rest.length > 6) throw bad('tile index too large'); // 10^18 > MAX_TREE_SIZE
  let index = 0;
  for (let i = 0; i < rest.length; i++) {
    const g = rest[i]!;
    const last = i === rest.length - 1;
    const digits = last ? g : g.startsWith('x') ? g.slice(1) : null;
    if (digits === null || !/^[0-9]{3}$/.test(digits)) {
      throw bad('tile index must be 3-digit groups, all but the last prefixed with x');
    }
    index = index * 1000 + Number(digits);
  }
  if (rest.length > 1 && Number(rest[0]!.slice(1)) === 0) throw bad('tile index has a leading zero group');
  let level = 0;
  if (levelText !== 'entries') {
    if (!LEVEL_RE.test(levelText) || Number(levelText) > MAX_TILE_LEVEL) throw bad('level must be 0..63 in canonical decimal');
    level = Number(levelText);
  }
  if (index > MAX_TREE_SIZE || tileEnd(level, index, width) > MAX_TREE_SIZE) {
    throw bad(`tile lies beyond the largest supported tree (${MAX_TREE_SIZE} leaves)`);
  }
  return levelText === 'entries' ? { kind: 'entries', index, width } : { kind: 'hash', tile: { level, index, width } };
}

/** nodesAt returns how many complete nodes of tree level `level` a tree of `size` leaves has. */
function nodesAt(size: number, level: number): number {
  return Math.floor(size / 2 ** level);
}

/** tileWidthAt returns the width of tile (level, index) in a tree of `size` leaves (0 if it has none yet). */
export function tileWidthAt(level: number, index: number, size: number): number {
  const n = nodesAt(size, TILE_HEIGHT * level) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, n));
}

/**
 * tilesForSize returns every tile of a tree of `size` leaves, level by level, left to right: for
 * level L, floor(size/256^(L+1)) full tiles and, if floor(size/256^L) mod 256 ≠ 0, one partial
 * tile of that width (c2sp.org/tlog-tiles "Partial Tiles"; Go tlog.NewTiles(8, 0, size)).
 * The list has about size/255 tiles: use {@link changedTiles} to follow a growing log.
 */
export function tilesForSize(size: number): Tile[] {
  return changedTiles(0, size);
}

/**
 * changedTiles returns the tiles of a tree of `newSize` that a tree of `oldSize` does not have
 * (new tiles, and wider versions of the old partial tiles) — Go tlog.NewTiles(8, oldSize, newSize).
 * These are what a sequencer must write when the tree grows from oldSize to newSize.
 */
export function changedTiles(oldSize: number, newSize: number): Tile[] {
  checkSize(oldSize, 'old tree size');
  checkSize(newSize, 'new tree size');
  if (oldSize > newSize) throw new RangeError(`merkle: old tree size ${oldSize} exceeds new tree size ${newSize}`);
  const out: Tile[] = [];
  for (let level = 0; nodesAt(newSize, TILE_HEIGHT * level) > 0; level++) {
    const oldN = nodesAt(oldSize, TILE_HEIGHT * level);
    const newN = nodesAt(newSize, TILE_HEIGHT * level);
    for (let index = Math.floor(oldN / TILE_WIDTH); index * TILE_WIDTH < newN; index++) {
      const width = tileWidthAt(level, index, newSize);
      if (width > tileWidthAt(level, index, oldSize)) out.push({ level, index, width });
    }
  }
  return out;
}

/**
 * tileForNode returns where the hash of `node` comes from in a tree of `size` leaves: the tile (at
 * the width published for that size) and the positions [start, end) of the tile hashes whose
 * Merkle hash is the node. A node at tree level l lives in tile level floor(l/8); if l is a
 * multiple of 8 it is one stored hash, otherwise the hash of 2^(l mod 8) consecutive ones
 * (Go tlog tileForIndex).
 */
export function tileForNode(node: NodeId, size: number): { tile: Tile; start: number; end: number } {
  checkSize(size);
  if (!Number.isSafeInteger(node.level) || node.level < 0 || !Number.isSafeInteger(node.index) || node.index < 0 ||
      nodeEnd(node) > size) {
    throw new RangeError(`merkle: node ${JSON.stringify(node)} is not complete in a tree of size ${size}`);
  }
  const level = Math.floor(node.level / TILE_HEIGHT);
  const r = node.level % TILE_HEIGHT;
  const perTile = 2 ** (TILE_HEIGHT - r); // nodes of this level per tile
  const index = Math.floor(node.index / perTile);
  const start = (node.index % perTile) * 2 ** r;
  const width = tileWidthAt(level, index, size);
  return { tile: { level, index, width }, start, end: start + 2 ** r };
}

/**
 * hashFromTileRange returns the Merkle hash of tile hashes [start, end), a power-of-two-long
 * aligned range. Bad tile data (not a whole number of hashes, too short) is a misbehaving log.
 * @throws RunproofError MALFORMED_ENCODING
 */
export function hashFromTileRange(tileData: Uint8Array, start: number, end: number): Hash {
  const n = end - start;
  if (!Number.isSafeInteger(start) || start < 0 || n < 1 || !Number.isSafeInteger(n) || n > TILE_WIDTH ||
      !isPow2(n) || start % n !== 0) {
    throw new RangeError(`merkle: [${start}, ${end}) is not an aligned power-of-two range of a tile`);
  }
  if (tileData.length % HASH_SIZE !== 0 || tileData.length < end * HASH_SIZE || tileData.length > TILE_WIDTH * HASH_SIZE) {
    throw new RunproofError('MALFORMED_ENCODING', `tile of ${tileData.length} bytes has no hashes [${start}, ${end})`, {
      evidence: { length: tileData.length, start, end },
    });
  }
  let level: Hash[] = [];
  for (let i = start; i < end; i++) level.push(tileData.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  while (level.length > 1) {
    const up: Hash[] = [];
    for (let i = 0; i < level.length; i += 2) up.push(nodeHash(level[i]!, level[i + 1]!));
    level = up;
  }
  return level[0]!;
}

/** plan maps each node to its tile and collects the distinct tiles, keyed by path. */
function plan(nodes: readonly NodeId[], size: number) {
  const where = nodes.map((n) => tileForNode(n, size));
  const tiles = new Map<string, Tile>();
  for (const w of where) tiles.set(tilePath(w.tile), w.tile);
  return { where, tiles };
}

function checkTileData(tile: Tile, data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array) || data.length !== tile.width * HASH_SIZE) {
    throw new RunproofError('MALFORMED_ENCODING', `tile ${tilePath(tile)} must be ${tile.width * HASH_SIZE} bytes`, {
      evidence: { tile: tilePath(tile), length: data instanceof Uint8Array ? data.length : null },
    });
  }
  return data;
}

/**
 * tileReader turns a tile fetcher into a {@link HashReader} for a tree of `size` leaves; each
 * tile is read once per call, at the width that tree size implies. Tiles are not authenticated
 * here: check what you compute from them (a root, a proof) against a signed checkpoint.
 */
export function tileReader(size: number, readTile: (t: Tile) => Uint8Array): HashReader {
  checkSize(size);
  return (nodes) => {
    const { where, tiles } = plan(nodes, size);
    const data = new Map<string, Uint8Array>();
    for (const [path, tile] of tiles) data.set(path, checkTileData(tile, readTile(tile)));
    return where.map((w) => hashFromTileRange(data.get(tilePath(w.tile))!, w.start, w.end));
  };
}

/** asyncTileReader is {@link tileReader} for an asynchronous fetcher; the tiles of one call are fetched concurrently. */
export function asyncTileReader(size: number, readTile: (t: Tile) => Promise<Uint8Array>): AsyncHashReader {
  checkSize(size);
  return async (nodes) => {
    const { where, tiles } = plan(nodes, size);
    const entries = [...tiles];
    const fetched = await Promise.all(entries.map(async ([, tile]) => checkTileData(tile, await readTile(tile))));
    const data = new Map<string, Uint8Array>(entries.map(([path], i) => [path, fetched[i]!]));
    return where.map((w) => hashFromTileRange(data.get(tilePath(w.tile))!, w.start, w.end));
  };
}

/** isTileOfSize tells whether `tile` is one of {@link tilesForSize}(size) — a tile a client may fetch for that size. */
export function isTileOfSize(tile: Tile, size: number): boolean {
  return isTreeSize(size) && tileWidthAt(tile.level, tile.index, size) === tile.width;
}
