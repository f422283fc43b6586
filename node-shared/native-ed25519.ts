/**
 * Ed25519 with node:crypto (OpenSSL) for the Node parts; the pure core (src/note/ed25519.ts,
 * @noble/ed25519) stays the reference both are checked against.
 *
 * - Signing, for the log's checkpoint signature, one per batch: 40 µs per signature here against
 *   250–500 µs for the pure signer, on every batch's critical path (between COMMIT and the
 *   answer). Injected where the log's key file is read (log-server/keyfile.ts).
 * - Verifying, as the core's accelerator, in the `runproof` and `runproof-log` commands and
 *   `runproof/client`: ≈ 0.08 ms against ≈ 1.1 ms, and a receipt with a new checkpoint costs one
 *   (the client's every call, a monitor's or witness's every checkpoint). The verdict stays the
 *   pure one: the core trusts only an accelerated `true`, and only where it implies noble's.
 */
import { type KeyObject, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { ed25519Sign, ed25519PublicKey, ed25519Signer, ed25519Verify, useEd25519Accelerator } from '../src/note/ed25519.js';
import { equalBytes } from '../src/encoding/utf8.js';

/** RFC 8410 §7: the PKCS#8 DER prefix of an Ed25519 private key, followed by the 32-byte seed. */
const PKCS8_ED25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);

/**
 * nativeEd25519Signer returns node:crypto's signing function for a 32-byte seed, after checking
 * that it signs a probe message exactly as the pure signer does (RFC 8032 signatures are
 * deterministic), so a wrong key encoding can never produce signatures under another key.
 * @throws Error if the two signers disagree (an invariant of this host, not bad input)
 */
export function nativeEd25519Signer(seed: Uint8Array): (msg: Uint8Array) => Uint8Array {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + seed.length);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(seed, PKCS8_ED25519_PREFIX.length);
  const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  const native = (msg: Uint8Array): Uint8Array => new Uint8Array(sign(null, msg, key));
  const probe = new TextEncoder().encode('runproof native Ed25519 self-check\n');
  if (!equalBytes(native(probe), ed25519Signer(seed)(probe))) throw new Error('native-ed25519: node:crypto and @noble/ed25519 disagree on a signature');
  return native;
}

/** RFC 8410 §4: the SubjectPublicKeyInfo DER prefix of an Ed25519 public key, followed by its 32 bytes. */
const SPKI_ED25519_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** Key objects by public key (latin1 text); null for a key OpenSSL refuses. A process holds a few. */
const keys = new Map<string, KeyObject | null>();
const MAX_KEYS = 1024;

function keyObject(publicKey: Uint8Array): KeyObject | null {
  const id = String.fromCharCode(...publicKey);
  let key = keys.get(id);
  if (key === undefined) {
    const der = new Uint8Array(SPKI_ED25519_PREFIX.length + publicKey.length);
    der.set(SPKI_ED25519_PREFIX);
    der.set(publicKey, SPKI_ED25519_PREFIX.length);
    try {
      key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    } catch {
      key = null;
    }
    if (keys.size >= MAX_KEYS) keys.clear();
    keys.set(id, key);
  }
  return key;
}

/** nativeEd25519Verify checks a 64-byte signature with node:crypto; a key OpenSSL refuses gives false. */
export function nativeEd25519Verify(publicKey: Uint8Array, msg: Uint8Array, sig: Uint8Array): boolean {
  const key = keyObject(publicKey);
  return key !== null && verify(null, msg, key, sig);
}

/**
 * installNativeEd25519 makes node:crypto the accelerator of src/note/ed25519.ts, after checking
 * that it accepts a signature of the pure signer and refuses the same signature on another
 * message, and returns true; or, where node:crypto cannot do that (an OpenSSL without Ed25519,
 * as some FIPS builds), leaves the pure check alone and returns false: the accelerator only ever
 * saves time. Idempotent.
 * @throws Error if a good signature no longer verifies once installed (a bug)
 */
export function installNativeEd25519(): boolean {
  const seed = new Uint8Array(32).fill(7);
  const pub = ed25519PublicKey(seed);
  const msg = new TextEncoder().encode('runproof native Ed25519 verify self-check\n');
  const sig = ed25519Sign(seed, msg);
  let agrees: boolean;
  try {
    agrees = nativeEd25519Verify(pub, msg, sig) && !nativeEd25519Verify(pub, msg.subarray(1), sig);
  } catch {
    agrees = false;
  }
  if (!agrees) return false;
  useEd25519Accelerator(nativeEd25519Verify);
  if (!ed25519Verify(pub, msg, sig)) throw new Error('native-ed25519: a good signature no longer verifies (bug)');
  return true;
}
