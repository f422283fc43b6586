/**
 * The bytes of a `POST /v1/batch` answer, written directly: exactly the UTF-8 of
 * `JSON.stringify({ results })` (a test compares them), without building a ~1 MB JSON string;
 * and, the same way, the bytes of one accepted submission's answer (`JSON.stringify(result)`),
 * which the single-declaration fast path sends (../http/fast-submit.ts).
 *
 * Why: a batch of 1,000 receipts is ≈ 1 MB of JSON, and every receipt ends with the signed
 * checkpoint, whose signature lines begin with "—" (U+2014). That one character makes the whole
 * JSON text a two-byte string, and encoding a 2 MB two-byte string to UTF-8 cost more than building
 * all the receipts' proofs (measured: `Buffer.from` was 9 % of the server's profile on the
 * identity-batch bench). Here everything but the checkpoint is ASCII and is written with
 * `latin1Write`, and each distinct checkpoint is escaped and encoded once per answer.
 */
import { TLOG_PROOF_HEADER } from '../../src/note/tlog-proof.js';
import { receiptText, type ReceiptParts } from '../receipts.js';
import type { ErrorBody } from './errors.js';

/** One result of a batch: an accepted item (maybe without receipt) or an error. */
export type BatchResult =
  | { identity: string; index: number; timestamp: number; duplicate: boolean; receipt?: string | ReceiptParts; quorum?: { required: number; met: boolean } }
  | { error: ErrorBody };

/** jsonOf is the JSON text of one result, its receipt parts (if any) as their text. */
function jsonOf(r: BatchResult): string {
  if ('error' in r || typeof r.receipt !== 'object') return JSON.stringify(r);
  return JSON.stringify({ ...r, receipt: receiptText(r.receipt) });
}

/** An item written directly (ASCII head, then its escaped checkpoint and `"}`), or its JSON text. */
type Piece = { head: string; checkpoint: Buffer | undefined } | { json: Buffer };

/** Printable ASCII without `"` and `\`: written into JSON strings as they are. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * encodeBatchAnswer returns the UTF-8 bytes of `JSON.stringify({ results })`, a receipt given
 * in parts standing for its text ({@link receiptText}). Accepted items with receipt parts or
 * without a receipt are written directly; errors, quorum answers and receipts given as text go
 * through `JSON.stringify`.
 */
export function encodeBatchAnswer(results: readonly BatchResult[]): Buffer<ArrayBuffer> {
  const escaped = new Map<string, Buffer>();
  const pieces: Piece[] = new Array(results.length);
  let size = '{"results":[]}'.length + Math.max(0, results.length - 1);
  for (let k = 0; k < results.length; k++) {
    const r = results[k]!;
    const piece = 'error' in r || r.quorum !== undefined || typeof r.receipt === 'string' || !PLAIN.test(r.identity) ? undefined : fastPiece(r, escaped);
    const p: Piece = piece ?? { json: Buffer.from(jsonOf(r), 'utf8') };
    pieces[k] = p;
    size += 'json' in p ? p.json.length : p.head.length + (p.checkpoint === undefined ? 0 : p.checkpoint.length + 2);
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
    if (p.checkpoint !== undefined) {
      at += p.checkpoint.copy(out, at);
      out[at++] = 0x22; // "
      out[at++] = 0x7d; // }
    }
  }
  at += out.write(']}', at, 'latin1');
  if (at !== size) throw new Error(`batch answer: wrote ${at} bytes of ${size}`);
  return out;
}

/** An accepted submission whose receipt is still in parts (ReceiptParts stand for its text). */
export type AcceptedResult = Extract<BatchResult, { identity: string }> & { receipt: ReceiptParts };

/** Escaped checkpoints kept between single answers: the submissions of one batch share one. */
const KEPT_CHECKPOINTS = 16;

/**
 * encodeSubmitAnswer returns the UTF-8 bytes of `JSON.stringify(result)`, its receipt parts
 * standing for their text ({@link receiptText}). `checkpoints` keeps each checkpoint's escaped
 * UTF-8 from one answer to the next (a few at most: it is emptied when full).
 *
 * Why: every receipt ends with the signed checkpoint, whose "—" (U+2014) makes the JSON text of
 * a ~1.3 KB answer a two-byte string, built and then encoded to UTF-8 once per declaration —
 * measured: `JSON.stringify` of the answer and the socket write's encoding were ≈ 30 % of the
 * server's allocations per single declaration.
 */
export function encodeSubmitAnswer(result: AcceptedResult, checkpoints: Map<string, Buffer>): Buffer {
  if (result.quorum !== undefined || !PLAIN.test(result.identity)) return Buffer.from(jsonOf(result), 'utf8');
  if (checkpoints.size >= KEPT_CHECKPOINTS && !checkpoints.has(result.receipt.checkpoint)) checkpoints.clear();
  const p = fastPiece(result, checkpoints) as { head: string; checkpoint: Buffer };
  const out = Buffer.allocUnsafe(p.head.length + p.checkpoint.length + 2);
  let at = out.write(p.head, 0, 'latin1');
  at += p.checkpoint.copy(out, at);
  out[at++] = 0x22; // "
  out[at++] = 0x7d; // }
  return out;
}

/**
 * fastPiece writes an accepted item as ASCII up to its receipt's checkpoint (`head`, with the
 * newlines escaped), and the checkpoint's escaped UTF-8, shared by the items that end with it.
 */
function fastPiece(r: Extract<BatchResult, { identity: string }>, escaped: Map<string, Buffer>): Piece {
  const fields = `{"identity":"${r.identity}","index":${r.index},"timestamp":${r.timestamp},"duplicate":${r.duplicate}`;
  const parts = r.receipt;
  if (parts === undefined || typeof parts === 'string') return { head: `${fields}}`, checkpoint: undefined };
  // Base64 texts and a decimal index: nothing to escape but the newlines written here.
  let head = `${fields},"receipt":"${TLOG_PROOF_HEADER}\\nextra ${parts.extra}\\nindex ${parts.index}\\n`;
  for (let i = parts.path.length - 1; i >= 0; i--) head += `${parts.path[i]}\\n`;
  return { head: `${head}\\n`, checkpoint: escapedCheckpoint(parts.checkpoint, escaped) };
}

/** escapedCheckpoint is a checkpoint's text as it stands inside a JSON string, in UTF-8, once per answer. */
function escapedCheckpoint(checkpoint: string, escaped: Map<string, Buffer>): Buffer {
  let cp = escaped.get(checkpoint);
  if (cp === undefined) {
    const json = JSON.stringify(checkpoint);
    escaped.set(checkpoint, (cp = Buffer.from(json.slice(1, -1), 'utf8')));
  }
  return cp;
}

