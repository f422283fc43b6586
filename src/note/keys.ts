/**
 * Note keys: key IDs, verifier keys (c2sp.org/signed-note) and signer keys (the Go
 * `golang.org/x/mod/sumdb/note` private key format, which C2SP does not define).
 *
 *     verifier key: <name>+<8 lowercase hex key ID>+base64(type ‖ 32-byte Ed25519 public key)
 *     signer key:   PRIVATE+KEY+<name>+<8 lowercase hex key ID>+base64(type ‖ 32-byte Ed25519 seed)
 *
 * Two types are supported: 0x01 (Ed25519 note signatures, the log key) and 0x04 (cosignature/v1,
 * a witness key). Go's signer format only knows 0x01; for a witness key we use the same layout
 * with type byte 0x04, and the key ID is then the cosignature key ID
 * SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4], so the same text format covers both key kinds.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { RunproofError } from '../errors.js';
import { fromBase64, toBase64 } from '../encoding/base64.js';
import { concatBytes, utf8 } from '../encoding/utf8.js';
import { ED25519_PUBLIC_KEY_SIZE, ED25519_SEED_SIZE, ed25519PublicKey, ed25519Signer, ed25519Verify } from './ed25519.js';
import { verifyCosignatureV1 } from './cosignature.js';
import { SIG_COSIGNATURE_V1, SIG_ED25519, type NoteKey, type Signer, type Verifier } from './key-types.js';

export { SIG_COSIGNATURE_V1, SIG_ED25519, type NoteKey, type Signer, type Verifier } from './key-types.js';

const malformed = (why: string) => new RunproofError('MALFORMED_KEY', why);

/**
 * isValidKeyName tells whether `name` is a valid signed-note key name: non-empty, well-formed
 * Unicode, no Unicode white space, no `+`, and (since names appear in notes) no control characters.
 */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+\p{Cc}\p{Cs}]/u.test(name);
}

/** keyId computes SHA-256(name ‖ 0x0A ‖ type ‖ publicKey)[:4] as a big-endian uint32 (signed-note "key ID"). */
export function keyId(name: string, type: number, publicKey: Uint8Array): number {
  const h = sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey));
  return h[0]! * 2 ** 24 + h[1]! * 2 ** 16 + h[2]! * 2 ** 8 + h[3]!;
}

/** formatKeyId writes a key ID as 8 lowercase hex digits. */
export function formatKeyId(id: number): string {
  return id.toString(16).padStart(8, '0');
}

function parseKeyId(text: string): number {
  if (!/^[0-9a-f]{8}$/.test(text)) throw malformed('key ID must be 8 lowercase hex digits');
  return Number.parseInt(text, 16);
}

