/**
 * Offline inclusion proofs — c2sp.org/tlog-proof ("Format"):
 *
 *     c2sp.org/tlog-proof@v1\n
 *     extra <base64 opaque data>\n          (optional; unauthenticated)
 *     index <decimal, no leading zeros>\n
 *     <base64 SHA-256 hash>\n ...           (inclusion path, leaf's sibling first; RFC 6962 §2.1.1)
 *     \n
 *     <the checkpoint, a signed note, verbatim>
 *
 * runproof always writes the `extra` line: it carries the 41-byte log entry (docs/specification.md
 * §7), which the verifier must re-derive and compare, never trust; a runproof receipt without it is
 * malformed (the receipt verifier refuses it). Parsing is strict: any malformation
 * throws MALFORMED_PROOF naming the line. Limits: at most {@link MAX_PROOF_PATH} path hashes
 * (a tree of at most 2^52 leaves needs at most 52), {@link MAX_PROOF_SIZE} bytes in total, and an
 * index below MAX_TREE_SIZE = 2^52.
 */
import { RunproofError } from '../errors.js';
import { fromBase64, toBase64 } from '../encoding/base64.js';
import { parseDecimal } from '../encoding/decimal.js';
import { decodeUtf8, utf8 } from '../encoding/utf8.js';
import { parseCheckpoint } from './checkpoint.js';
import type { Hash } from '../merkle/hash.js';
import { MAX_TREE_SIZE } from '../merkle/bits.js';
import { parseNote } from './note.js';

/** The fixed first line (tlog-proof "Format"). */
export const TLOG_PROOF_HEADER = 'c2sp.org/tlog-proof@v1';
/** Largest accepted inclusion path. */
export const MAX_PROOF_PATH = 64;
/** Largest accepted proof, in bytes. */
export const MAX_PROOF_SIZE = 1_000_000;

/** A parsed tlog-proof. `checkpoint` is the signed checkpoint note, verbatim. */
export interface TlogProof {
  extra?: Uint8Array;
  index: number;
  path: Hash[];
  checkpoint: string;
}

const malformed = (why: string, line?: number, cause?: unknown) =>
  new RunproofError('MALFORMED_PROOF', why, {
    ...(line === undefined ? {} : { path: `line ${line}` }),
    ...(cause === undefined ? {} : { cause }),
  });

/** Parses the signed checkpoint note at `line`, wrapping its errors as MALFORMED_PROOF. */
function checkCheckpoint(note: string, line: number): void {
  try {
    parseCheckpoint(parseNote(note).text);
  } catch (cause) {
    const where = cause instanceof RunproofError && cause.path !== undefined ? ` (checkpoint ${cause.path})` : '';
    throw malformed(`invalid checkpoint${where}: ${cause instanceof Error ? cause.message : String(cause)}`, line, cause);
  }
}

/**
 * formatTlogProof writes a proof in the c2sp.org/tlog-proof text format.
 * @throws RunproofError MALFORMED_PROOF if a field cannot be written
 */
export function formatTlogProof(p: TlogProof): string {
  if (!Number.isSafeInteger(p.index) || p.index < 0 || p.index >= MAX_TREE_SIZE) throw malformed(`index ${p.index} is not an integer in [0, ${MAX_TREE_SIZE})`);
  if (p.path.length > MAX_PROOF_PATH) throw malformed(`more than ${MAX_PROOF_PATH} path hashes`);
  for (const h of p.path) if (h.length !== 32) throw malformed('path hashes must be 32 bytes');
  let pathLines = '';
  for (const h of p.path) pathLines += toBase64(h) + '\n';
  const out = writeTlogProof(p.extra === undefined ? undefined : toBase64(p.extra), p.index, pathLines, p.checkpoint);
  checkCheckpoint(p.checkpoint, (p.extra === undefined ? 4 : 5) + p.path.length); // the line the checkpoint starts on
  if (utf8(out).length > MAX_PROOF_SIZE) throw malformed(`proof larger than ${MAX_PROOF_SIZE} bytes`);
  return out;
}

/**
 * writeTlogProof is the one writer of the c2sp.org/tlog-proof text, from parts already encoded
 * and checked by the caller: `extraBase64` (standard base64, or undefined for no extra line),
 * a non-negative safe-integer `index`, `pathLines` (each path hash in base64 followed by a
 * newline) and the signed checkpoint note, verbatim. It checks nothing: {@link formatTlogProof}
 * is the checked way in; a log that has parsed its checkpoint once and remembers path lines
 * (log-server/node-hashes.ts) calls this directly on its hot path.
 */
export function writeTlogProof(extraBase64: string | undefined, index: number, pathLines: string, checkpoint: string): string {
  const extra = extraBase64 === undefined ? '' : `extra ${extraBase64}\n`;
  return `${TLOG_PROOF_HEADER}\n${extra}index ${index}\n${pathLines}\n${checkpoint}`;
}

/**
 * parseTlogProof parses a proof strictly; the checkpoint must parse as a signed checkpoint
 * note (its signatures are not verified here).
 * @throws RunproofError MALFORMED_PROOF (path: the line number)
 */
export function parseTlogProof(input: string | Uint8Array): TlogProof {
  // A string's UTF-8 length is at least its UTF-16 length, so this bounds both forms.
  if (input.length > MAX_PROOF_SIZE) throw malformed(`proof larger than ${MAX_PROOF_SIZE} bytes`, 1);
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    try {
      text = decodeUtf8(input, 'proof');
    } catch (cause) {
      throw malformed('proof is not valid UTF-8', 1, cause);
    }
  }
  if (typeof input === 'string' && utf8(text).length > MAX_PROOF_SIZE) throw malformed(`proof larger than ${MAX_PROOF_SIZE} bytes`, 1);
  let pos = 0;
  let lineNo = 0;
  /** Returns the next line (without its newline); every line before the checkpoint must end in \n. */
  const next = (): string => {
    lineNo++;
    const nl = text.indexOf('\n', pos);
    if (nl < 0) throw malformed('unexpected end of proof', lineNo);
    const line = text.slice(pos, nl);
    pos = nl + 1;
    return line;
  };
  if (next() !== TLOG_PROOF_HEADER) throw malformed(`first line must be ${TLOG_PROOF_HEADER}`, lineNo);
  let line = next();
  let extra: Uint8Array | undefined;
  if (line.startsWith('extra ')) {
    try {
      extra = fromBase64(line.slice('extra '.length), undefined, 'extra');
    } catch (cause) {
      throw malformed('extra is not canonical base64', lineNo, cause);
    }
    line = next();
  }
  if (!line.startsWith('index ')) throw malformed('expected "index N"', lineNo);
  let index: number;
  try {
    index = parseDecimal(line.slice('index '.length), 'index', MAX_TREE_SIZE - 1);
  } catch (cause) {
    throw malformed('index is not a canonical decimal', lineNo, cause);
  }
  const path: Hash[] = [];
  for (line = next(); line !== ''; line = next()) {
    if (path.length === MAX_PROOF_PATH) throw malformed(`more than ${MAX_PROOF_PATH} path hashes`, lineNo);
    try {
      path.push(fromBase64(line, 32, 'path hash'));
    } catch (cause) {
      throw malformed('path line is not base64 of a 32-byte hash', lineNo, cause);
    }
  }
  const checkpoint = text.slice(pos);
  checkCheckpoint(checkpoint, lineNo + 1);
  return extra === undefined ? { index, path, checkpoint } : { extra, index, path, checkpoint };
}
