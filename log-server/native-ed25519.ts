/**
 * Ed25519 signing with node:crypto (OpenSSL) for the log's checkpoint signature, one per batch.
 * Measured here: 40 µs per signature against 250–500 µs for the pure @noble/ed25519 signer, and
 * the signature is on every batch's critical path (between COMMIT and the answer). The core keeps
 * the pure signer; this is injected where the key file is read (./keyfile.ts).
 */
import { createPrivateKey, sign } from 'node:crypto';
import { ed25519Signer } from '../src/note/ed25519.js';
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
