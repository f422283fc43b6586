/**
 * Ed25519 (RFC 8032 §5.1) — the only module that imports `@noble/ed25519`.
 *
 * Choice: strict RFC 8032 verification (`zip215: false`). A signature is rejected when
 * S ≥ L (RFC 8032 §5.1.7 step 1: non-canonical S), when R or A is not a canonical point
 * encoding (y ≥ p), or when the public key has small order (noble's strict branch, as
 * libsodium). ZIP-215's permissive rules exist for consensus systems that must agree with
 * old signatures; a transparency log wants exactly one valid encoding per signature, so
 * that a signed note cannot be re-encoded into a second valid one.
 *
 * noble checks the cofactored equation [8][S]B = [8]R + [8][k]A (the check RFC 8032 §5.1.7
 * states; the cofactorless one is optional). Go's crypto/ed25519 checks the cofactorless one;
 * the two differ only for signatures whose R has a small-order component, which only the key
 * holder can make, so honest signatures verify identically in both.
 *
 * noble v3 needs a synchronous SHA-512 for the synchronous API; it is wired here once.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = sha512;

/** Length of an Ed25519 seed (private key), public key, and signature, in bytes. */
export const ED25519_SEED_SIZE = 32;
export const ED25519_PUBLIC_KEY_SIZE = 32;
export const ED25519_SIGNATURE_SIZE = 64;

function checkSeed(seed: Uint8Array): void {
  if (seed.length !== ED25519_SEED_SIZE) throw new Error(`ed25519: seed must be 32 bytes, got ${seed.length}`);
}

/** ed25519PublicKey derives the 32-byte public key of a 32-byte seed (RFC 8032 §5.1.5). */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  checkSeed(seed);
  return ed.getPublicKey(seed);
}

/** ed25519Sign signs `msg` with a 32-byte seed (RFC 8032 §5.1.6); deterministic, 64 bytes. */
export function ed25519Sign(seed: Uint8Array, msg: Uint8Array): Uint8Array {
  checkSeed(seed);
  return ed.sign(msg, seed);
}

/**
 * ed25519Verify checks a signature strictly (RFC 8032 §5.1.7, non-canonical encodings and
 * small-order keys rejected). It never throws on bad input: wrong lengths are simply `false`.
 */
export function ed25519Verify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE || sig.length !== ED25519_SIGNATURE_SIZE) return false;
  try {
    return ed.verify(sig, msg, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
