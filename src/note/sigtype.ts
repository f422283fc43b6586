/**
 * Signature type bytes assigned by c2sp.org/signed-note ("Signature types"). Only the two this
 * project uses are supported; every other type is rejected when a key is parsed.
 */

/** `0x01` — Ed25519 over the note text (c2sp.org/signed-note "Ed25519 signatures"). */
export const SIG_ED25519 = 0x01;

/** `0x04` — timestamped Ed25519 checkpoint cosignature, cosignature/v1 (c2sp.org/tlog-cosignature). */
export const SIG_COSIGNATURE_V1 = 0x04;
