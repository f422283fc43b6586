/**
 * Receipts: the c2sp.org/tlog-proof text of an entry against a signed checkpoint of this log,
 * written by the one writer in src/note/tlog-proof.ts. Every distinct checkpoint text is parsed
 * and its root checked against the tree once, then remembered; the inclusion path comes from the
 * remembered subtree hashes (./node-hashes.ts) as ready base64 lines.
 */
import { RunproofError } from '../src/errors.js';
import { equalBytes } from '../src/encoding/utf8.js';
import { parseCheckpoint, type Checkpoint } from '../src/note/checkpoint.js';
import { parseNote } from '../src/note/note.js';
import { writeTlogProof } from '../src/note/tlog-proof.js';
import type { NodeHashes } from './node-hashes.js';

/** Signed checkpoint texts remembered as checked (receipts against cosigned checkpoints). */
const CHECKED_CHECKPOINTS = 64;

/** What receipts need of the log: its origin, published size and latest checkpoint, and the hashes. */
export interface ReceiptSource {
  origin: string;
  nodes: NodeHashes;
  size(): number;
  latest(): { signed: string; checkpoint: Checkpoint };
}

/** A receipt's parts: the base64 entry, index, inclusion path (base64, ROOT end first) and the signed checkpoint. */
export interface ReceiptParts {
  extra: string;
  index: number;
  path: string[];
  checkpoint: string;
}

/** receiptText is the c2sp.org/tlog-proof text that receipt parts stand for (the one writer, src/note/tlog-proof.ts). */
export function receiptText(p: ReceiptParts): string {
  let lines = '';
  for (let i = p.path.length - 1; i >= 0; i--) lines += p.path[i] + '\n';
  return writeTlogProof(p.extra, p.index, lines, p.checkpoint);
}

/** Receipts writes receipts and remembers which checkpoint texts are this log's. */
export class Receipts {
  /** Signed checkpoint texts already parsed and checked against the tree, by text. */
  private readonly checked = new Map<string, Checkpoint>();

  constructor(private readonly log: ReceiptSource) {}

  /**
   * receipt writes the tlog-proof of entry `index` (the 41-byte `entry` on the `extra` line)
   * against `signed`. Synchronous: it may throw BlobMiss (./blob-cache.ts) for the caller to settle.
   * @throws RunproofError MALFORMED_REQUEST (index not below the checkpoint size); NOT_FOUND;
   *   ORIGIN_MISMATCH / INCONSISTENT_LOG if the checkpoint is not one of this log's
   */
  receipt(index: number, signed: string, entry: Uint8Array): string {
    return receiptText(this.parts(index, signed, entry));
  }

  /**
   * parts is {@link receipt} not yet joined into text: what `writeTlogProof(extra, index,
   * <path texts in proof order, each + "\n">, checkpoint)` would write. Same checks and throws.
   */
  parts(index: number, signed: string, entry: Uint8Array): ReceiptParts {
    const cp = this.checkedCheckpoint(signed);
    if (!Number.isSafeInteger(index) || index < 0 || index >= cp.size) throw new RunproofError('MALFORMED_REQUEST', `index ${index} is not below checkpoint size ${cp.size}`);
    const extra = Buffer.from(entry.buffer, entry.byteOffset, entry.length).toString('base64');
    return { extra, index, path: this.log.nodes.inclusionTexts(index, cp.size), checkpoint: signed };
  }

  /**
   * checkedCheckpoint parses a signed checkpoint and, once per text, checks it is one of this
   * log's trees (its size within the log, its root the tree's root at that size).
   */
  checkedCheckpoint(signed: string): Checkpoint {
    const latest = this.log.latest();
    if (signed === latest.signed) return latest.checkpoint;
    const known = this.checked.get(signed);
    if (known !== undefined) return known;
    const cp = parseCheckpoint(parseNote(signed).text);
    if (cp.origin !== this.log.origin) throw new RunproofError('ORIGIN_MISMATCH', `checkpoint origin ${JSON.stringify(cp.origin)} is not this log's`);
    if (cp.size > this.log.size()) throw new RunproofError('NOT_FOUND', `tree size ${cp.size} is beyond the log's size ${this.log.size()}`);
    if (cp.size > 0 && !equalBytes(this.log.nodes.root(cp.size), cp.root)) {
      throw new RunproofError('INCONSISTENT_LOG', `checkpoint of size ${cp.size} does not match this log's tree`, { evidence: { checkpoint: signed } });
    }
    if (this.checked.size >= CHECKED_CHECKPOINTS) this.checked.delete(this.checked.keys().next().value!);
    this.checked.set(signed, cp);
    return cp;
  }
}
