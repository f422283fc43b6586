/**
 * Checkpoints — c2sp.org/tlog-checkpoint. The note text of a checkpoint is
 *
 *     <origin>\n
 *     <tree size, canonical decimal>\n
 *     <base64 of the 32-byte root hash>\n
 *     [<extension line>\n ...]      (optional, each non-empty)
 *
 * signed by the log (signed-note), and optionally cosigned by witnesses (tlog-cosignature).
 * Sizes are limited to MAX_TREE_SIZE = 2^52 (docs/specification.md §9.1; tlog-checkpoint allows
 * any uint64), so that every index and node position derived from a size is a safe integer.
 */
import { RunproofError, isRunproofError } from '../errors.js';
import { fromBase64, toBase64 } from '../encoding/base64.js';
import { parseDecimal } from '../encoding/decimal.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { cosignatureTimestamp } from './cosignature.js';
import { formatKeyId, type Verifier } from './keys.js';
import { openNote, parseNote } from './note.js';
import { SIG_COSIGNATURE_V1, SIG_ED25519 } from './key-types.js';
import type { Hash } from '../merkle/hash.js';
import { MAX_TREE_SIZE } from '../merkle/bits.js';


/** A parsed checkpoint (the note text, not its signatures). */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Hash;
  extensions: string[];
}

/** A verified cosignature on a checkpoint. */
export interface CheckpointCosignature {
  name: string;
  keyId: number;
  /** POSIX seconds, from the cosignature. */
  timestamp: number;
}

/** The result of {@link openCheckpoint}. */
export interface OpenedCheckpoint {
  checkpoint: Checkpoint;
  /** The checkpoint note text. */
  text: string;
  /** The whole signed note as received. */
  note: string;
  /** Verified cosignatures by the given cosigners, one per key. */
  cosignatures: CheckpointCosignature[];
}

const malformed = (why: string, path?: string) => new RunproofError('MALFORMED_CHECKPOINT', why, path === undefined ? {} : { path });

/**
 * formatCheckpoint writes the note text of a checkpoint (no extension lines unless given).
 * @throws RunproofError MALFORMED_CHECKPOINT if a field cannot be written
 */
export function formatCheckpoint(cp: Checkpoint): string {
  if (cp.origin.length === 0 || /[\u0000-\u001f]/.test(cp.origin)) throw malformed('origin must be a non-empty line');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0 || cp.size > MAX_TREE_SIZE) throw malformed(`size ${cp.size} is not an integer in [0, ${MAX_TREE_SIZE}]`);
  if (cp.root.length !== 32) throw malformed('root must be 32 bytes');
  for (const e of cp.extensions) if (e.length === 0 || /[\u0000-\u001f]/.test(e)) throw malformed('extension lines must be non-empty lines');
  return [cp.origin, String(cp.size), toBase64(cp.root), ...cp.extensions].map((l) => l + '\n').join('');
}

/**
 * parseCheckpoint parses checkpoint note text strictly (tlog-checkpoint "Note text").
 * @throws RunproofError MALFORMED_CHECKPOINT (path: the line number); UNSUPPORTED_SIZE for a
 *   canonical uint64 size above MAX_TREE_SIZE
 */
