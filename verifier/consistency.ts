/**
 * Consistency between two signed checkpoints of one log — RFC 9162 §2.1.4 proofs, computed from
 * the log's c2sp.org/tlog-tiles hash tiles and checked against both signed roots.
 *
 * The tiles are not trusted: a wrong tile only yields a proof that fails against the signed
 * roots, which is PROOF_FAILED ("unproven"), never evidence. INCONSISTENT_LOG is reserved for
 * signed statements that contradict each other (see {@link checkConsistency}); it carries both
 * signed notes and the proof, so anyone can re-check it offline.
 */
import { RunproofError } from '../src/errors.js';
import { toBase64 } from '../src/encoding/base64.js';
import { type Hash } from '../src/merkle/hash.js';
import { consistencyProofFromHashes, consistencyProofNodes, judgeConsistency } from '../src/merkle/proof.js';
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
 *
 * Only signed statements are evidence. A proof is unsigned: one that fails proves nothing about
 * the log (PROOF_FAILED), unless it leads to the larger tree's signed root and still to another
 * root for the smaller size — then the log signed a tree whose prefix is not the tree it signed
 * before (INCONSISTENT_LOG). Two roots for one size are INCONSISTENT_LOG with no proof needed.
 * @throws RunproofError ORIGIN_MISMATCH if the checkpoints are of different logs;
 *   INCONSISTENT_LOG with evidence `{ old, new, proof }` (both signed notes, the proof in base64)
 *   for a proven contradiction; PROOF_FAILED for a proof that merely does not verify
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
  const judged = judgeConsistency(small.size, large.size, small.root, large.root, proof);
  if (judged.verdict === 'consistent') return;
  if (judged.verdict === 'unproven') {
    throw new RunproofError('PROOF_FAILED', `the consistency proof between sizes ${small.size} and ${large.size} does not verify (${judged.why}); this proves nothing about the log`);
  }
  const why =
    o.size === n.size
      ? `two different roots for tree size ${o.size}`
      : `tree ${small.size} is not a prefix of tree ${large.size}: the proof leads to the signed root of size ${large.size} and to root ${toBase64(judged.derivedOldRoot)} for size ${small.size}, not the signed ${toBase64(small.root)}`;
  throw new RunproofError('INCONSISTENT_LOG', `log ${o.origin} is inconsistent: ${why}`, {
    evidence: { old: oldCp.note, new: newCp.note, proof: proof.map((h) => toBase64(h)) },
  });
}

/**
 * formatProof writes a consistency or inclusion proof as one base64 hash per line (the body
 * format of tlog-proof and of `runproof consistency --proof`).
 */
export function formatProof(proof: readonly Hash[]): string {
  return proof.map((h) => toBase64(h) + '\n').join('');
}
