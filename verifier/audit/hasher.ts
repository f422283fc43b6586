/**
 * The audit's RFC 6962 hashing, in place: leaf hashes of 41-byte entries read straight out of an
 * entry bundle and compared with the level-0 tile without materialising the hash, and the Merkle
 * hash of a full tile folded in one scratch buffer — no per-entry or per-node objects.
 *
 * It computes exactly the functions of src/merkle/hash.ts (SHA-256, FIPS 180-4 §6.2, of
 * 0x00 ‖ entry and of 0x01 ‖ left ‖ right), with the same block function
 * (src/merkle/sha256-block.ts); the core's versions return a fresh array per hash
 * and take each input as its own array, which made allocation and garbage a large share of a
 * million-entry audit. Two shortcuts are specific to the shapes hashed here:
 *   - the message words are read from the source bytes directly (the one-byte prefix shifts
 *     every word by a byte), with no copy into a block;
 *   - a node hash is two blocks, and the second holds only the last byte of `right`, the 0x80
 *     pad and the length 520: its message schedule depends on that one byte, so the 256
 *     possible schedules are computed once.
 * test/verifier/audit-hasher.test.ts compares both with node:crypto and with the core.
 * hashFullBundle, which the audit's workers run, hashes four messages at a time with the
 * WebAssembly SIMD SHA-256 of ./sha256x4.ts where the runtime has it, and with this code where
 * it does not (test/verifier/sha256x4.test.ts compares the two).
 */
import { sha256Compress, sha256Init, sha256Schedule } from '../../src/merkle/sha256-block.js';
import { leafHash } from '../../src/merkle/hash.js';
import { ENTRY_SIZE } from '../../src/note/entry.js';
import { type Sha256x4, hashTileX4, loadSha256x4 } from './sha256x4.js';

/**
 * The size of an entry the fast leaf path hashes: the log entry's (src/note/entry.ts), which with
 * the 0x00 prefix, the pad and the length fits one SHA-256 block — leafState below is written for
 * exactly that layout. Other sizes go through the core.
 */
export const FAST_ENTRY_SIZE = ENTRY_SIZE;
if (FAST_ENTRY_SIZE !== 41) throw new Error('hasher: leafState is written for 41-byte entries');

/** The message schedule W of the block being compressed. */
const WK = new Int32Array(64);
/** The state: IV, then the hash. */
const S = new Int32Array(8);

/**
 * prefixedWords puts the 16 words of the 64 bytes `prefix ‖ src[o … o+63)` into WK[0…15]
 * (big-endian, FIPS 180-4 §5.2.1).
 */
function prefixedWords(prefix: number, src: Uint8Array, o: number): void {
  WK[0] = (prefix << 24) | (src[o]! << 16) | (src[o + 1]! << 8) | src[o + 2]!;
  for (let i = 1, j = o + 3; i < 16; i++, j += 4) WK[i] = (src[j]! << 24) | (src[j + 1]! << 16) | (src[j + 2]! << 8) | src[j + 3]!;
}

/** The second block of every node hash, one message schedule per value of its first byte. */
const NODE_TAIL = new Int32Array(256 * 64);
for (let v = 0; v < 256; v++) {
  WK.fill(0);
  WK[0] = (v << 24) | (0x80 << 16);
  WK[15] = 65 * 8;
  sha256Schedule(WK);
  NODE_TAIL.set(WK, v * 64);
}

/** leafState leaves SHA-256(0x00 ‖ src[o … o+41)) in S. */
function leafState(src: Uint8Array, o: number): void {
  // One block: 0x00, 41 bytes, 0x80, zeros, the bit length 336 in the last word.
  WK[0] = (src[o]! << 16) | (src[o + 1]! << 8) | src[o + 2]!;
  for (let i = 1, j = o + 3; i < 10; i++, j += 4) WK[i] = (src[j]! << 24) | (src[j + 1]! << 16) | (src[j + 2]! << 8) | src[j + 3]!;
  WK[10] = (src[o + 39]! << 24) | (src[o + 40]! << 16) | (0x80 << 8);
  WK[11] = 0;
  WK[12] = 0;
  WK[13] = 0;
  WK[14] = 0;
  WK[15] = 42 * 8;
  sha256Schedule(WK);
  sha256Init(S);
  sha256Compress(S, WK, 0);
}

/** writeState writes the hash in S to `out[p … p+32)`. */
function writeState(out: Uint8Array, p: number): void {
  for (let i = 0, j = p; i < 8; i++, j += 4) {
    const w = S[i]!;
    out[j] = w >>> 24;
    out[j + 1] = (w >>> 16) & 0xff;
    out[j + 2] = (w >>> 8) & 0xff;
    out[j + 3] = w & 0xff;
  }
}

/** leafHashAt writes the leaf hash SHA-256(0x00 ‖ entry) of the 41-byte entry at `src[o …)` to `out[p … p+32)`. */
export function leafHashAt(src: Uint8Array, o: number, out: Uint8Array, p: number): void {
  leafState(src, o);
  writeState(out, p);
}

/**
 * leafMatches tells whether the leaf hash SHA-256(0x00 ‖ entry) of the 41-byte entry at
 * `src[o … o+41)` equals the 32 bytes of `hashes` at `h`.
 */
export function leafMatches(src: Uint8Array, o: number, hashes: Uint8Array, h: number): boolean {
  leafState(src, o);
  for (let i = 0, j = h; i < 8; i++, j += 4) {
    if (S[i] !== ((hashes[j]! << 24) | (hashes[j + 1]! << 16) | (hashes[j + 2]! << 8) | hashes[j + 3]!)) return false;
  }
  return true;
}