export function parseCheckpoint(text: string): Checkpoint {
  if (!text.endsWith('\n')) throw malformed('checkpoint text must end in a newline');
  if (/[\u0000-\u0009\u000b-\u001f]|\p{Cs}/u.test(text)) throw malformed('checkpoint text contains a control character');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw malformed('checkpoint needs origin, size and root lines');
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw malformed('empty origin', 'line 1');
  let size: number;
  // A canonical uint64 beyond the supported 2^52 is a well-formed size a log may sign (the spec
  // allows any uint64): a typed verdict of its own, not a malformed note.
  if (/^[1-9][0-9]{0,19}$/.test(sizeLine) && BigInt(sizeLine) > BigInt(MAX_TREE_SIZE) && BigInt(sizeLine) < 2n ** 64n) {
    throw new RunproofError('UNSUPPORTED_SIZE', `tree size ${sizeLine} is beyond the largest supported tree (${MAX_TREE_SIZE} entries)`, { path: 'line 2' });
  }
  try {
    size = parseDecimal(sizeLine, 'tree size', MAX_TREE_SIZE);
  } catch (cause) {
    throw new RunproofError('MALFORMED_CHECKPOINT', `tree size is not a canonical decimal at most ${MAX_TREE_SIZE}`, { path: 'line 2', cause });
  }
  let root: Hash;
  try {
    root = fromBase64(rootLine, 32, 'root hash');
  } catch (cause) {
    throw new RunproofError('MALFORMED_CHECKPOINT', 'root hash is not base64 of 32 bytes', { path: 'line 3', cause });
  }
  extensions.forEach((e, i) => {
    if (e.length === 0) throw malformed('empty extension line', `line ${4 + i}`);
  });
  return { origin, size, root, extensions };
}

/**
 * openCheckpoint verifies a signed checkpoint: the log's Ed25519 signature is required and the
 * log key's name must equal the origin; cosignatures by the given cosigners (type 0x04) are
 * verified and returned (except those whose timestamp is above 2^53−1, which are left out);
 * other signatures are ignored.
 * @throws RunproofError MALFORMED_NOTE / MALFORMED_CHECKPOINT;
 *   ORIGIN_MISMATCH; INVALID_SIGNATURE (any known key's signature fails);
 *   NO_VERIFIED_SIGNATURE (no valid log signature) — each with the note as evidence
 */
export function openCheckpoint(signedNote: string | Uint8Array, logVerifier: Verifier, cosigners: readonly Verifier[] = []): OpenedCheckpoint {
  if (logVerifier.type !== SIG_ED25519) throw new RunproofError('MALFORMED_KEY', `log key ${logVerifier.name} must be an Ed25519 (0x01) key`);
  for (const c of cosigners) {
    if (c.type !== SIG_COSIGNATURE_V1) throw new RunproofError('MALFORMED_KEY', `cosigner key ${c.name} must be a cosignature/v1 (0x04) key`);
  }
  const parsed = parseNote(signedNote);
  const note = typeof signedNote === 'string' ? signedNote : decodeUtf8(signedNote, 'note');
  const checkpoint = parseCheckpoint(parsed.text);
  if (checkpoint.origin !== logVerifier.name) {
    throw new RunproofError('ORIGIN_MISMATCH', `checkpoint origin ${JSON.stringify(checkpoint.origin)} is not the log key name ${JSON.stringify(logVerifier.name)}`, {
      evidence: { note },
    });
  }
  const opened = openNote(note, [logVerifier, ...cosigners]);
  const logSigned = opened.verified.some((s) => s.name === logVerifier.name && s.keyId === logVerifier.keyId);
  if (!logSigned) {
    throw new RunproofError('NO_VERIFIED_SIGNATURE', `checkpoint is not signed by the log key ${logVerifier.name}+${formatKeyId(logVerifier.keyId)}`, {
      evidence: { note },
    });
  }
  const cosignatures: CheckpointCosignature[] = [];
  for (const s of opened.verified) {
    if (!cosigners.some((c) => c.name === s.name && c.keyId === s.keyId)) continue;
    if (s.name === logVerifier.name && s.keyId === logVerifier.keyId) continue;
    // A valid cosignature may carry any timestamp up to 2^63−1 (tlog-cosignature); one above
    // 2^53−1 cannot be represented here, so it is left out (it does not count towards a quorum)
    // rather than failing the whole checkpoint: one lying witness must not be able to make every
    // receipt carrying its cosignature unverifiable.
    let timestamp: number;
    try {
      timestamp = cosignatureTimestamp(s.signature);
    } catch (e) {
      if (isRunproofError(e, 'MALFORMED_COSIGNATURE')) continue;
      throw e;
    }
    cosignatures.push({ name: s.name, keyId: s.keyId, timestamp });
  }
  return { checkpoint, text: opened.text, note, cosignatures };
}
