/**
 * The fixed keys and signing helpers of the conformance vectors. Seeds are SHA-256 of a label, so
 * every signature (Ed25519 is deterministic) and so every vector is reproducible; the seeds are
 * published in the vectors only as public keys.
 */
import { fromBase64, toBase64 } from '../src/encoding/base64.js';
import { concatBytes, utf8 } from '../src/encoding/utf8.js';
import { sha256 } from '../src/merkle/hash.js';
import { ed25519Sign } from '../src/note/ed25519.js';
import { keyId, newSignerKey, parseSignerKey, verifierKey, type Signer } from '../src/note/keys.js';
import { formatNote, parseNote, type NoteSignature } from '../src/note/note.js';
import { SIG_COSIGNATURE_V1, SIG_ED25519 } from '../src/note/key-types.js';

/** seedOf is the 32-byte seed of a label. */
export function seedOf(label: string): Uint8Array {
  return sha256(utf8(`runproof conformance seed ${label}`));
}

/** signer makes the deterministic signer `name` of `type`. */
export function signer(name: string, type = SIG_ED25519): Signer {
  return parseSignerKey(newSignerKey(name, seedOf(`${name}/${type}`), type));
}

/** The log of the vectors, another log with the same origin but another key, and witnesses. */
export const LOG = signer('log.example/conformance');
export const IMPOSTOR = parseSignerKey(newSignerKey('log.example/conformance', seedOf('impostor'), SIG_ED25519));
export const OTHER_LOG = signer('other.example/log');
export const W1 = signer('witness.example/w1', SIG_COSIGNATURE_V1);
export const W2 = signer('witness.example/w2', SIG_COSIGNATURE_V1);
export const W3 = signer('witness.example/w3', SIG_COSIGNATURE_V1);
export const OUTSIDER = signer('witness.example/outsider', SIG_COSIGNATURE_V1);

/** vkey is the verifier key text of a signer. */
export const vkey = (s: Signer) => verifierKey(s);

/** signatureLine builds one note signature by raw bytes (key ID prepended when formatted). */
export function rawSignature(name: string, id: number, bytes: Uint8Array): NoteSignature {
  return { name, keyId: id, signature: bytes };
}

/** The signatures of a signed note. */
export function signaturesOf(note: string): NoteSignature[] {
  return parseNote(note).signatures;
}

/** uint64be writes a big-endian 8-byte integer (bigint, so values above 2^53 are exact). */
export function uint64be(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(n % 256n);
    n /= 256n;
  }
  return out;
}

/**
 * cosignAt cosigns checkpoint text with a witness at any uint64 time `t` (the core refuses to
 * write times above 2^53 − 1; the vectors need some), signing the cosignature/v1 message.
 */
export function cosignAt(text: string, witness: Signer, t: bigint): NoteSignature {
  const msg = concatBytes(utf8(`cosignature/v1\ntime ${t.toString()}\n`), utf8(text));
  const sig = ed25519Sign(seedOf(`${witness.name}/${SIG_COSIGNATURE_V1}`), msg);
  return rawSignature(witness.name, witness.keyId, concatBytes(uint64be(t), sig));
}

/** The group order L of Ed25519. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** withSPlusL returns an Ed25519 signature with S replaced by S + L (same value mod L, non-canonical). */
export function withSPlusL(sig: Uint8Array): Uint8Array {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = s * 256n + BigInt(sig[i]!);
  s += L;
  const out = sig.slice();
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s % 256n);
    s /= 256n;
  }
  return out;
}

/**
 * The small-order key of the vectors: the neutral point's encoding (y = 1). The signature R = the
 * neutral point, S = 0 satisfies the cofactorless equation for every message; strict RFC 8032 (§10.2
 * rule 2) rejects it because the key has small order.
 */
export const SMALL_ORDER_KEY = Uint8Array.of(1, ...new Uint8Array(31));
export const SMALL_ORDER_SIGNATURE = Uint8Array.of(1, ...new Uint8Array(63));
export const SMALL_ORDER_NAME = 'small.example/log';
export const SMALL_ORDER_VKEY = `${SMALL_ORDER_NAME}+${keyId(SMALL_ORDER_NAME, SIG_ED25519, SMALL_ORDER_KEY).toString(16).padStart(8, '0')}+${toBase64(concatBytes(Uint8Array.of(SIG_ED25519), SMALL_ORDER_KEY))}`;
export const SMALL_ORDER_ID = keyId(SMALL_ORDER_NAME, SIG_ED25519, SMALL_ORDER_KEY);

/** replaceSignature swaps the payload of the `i`th signature line of a note. */
export function replaceSignature(note: string, i: number, f: (payload: Uint8Array) => Uint8Array): string {
  const { text, signatures } = parseNote(note);
  return formatNote(text, signatures.map((s, k) => (k === i ? { ...s, signature: f(s.signature) } : s)));
}

/** flipByte flips the low bit of byte `at` of a copy. */
export function flipByte(b: Uint8Array, at: number): Uint8Array {
  const out = b.slice();
  out[at] = out[at]! ^ 1;
  return out;
}

/** b64 shorthand used when crafting lines. */
export const b64 = { encode: toBase64, decode: (s: string) => fromBase64(s) };

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** nonCanonical sets an unused bit under the padding of padded base64 (a lenient decoder ignores it). */
export function nonCanonical(b64: string): string {
  const at = b64.indexOf('=') - 1;
  if (at < 0) throw new Error('conformance: nonCanonical needs padded base64');
  return b64.slice(0, at) + ALPHABET[ALPHABET.indexOf(b64[at]!) + 1] + b64.slice(at + 1);
}
