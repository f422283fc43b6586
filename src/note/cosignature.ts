/**
 * c2sp.org/tlog-cosignature, the Ed25519 `cosignature/v1` format (signature type 0x04).
 *
 * A cosignature is a note signature line whose payload is
 * `keyID (4) ‖ timestamp (uint64 big-endian, POSIX seconds) (8) ‖ Ed25519 signature (64)` over
 *
 *     cosignature/v1\n
 *     time <timestamp in decimal>\n
 *     <the whole checkpoint note text, extension lines included>
 *
 * The spec caps timestamps at 2^63−1. This implementation represents them as JavaScript
 * numbers, so a timestamp above 2^53−1 (year 285 million) is rejected as MALFORMED_COSIGNATURE
 * even when its signature is valid.
 */
import { RunproofError } from '../errors.js';
import { concatBytes, utf8 } from '../encoding/utf8.js';
import { ed25519Verify } from './ed25519.js';
import { SIG_COSIGNATURE_V1, type NoteSignature, type Signer } from './key-types.js';

/** Size of a cosignature/v1 signature after the key ID: 8-byte timestamp ‖ 64-byte Ed25519 signature. */
export const COSIGNATURE_V1_SIZE = 72;

const MAX_TIMESTAMP_U63 = 2n ** 63n - 1n;

/** The cosignature/v1 message for note text bytes (tlog-cosignature "Signed message"). */
function messageBytes(textBytes: Uint8Array, timestamp: number | bigint): Uint8Array {
  return concatBytes(utf8(`cosignature/v1\ntime ${timestamp.toString()}\n`), textBytes);
}

function checkTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new Error(`cosignature: timestamp must be a non-negative safe integer, got ${timestamp}`);
  }
}

/**
 * cosignatureMessage returns the exact bytes a cosignature/v1 signs for a checkpoint note text
 * and a timestamp in seconds.
 */
export function cosignatureMessage(checkpointText: string, timestamp: number): Uint8Array {
  checkTimestamp(timestamp);
  return messageBytes(utf8(checkpointText), timestamp);
}

/** Reads the big-endian uint64 timestamp at the start of a cosignature as a bigint. */
function readTimestamp(sig: Uint8Array): bigint {
  const view = new DataView(sig.buffer, sig.byteOffset, 8);
  return BigInt(view.getUint32(0)) * 2n ** 32n + BigInt(view.getUint32(4));
}

function writeTimestamp(timestamp: number): Uint8Array {
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(timestamp / 2 ** 32));
  view.setUint32(4, timestamp % 2 ** 32);
  return out;
}

/**
 * cosignCheckpoint cosigns a checkpoint note text at `timestampSeconds` with a type-0x04 signer
 * and returns the note signature (its `signature` is timestamp ‖ Ed25519 signature, without the
 * key ID). The text must be the checkpoint text exactly as it appears in the note.
 */
export function cosignCheckpoint(checkpointText: string, timestampSeconds: number, signer: Signer): NoteSignature {
  if (signer.type !== SIG_COSIGNATURE_V1) throw new Error(`cosignCheckpoint: signer ${signer.name} is not a cosignature/v1 (0x04) key`);
  const sig = signer.sign(cosignatureMessage(checkpointText, timestampSeconds));
  return { name: signer.name, keyId: signer.keyId, signature: concatBytes(writeTimestamp(timestampSeconds), sig) };
}

/**
 * cosignatureTimestamp returns the timestamp (seconds) of a cosignature/v1 signature
 * (the note signature bytes after the key ID).
 * @throws RunproofError MALFORMED_COSIGNATURE if it is not 72 bytes or the timestamp exceeds 2^53−1
 */
export function cosignatureTimestamp(sig: Uint8Array): number {
  if (sig.length !== COSIGNATURE_V1_SIZE) {
    throw new RunproofError('MALFORMED_COSIGNATURE', `cosignature/v1 must be ${COSIGNATURE_V1_SIZE} bytes after the key ID, got ${sig.length}`);
  }
  const t = readTimestamp(sig);
  if (t > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RunproofError('MALFORMED_COSIGNATURE', `cosignature timestamp ${t} is above 2^53-1`);
  }
  return Number(t);
}

/**
 * verifyCosignatureV1 checks a cosignature/v1 signature (timestamp ‖ Ed25519 signature) over
 * the checkpoint note text bytes. It never throws: a timestamp above 2^63−1 (tlog-cosignature
 * "MUST be ≤ 2^63−1") or a wrong length is `false`.
 */
export function verifyCosignatureV1(publicKey: Uint8Array, textBytes: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== COSIGNATURE_V1_SIZE) return false;
  const t = readTimestamp(sig);
  if (t > MAX_TIMESTAMP_U63) return false;
  return ed25519Verify(publicKey, messageBytes(textBytes, t), sig.subarray(8));
}
