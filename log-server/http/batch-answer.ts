/**
 * The bytes of a `POST /v1/batch` answer, written directly: exactly the UTF-8 of
 * `JSON.stringify({ results })` (a test compares them), without building a ~1 MB JSON string.
 *
 * Why: a batch of 1,000 receipts is ≈ 1 MB of JSON, and every receipt ends with the signed
 * checkpoint, whose signature lines begin with "—" (U+2014). That one character makes the whole
 * JSON text a two-byte string, and encoding a 2 MB two-byte string to UTF-8 cost more than building
 * all the receipts' proofs (measured: `Buffer.from` was 9 % of the server's profile on the
 * identity-batch bench). Here everything but the checkpoint is ASCII and is written with
 * `latin1Write`, and each distinct checkpoint is escaped and encoded once per answer.
 */
import type { ErrorBody } from './errors.js';

/** One result of a batch: an accepted item (maybe without receipt) or an error. */
export type BatchResult =
  | { identity: string; index: number; timestamp: number; duplicate: boolean; receipt?: string; quorum?: { required: number; met: boolean } }
  | { error: ErrorBody };

/** The escaped receipt parts of one item, or the item's whole JSON text when it has no fast form. */
type Piece = { head: string; checkpoint: Buffer } | { json: Buffer };

/** Printable ASCII without `"` and `\`: written into JSON strings as they are. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
/** The same plus newlines (escaped as `\n`). */
const LINES = /^[\n\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * encodeBatchAnswer returns the UTF-8 bytes of `JSON.stringify({ results })`. `checkpointOf`
 * names, for an item with a receipt, the signed checkpoint text the receipt ends with (the
 * c2sp.org/tlog-proof text ends with its checkpoint note, verbatim); items whose receipt does not
 * end with it, and errors, are encoded by `JSON.stringify`.
 */
export function encodeBatchAnswer(results: readonly BatchResult[], checkpointOf: (k: number) => string | undefined): Buffer<ArrayBuffer> {
  const escaped = new Map<string, Buffer>();
  const pieces: Piece[] = new Array(results.length);
  let size = '{"results":[]}'.length + Math.max(0, results.length - 1);
  for (let k = 0; k < results.length; k++) {
    const r = results[k]!;
    const checkpoint = checkpointOf(k);
    const piece = 'error' in r || r.quorum !== undefined || !PLAIN.test(r.identity) ? undefined : fastPiece(r, checkpoint, escaped);
    const p: Piece = piece ?? { json: Buffer.from(JSON.stringify(r), 'utf8') };
    pieces[k] = p;
    size += 'json' in p ? p.json.length : p.head.length + p.checkpoint.length + (p.checkpoint.length > 0 ? 2 : 0);
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write('{"results":[', 0, 'latin1');
  for (let k = 0; k < pieces.length; k++) {
    if (k > 0) out[at++] = 0x2c; // ,
    const p = pieces[k]!;
    if ('json' in p) {
      at += p.json.copy(out, at);
      continue;
    }
    at += out.write(p.head, at, 'latin1');
    if (p.checkpoint.length > 0) {
      at += p.checkpoint.copy(out, at);
      out[at++] = 0x22; // "
      out[at++] = 0x7d; // }
    }
  }
  at += out.write(']}', at, 'latin1');
  if (at !== size) throw new Error(`batch answer: wrote ${at} bytes of ${size}`);
  return out;
}

/**
 * fastPiece writes an accepted item as ASCII up to its receipt's checkpoint (escaped in `head`),
 * and the checkpoint's escaped UTF-8 (shared); undefined when the receipt is not of that shape.
 */
function fastPiece(r: Exclude<BatchResult, { error: ErrorBody }>, checkpoint: string | undefined, escaped: Map<string, Buffer>): Piece | undefined {
  const fields = `{"identity":"${r.identity}","index":${r.index},"timestamp":${r.timestamp},"duplicate":${r.duplicate}`;
  if (r.receipt === undefined) return { head: `${fields}}`, checkpoint: EMPTY };
  if (checkpoint === undefined || !r.receipt.endsWith(checkpoint)) return undefined;
  // The receipt up to its checkpoint: header, extra, index and path lines — ASCII and newlines.
  const text = r.receipt.slice(0, r.receipt.length - checkpoint.length);
  if (!LINES.test(text)) return undefined;
  let cp = escaped.get(checkpoint);
  if (cp === undefined) {
    const json = JSON.stringify(checkpoint);
    escaped.set(checkpoint, (cp = Buffer.from(json.slice(1, -1), 'utf8')));
  }
  // An empty checkpoint cannot be a signed note; keep the shape check simple by refusing it.
  if (cp.length === 0) return undefined;
  return { head: `${fields},"receipt":"${text.replaceAll('\n', '\\n')}`, checkpoint: cp };
}

const EMPTY = Buffer.alloc(0);
