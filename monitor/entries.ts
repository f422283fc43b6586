/**
 * Re-checking a log's new entries: fetch the entry bundles for [old size, new size)
 * (c2sp.org/tlog-tiles "Entry bundles"), authenticate them by extending the accepted tree's right
 * edge with their leaf hashes and comparing the root with the signed one (RFC 6962 §2.1), then
 * apply the entry rules (src/note/entry-rules.ts), collecting every broken one.
 */
import { RunproofError } from '../src/errors.js';
import { toBase64 } from '../src/encoding/base64.js';
import { equalBytes } from '../src/encoding/utf8.js';
import { parseBundle } from '../src/merkle/bundle.js';
import { type Hash, leafHash } from '../src/merkle/hash.js';
import { TILE_WIDTH } from '../src/merkle/tiles.js';
import { appendLeaves, rootFromHashes } from '../src/merkle/tree.js';
import { ENTRY_IDENTITY_SIZE } from '../src/note/entry.js';
import { checkEntry, type EntryRule, type EntryRulesState } from '../src/note/entry-rules.js';
import type { LogClient } from '../verifier/index.js';

/** One broken entry rule, with what a third party needs to find it. */
export interface EntryViolation {
  index: number;
  rule: EntryRule;
  message: string;
  /** base64 of the entry bytes. */
  entry: string;
}

/** The checked range: the new right edge and last time, and any broken rules (at most {@link MAX_VIOLATIONS}). */
export interface CheckedEntries {
  rightEdge: Hash[];
  lastEntryTime: number;
  violations: EntryViolation[];
}

/** Broken rules kept for the evidence; more are counted, not kept (a hostile log could break millions). */
export const MAX_VIOLATIONS = 1000;

/** Where the checked identities go, and where earlier ones are looked up. */
export interface IdentitySink {
  /** The index at which an identity was already seen in this log (earlier rounds or this one). */
  seenAt(digest: Uint8Array): number | undefined;
  /** Records a newly checked identity (visible to `seenAt` from then on). */
  record(digest: Uint8Array, index: number): void;
}

/**
 * checkNewEntries fetches and checks the entries [from.size, to.size) of a log, one bundle at a
 * time: memory stays bounded by one bundle and the right edge whatever the range, because every
 * identity goes straight to `ids` (the monitor's SQLite state, inside a transaction the caller
 * rolls back unless the range hashes to the signed root).
 * @throws RunproofError UNREACHABLE / UNAVAILABLE / NOT_FOUND from the log; AUDIT_FAILED with
 *   evidence if the served entries do not hash to the signed root (they are then not evidence
 *   of anything: tiles and bundles are unsigned)
 */
export async function checkNewEntries(
  client: LogClient,
  from: { size: number; rightEdge: Hash[]; lastEntryTime: number },
  to: { size: number; root: Hash },
  ids: IdentitySink,
): Promise<CheckedEntries & { violationCount: number }> {
  let rightEdge = from.rightEdge;
  const violations: EntryViolation[] = [];
  let violationCount = 0;
  const rules: EntryRulesState = { lastTime: from.lastEntryTime };
  const seen = (data: Uint8Array, offset: number, index: number) => {
    const digest = data.slice(offset, offset + ENTRY_IDENTITY_SIZE);
    const earlier = ids.seenAt(digest);
    if (earlier !== undefined) return earlier;
    ids.record(digest, index);
    return undefined;
  };
  for (let n = Math.floor(from.size / TILE_WIDTH); n * TILE_WIDTH < to.size; n++) {
    const width = Math.min(TILE_WIDTH, to.size - n * TILE_WIDTH);
    const skip = Math.max(0, from.size - n * TILE_WIDTH);
    const fresh = parseBundle(await client.entries(n, width), width).slice(skip);
    const firstIndex = n * TILE_WIDTH + skip;
    rightEdge = appendLeaves(rightEdge, firstIndex, fresh.map((e) => leafHash(e))).rightEdge;
    fresh.forEach((bytes, i) => {
      const index = firstIndex + i;
      checkEntry(bytes, 0, bytes.length, index, rules, seen, (fault) => {
        violationCount++;
        if (violations.length < MAX_VIOLATIONS) violations.push({ index, rule: fault.rule, message: `entry ${index}: ${fault.message}`, entry: toBase64(bytes) });
      });
    });
  }
  const root = rootFromHashes(to.size, rightEdge);
  if (!equalBytes(root, to.root)) {
    throw new RunproofError('AUDIT_FAILED', `entries ${from.size}..${to.size - 1} served by ${client.baseUrl} do not hash to the signed root`, {
      evidence: { from: from.size, to: to.size, computedRoot: toBase64(root), signedRoot: toBase64(to.root) },
    });
  }
  return { rightEdge, lastEntryTime: rules.lastTime, violations, violationCount };
}
