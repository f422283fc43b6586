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

// Scratch buffer for leafHash of entries under 256 bytes. Safe because JavaScript is
// single-threaded and the hash is computed before the function returns.
const leafScratch = new Uint8Array(1 + 256);

/** leafHash returns SHA-256(0x00 ‖ entry) — RFC 6962 §2.1 / RFC 9162 §2.1.1. */
export function leafHash(entry: Uint8Array): Hash {
  // Large entries get their own buffer so the scratch buffer stays small.
  const buf = entry.length < leafScratch.length ? leafScratch : new Uint8Array(entry.length + 1);
  buf[0] = 0x00;
  buf.set(entry, 1);
  return nobleSha256(buf.subarray(0, entry.length + 1));
}

// Scratch buffer 0x01 ‖ left ‖ right for nodeHash; reused so a node hash allocates only its result.
const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;

/**
 * nodeHash returns SHA-256(0x01 ‖ left ‖ right) — RFC 6962 §2.1 / RFC 9162 §2.1.1.
 * Both inputs must be 32 bytes (a shorter one would silently hash stale bytes, so it is a bug).
 */
export function nodeHash(left: Hash, right: Hash): Hash {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new Error(`merkle: nodeHash inputs must be ${HASH_SIZE} bytes, got ${left.length} and ${right.length}`);
  }
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return nobleSha256(nodeScratch);
}
