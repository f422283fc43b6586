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

/** The group order L of the Ed25519 base point (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** Little-endian bytes as an integer (RFC 8032 §5.1.2 encoding of scalars). */
function fromLE(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = n * 256n + BigInt(bytes[i]!);
  return n;
}

function to32LE(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n % 256n);
    n /= 256n;
  }
  return out;
}

/**
 * ed25519Signer returns a signing function for a 32-byte seed that expands the key once
 * (RFC 8032 §5.1.5: the hashed seed's scalar s, prefix, and public key A = [s]B) instead of per
 * signature, which saves one base-point multiplication per signature. The signatures are
 * exactly those of {@link ed25519Sign} (RFC 8032 signing is deterministic; a test compares them).
 */
export function ed25519Signer(seed: Uint8Array): (msg: Uint8Array) => Uint8Array {
  checkSeed(seed);
  const { prefix, scalar, pointBytes: A } = ed.utils.getExtendedPublicKey(seed.slice());
  return (msg) => {
    // RFC 8032 §5.1.6 steps 2–5.
    const r = fromLE(sha512(concat(prefix, msg))) % L;
    const R = ed.Point.BASE.multiply(r).toBytes();
    const k = fromLE(sha512(concat(R, A, msg))) % L;
    const sig = new Uint8Array(64);
    sig.set(R);
    sig.set(to32LE((r + k * scalar) % L), 32);
    return sig;
  };
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A faster Ed25519 check from outside the pure core: in Node, node:crypto's (OpenSSL), which
 * checks the cofactorless equation R = [S]B − [k]A by re-encoding it and comparing R's bytes.
 * Only its `true` is used, and only where that implies this module's own verdict (see
 * {@link ed25519Verify}); anything else is decided by noble as if there were no accelerator.
 */
export type Ed25519Accelerator = (publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array) => boolean;

let accelerator: Ed25519Accelerator | undefined;

/**
 * useEd25519Accelerator installs (or, with undefined, removes) the {@link Ed25519Accelerator} for
 * this process. The Node entry points install node:crypto's (node-shared/native-ed25519.ts);
 * browsers and the library keep the pure check. Verdicts are the same either way.
 */
export function useEd25519Accelerator(a: Ed25519Accelerator | undefined): void {
  accelerator = a;
}

/** ed25519Accelerator returns the installed {@link Ed25519Accelerator}, if any. */
export function ed25519Accelerator(): Ed25519Accelerator | undefined {
  return accelerator;
}

/** Public keys already judged by {@link strictKey}, by their latin1 text (a process holds a few). */
const strictKeys = new Map<string, boolean>();
const MAX_STRICT_KEYS = 1024;

/** strictKey tells whether noble's strict branch accepts `publicKey`: a canonical encoding of a point not of small order. */
function strictKey(publicKey: Uint8Array): boolean {
  const id = String.fromCharCode(...publicKey);
  let ok = strictKeys.get(id);
  if (ok === undefined) {
    try {
      ok = !ed.Point.fromBytes(publicKey, false).isSmallOrder();
    } catch {
      ok = false;
    }
    if (strictKeys.size >= MAX_STRICT_KEYS) strictKeys.clear();
    strictKeys.set(id, ok);
  }
  return ok;
}

/** canonicalS tells whether the signature's S (its last 32 bytes, little-endian) is below L (RFC 8032 §5.1.7 step 1). */
function canonicalS(sig: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = sig[32 + i]!;
    const b = L_BYTES[i]!;
    if (a !== b) return a < b;
  }
  return false; // S = L
}

/** L as 32 little-endian bytes, for {@link canonicalS}. */
const L_BYTES = to32LE(L);

/**
 * ed25519Verify checks a signature strictly (RFC 8032 §5.1.7, non-canonical encodings and
 * small-order keys rejected). It never throws on bad input: wrong lengths are simply `false`.
 *
 * With an accelerator installed, a signature is first offered to it when S < L and the key is
 * strict. Its `true` means R's bytes are the canonical encoding of [S]B − [k]A, with k hashed
 * from the same bytes as here; then noble decodes that same R, finds R + [k]A − [S]B = 0, and
 * so accepts too (the cofactored equation follows from the exact one). Any other case — the
 * accelerator says false (a bad signature, or one valid only cofactored, whose R has a
 * small-order part), a key or S outside those, an accelerator that throws — is noble's to
 * decide. So the verdict never depends on the accelerator; tests compare the two.
 */
export function ed25519Verify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_SIZE || sig.length !== ED25519_SIGNATURE_SIZE) return false;
  if (accelerator !== undefined && canonicalS(sig) && strictKey(publicKey)) {
    try {
      if (accelerator(publicKey, msg, sig)) return true;
    } catch {
      // noble decides
    }
  }
  try {
    return ed.verify(sig, msg, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
