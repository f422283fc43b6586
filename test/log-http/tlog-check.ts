/**
 * An independent c2sp.org/tlog-tiles conformance check of a served log, used by the unit tests
 * (through `app.request`) and the end-to-end tests (through real HTTP).
 *
 * From the entry bundles alone it recomputes every leaf hash, every tree level and the root
 * (a recursive RFC 6962 §2.1 MTH oracle, not the server's code), then requires that:
 * - `/checkpoint` is `text/plain; charset=utf-8`, not cacheable, signed by the log key, and
 *   states exactly `size` and that root;
 * - every tile the spec says exists for `size` (full and partial, all levels) is served with
 *   exactly the recomputed hashes, `application/octet-stream`, full tiles immutable;
 * - tiles and bundles just beyond the tree answer 404.
 */
import { expect } from 'vitest';
import { EMPTY_ROOT, leafHash, nodeHash, sha256 } from '../../src/merkle/hash.js';
import { rootFromHashes, rootNodes } from '../../src/merkle/tree.js';
import { parseBundle } from '../../src/merkle/bundle.js';
import { decodeEntry } from '../../src/note/entry.js';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { parseVerifierKey } from '../../src/note/keys.js';
import { concatBytes, equalBytes } from '../../src/encoding/utf8.js';

/** A fetched resource. */
export interface Got {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

/** A GET function relative to the log's prefix (`/checkpoint`, `/tile/0/000`, …). */
export type Getter = (path: string) => Promise<Got>;

/** getterFor wraps anything with a fetch-like `(path) => Response`. */
export function getterFor(fetchPath: (path: string) => Promise<Response> | Response): Getter {
  return async (path) => {
    const res = await fetchPath(path);
    return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
  };
}

/** getAll fetches paths, a few at a time, answers in order. */
async function getAll(get: Getter, paths: string[]): Promise<Got[]> {
  const out: Got[] = new Array<Got>(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const k = next++;
      out[k] = await get(paths[k]!);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

/** The tile index written as tlog-tiles path elements: 3-digit groups, `x` on all but the last. */
export function indexPath(n: number): string {
  let s = String(n);
  while (s.length % 3 !== 0) s = '0' + s;
  const groups: string[] = [];
  for (let i = 0; i < s.length; i += 3) groups.push(s.slice(i, i + 3));
  return groups.map((g, i) => (i < groups.length - 1 ? 'x' + g : g)).join('/');
}

function path(level: number | 'entries', index: number, width: number): string {
  return `/tile/${level}/${indexPath(index)}${width === 256 ? '' : `.p/${width}`}`;
}

/** mth is the RFC 6962 §2.1 Merkle Tree Hash of leaf hashes [lo, hi), recursively. */
export function mth(leaves: readonly Uint8Array[], lo = 0, hi = leaves.length): Uint8Array {
  const n = hi - lo;
  if (n === 0) return sha256(new Uint8Array(0));
  if (n === 1) return leaves[lo]!;
  let k = 1;
  while (k * 2 < n) k *= 2; // largest power of two smaller than n
  return nodeHash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

/** What {@link checkTlog} found. */
export interface TlogState {
  entries: Uint8Array[];
  root: Uint8Array;
  signed: string;
}

/**
 * checkTlog checks the served log at `size` (see module comment) and returns its entries.
 * `vkey` is the log's verifier key.
 */
export async function checkTlog(get: Getter, vkey: string, size: number): Promise<TlogState> {
  const cp = await get('/checkpoint');
  expect(cp.status).toBe(200);
  expect(cp.headers.get('content-type')).toBe('text/plain; charset=utf-8');
  expect(cp.headers.get('cache-control')).toMatch(/no-cache|no-store|max-age=[0-5]\b/);
  const signed = new TextDecoder().decode(cp.bytes);
  const opened = openCheckpoint(signed, parseVerifierKey(vkey));
  expect(opened.checkpoint.size).toBe(size);

  // Entry bundles: floor(size/256) full ones and a partial one of size % 256 entries.
  const entries: Uint8Array[] = [];
  const fullBundles = Math.floor(size / 256);
  const bundlePaths: { p: string; width: number }[] = [];
  for (let n = 0; n <= fullBundles; n++) {
    const width = n < fullBundles ? 256 : size % 256;
    if (width > 0) bundlePaths.push({ p: path('entries', n, width), width });
  }
  const bundles = await getAll(get, bundlePaths.map((b) => b.p));
  for (const [k, { p, width }] of bundlePaths.entries()) {
    const got = bundles[k]!;
    expect(got.status, p).toBe(200);
    expect(got.headers.get('content-type')).toBe('application/octet-stream');
    if (width === 256) expect(got.headers.get('cache-control')).toContain('immutable');
    for (const e of parseBundle(got.bytes, width)) {
      expect(e.length).toBe(41);
      decodeEntry(e);
      entries.push(e);
    }
  }
  expect(entries.length).toBe(size);

  // Every level of the tree, bottom-up: level h holds the hashes of complete 2^h-leaf subtrees.
  const levels: Uint8Array[][] = [entries.map((e) => leafHash(e))];
  for (let h = 1; levels[h - 1]!.length >= 2; h++) {
    const below = levels[h - 1]!;
    const row: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) row.push(nodeHash(below[i]!, below[i + 1]!));
    levels.push(row);
  }
  const root = mth(levels[0]!);
  expect(equalBytes(opened.checkpoint.root, root), 'checkpoint root = MTH of the bundles').toBe(true);
  // …and the core's own root computation from the same subtree hashes agrees.
  const coreRoot = size === 0 ? EMPTY_ROOT : rootFromHashes(size, rootNodes(size).map((n) => levels[n.level]![n.index]!));
  expect(equalBytes(coreRoot, root), 'core rootFromHashes = MTH').toBe(true);

  // Hash tiles: level L holds tree level 8L; floor(size/256^(L+1)) full tiles and a partial one
  // of width floor(size/256^L) mod 256 (tlog-tiles "Partial Tiles").
  for (let L = 0; 256 ** L <= size; L++) {
    const nodes = levels[8 * L] ?? [];
    const full = Math.floor(size / 256 ** (L + 1));
    const partial = Math.floor(size / 256 ** L) % 256;
    const widths: number[] = [];
    for (let n = 0; n <= full; n++) {
      const width = n < full ? 256 : partial;
      if (width > 0) widths.push(width);
    }
    const tiles = await getAll(get, widths.map((w, n) => path(L, n, w)));
    for (const [n, width] of widths.entries()) {
      const got = tiles[n]!;
      expect(got.status, path(L, n, width)).toBe(200);
      expect(got.headers.get('content-type')).toBe('application/octet-stream');
      expect(got.headers.get('cache-control')).toBe(width === 256 ? 'public, max-age=31536000, immutable' : 'public, max-age=60');
      const want = concatBytes(...nodes.slice(n * 256, n * 256 + width));
      expect(equalBytes(got.bytes, want), `${path(L, n, width)} content`).toBe(true);
    }
    // Just beyond the tree: the full tile that is not complete yet, and a wider partial tile.
    if (partial > 0) {
      expect((await get(path(L, full, 256))).status, `${path(L, full, 256)} beyond`).toBe(404);
      if (partial < 255) expect((await get(path(L, full, partial + 1))).status).toBe(404);
    } else {
      expect((await get(path(L, full, 1))).status, `${path(L, full, 1)} beyond`).toBe(404);
    }
  }
  if (size === 0) expect((await get('/tile/0/000.p/1')).status).toBe(404);
  // Level 0 / bundles just beyond.
  expect((await get(path('entries', fullBundles, (size % 256) + 1 === 256 ? 256 : (size % 256) + 1))).status).toBe(404);
  return { entries, root, signed };
}
