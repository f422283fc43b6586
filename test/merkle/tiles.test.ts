/** c2sp.org/tlog-tiles: paths, the tiles of a tree, and reading hashes back out of tiles. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../../src/encoding/hex.js';
import { concatBytes } from '../../src/encoding/utf8.js';
import { isRunproofError } from '../../src/errors.js';
import { leafHash, type Hash } from '../../src/merkle/hash.js';
import {
  inclusionProofFromHashes, inclusionProofNodes, proveConsistency, proveInclusion, verifyConsistency, verifyInclusion,
} from '../../src/merkle/proof.js';
import {
  asyncTileReader, changedTiles, entriesPath, hashFromTileRange, isTileOfSize, parseTilePath, tileForNode, tilePath,
  tileReader, tilesForSize, TILE_WIDTH, type Tile,
} from '../../src/merkle/tiles.js';
import { appendLeaves, rootFromHashes, rootNodes, treeRoot } from '../../src/merkle/tree.js';
import { RefTree } from './reference.js';

function code(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (isRunproofError(e)) return e.code;
    throw e;
  }
}

describe('tile paths', () => {
  it('encode the spec examples', () => {
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 0, index: 1234, width: 5 })).toBe('tile/0/x001/234.p/5');
    expect(tilePath({ level: 0, index: 0, width: 256 })).toBe('tile/0/000');
    expect(tilePath({ level: 1, index: 999, width: 255 })).toBe('tile/1/999.p/255');
    expect(tilePath({ level: 2, index: 1000, width: 1 })).toBe('tile/2/x001/000.p/1');
    expect(entriesPath(1234067, 256)).toBe('tile/entries/x001/x234/067');
    expect(entriesPath(0, 17)).toBe('tile/entries/000.p/17');
    expect(parseTilePath('tile/0/x001/x234/067')).toEqual({ kind: 'hash', tile: { level: 0, index: 1234067, width: 256 } });
    expect(parseTilePath('tile/entries/x001/234.p/5')).toEqual({ kind: 'entries', index: 1234, width: 5 });
  });

  const arbTile = fc
    .integer({ min: 0, max: 6 })
    .chain((level) =>
      fc.record({
        level: fc.constant(level),
        // A tile must fit in a tree of at most 2^52 leaves: (index·256 + width)·256^level ≤ 2^52.
        index: fc.integer({ min: 0, max: Math.max(0, Math.floor(2 ** 52 / 256 ** (level + 1)) - 1) }),
        width: fc.integer({ min: 1, max: level === 6 ? 16 : 256 }),
      }),
    );

  it('round-trip through parseTilePath', () => {
    fc.assert(
      fc.property(arbTile, fc.boolean(), (t, entries) => {
        if (entries) {
          const p = entriesPath(t.index, t.width);
          if (t.level === 0) expect(parseTilePath(p)).toEqual({ kind: 'entries', index: t.index, width: t.width });
        } else {
          expect(parseTilePath(tilePath(t))).toEqual({ kind: 'hash', tile: t });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('reject malformed paths with MALFORMED_TILE_PATH', () => {
    const bad = [
      '', 'tile', 'tile/', 'tile/0', 'tile/0/', '/tile/0/000', 'tile/0/000/', 'tiles/0/000', 'Tile/0/000',
      'tile/00/000', 'tile/01/000', 'tile/64/000', 'tile/-1/000', 'tile/+1/000', 'tile/1e1/000', 'tile/ 0/000',
      'tile/0/00', 'tile/0/0000', 'tile/0/1', 'tile/0/x000', 'tile/0/x001', 'tile/0/001/000', 'tile/0/x000/001',
      'tile/0/X001/000', 'tile/0/x1/000', 'tile/0/x001/x001', 'tile/0/000.p', 'tile/0/000.p/', 'tile/0/000.p/0',
      'tile/0/000.p/256', 'tile/0/000.p/01', 'tile/0/000.p/+5', 'tile/0/000.p/5/', 'tile/0/000.P/5', 'tile/0/000.q/5',
      'tile/0/000.p/5.p/5', 'tile/0/x001.p/5/000', 'tile/entry/000', 'tile/entries/000.p/256', 'tile/entries/0',
      'tile/data/000', 'tile/0/０００', 'tile/0/000\n', 'tile/0/x999/x999/x999/x999/x999/999', 'tile/7/000.p/1',
      'tile/6/000.p/17', 'tile/63/000', 'tile/entries/x017/x592/x186/x044/416',
    ];
    for (const p of bad) expect(code(() => parseTilePath(p)), p).toBe('MALFORMED_TILE_PATH');
    // The largest tiles that fit in 2^52 leaves still parse.
    expect(parseTilePath('tile/6/000.p/16')).toEqual({ kind: 'hash', tile: { level: 6, index: 0, width: 16 } });
    expect(parseTilePath('tile/entries/x017/x592/x186/x044/415')).toMatchObject({ kind: 'entries', index: 2 ** 44 - 1 });
  });

  it('every one-character mutation of a valid path is rejected or is itself canonical', () => {
    const alphabet = [...'0123456789xp./-+ entriesX'];
    fc.assert(
      fc.property(arbTile, fc.boolean(), fc.nat(), fc.constantFrom(...alphabet), fc.constantFrom('delete', 'insert', 'replace'), (t, entries, at, ch, op) => {
        const valid = entries ? entriesPath(t.index, t.width) : tilePath(t);
        const i = at % (valid.length + 1);
        const mutated =
          op === 'delete' ? valid.slice(0, i) + valid.slice(i + 1)
          : op === 'insert' ? valid.slice(0, i) + ch + valid.slice(i)
          : valid.slice(0, i) + ch + valid.slice(i + 1);
        let parsed;
        try {
          parsed = parseTilePath(mutated);
        } catch (e) {
          expect(isRunproofError(e, 'MALFORMED_TILE_PATH')).toBe(true);
          return;
        }
        const canonical = parsed.kind === 'hash' ? tilePath(parsed.tile) : entriesPath(parsed.index, parsed.width);
        expect(canonical).toBe(mutated); // one text per tile: no alias is ever accepted
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the tiles of a tree', () => {
  it('follow the spec examples for sizes 70000 and 256', () => {
    const count = (ts: Tile[], level: number, full: boolean) => ts.filter((t) => t.level === level && (t.width === 256) === full).length;
    const t70k = tilesForSize(70000);
    expect([count(t70k, 0, true), count(t70k, 1, true), count(t70k, 2, true)]).toEqual([273, 1, 0]);
    expect(t70k.filter((t) => t.width !== 256)).toEqual([
      { level: 0, index: 273, width: 112 },
      { level: 1, index: 1, width: 17 },
      { level: 2, index: 0, width: 1 },
    ]);
    expect(tilesForSize(256)).toEqual([{ level: 0, index: 0, width: 256 }, { level: 1, index: 0, width: 1 }]);
    expect(tilesForSize(0)).toEqual([]);
    expect(tilesForSize(1)).toEqual([{ level: 0, index: 0, width: 1 }]);
  });

  it('changedTiles lists exactly the tiles the new size has and the old one lacks', () => {
    const sizes = fc.integer({ min: 0, max: 70000 });
    fc.assert(
      fc.property(sizes, sizes, (a, b) => {
        const [oldSize, newSize] = a <= b ? [a, b] : [b, a];
        const old = new Set(tilesForSize(oldSize).map(tilePath));
        const want = tilesForSize(newSize).filter((t) => !old.has(tilePath(t)));
        expect(changedTiles(oldSize, newSize)).toEqual(want);
        for (const t of want) expect(isTileOfSize(t, newSize) && !isTileOfSize(t, oldSize)).toBe(true);
      }),
      { numRuns: 60 },
    );
    expect(changedTiles(255, 256)).toEqual([{ level: 0, index: 0, width: 256 }, { level: 1, index: 0, width: 1 }]);
  });
});

describe('hashes read from tiles', () => {
  // A log of 65537 leaves, built the way a sequencer would: append, keep every new node hash.
  const MAX = 65537;
  const leaves: Hash[] = [];
  for (let i = 0; i < MAX; i++) leaves.push(leafHash(new TextEncoder().encode(`entry ${i}`)));
  const nodes = new Map<string, Hash>();
  const { rightEdge, newNodes } = appendLeaves([], 0, leaves);
  for (const { node, hash } of newNodes) nodes.set(`${node.level}/${node.index}`, hash);
  const ref = new RefTree((i) => leaves[i]!); // independent: MTH straight from the leaves

  /** Serves tile data from the stored node hashes, recording each fetch; refuses tiles the size does not imply. */
  function server(size: number) {
    const fetched: string[] = [];
    const read = (t: Tile): Uint8Array => {
      if (!isTileOfSize(t, size)) throw new Error(`client fetched ${tilePath(t)}, not a tile of size ${size}`);
      fetched.push(tilePath(t));
      const hs: Hash[] = [];
      for (let i = 0; i < t.width; i++) hs.push(nodes.get(`${8 * t.level}/${t.index * TILE_WIDTH + i}`)!);
      return concatBytes(...hs);
    };
    return { read, fetched };
  }

  it('give the tree root at sizes 0, 1, 255, 256, 257, 65535, 65536, 65537', () => {
    expect(toHex(rootFromHashes(MAX, rightEdge))).toBe(toHex(ref.mth(0, MAX)));
    for (const size of [0, 1, 255, 256, 257, 65535, 65536, 65537]) {
      const s = server(size);
      const viaTiles = treeRoot(size, tileReader(size, s.read));
      expect(toHex(viaTiles), `size ${size}`).toBe(toHex(ref.mth(0, size)));
      expect(new Set(s.fetched).size).toBe(s.fetched.length); // each tile read once per call
      for (const node of rootNodes(size)) {
        const { tile, start, end } = tileForNode(node, size);
        const data = s.read(tile);
        const lo = node.index * 2 ** node.level;
        expect(toHex(hashFromTileRange(data, start, end))).toBe(toHex(ref.mth(lo, lo + 2 ** node.level)));
      }
    }
  });

  it('locate any complete node of any size in its tile (tileForNode + hashFromTileRange)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX }), fc.integer({ min: 0, max: 16 }), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (size, lv, f) => {
        const level = Math.min(lv, Math.floor(Math.log2(size)));
        const index = Math.floor(f * Math.floor(size / 2 ** level));
        const { tile, start, end } = tileForNode({ level, index }, size);
        expect(isTileOfSize(tile, size)).toBe(true);
        expect(tile.level).toBe(Math.floor(level / 8));
        expect(end - start).toBe(2 ** (level % 8));
        const lo = index * 2 ** level;
        expect(toHex(hashFromTileRange(server(size).read(tile), start, end))).toBe(toHex(ref.mth(lo, lo + 2 ** level)));
      }),
      { numRuns: 300 },
    );
  });

  it('give proofs that verify (sync and async readers agree)', async () => {
    for (const size of [1, 255, 256, 257, 65535, 65536, 65537]) {
      const root = ref.mth(0, size);
      for (const m of [0, 1, 254, 255, 256, 32767, 65534, 65535, 65536].filter((m) => m < size)) {
        const proof = proveInclusion(m, size, tileReader(size, server(size).read));
        verifyInclusion(leaves[m]!, m, size, proof, root);
        const s = server(size);
        const reader = asyncTileReader(size, async (t) => s.read(t));
        const again = inclusionProofFromHashes(m, size, await reader(inclusionProofNodes(m, size)));
        expect(again.map(toHex)).toEqual(proof.map(toHex));
      }
      for (const old of [1, 200, 256, 511, 65536].filter((o) => o <= size)) {
        verifyConsistency(old, size, ref.mth(0, old), root, proveConsistency(old, size, tileReader(size, server(size).read)));
      }
    }
  });

  it('reject tiles of the wrong length as a misbehaving log', () => {
    const s = server(300);
    const short = tileReader(300, (t) => s.read(t).subarray(32));
    expect(code(() => treeRoot(300, short))).toBe('MALFORMED_ENCODING');
    expect(code(() => hashFromTileRange(new Uint8Array(31), 0, 1))).toBe('MALFORMED_ENCODING');
    expect(code(() => hashFromTileRange(new Uint8Array(64), 0, 4))).toBe('MALFORMED_ENCODING');
    expect(() => hashFromTileRange(new Uint8Array(8192), 1, 3)).toThrow(RangeError); // not an aligned power of two
    expect(() => tileForNode({ level: 0, index: 300 }, 300)).toThrow(RangeError); // not in the tree
  });
});
