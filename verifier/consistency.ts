/**
 * Consistency between two signed checkpoints of one log — RFC 9162 §2.1.4 proofs, computed from
 * the log's c2sp.org/tlog-tiles hash tiles and checked against both signed roots.
 *
 * The tiles are not trusted: a wrong tile only yields a proof that fails against the signed
 * roots. A failure is reported as INCONSISTENT_LOG with both signed notes and the proof, so
 * anyone can re-check it offline.
 */
import { RunproofError } from '../src/errors.js';
import { toBase64 } from '../src/encoding/base64.js';
import { type Hash } from '../src/merkle/hash.js';
import { consistencyProofFromHashes, consistencyProofNodes, verifyConsistency } from '../src/merkle/proof.js';
import type { Checkpoint, OpenedCheckpoint } from '../src/note/checkpoint.js';
import type { LogClient } from './log-client.js';

/** A checkpoint as parsed, or as opened (verified). */
type AnyCheckpoint = Checkpoint | OpenedCheckpoint;

function parsed(cp: AnyCheckpoint): Checkpoint {
  return 'checkpoint' in cp ? cp.checkpoint : cp;
}

/**
 * proveConsistencyFromLog computes, from the log's hash tiles, the consistency proof between the
 * trees of the two checkpoints (smaller size first, whichever argument it is). Verify the result
 * with {@link checkConsistency}; nothing here is authenticated.
 * @throws RunproofError UNREACHABLE / UNAVAILABLE (also for a missing tile) / MALFORMED_ENCODING from the log
 */
export async function proveConsistencyFromLog(client: LogClient, oldCheckpoint: AnyCheckpoint, newCheckpoint: AnyCheckpoint): Promise<Hash[]> {
  const a = parsed(oldCheckpoint).size;
  const b = parsed(newCheckpoint).size;
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  const nodes = consistencyProofNodes(lo, hi);
  if (nodes.length === 0) return [];
  let hashes: Hash[];
  try {
    hashes = await client.hashReader(hi)(nodes);
  } catch (e) {
    // The checkpoint requires these tiles: a log that does not serve them cannot be read.
    if (e instanceof RunproofError && e.code === 'NOT_FOUND') {
      throw new RunproofError('UNAVAILABLE', `the log does not serve a tile its checkpoint of size ${hi} requires: ${e.message}`, { evidence: e.evidence, cause: e });
    }
    throw e;
  }
  return consistencyProofFromHashes(lo, hi, hashes);
}

/**
 * checkConsistency checks that the smaller of two opened checkpoints of one log is a prefix of
 * the larger one, with `proof` (RFC 9162 §2.1.4.2). Equal sizes need equal roots.
 * @throws RunproofError ORIGIN_MISMATCH if the checkpoints are of different logs;
 *   INCONSISTENT_LOG with evidence `{ old, new, proof }` (both signed notes, the proof in base64)
 */
export function checkConsistency(oldCp: OpenedCheckpoint, newCp: OpenedCheckpoint, proof: readonly Hash[]): void {
  const o = oldCp.checkpoint;
  const n = newCp.checkpoint;
  if (o.origin !== n.origin) {
    throw new RunproofError('ORIGIN_MISMATCH', `checkpoints are of different logs: ${JSON.stringify(o.origin)} and ${JSON.stringify(n.origin)}`, {
      evidence: { old: oldCp.note, new: newCp.note },
    });
  }
  const [small, large] = o.size <= n.size ? [o, n] : [n, o];
  try {
    verifyConsistency(small.size, large.size, small.root, large.root, proof);
  } catch (e) {
    if (!(e instanceof RunproofError)) throw e;
    const why = o.size === n.size ? `two different roots for tree size ${o.size}` : `tree ${small.size} is not a prefix of tree ${large.size}: ${e.message}`;
    throw new RunproofError('INCONSISTENT_LOG', `log ${o.origin} is inconsistent: ${why}`, {
      evidence: { old: oldCp.note, new: newCp.note, proof: proof.map((h) => toBase64(h)) },
      cause: e,
    });
  }
}

/**
 * formatProof writes a consistency or inclusion proof as one base64 hash per line (the body
 * format of tlog-proof and of `runproof consistency --proof`).
 */
export function formatProof(proof: readonly Hash[]): string {
  return proof.map((h) => toBase64(h) + '\n').join('');
}
