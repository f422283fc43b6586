/**
 * Saved audit progress is unsigned: it may come from an interrupted run that was fed bundles no
 * checkpoint ever signed, or from an earlier history of a log that has since been rewritten under
 * the same origin and key. Before an audit trusts it (its identities for repeats, its last time),
 * the saved level-0 tile hashes must be shown to be the first nodes of the tree the log now signs:
 * their root (the tree of the first bundles·256 entries) must be consistent with the signed root,
 * by an RFC 9162 §2.1.4 consistency proof read from the log's tiles.
 *
 * A prefix that does not check is not evidence against the log (nothing in it is signed): the
 * audit discards it and starts over, and says so in its report.
 */
import { RunproofError } from '../../src/errors.js';
import { HASH_SIZE } from '../../src/merkle/hash.js';
import { consistencyProofFromHashes, consistencyProofNodes, judgeConsistency } from '../../src/merkle/proof.js';
import { TILE_WIDTH } from '../../src/merkle/tiles.js';
import type { LogClient } from '../log-client.js';
import { nodeHashAt } from './hasher.js';
import { readProofHashes } from './signed-tree.js';

/** Deepest compact range of a tree of ≤ 2^63 level-8 nodes (one per level, and one spare). */
const MAX_DEPTH = 64;

/**
 * prefixRoot returns the RFC 6962 root of the tree whose level-8 nodes (the hashes of full
 * level-0 tiles) are the first `count` ≥ 1 hashes of `tileHashes`: the root of the first
 * count·256 leaves. It keeps the compact range (perfect subtrees, largest first) on a stack,
 * merging equal levels as each node arrives, then folds it right to left (RFC 6962 §2.1).
 */
export function prefixRoot(tileHashes: Uint8Array, count: number): Uint8Array {
  if (!Number.isSafeInteger(count) || count < 1 || tileHashes.length < count * HASH_SIZE) {
    throw new RangeError(`audit: ${count} tile hashes asked of ${tileHashes.length / HASH_SIZE}`);
  }
  // Adjacent 32-byte slots, so that nodeHashAt hashes slot d-1 ‖ slot d in place.
  const stack = new Uint8Array(MAX_DEPTH * HASH_SIZE);
  const levels: number[] = [];
  for (let i = 0; i < count; i++) {
    let d = levels.length;
    stack.set(tileHashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), d * HASH_SIZE);
    levels.push(0);
    while (d > 0 && levels[d - 1] === levels[d]) {
      nodeHashAt(stack, (d - 1) * HASH_SIZE, stack, (d - 1) * HASH_SIZE);
      levels.pop();
      levels[d - 1] = levels[d - 1]! + 1;
      d--;
    }
  }
  for (let d = levels.length - 2; d >= 0; d--) nodeHashAt(stack, d * HASH_SIZE, stack, d * HASH_SIZE);
  return stack.slice(0, HASH_SIZE);
}

/**
 * savedPrefixProblem tells why the first `bundles` saved tile hashes are not proven to be the
 * level-8 nodes of the signed tree (`size`, `root`), or undefined if they are. The proof's hashes
 * come from the log's tiles for `size`, which the audit reads anyway; a tile the log does not
 * serve (404) or serves malformed is a reason, not a fault.
 * @throws RunproofError UNREACHABLE / UNAVAILABLE when the log cannot be read now (the progress
 *   is kept for the next attempt)
 */
export async function savedPrefixProblem(client: LogClient, tileHashes: Uint8Array, bundles: number, size: number, root: Uint8Array): Promise<string | undefined> {
  const prefix = bundles * TILE_WIDTH;
  const oldRoot = prefixRoot(tileHashes, bundles);
  const hashes = await readProofHashes(client, size, consistencyProofNodes(prefix, size));
  if (hashes instanceof RunproofError) {
    if (hashes.code === 'UNREACHABLE' || hashes.code === 'UNAVAILABLE') throw hashes;
    return `the log did not serve the consistency proof from its first ${prefix} entries to size ${size}: ${hashes.message}`;
  }
  const proof = consistencyProofFromHashes(prefix, size, hashes);
  const judged = judgeConsistency(prefix, size, oldRoot, root, proof);
  if (judged.verdict === 'consistent') return undefined;
  // A failed proof may be the cached tiles' fault (they are unsigned too): a later proof from
  // this client reads them again.
  client.forgetTiles();
  return judged.verdict === 'contradiction'
    ? `its first ${prefix} entries are not a prefix of the signed tree of size ${size} (another history of this log)`
    : `its first ${prefix} entries could not be proven a prefix of the signed tree of size ${size} (${judged.why})`;
}
