/**
 * The runproof log entry (design §4) — the tlog leaf data, 41 bytes, big-endian:
 *
 *     byte 0       entry type (0x01: run declared)
 *     bytes 1–8    uint64 time the log sequenced it, milliseconds since the Unix epoch
 *     bytes 9–40   the 32-byte SHA-256 run identity
 *
 * Times are JavaScript safe integers (≤ 2^53−1 ms, far beyond any real clock).
 */
import { RunproofError } from '../errors.js';

/** Size of an encoded entry in bytes. */
export const ENTRY_SIZE = 41;
/** Entry type: a run declaration was logged. */
export const ENTRY_TYPE_RUN_DECLARED = 0x01;

/** A decoded log entry. */
export interface Entry {
  type: number;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  /** 32-byte SHA-256 identity digest. */
  identity: Uint8Array;
}

const malformed = (why: string) => new RunproofError('MALFORMED_ENTRY', why);

/**
 * encodeEntry writes the 41-byte entry.
 * @throws RunproofError MALFORMED_ENTRY if a field is out of range
 */
export function encodeEntry(e: Entry): Uint8Array {
  if (e.type !== ENTRY_TYPE_RUN_DECLARED) throw malformed(`unknown entry type ${e.type}`);
  if (!Number.isSafeInteger(e.timestamp) || e.timestamp < 0) throw malformed(`timestamp ${e.timestamp} is not a non-negative safe integer`);
  if (e.identity.length !== 32) throw malformed('identity must be 32 bytes');
  const out = new Uint8Array(ENTRY_SIZE);
  const view = new DataView(out.buffer);
  out[0] = e.type;
  view.setUint32(1, Math.floor(e.timestamp / 2 ** 32));
  view.setUint32(5, e.timestamp % 2 ** 32);
  out.set(e.identity, 9);
  return out;
}

/**
 * decodeEntry reads a 41-byte entry strictly (exact length, known type, safe-integer time).
 * @throws RunproofError MALFORMED_ENTRY
 */
export function decodeEntry(bytes: Uint8Array): Entry {
  if (bytes.length !== ENTRY_SIZE) throw malformed(`entry must be ${ENTRY_SIZE} bytes, got ${bytes.length}`);
  const type = bytes[0]!;
  if (type !== ENTRY_TYPE_RUN_DECLARED) throw malformed(`unknown entry type ${type}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const timestamp = view.getUint32(1) * 2 ** 32 + view.getUint32(5);
  if (!Number.isSafeInteger(timestamp)) throw malformed('entry time is above 2^53-1');
  return { type, timestamp, identity: bytes.slice(9, 41) };
}
