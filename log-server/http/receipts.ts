/**
 * Receipts at submission speed: the same c2sp.org/tlog-proof text as `Log.receipt`, with the
 * hashes of perfect subtrees remembered between receipts.
 *
 * A node of the Merkle tree that covers a perfect subtree `[i·2^l, (i+1)·2^l)` never changes once
 * it exists (RFC 9162 §2.1: the log is append-only), so caching it by (level, index) is always
 * correct. Without the cache every receipt rehashes up to ~255 hashes per tile level from the
 * tiles (`hashFromTileRange`), about 1–8 ms per receipt; with it, a batch of receipts against one
 * checkpoint costs a few hashes each. Each distinct checkpoint's root is still checked against
 * the tree once, as `Log.receipt` does, so a wrong checkpoint is never paired with a proof.
 */
import { RunproofError } from '../../src/errors.js';
import { equalBytes } from '../../src/encoding/utf8.js';
import type { Hash } from '../../src/merkle/hash.js';
import { proveInclusion } from '../../src/merkle/proof.js';
import { tileReader, TILE_WIDTH } from '../../src/merkle/tiles.js';
import { treeRoot, type HashReader, type NodeId } from '../../src/merkle/tree.js';
import { parseCheckpoint, type Checkpoint } from '../../src/note/checkpoint.js';
import { ENTRY_SIZE } from '../../src/note/entry.js';
import { parseNote } from '../../src/note/note.js';
import { TLOG_PROOF_HEADER } from '../../src/note/tlog-proof.js';
import { toBase64 } from '../../src/encoding/base64.js';
import type { Log } from '../log.js';

/** Subtree hashes remembered per tree level (about 100 bytes each). */
const NODE_CACHE_PER_LEVEL = 1 << 15;
/** Checkpoint texts whose root was checked, remembered. */
const CHECKPOINT_CACHE = 64;

/** ReceiptMaker builds receipts for one open {@link Log}. */
export class ReceiptMaker {
  /** nodes[level] maps a node index to the hash of perfect subtree (level, index). */
  private readonly nodes: Map<number, Hash>[] = [];
  private readonly checked = new Map<string, Checkpoint>();

  constructor(private readonly log: Log, private readonly origin: string) {}

  /**
   * receipt returns the tlog-proof for entry `index` against `signedCheckpoint` (which may carry
   * cosignatures): the 41-byte entry on the `extra` line, the inclusion path, the checkpoint.
   * Pass `entry` when known (it is what the log stored at `index`) to save reading its bundle.
   * @throws RunproofError MALFORMED_REQUEST if `index` is not below the checkpoint size;
   *   INCONSISTENT_LOG if the checkpoint is not one of this log's trees
   */
  receipt(index: number, signedCheckpoint: string, entry?: Uint8Array): string {
    const cp = this.checkpoint(signedCheckpoint);
    if (!Number.isSafeInteger(index) || index < 0 || index >= cp.size) {
      throw new RunproofError('MALFORMED_REQUEST', `index ${index} is not below checkpoint size ${cp.size}`);
    }
    const path = proveInclusion(index, cp.size, this.reader(cp.size));
    // c2sp.org/tlog-proof "Format", written here rather than with formatTlogProof, which re-parses
    // the checkpoint note on every call; this one was parsed and checked once in checkpoint().
    // The receipts tests pin the bytes to Log.receipt's (formatTlogProof's) output.
    let text = `${TLOG_PROOF_HEADER}\nextra ${toBase64(entry ?? this.entry(index, cp.size))}\nindex ${index}\n`;
    for (const h of path) text += toBase64(h) + '\n';
    return text + '\n' + signedCheckpoint;
  }

  /** checkpoint parses a signed checkpoint and, once per signed note, checks its root against the tree. */
  private checkpoint(signed: string): Checkpoint {
    const known = this.checked.get(signed);
    if (known !== undefined) return known;
    const cp = parseCheckpoint(parseNote(signed).text);
    if (cp.origin !== this.origin) throw new RunproofError('ORIGIN_MISMATCH', `checkpoint origin ${JSON.stringify(cp.origin)} is not this log's`);
    if (cp.size > this.log.size || !equalBytes(treeRoot(cp.size, this.reader(cp.size)), cp.root)) {
      throw new RunproofError('INCONSISTENT_LOG', `checkpoint of size ${cp.size} does not match this log's tree`, { evidence: { checkpoint: signed } });
    }
    if (this.checked.size >= CHECKPOINT_CACHE) this.checked.delete(this.checked.keys().next().value!);
    this.checked.set(signed, cp);
    return cp;
  }

  /** entry reads the 41-byte entry `index` from its bundle (uint16 length prefix, then the entry). */
  private entry(index: number, size: number): Uint8Array {
    const bundle = Math.floor(index / TILE_WIDTH);
    const width = bundle < Math.floor(size / TILE_WIDTH) ? TILE_WIDTH : size % TILE_WIDTH;
    const data = this.log.readEntries(bundle, width);
    const off = (index % TILE_WIDTH) * (2 + ENTRY_SIZE);
    if (data === undefined || data[off] !== 0 || data[off + 1] !== ENTRY_SIZE) throw new Error(`storage: entry ${index} is missing or not ${ENTRY_SIZE} bytes`);
    return data.slice(off + 2, off + 2 + ENTRY_SIZE);
  }

  /** reader is a tile reader for a tree of `size` leaves that remembers every subtree hash it computes. */
  private reader(size: number): HashReader {
    const tiles = tileReader(size, (t) => {
      const data = this.log.readTile(t);
      if (data === undefined) throw new Error(`storage: tile ${t.level}/${t.index}.p/${t.width} is missing at size ${size}`);
      return data;
    });
    return (ids: readonly NodeId[]) => {
      const out: Hash[] = new Array<Hash>(ids.length);
      const missing: NodeId[] = [];
      const slots: number[] = [];
      ids.forEach((id, k) => {
        const h = this.nodes[id.level]?.get(id.index);
        if (h !== undefined) out[k] = h;
        else {
          missing.push(id);
          slots.push(k);
        }
      });
      if (missing.length > 0) {
        const got = tiles(missing);
        got.forEach((h, j) => {
          out[slots[j]!] = h;
          const { level, index } = missing[j]!;
          const at = (this.nodes[level] ??= new Map<number, Hash>());
          if (at.size >= NODE_CACHE_PER_LEVEL) at.delete(at.keys().next().value!);
          at.set(index, h);
        });
      }
      return out;
    };
  }
}
