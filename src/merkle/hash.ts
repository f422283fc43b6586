/**
 * Merkle tree hashing — RFC 6962 §2.1 and RFC 9162 §2.1.1, with SHA-256 as every C2SP tlog
 * spec requires (c2sp.org/tlog-tiles: "The hashing algorithm is defined to be SHA-256").
 *
 * Leaves and interior nodes are domain-separated by a one-byte prefix (0x00 / 0x01) so that a
 * leaf can never be passed off as an interior node (second-preimage resistance).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { sha256Compress, sha256Init, sha256Schedule } from './sha256-block.js';

/** A 32-byte SHA-256 hash. */
export type Hash = Uint8Array;

/** The size of a {@link Hash} in bytes. */
export const HASH_SIZE = 32;

/** sha256 returns SHA-256(bytes). */
export function sha256(bytes: Uint8Array): Hash {
  return nobleSha256(bytes);
}

/** The root of the empty tree: MTH({}) = SHA-256("") — RFC 6962 §2.1. */
export const EMPTY_ROOT: Hash = nobleSha256(new Uint8Array(0));

// --- SHA-256 of short messages (FIPS 180-4 §6.2), without allocation. ---
// Leaf inputs (0x00 ‖ 41-byte entry) and node inputs (0x01 ‖ two hashes, 65 bytes) fit in two
// blocks. noble's sha256 builds a hasher object, buffers and a DataView per call, which made
// hashing (and the garbage it leaves) a large share of extending the tree; this computes the
// same function on fixed scratch arrays with the block function of ./sha256-block.ts. Tests
// compare it with node:crypto over random inputs of every length it handles.

/** Longest message {@link shortSha256} takes: two blocks minus the 0x80 byte and the 64-bit length. */
const SHORT_MAX = 128 - 9;
const W = new Int32Array(64);
const S = new Int32Array(8);
/** The message, then its padding (FIPS 180-4 §5.1.1). */
const block = new Uint8Array(128);

/** compressAt applies the SHA-256 block function (./sha256-block.ts) to S with block[off, off+64). */
function compressAt(off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + 4 * i;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  sha256Schedule(W);
  sha256Compress(S, W);
}

/** shortSha256 returns SHA-256 of block[0, len), len ≤ SHORT_MAX; it pads `block` in place. */
function shortSha256(len: number): Hash {
  const total = len + 9 <= 64 ? 64 : 128;
  block[len] = 0x80;
  block.fill(0, len + 1, total - 4);
  // The bit length, big-endian in the last 8 bytes; len · 8 < 2^32, so the upper 4 are zero.
  const bits = len * 8;
  block[total - 4] = Math.floor(bits / 2 ** 24) % 256;
  block[total - 3] = Math.floor(bits / 2 ** 16) % 256;
  block[total - 2] = Math.floor(bits / 2 ** 8) % 256;
  block[total - 1] = bits % 256;
  sha256Init(S);
  compressAt(0);
  if (total === 128) compressAt(64);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const w = S[i]!;
    out[4 * i] = w >>> 24;
    out[4 * i + 1] = (w >>> 16) & 0xff;
    out[4 * i + 2] = (w >>> 8) & 0xff;
    out[4 * i + 3] = w & 0xff;
  }
  return out;
}

/** leafHash returns SHA-256(0x00 ‖ entry) — RFC 6962 §2.1 / RFC 9162 §2.1.1. */
export function leafHash(entry: Uint8Array): Hash {
  if (entry.length + 1 > SHORT_MAX) {
    const buf = new Uint8Array(entry.length + 1);
    buf.set(entry, 1);
    return nobleSha256(buf);
  }
  block[0] = 0x00;
  block.set(entry, 1);
  return shortSha256(entry.length + 1);
}

/**
 * nodeHash returns SHA-256(0x01 ‖ left ‖ right) — RFC 6962 §2.1 / RFC 9162 §2.1.1.
 * Both inputs must be 32 bytes (a shorter one would silently hash stale bytes, so it is a bug).
 */
export function nodeHash(left: Hash, right: Hash): Hash {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new Error(`merkle: nodeHash inputs must be ${HASH_SIZE} bytes, got ${left.length} and ${right.length}`);
  }
  block[0] = 0x01;
  block.set(left, 1);
  block.set(right, 1 + HASH_SIZE);
  return shortSha256(1 + 2 * HASH_SIZE);
}
