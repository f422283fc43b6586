/**
 * The add-checkpoint request body of c2sp.org/tlog-witness ("add-checkpoint"):
 *
 *     old <size>\n                  canonical decimal ("0" for zero)
 *     <base64 hash>\n               0 to 63 consistency proof lines
 *     \n
 *     <signed checkpoint note>
 *
 * It is split at the FIRST blank line (the note has its own blank line before its signatures).
 */
import { RunproofError } from '../src/errors.js';
import { fromBase64, toBase64 } from '../src/encoding/base64.js';
import { parseDecimal } from '../src/encoding/decimal.js';
import type { Hash } from '../src/merkle/hash.js';

/** tlog-witness: "The client MUST NOT send more than 63 consistency proof lines." */
export const MAX_PROOF_LINES = 63;

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

/** formatAddCheckpoint writes an add-checkpoint body (the inverse of {@link parseAddCheckpoint}). */
export function formatAddCheckpoint(req: AddCheckpointRequest): string {
  return `old ${req.oldSize}\n${req.proof.map((h) => toBase64(h) + '\n').join('')}\n${req.note}`;
}
