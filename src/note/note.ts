/**
 * Signed notes — c2sp.org/signed-note ("Format", "Signatures").
 *
 *     <text: one or more lines, each ending in \n>
 *     \n
 *     — <key name> <base64(key ID (4, big-endian) ‖ signature)>\n   (one or more)
 *
 * Parsing is strict: valid UTF-8, no control characters but newline, the text ends at the
 * LAST blank line, every signature line starts with "— " (U+2014 U+0020), names are valid
 * key names, base64 is canonical, payloads are at least 5 bytes. Limits: a note is at most
 * {@link MAX_NOTE_SIZE} bytes and has at most {@link MAX_SIGNATURES} signature lines (the spec
 * requires accepting at least 16). Exact duplicate signature lines are dropped.
 */
import { RunproofError } from '../errors.js';
import { fromBase64, toBase64 } from '../encoding/base64.js';
import { concatBytes, decodeUtf8, equalBytes, utf8 } from '../encoding/utf8.js';
import { SIG_ED25519, type NoteSignature } from './key-types.js';
import { formatKeyId, isValidKeyName, type Signer, type Verifier } from './keys.js';

/** Largest accepted signed note, in bytes. */
export const MAX_NOTE_SIZE = 1_000_000;
/** Largest accepted number of signature lines in a note (as Go's sumdb/note). */
export const MAX_SIGNATURES = 100;

export type { NoteSignature };

/** A parsed, not yet verified, signed note. */
export interface ParsedNote {
  text: string;
  signatures: NoteSignature[];
}

/** The result of {@link openNote}. */
export interface OpenedNote {
  /** The note text (verified by at least one known key). */
  text: string;
  /** Signatures by known keys, all verified (one per key). */
  verified: NoteSignature[];
  /** Signatures by keys not among the verifiers (ignored, as the spec requires). */
  unverified: NoteSignature[];
}

const SIG_PREFIX = '\u2014 ';

const malformed = (why: string, path?: string) => new RunproofError('MALFORMED_NOTE', why, path === undefined ? {} : { path });

/** Rejects control characters other than newline (signed-note "Format") and lone surrogates. */
function checkText(s: string, what: string): void {
  const bad = /[\u0000-\u0009\u000b-\u001f]|\p{Cs}/u.exec(s);
  if (bad !== null) throw malformed(`${what}: forbidden character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} at offset ${bad.index}`);
}

/** Checks a note text: non-empty, ends in newline, no forbidden characters. */
function checkNoteText(text: string): void {
  if (!text.endsWith('\n')) throw malformed('note text must end in a newline');
  checkText(text, 'note text');
}

function sameSignature(a: NoteSignature, b: NoteSignature): boolean {
  return a.name === b.name && a.keyId === b.keyId && equalBytes(a.signature, b.signature);
}

/** Returns the note as a string, enforcing the size limit, UTF-8 validity and allowed characters. */
function noteString(msg: string | Uint8Array): string {
  if (typeof msg === 'string') {
    if (msg.length > MAX_NOTE_SIZE) throw malformed(`note larger than ${MAX_NOTE_SIZE} bytes`);
    checkText(msg, 'note');
    if (utf8(msg).length > MAX_NOTE_SIZE) throw malformed(`note larger than ${MAX_NOTE_SIZE} bytes`);
    return msg;
  }
  if (msg.length > MAX_NOTE_SIZE) throw malformed(`note larger than ${MAX_NOTE_SIZE} bytes`);
  let s: string;
  try {
    s = decodeUtf8(msg, 'note');
  } catch (cause) {
    throw new RunproofError('MALFORMED_NOTE', 'note is not valid UTF-8', { cause });
  }
  checkText(s, 'note');
  return s;
}

/**
 * parseNote splits a signed note into its text and signature lines without verifying anything.
 * @throws RunproofError MALFORMED_NOTE
 */
export function parseNote(msg: string | Uint8Array): ParsedNote {
  const s = noteString(msg);
  const split = s.lastIndexOf('\n\n');
  if (split < 0) throw malformed('no blank line before the signatures');
  const text = s.slice(0, split + 1);
  const block = s.slice(split + 2);
  if (block.length === 0 || !block.endsWith('\n')) throw malformed('signature block must be non-empty and end in a newline');
  const textLines = text.split('\n').length - 1;
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) throw malformed(`more than ${MAX_SIGNATURES} signatures`);
  const signatures: NoteSignature[] = [];
  lines.forEach((line, i) => {
    const path = `line ${textLines + 2 + i}`;
    if (!line.startsWith(SIG_PREFIX)) throw malformed('signature line must start with "— "', path);
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    if (sp < 0) throw malformed('signature line has no space after the key name', path);
    const name = rest.slice(0, sp);
    const b64 = rest.slice(sp + 1);
    if (!isValidKeyName(name)) throw malformed('invalid key name', path);
    let payload: Uint8Array;
    try {
      payload = fromBase64(b64, undefined, 'signature');
    } catch (cause) {
      throw new RunproofError('MALFORMED_NOTE', 'signature is not canonical base64', { path, cause });
    }
    if (payload.length < 5) throw malformed('signature shorter than 5 bytes', path);
    const sig: NoteSignature = {
      name,
      keyId: payload[0]! * 2 ** 24 + payload[1]! * 2 ** 16 + payload[2]! * 2 ** 8 + payload[3]!,
      signature: payload.slice(4),
    };
    if (!signatures.some((o) => sameSignature(o, sig))) signatures.push(sig);
  });
  return { text, signatures };
}

