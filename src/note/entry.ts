/**
 * The runproof log entry (docs/specification.md §7) — the tlog leaf data, 41 bytes, big-endian:
 *
 *     byte 0       entry type (0x01: run declared)
 *     bytes 1–8    uint64 time the log sequenced it, milliseconds since the Unix epoch
 *     bytes 9–40   the 32-byte SHA-256 run identity
 *
 * Times are JavaScript safe integers (≤ 2^53−1 ms, far beyond any real clock).
 */
import { RunproofError } from '../errors.js';

/** Offset of the entry type byte. */
export const ENTRY_TYPE_OFFSET = 0;
/** Offset of the big-endian uint64 time (milliseconds since the Unix epoch). */
export const ENTRY_TIME_OFFSET = 1;
/** Offset of the 32-byte identity digest. */
export const ENTRY_IDENTITY_OFFSET = 9;
/** Size of the identity digest in bytes. */
export const ENTRY_IDENTITY_SIZE = 32;
/** Size of an encoded entry in bytes (41). */
export const ENTRY_SIZE = ENTRY_IDENTITY_OFFSET + ENTRY_IDENTITY_SIZE;
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
  if (e.identity.length !== ENTRY_IDENTITY_SIZE) throw malformed(`identity must be ${ENTRY_IDENTITY_SIZE} bytes`);
  const out = new Uint8Array(ENTRY_SIZE);
  const view = new DataView(out.buffer);
  out[ENTRY_TYPE_OFFSET] = e.type;
  view.setUint32(ENTRY_TIME_OFFSET, Math.floor(e.timestamp / 2 ** 32));
  view.setUint32(ENTRY_TIME_OFFSET + 4, e.timestamp % 2 ** 32);
  out.set(e.identity, ENTRY_IDENTITY_OFFSET);
  return out;
}

/**
 * decodeEntry reads a 41-byte entry strictly (exact length, known type, safe-integer time).
 * @throws RunproofError MALFORMED_ENTRY
 */
export function decodeEntry(bytes: Uint8Array): Entry {
  if (bytes.length !== ENTRY_SIZE) throw malformed(`entry must be ${ENTRY_SIZE} bytes, got ${bytes.length}`);
  const type = bytes[ENTRY_TYPE_OFFSET]!;
  if (type !== ENTRY_TYPE_RUN_DECLARED) throw malformed(`unknown entry type ${type}`);
  const timestamp = entryTime(bytes, 0);
  if (!Number.isSafeInteger(timestamp)) throw malformed('entry time is above 2^53-1');
  return { type, timestamp, identity: bytes.slice(ENTRY_IDENTITY_OFFSET, ENTRY_SIZE) };
}

/**
 * entryTime reads the time field of the entry whose bytes start at `data[offset]`, in place. Above
 * 2^53−1 the result is not exact: callers check it with Number.isSafeInteger.
 */
export function entryTime(data: Uint8Array, offset: number): number {
  let t = 0;
  for (let i = 0; i < 8; i++) t = t * 256 + data[offset + ENTRY_TIME_OFFSET + i]!;
  return t;
}
