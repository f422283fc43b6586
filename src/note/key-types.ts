/**
 * The types of note keys, with no code, so that keys.ts (parsing and making keys) and
 * cosignature.ts (cosigning with one) can both use them without importing each other: the
 * signature type bytes assigned by c2sp.org/signed-note ("Signature types") — only the two this
 * project uses are supported; every other type is rejected when a key is parsed — and the
 * public, signing and verifying key interfaces and a note's signature line. keys.ts re-exports
 * the key types, note.ts the signature line.
 */

/** `0x01` — Ed25519 over the note text (c2sp.org/signed-note "Ed25519 signatures"). */
export const SIG_ED25519 = 0x01;

/** `0x04` — timestamped Ed25519 checkpoint cosignature, cosignature/v1 (c2sp.org/tlog-cosignature). */
export const SIG_COSIGNATURE_V1 = 0x04;

/** The public half of a note key. */
export interface NoteKey {
  /** Key name (signed-note: non-empty, no Unicode spaces, no `+`). */
  readonly name: string;
  /** uint32 key ID. */
  readonly keyId: number;
  /** Signature type byte: {@link SIG_ED25519} or {@link SIG_COSIGNATURE_V1}. */
  readonly type: number;
  /** 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
}

/**
 * A signing key. `sign(msg)` returns the raw 64-byte Ed25519 signature of `msg`. For a 0x01 key
 * that is the note signature of a note text (see `signNote`); for a 0x04 key it is only the
 * primitive that `cosignCheckpoint` applies to the cosignature/v1 message — do not call it on
 * a note text directly.
 */
export interface Signer extends NoteKey {
  sign(msg: Uint8Array): Uint8Array;
}

/**
 * A verification key. `verify(text, sig)` takes the note text bytes and the signature bytes after
 * the key ID: for 0x01 a 64-byte Ed25519 signature of the text; for 0x04 an 8-byte timestamp ‖
 * 64-byte signature of the cosignature/v1 message built from the text. Never throws.
 */
export interface Verifier extends NoteKey {
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

/** One signature line of a note (c2sp.org/signed-note). `signature` is the payload after the 4-byte key ID. */
export interface NoteSignature {
  name: string;
  keyId: number;
  signature: Uint8Array;
}
