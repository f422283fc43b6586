/**
 * The wire format of c2sp.org/tlog-witness, written by the log (log-server/witness-client.ts)
 * and read by the witness (witness/), and the other way round for the size answer.
 *
 * The add-checkpoint request body:
 *
 *     old <size>\n                  canonical decimal ("0" for zero)
 *     <base64 hash>\n               0 to 63 consistency proof lines
 *     \n
 *     <signed checkpoint note>
 *
 * It is split at the FIRST blank line (the note has its own blank line before its signatures).
 * A witness that has cosigned a different size answers 409 with `Content-Type: text/x.tlog.size`
 * and the body `<size>\n`.
 */
import { RunproofError } from '../errors.js';
import { fromBase64, toBase64 } from '../encoding/base64.js';
import { parseDecimal } from '../encoding/decimal.js';
import type { Hash } from '../merkle/hash.js';

/** tlog-witness: "The client MUST NOT send more than 63 consistency proof lines." */
export const MAX_PROOF_LINES = 63;

/** The media type of the 409 answer that tells the witness's latest cosigned size. */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

/** A parsed add-checkpoint request. */
export interface AddCheckpointRequest {
  oldSize: number;
  proof: Hash[];
  /** The signed checkpoint note, unparsed. */
  note: string;
}

const bad = (why: string, path?: string) => new RunproofError('MALFORMED_REQUEST', why, path === undefined ? {} : { path });

/**
 * parseAddCheckpoint parses an add-checkpoint body strictly.
 * @throws RunproofError MALFORMED_REQUEST (path: the line)
 */
export function parseAddCheckpoint(body: string): AddCheckpointRequest {
  const split = body.indexOf('\n\n');
  if (split < 0) throw bad('no empty line before the checkpoint');
  const lines = body.slice(0, split).split('\n');
  if (lines.length > 1 + MAX_PROOF_LINES) throw bad(`more than ${MAX_PROOF_LINES} consistency proof lines`);
  const first = lines[0]!;
  if (!first.startsWith('old ')) throw bad('first line must be "old <size>"', 'line 1');
  let oldSize: number;
  try {
    oldSize = parseDecimal(first.slice(4), 'old size');
  } catch (cause) {
    throw new RunproofError('MALFORMED_REQUEST', 'old size is not a canonical decimal', { path: 'line 1', cause });
  }
  const proof = lines.slice(1).map((line, i) => {
    try {
      return fromBase64(line, 32, 'proof hash');
    } catch (cause) {
      throw new RunproofError('MALFORMED_REQUEST', 'consistency proof line is not base64 of 32 bytes', { path: `line ${i + 2}`, cause });
    }
  });
  return { oldSize, proof, note: body.slice(split + 2) };
}

/**
 * formatAddCheckpoint writes an add-checkpoint body (the inverse of {@link parseAddCheckpoint}).
 * A proof of more than {@link MAX_PROOF_LINES} hashes is a bug in the caller: it throws.
 */
export function formatAddCheckpoint(req: AddCheckpointRequest): string {
  if (req.proof.length > MAX_PROOF_LINES) throw new Error(`consistency proof has ${req.proof.length} lines`);
  return `old ${req.oldSize}\n${req.proof.map((h) => toBase64(h) + '\n').join('')}\n${req.note}`;
}

/** formatSizeAnswer writes the body of the 409 answer: the size in decimal and a newline. */
export function formatSizeAnswer(size: number): string {
  return `${size}\n`;
}

/**
 * parseSizeAnswer reads the body of a 409 answer ("the tree size of the latest cosigned
 * checkpoint in decimal, followed by a newline").
 * @throws RunproofError MALFORMED_REQUEST without the newline; MALFORMED_* from parseDecimal
 */
export function parseSizeAnswer(text: string): number {
  if (!text.endsWith('\n')) throw new RunproofError('MALFORMED_REQUEST', 'size response does not end in a newline');
  return parseDecimal(text.slice(0, -1), 'witness size');
}
