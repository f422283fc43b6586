/**
 * Entry bundles — c2sp.org/tlog-tiles "Log Entries": a bundle is the concatenation of its
 * entries, each prefixed by its length as a big-endian uint16. A full bundle has 256 entries;
 * entry i of bundle N is leaf N·256 + i.
 */
import { RunproofError } from '../errors.js';
import { TILE_WIDTH } from './tiles.js';

/** The largest entry a bundle can carry: 65535 bytes (uint16 length). */
export const MAX_BUNDLE_ENTRY = 65535;

/**
 * encodeBundle concatenates entries with uint16 big-endian length prefixes.
 * @throws RunproofError MALFORMED_ENTRY if an entry is longer than 65535 bytes.
 */
export function encodeBundle(entries: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  entries.forEach((e, i) => {
    if (e.length > MAX_BUNDLE_ENTRY) {
      throw new RunproofError('MALFORMED_ENTRY', `entry ${i} is ${e.length} bytes, over the ${MAX_BUNDLE_ENTRY}-byte bundle limit`);
    }
    len += 2 + e.length;
  });
  const out = new Uint8Array(len);
  let o = 0;
  for (const e of entries) {
    out[o] = Math.floor(e.length / 256);
    out[o + 1] = e.length % 256;
    out.set(e, o + 2);
    o += 2 + e.length;
  }
  return out;
}

/**
 * parseBundle splits a bundle into its entries, strictly: no truncated length or entry, no
 * trailing bytes, at most 256 entries, and exactly `count` entries if given (the width the
 * bundle's path promises).
 * @throws RunproofError MALFORMED_ENTRY with the byte offset of the fault.
 */
export function parseBundle(bytes: Uint8Array, count?: number): Uint8Array[] {
  const bad = (why: string, offset: number) =>
    new RunproofError('MALFORMED_ENTRY', `entry bundle: ${why} at byte ${offset}`, { path: `byte ${offset}`, evidence: { offset } });
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < bytes.length) {
    if (out.length === TILE_WIDTH) throw bad(`more than ${TILE_WIDTH} entries`, o);
    if (o + 2 > bytes.length) throw bad('truncated length prefix', o);
    const n = bytes[o]! * 256 + bytes[o + 1]!;
    if (o + 2 + n > bytes.length) throw bad(`entry of ${n} bytes is truncated`, o);
    out.push(bytes.slice(o + 2, o + 2 + n));
    o += 2 + n;
  }
  if (count !== undefined && out.length !== count) throw bad(`want ${count} entries, got ${out.length}`, o);
  return out;
}