function checkType(type: number): void {
  if (type !== SIG_ED25519 && type !== SIG_COSIGNATURE_V1) {
    throw malformed(`unsupported signature type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

/** Decodes base64(type ‖ 32 bytes) into its two parts. */
function parseTypedKey(b64: string, what: string): { type: number; key: Uint8Array } {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(b64, undefined, what);
  } catch (cause) {
    throw new RunproofError('MALFORMED_KEY', `${what}: invalid base64`, { cause });
  }
  if (bytes.length === 0) throw malformed(`${what}: empty`);
  const type = bytes[0]!;
  checkType(type);
  if (bytes.length !== 1 + ED25519_PUBLIC_KEY_SIZE) throw malformed(`${what}: want 33 bytes, got ${bytes.length}`);
  return { type, key: bytes.slice(1) };
}

function makeVerifier(name: string, type: number, publicKey: Uint8Array): Verifier {
  const id = keyId(name, type, publicKey);
  const pub = publicKey.slice();
  return {
    name,
    keyId: id,
    type,
    publicKey: pub,
    verify: type === SIG_ED25519 ? (msg, sig) => ed25519Verify(pub, msg, sig) : (msg, sig) => verifyCosignatureV1(pub, msg, sig),
  };
}

/**
 * Makes the Ed25519 signing function of a 32-byte seed. The default is the pure
 * {@link ed25519Signer}; a host may pass a native one (the log server uses node:crypto, ≈ 6–12×
 * faster here), which must give the same deterministic RFC 8032 signatures.
 */
export type Ed25519SignerFactory = (seed: Uint8Array) => (msg: Uint8Array) => Uint8Array;

function makeSigner(name: string, type: number, seed: Uint8Array, factory: Ed25519SignerFactory): Signer {
  const pub = ed25519PublicKey(seed);
  return { name, keyId: keyId(name, type, pub), type, publicKey: pub, sign: factory(seed) };
}

/**
 * newSignerKey encodes a 32-byte Ed25519 seed as a signer key
 * `PRIVATE+KEY+<name>+<hex id>+base64(type ‖ seed)`; `type` is 0x01 (log) or 0x04 (witness).
 * @throws RunproofError MALFORMED_KEY for a bad name or type
 */
export function newSignerKey(name: string, seed: Uint8Array, type: number = SIG_ED25519): string {
  if (!isValidKeyName(name)) throw malformed(`invalid key name ${JSON.stringify(name)}`);
  checkType(type);
  if (seed.length !== ED25519_SEED_SIZE) throw malformed(`seed must be ${ED25519_SEED_SIZE} bytes`);
  const id = keyId(name, type, ed25519PublicKey(seed));
  return `PRIVATE+KEY+${name}+${formatKeyId(id)}+${toBase64(concatBytes(Uint8Array.of(type), seed))}`;
}

/** Splits `text` at the first `count` `+` signs (the base64 tail may itself contain `+`). */
function cutPlus(text: string, count: number): string[] | undefined {
  const parts: string[] = [];
  let rest = text;
  for (let i = 0; i < count; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return undefined;
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  parts.push(rest);
  return parts;
}

/**
 * parseSignerKey parses a signer key (see {@link newSignerKey}); the key ID must match.
 * `factory` makes the signing function (default: the pure {@link ed25519Signer}).
 * @throws RunproofError MALFORMED_KEY
 */
export function parseSignerKey(text: string, factory: Ed25519SignerFactory = ed25519Signer): Signer {
  const parts = cutPlus(text, 4);
  if (parts === undefined || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY') throw malformed('not a signer key (want PRIVATE+KEY+name+id+key)');
  const [, , name, idText, b64] = parts as [string, string, string, string, string];
  if (!isValidKeyName(name)) throw malformed('signer key: invalid key name');
  const id = parseKeyId(idText);
  const { type, key } = parseTypedKey(b64, 'signer key');
  const signer = makeSigner(name, type, key, factory);
  if (signer.keyId !== id) throw malformed('signer key: key ID does not match the key');
  return signer;
}

/**
 * parseVerifierKey parses a verifier key `name+hexid+base64(type ‖ public key)`; the key ID is
 * recomputed and must match.
 * @throws RunproofError MALFORMED_KEY
 */
export function parseVerifierKey(text: string): Verifier {
  const parts = cutPlus(text, 2);
  if (parts === undefined) throw malformed('not a verifier key (want name+id+key)');
  const [name, idText, b64] = parts as [string, string, string];
  if (!isValidKeyName(name)) throw malformed('verifier key: invalid key name');
  const id = parseKeyId(idText);
  const { type, key } = parseTypedKey(b64, 'verifier key');
  const verifier = makeVerifier(name, type, key);
  if (verifier.keyId !== id) throw malformed('verifier key: key ID does not match the key');
  return verifier;
}

/** verifierKey writes the verifier key text of a signer or verifier. */
export function verifierKey(key: NoteKey): string {
  return `${key.name}+${formatKeyId(key.keyId)}+${toBase64(concatBytes(Uint8Array.of(key.type), key.publicKey))}`;
}

/** toVerifier returns the {@link Verifier} matching a signer (or any note key). */
export function toVerifier(key: NoteKey): Verifier {
  return makeVerifier(key.name, key.type, key.publicKey);
}