/** Formats one signature line (with its newline). */
function signatureLine(sig: NoteSignature): string {
  if (!isValidKeyName(sig.name)) throw malformed(`invalid key name ${JSON.stringify(sig.name)}`);
  if (!Number.isInteger(sig.keyId) || sig.keyId < 0 || sig.keyId > 0xffffffff) throw new Error(`formatNote: bad key ID ${sig.keyId}`);
  if (sig.signature.length === 0) throw malformed(`empty signature by ${sig.name}`);
  const id = Uint8Array.of(Math.floor(sig.keyId / 2 ** 24), Math.floor(sig.keyId / 2 ** 16) % 256, Math.floor(sig.keyId / 2 ** 8) % 256, sig.keyId % 256);
  return `${SIG_PREFIX}${sig.name} ${toBase64(concatBytes(id, sig.signature))}\n`;
}

/**
 * formatNote writes a signed note from its text and signatures (in the given order).
 * @throws RunproofError MALFORMED_NOTE if the text or a key name is invalid
 */
export function formatNote(text: string, signatures: readonly NoteSignature[]): string {
  checkNoteText(text);
  if (signatures.length === 0) throw malformed('a signed note needs at least one signature');
  return text + '\n' + signatures.map(signatureLine).join('');
}

/**
 * signNote signs `text` with each Ed25519 (0x01) signer and returns the signed note: the
 * `existing` signatures first (minus any by the same name and key ID as a new signer), then
 * the new ones, as Go's `note.Sign`. Use `cosignCheckpoint` for 0x04 keys.
 */
export function signNote(text: string, signers: readonly Signer[], existing: readonly NoteSignature[] = []): string {
  checkNoteText(text);
  const bytes = utf8(text);
  const fresh = signers.map((s): NoteSignature => {
    if (s.type !== SIG_ED25519) throw new Error(`signNote: ${s.name} is not an Ed25519 note key; cosign with cosignCheckpoint`);
    return { name: s.name, keyId: s.keyId, signature: s.sign(bytes) };
  });
  const kept = existing.filter((e) => !signers.some((s) => s.name === e.name && s.keyId === e.keyId));
  return formatNote(text, [...kept, ...fresh]);
}

const lookupKey = (name: string, id: number) => `${name}\n${id}`;

/**
 * openNote parses a signed note and verifies the signatures of known keys (matched by name AND
 * key ID; all others are ignored, signed-note "Signatures").
 * @throws RunproofError MALFORMED_NOTE; INVALID_SIGNATURE if a known key's signature fails
 *   (evidence: the note); NO_VERIFIED_SIGNATURE if no known key signed it (evidence: the note)
 */
export function openNote(msg: string | Uint8Array, verifiers: readonly Verifier[]): OpenedNote {
  const note = typeof msg === 'string' ? msg : noteString(msg);
  const parsed = parseNote(note);
  const known = new Map<string, Verifier>();
  for (const v of verifiers) {
    const k = lookupKey(v.name, v.keyId);
    const prev = known.get(k);
    if (prev !== undefined && (prev.type !== v.type || !equalBytes(prev.publicKey, v.publicKey))) {
      throw new RunproofError('MALFORMED_KEY', `two different keys named ${v.name} with key ID ${formatKeyId(v.keyId)}`);
    }
    known.set(k, v);
  }
  const textBytes = utf8(parsed.text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  for (const sig of parsed.signatures) {
    const v = known.get(lookupKey(sig.name, sig.keyId));
    if (v === undefined) {
      unverified.push(sig);
      continue;
    }
    if (!v.verify(textBytes, sig.signature)) {
      throw new RunproofError('INVALID_SIGNATURE', `signature by ${sig.name}+${formatKeyId(sig.keyId)} does not verify`, {
        evidence: { note, name: sig.name, keyId: formatKeyId(sig.keyId) },
      });
    }
    if (!verified.some((o) => o.name === sig.name && o.keyId === sig.keyId)) verified.push(sig);
  }
  if (verified.length === 0) {
    throw new RunproofError('NO_VERIFIED_SIGNATURE', 'no signature by a known key', {
      evidence: { note, text: parsed.text, signers: parsed.signatures.map((s) => `${s.name}+${formatKeyId(s.keyId)}`) },
    });
  }
  return { text: parsed.text, verified, unverified };
}
