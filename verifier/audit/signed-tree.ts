/**
 * Tying what an audit saw in unsigned answers to the tree its checkpoint signs, with RFC 9162
 * proofs read from the log's hash tiles (c2sp.org/tlog-tiles) or built from the audit's own
 * recomputed tree.
 *
 * Entry bundles, hash tiles and saved progress are unsigned: a fault the audit sees in them is
 * evidence against the log only once what shows it is proven to be in the signed tree. The proofs
 * here are read only after something is found (an honest log never pays for them) and checked with
 * the pure RFC 9162 verification in src/merkle. A proof that does not lead to the signed root
 * proves nothing about the log: the served data does not match the signed tree. A tile the log
 * does not serve now leaves the question open.
 *
 * Partial right-edge bundles need nothing special: every proof is for the tree of the
 * checkpoint's size, whose nodes come from the tiles at the widths that size implies (the partial
 * tile, or the prefix of the full one once the log has it, as tlog-tiles allows; LogClient.tile).
 */
import { RunproofError, isRunproofError } from '../../src/errors.js';
import { type Hash, leafHash } from '../../src/merkle/hash.js';
import { inclusionProofFromHashes, inclusionProofNodes, verifyInclusion } from '../../src/merkle/proof.js';
import type { HashReader, NodeId } from '../../src/merkle/tree.js';
import type { LogClient } from '../log-client.js';

/** The tree a checkpoint signs, and where to read its tiles. */
export interface SignedTree {
  client: LogClient;
  size: number;
  root: Uint8Array;
}

/**
 * What became of tying served data to the signed tree: `proven` with the proof; `unproven` when
 * the log's answers do not lead to the signed root (nothing about the log follows); `unavailable`
 * when the log did not serve what the proof needs (UNAVAILABLE or UNREACHABLE, naming the URL).
 */
export type Tie<T> = { verdict: 'proven'; proof: T } | Untied;

/** A {@link Tie} from hashes at hand: nothing was left to read. */
export type Checked<T> = Exclude<Tie<T>, { verdict: 'unavailable' }>;

/** A {@link Tie} that did not prove anything. */
export type Untied = { verdict: 'unproven'; why: string } | { verdict: 'unavailable'; error: RunproofError };

/**
 * readProofHashes reads the hashes of `nodes` in the tree of `size` from the log's tiles; nothing
 * read is authenticated. A log answer that yields no hashes (404, 429/5xx, unreachable, a
 * malformed tile) is returned as its error, for the caller to judge: what it means depends on
 * what the proof is for.
 */
export async function readProofHashes(client: LogClient, size: number, nodes: readonly NodeId[]): Promise<Hash[] | RunproofError> {
  if (nodes.length === 0) return [];
  try {
    return await client.hashReader(size)(nodes);
  } catch (e) {
    if (isRunproofError(e)) return e;
    throw e;
  }
}

/**
 * notRead judges a log answer that did not give what a proof of the tree of `size` needs: a
 * resource the checkpoint requires that is not served now (404, 429/5xx, unreachable) leaves the
 * proof `unavailable`; an answer that arrived malformed is `unproven` (a check it failed).
 */
export function notRead(e: RunproofError, size: number): Untied {
  if (e.code === 'NOT_FOUND') {
    const url = String(e.evidence?.['url'] ?? '');
    const error = new RunproofError('UNAVAILABLE', `the log does not serve ${url}, which its checkpoint of size ${size} requires`, { evidence: { url }, cause: e });
    return { verdict: 'unavailable', error };
  }
  if (e.code === 'UNAVAILABLE' || e.code === 'UNREACHABLE') return { verdict: 'unavailable', error: e };
  return { verdict: 'unproven', why: `the log served a malformed answer: ${e.message}` };
}

/** leadsToRoot tells whether `proof` is an inclusion proof of `leaf` at `index` in the tree of `size` with `root` (RFC 9162 §2.1.3.2). */
function leadsToRoot(leaf: Hash, index: number, size: number, proof: readonly Hash[], root: Hash): boolean {
  try {
    verifyInclusion(leaf, index, size, proof, root);
    return true;
  } catch (e) {
    if (isRunproofError(e, 'PROOF_FAILED')) return false;
    throw e;
  }
}

/** An entry as the log served it: its index and bytes. */
export interface ServedEntry {
  index: number;
  entry: Uint8Array;
}

/**
 * proveEntries reads from the log's tiles the inclusion proof of each served entry in the signed
 * tree, and checks each against the signed root with the entry's own leaf hash: `proven` (the
 * proofs, in order) only if every entry, exactly as served, is in the signed tree.
 */
export async function proveEntries(tree: SignedTree, entries: readonly ServedEntry[]): Promise<Tie<Hash[][]>> {
  const { client, size } = tree;
  const hashes = await readProofHashes(client, size, proofNodes(entries, size));
  if (hashes instanceof RunproofError) return notRead(hashes, size);
  const tie = tieToRoot(tree, entries, hashes);
  // The cached tiles may be what is wrong (they are unsigned too): read them again next time.
  if (tie.verdict !== 'proven') client.forgetTiles();
  return tie;
}

/**
 * proveEntriesFrom is {@link proveEntries} with the proof hashes read from `read` — the audit's
 * own recomputed tree — instead of the log's tiles. They are as unauthenticated as tiles until
 * the proofs lead to the signed root, which is what makes them proofs of the signed tree.
 */
export function proveEntriesFrom(tree: SignedTree, entries: readonly ServedEntry[], read: HashReader): Checked<Hash[][]> {
  return tieToRoot(tree, entries, read(proofNodes(entries, tree.size)));
}

/** proofNodes lists the nodes of the inclusion proofs of `entries` in the tree of `size`, entry after entry. */
function proofNodes(entries: readonly ServedEntry[], size: number): NodeId[] {
  return entries.flatMap((e) => inclusionProofNodes(e.index, size));
}

/** tieToRoot builds each entry's proof from `hashes` (those of {@link proofNodes}) and checks it against the signed root. */
function tieToRoot(tree: SignedTree, entries: readonly ServedEntry[], hashes: readonly Hash[]): Checked<Hash[][]> {
  const { size, root } = tree;
  const proofs: Hash[][] = [];
  let at = 0;
  for (const { index, entry } of entries) {
    const n = inclusionProofNodes(index, size).length;
    const proof = inclusionProofFromHashes(index, size, hashes.slice(at, at + n));
    at += n;
    if (!leadsToRoot(leafHash(entry), index, size, proof, root)) {
      return { verdict: 'unproven', why: `the inclusion proof of entry ${index} as served does not lead to the signed root` };
    }
    proofs.push(proof);
  }
  return { verdict: 'proven', proof: proofs };
}
