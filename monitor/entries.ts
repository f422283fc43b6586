/**
 * Re-checking a log's new entries: fetch the entry bundles for [old size, new size)
 * (c2sp.org/tlog-tiles "Entry bundles"), authenticate them by extending the accepted tree's right
 * edge with their leaf hashes and comparing the root with the signed one (RFC 6962 §2.1), then
 * apply the entry rules (src/note/entry-rules.ts), collecting every broken one.
 */
import { RunproofError } from '../src/errors.js';
import { toBase64 } from '../src/encoding/base64.js';
import { toHex } from '../src/encoding/hex.js';
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

/** The checked range: the new right edge, last time and identities, and any broken rules. */
export interface CheckedEntries {
  rightEdge: Hash[];
  lastEntryTime: number;
  identities: { digest: Uint8Array; index: number }[];
  violations: EntryViolation[];
}

/**
 * checkNewEntries fetches and checks the entries [from.size, to.size) of a log.
 * `seenAt(digest)` returns the index of an identity already seen in the log, if any.
 * @throws RunproofError UNREACHABLE / UNAVAILABLE / NOT_FOUND from the log; AUDIT_FAILED with
 *   evidence if the served entries do not hash to the signed root (they are then not evidence
 *   of anything: tiles and bundles are unsigned)
 */
export async function checkNewEntries(
  client: LogClient,
  from: { size: number; rightEdge: Hash[]; lastEntryTime: number },
  to: { size: number; root: Hash },
  seenAt: (digest: Uint8Array) => number | undefined,
): Promise<CheckedEntries> {
  const entries: Uint8Array[] = [];
  let rightEdge = from.rightEdge;
  for (let n = Math.floor(from.size / TILE_WIDTH); n * TILE_WIDTH < to.size; n++) {
    const width = Math.min(TILE_WIDTH, to.size - n * TILE_WIDTH);
    const fresh = parseBundle(await client.entries(n, width), width).slice(Math.max(0, from.size - n * TILE_WIDTH));
    // One bundle at a time, so the nodes appendLeaves creates stay few.
    rightEdge = appendLeaves(rightEdge, from.size + entries.length, fresh.map((e) => leafHash(e))).rightEdge;
    entries.push(...fresh);
  }
  const root = rootFromHashes(to.size, rightEdge);
  if (!equalBytes(root, to.root)) {
    throw new RunproofError('AUDIT_FAILED', `entries ${from.size}..${to.size - 1} served by ${client.baseUrl} do not hash to the signed root`, {
      evidence: { from: from.size, to: to.size, computedRoot: toBase64(root), signedRoot: toBase64(to.root) },
    });
  }
  const violations: EntryViolation[] = [];
  const identities: { digest: Uint8Array; index: number }[] = [];
  const batch = new Map<string, number>();
  const rules: EntryRulesState = { lastTime: from.lastEntryTime };
  const seen = (data: Uint8Array, offset: number, index: number) => {
    const digest = data.slice(offset, offset + ENTRY_IDENTITY_SIZE);
    const key = toHex(digest);
    const earlier = batch.get(key) ?? seenAt(digest);
    if (earlier !== undefined) return earlier;
    batch.set(key, index);
    identities.push({ digest, index });
    return undefined;
  };
  entries.forEach((bytes, i) => {
    const index = from.size + i;
    checkEntry(bytes, 0, bytes.length, index, rules, seen, (fault) => {
      violations.push({ index, rule: fault.rule, message: `entry ${index}: ${fault.message}`, entry: toBase64(bytes) });
    });
  });
  return { rightEdge, lastEntryTime: rules.lastTime, identities, violations };
}