/**
 * nodeHashAt writes SHA-256(0x01 ‖ buf[o … o+64)) — the node hash of the two hashes at `o` —
 * to `out[p … p+32)`. `out` may be `buf`, and the ranges may overlap.
 */
export function nodeHashAt(buf: Uint8Array, o: number, out: Uint8Array, p: number): void {
  prefixedWords(0x01, buf, o);
  const last = buf[o + 63]!;
  sha256Schedule(WK);
  sha256Init(S);
  sha256Compress(S, WK, 0);
  sha256Compress(S, NODE_TAIL, last * 64);
  writeState(out, p);
}

/**
 * foldTile replaces the `2^k` hashes at the start of `work` by the Merkle hash of them (the
 * root of that perfect subtree, RFC 6962 §2.1), left in `work[0 … 32)`.
 */
export function foldTile(work: Uint8Array, count: number): void {
  for (let n = count; n > 1; n /= 2) {
    for (let i = 0; i < n / 2; i++) nodeHashAt(work, 64 * i, work, 32 * i);
  }
}

/** The bytes of a full bundle of 41-byte entries with their 2-byte length prefixes. */
const FULL_BUNDLE_BYTES = 256 * (2 + FAST_ENTRY_SIZE);
const work = new Uint8Array(256 * 32);

/**
 * The 4-lane WebAssembly SIMD SHA-256 (./sha256x4.ts), undefined where WebAssembly SIMD is not
 * available. Loaded at the first full bundle, so that a thread that never hashes one — the
 * audit's main thread when workers hash — does not generate and compile it.
 */
let x4: Sha256x4 | undefined;
let x4Loaded = false;

/** simd returns the 4-lane hasher, loading it the first time; undefined without WebAssembly SIMD. */
function simd(): Sha256x4 | undefined {
  if (!x4Loaded) {
    x4 = loadSha256x4();
    x4Loaded = true;
  }
  return x4;
}

/** hashesWithSimd tells whether {@link hashFullBundle} hashes with WebAssembly SIMD here (else with {@link hashFullBundleJs}). */
export function hashesWithSimd(): boolean {
  return simd() !== undefined;
}

/** fullRecords tells whether `bundle` is exactly 256 records of a 41-byte entry and `leaves` 256 hashes. */
function fullRecords(bundle: Uint8Array, leaves: Uint8Array): boolean {
  if (bundle.length !== FULL_BUNDLE_BYTES || leaves.length !== work.length) return false;
  for (let o = 0; o < FULL_BUNDLE_BYTES; o += 2 + FAST_ENTRY_SIZE) {
    if (bundle[o] !== 0 || bundle[o + 1] !== FAST_ENTRY_SIZE) return false;
  }
  return true;
}

/**
 * hashFullBundle checks that `leaves` (256 hashes) holds the leaf hashes of the 256 entries of
 * `bundle`, each 41 bytes, and returns the Merkle hash of those 256 hashes (the tile's node
 * 8 levels up). Returns undefined if the bundle is not exactly 256 41-byte entries or any leaf
 * hash differs: the caller then checks the bundle entry by entry to find and report the fault.
 * It hashes four messages at a time with WebAssembly SIMD where available (≈ 0.3–0.5× the CPU of
 * the JS code per bundle here, see docs/performance.md), else as {@link hashFullBundleJs}.
 */
export function hashFullBundle(bundle: Uint8Array, leaves: Uint8Array): Uint8Array | undefined {
  const m = simd();
  if (m === undefined) return hashFullBundleJs(bundle, leaves);
  if (!fullRecords(bundle, leaves)) return undefined;
  return hashTileX4(m, bundle, leaves);
}

/** hashFullBundleJs is {@link hashFullBundle} in JS, one hash at a time: where WebAssembly SIMD is missing, and the reference in tests. */
export function hashFullBundleJs(bundle: Uint8Array, leaves: Uint8Array): Uint8Array | undefined {
  if (!fullRecords(bundle, leaves)) return undefined;
  for (let k = 0, o = 0; k < 256; k++, o += 2 + FAST_ENTRY_SIZE) {
    if (!leafMatches(bundle, o + 2, leaves, 32 * k)) return undefined;
  }
  work.set(leaves);
  foldTile(work, 256);
  return work.slice(0, 32);
}

/**
 * bundleLeaves returns the leaf hashes SHA-256(0x00 ‖ entry) of the `width` entries of `bundle`,
 * whatever their size, or undefined if the bundle is not exactly `width` length-prefixed records
 * (c2sp.org/tlog-tiles). It checks no rule: it is for a bundle read again, and for the tree
 * recomputed after a fault, not for the pass over the bundles (see hashFullBundle).
 */
export function bundleLeaves(bundle: Uint8Array, width: number): Uint8Array | undefined {
  const out = new Uint8Array(width * 32);
  let o = 0;
  for (let k = 0; k < width; k++) {
    if (o + 2 > bundle.length) return undefined;
    const n = bundle[o]! * 256 + bundle[o + 1]!;
    o += 2;
    if (o + n > bundle.length) return undefined;
    if (n === FAST_ENTRY_SIZE) leafHashAt(bundle, o, out, k * 32);
    else out.set(leafHash(bundle.subarray(o, o + n)), k * 32);
    o += n;
  }
  return o === bundle.length ? out : undefined;
}
