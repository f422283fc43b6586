/**
 * filesBetween: the files of every publication step, taken together, are exactly the files a
 * reader of the final checkpoint needs (plus the partial tiles of the sizes published on the
 * way), and each step lists only tiles of its own tree (property test against tilesForSize).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entriesPath, isTileOfSize, parseTilePath, tilePath, tilesForSize } from '../../src/merkle/tiles.js';
import { filesBetween } from '../../log-server/publish/files.js';

function needed(size: number): string[] {
  return tilesForSize(size).flatMap((t) => (t.level === 0 ? [tilePath(t), entriesPath(t.index, t.width)] : [tilePath(t)]));
}

describe('filesBetween', () => {
  it('from 0 is every tile and bundle of the tree, bundles first', () => {
    for (const size of [0, 1, 255, 256, 257, 65535, 65536, 65537, 70000]) {
      const files = filesBetween(0, size).map((f) => f.path);
      expect(new Set(files)).toEqual(new Set(needed(size)));
      const firstTile = files.findIndex((p) => !p.startsWith('tile/entries/'));
      expect(files.slice(firstTile).every((p) => !p.startsWith('tile/entries/'))).toBe(true);
    }
  });

  it('over any sequence of published sizes, the steps cover the final tree and list only tiles of their own', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 70_000 }), { minLength: 1, maxLength: 8 }), (raw) => {
        const sizes = [...raw].sort((a, b) => a - b);
        const seen = new Set<string>();
        let prev = 0;
        for (const size of sizes) {
          for (const f of filesBetween(prev, size)) {
            const info = parseTilePath(f.path);
            if (info.kind === 'hash') expect(isTileOfSize(info.tile, size)).toBe(true);
            else expect(isTileOfSize({ level: 0, index: info.index, width: info.width }, size)).toBe(true);
            seen.add(f.path);
          }
          prev = size;
        }
        for (const p of needed(sizes[sizes.length - 1]!)) expect(seen.has(p), p).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
