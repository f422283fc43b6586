/**
 * Merkle tree hashing — RFC 6962 §2.1 and RFC 9162 §2.1.1, with SHA-256 as every C2SP tlog
 * spec requires (c2sp.org/tlog-tiles: "The hashing algorithm is defined to be SHA-256").
 *
 * Leaves and interior nodes are domain-separated by a one-byte prefix (0x00 / 0x01) so that a
 * leaf can never be passed off as an interior node (second-preimage resistance).
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

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
// same function on fixed scratch arrays. The 32-bit word arithmetic below uses bitwise
// operators on hash words only, never on tree sizes or indexes. Tests compare it with
// node:crypto over random inputs of every length it handles.

/** FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
/** FIPS 180-4 §5.3.3: the initial hash value. */
const IV = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
/** Longest message {@link shortSha256} takes: two blocks minus the 0x80 byte and the 64-bit length. */
const SHORT_MAX = 128 - 9;
const W = new Int32Array(64);
const S = new Int32Array(8);
/** The message, then its padding (FIPS 180-4 §5.1.1). */
const block = new Uint8Array(128);

/** compress applies the SHA-256 compression function (FIPS 180-4 §6.2.2) to block[off, off+64). */
function compress(off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + 4 * i;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!;
    const b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = S[0]!, b = S[1]!, c = S[2]!, d = S[3]!, e = S[4]!, f = S[5]!, g = S[6]!, h = S[7]!;
  for (let i = 0; i < 64; i++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  S[0] = (S[0]! + a) | 0;
  S[1] = (S[1]! + b) | 0;
  S[2] = (S[2]! + c) | 0;
  S[3] = (S[3]! + d) | 0;
  S[4] = (S[4]! + e) | 0;
  S[5] = (S[5]! + f) | 0;
  S[6] = (S[6]! + g) | 0;
  S[7] = (S[7]! + h) | 0;
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
  S.set(IV);
  compress(0);
  if (total === 128) compress(64);
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
