/**
 * Receipt vectors (docs/specification.md §11, §12): valid receipts under a log key and under a
 * witness policy, and one invalid variant per rule, each with the verdict or code §12 requires.
 */
import { toBase64 } from '../src/encoding/base64.js';
import { declarationIdentity } from '../src/declaration/identity.js';
import { leafHash, nodeHash, type Hash } from '../src/merkle/hash.js';
import { proveInclusion } from '../src/merkle/proof.js';
import { treeRoot, type NodeId } from '../src/merkle/tree.js';
import { formatCheckpoint } from '../src/note/checkpoint.js';
import { cosignCheckpoint } from '../src/note/cosignature.js';
import { encodeEntry } from '../src/note/entry.js';
import { formatNote, signNote, type NoteSignature } from '../src/note/note.js';
import type { Signer } from '../src/note/keys.js';
import type { Input } from './input.js';
import { receiptOutcome, type TrustInput } from './outcome.js';
import { expectAccepted, expectRefusal } from './expect.js';
import { IMPOSTOR, LOG, OTHER_LOG, OUTSIDER, W1, W2, W3, cosignAt, flipByte, nonCanonical, replaceSignature, signaturesOf, vkey } from './keys.js';
import { RECEIPT_POLICY } from './build-notes.js';

const T_MS = 1767225600000;
const T_S = 1767225600;

/** Declaration i of the vector log. */
const declarationText = (i: number) =>
  `{"schema":"run-declaration/v1","api":"generic","model":{"provider":"example","name":"run-${i}"},"parameters":{"seed":${i}},"context":{"messages":[{"role":"user","content":"question ${i}"}]}}`;

interface Receipt {
  extra?: string;
  index: string;
  path: string[];
  note: string;
}

/** receiptText writes a tlog-proof by hand (so malformed ones can be written too). */
function receiptText(r: Receipt): string {
  return ['c2sp.org/tlog-proof@v1', ...(r.extra === undefined ? [] : [`extra ${r.extra}`]), `index ${r.index}`, ...r.path, ''].join('\n') + '\n' + r.note;
}

/** A log of `n` declarations: entries, leaf hashes, and a reader for proofs. */
function logOf(n: number) {
  const entries = Array.from({ length: n }, (_, i) => encodeEntry({ type: 0x01, timestamp: T_MS + i * 1000, identity: declarationIdentity(declarationText(i)).digest }));
  const leaves = entries.map(leafHash);
  const node = (level: number, index: number): Hash => (level === 0 ? leaves[index]! : nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1)));
  const read = (ids: readonly NodeId[]) => ids.map((id) => node(id.level, id.index));
  return { entries, read, root: treeRoot(n, read) };
}

/** signedCheckpoint signs a checkpoint text with the log, then adds cosignatures. */
function signedCheckpoint(text: string, log: Signer, cosigs: NoteSignature[] = []): string {
  const logSigs = signaturesOf(signNote(text, [log]));
  return formatNote(text, [...logSigs, ...cosigs]);
}

/** buildReceiptVectors returns the receipt vector file's content. */
export function buildReceiptVectors() {
  const SIZE = 7;
  const log = logOf(SIZE);
  const cpText = formatCheckpoint({ origin: LOG.name, size: SIZE, root: log.root, extensions: [] });
  const c1 = cosignCheckpoint(cpText, T_S + 1, W1);
  const c2 = cosignCheckpoint(cpText, T_S + 2, W2);
  const cOut = cosignCheckpoint(cpText, T_S + 3, OUTSIDER);
  const note = signedCheckpoint(cpText, LOG);
  const cosigned = signedCheckpoint(cpText, LOG, [c1, c2]);
  const receiptOf = (index: number, n = note): Receipt => ({
    extra: toBase64(log.entries[index]!),
    index: String(index),
    path: proveInclusion(index, SIZE, log.read).map(toBase64),
    note: n,
  });
  const KEY: TrustInput = { vkey: vkey(LOG) };
  const POLICY: TrustInput = { policy: RECEIPT_POLICY };

  const vectors: object[] = [];
  type Case = { name: string; trust: TrustInput; receipt: Input; declaration?: Input; identity?: string };
  const ok = (c: Case) => vectors.push({ ...c, expect: expectAccepted(c.name, receiptOutcome(c)) });
  const bad = (c: Case, code: string) => vectors.push({ ...c, expect: expectRefusal(c.name, receiptOutcome(c), code, undefined) });
  const decl = (i: number): Input => ({ text: declarationText(i) });
  const text = (r: Receipt): Input => ({ text: receiptText(r) });
  const id3 = declarationIdentity(declarationText(3)).identity;

  // Valid receipts.
  for (let i = 0; i < SIZE; i++) ok({ name: `index ${i} of ${SIZE}, log key, declaration`, trust: KEY, receipt: text(receiptOf(i)), declaration: decl(i) });
  ok({ name: 'identity instead of the declaration', trust: KEY, receipt: text(receiptOf(3)), identity: id3 });
  ok({ name: 'declaration and identity together', trust: KEY, receipt: text(receiptOf(3)), declaration: decl(3), identity: id3 });
  ok({ name: 'policy: two of three witnesses cosigned', trust: POLICY, receipt: text(receiptOf(3, cosigned)), declaration: decl(3) });
  ok({ name: 'policy: an outsider cosignature is ignored', trust: POLICY, receipt: text(receiptOf(3, signedCheckpoint(cpText, LOG, [cOut, c1, c2]))), declaration: decl(3) });
  ok({ name: 'log key: cosignature lines are ignored', trust: KEY, receipt: text(receiptOf(3, cosigned)), declaration: decl(3) });
  ok({ name: 'policy with quorum none: log signature only', trust: { policy: `log ${vkey(LOG)}\nquorum none\n` }, receipt: text(receiptOf(2)), declaration: decl(2) });
  ok({ name: 'policy: the second of two logs with this origin signed', trust: { policy: `log ${vkey(IMPOSTOR)}\nlog ${vkey(LOG)}\nquorum none\n` }, receipt: text(receiptOf(2)), declaration: decl(2) });
  ok({ name: 'declaration in another spelling has the same identity', trust: KEY, receipt: text(receiptOf(1)), declaration: { text: ' ' + declarationText(1).replace('"seed":1', '"seed":1.0') } });
  const one = logOf(1);
  const oneText = formatCheckpoint({ origin: LOG.name, size: 1, root: one.root, extensions: ['an extension line'] });
  ok({ name: 'a one-entry log: no path, an extension line', trust: KEY, receipt: text({ extra: toBase64(one.entries[0]!), index: '0', path: [], note: signedCheckpoint(oneText, LOG) }), declaration: decl(0) });

  // Step 0: the trust root.
  bad({ name: 'log key of type 0x04', trust: { vkey: vkey(W1) }, receipt: text(receiptOf(3)), declaration: decl(3) }, 'MALFORMED_KEY');
  bad({ name: 'log key does not parse', trust: { vkey: vkey(LOG).slice(0, -2) }, receipt: text(receiptOf(3)), declaration: decl(3) }, 'MALFORMED_KEY');
  bad({ name: 'policy does not parse', trust: { policy: `log ${vkey(LOG)}\n` }, receipt: text(receiptOf(3)), declaration: decl(3) }, 'MALFORMED_POLICY');
  // Step 1: the receipt parses.
  const r3 = receiptOf(3);
  const { extra: _, ...noExtra } = r3;
  bad({ name: 'missing extra line', trust: KEY, receipt: text(noExtra), declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'extra is not canonical base64', trust: KEY, receipt: text({ ...r3, extra: nonCanonical(r3.extra!) }), declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'path hash is not canonical base64', trust: KEY, receipt: text({ ...r3, path: [nonCanonical(r3.path[0]!), ...r3.path.slice(1)] }), declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'path hash of 31 bytes', trust: KEY, receipt: text({ ...r3, path: [toBase64(new Uint8Array(31)), ...r3.path.slice(1)] }), declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: '65 path lines', trust: KEY, receipt: text({ ...r3, path: Array(65).fill(r3.path[0]!) }), declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'index with a leading zero', trust: KEY, receipt: text({ ...r3, index: '03' }), declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'index above the cap (2^52)', trust: KEY, receipt: text({ ...r3, index: '4503599627370496' }), declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'wrong first line', trust: KEY, receipt: { text: receiptText(r3).replace('tlog-proof@v1', 'tlog-proof@v2') }, declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'CRLF line ends', trust: KEY, receipt: { text: receiptText(r3).replace(/\n/g, '\r\n') }, declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'no blank line before the checkpoint', trust: KEY, receipt: { text: receiptText(r3).replace(`${r3.path.at(-1)}\n\n`, `${r3.path.at(-1)}\n`) }, declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'checkpoint without signatures', trust: KEY, receipt: text({ ...r3, note: cpText }), declaration: decl(3) }, 'MALFORMED_PROOF');
  const over = formatCheckpoint({ origin: LOG.name, size: 1, root: log.root, extensions: [] }).replace('\n1\n', '\n4503599627370497\n');
  bad({ name: 'tree size over the cap (2^52 + 1), signed', trust: KEY, receipt: text({ ...r3, note: signedCheckpoint(over, LOG) }), declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'larger than 1,000,000 bytes', trust: KEY, receipt: { build: [{ text: receiptText(r3) }, { repeat: 'x', times: 1_000_000 }] }, declaration: decl(3) }, 'MALFORMED_PROOF');
  bad({ name: 'not UTF-8', trust: KEY, receipt: { hex: Buffer.from(receiptText(r3).replace(LOG.name + '\n', LOG.name + '\u00ff\n'), 'latin1').toString('hex') }, declaration: decl(3) }, 'MALFORMED_PROOF');
  // Step 2: the expected identity.
  bad({ name: 'declaration is not strict JSON', trust: KEY, receipt: text(r3), declaration: { text: declarationText(3).replace('"seed":3', '"seed":3,"seed":3') } }, 'JSON_DUPLICATE_KEY');
  bad({ name: 'declaration fails the schema', trust: KEY, receipt: text(r3), declaration: { text: declarationText(3).replace('"generic"', '"other"') } }, 'DECLARATION_INVALID');
  bad({ name: 'identity text malformed', trust: KEY, receipt: text(r3), identity: id3.toUpperCase() }, 'IDENTITY_MALFORMED');
  bad({ name: 'declaration and identity disagree', trust: KEY, receipt: text(r3), declaration: decl(3), identity: declarationIdentity(declarationText(4)).identity }, 'ENTRY_MISMATCH');
  // Step 3: the entry.
  bad({ name: 'wrong leaf: the receipt is for another declaration', trust: KEY, receipt: text(receiptOf(4)), declaration: decl(3) }, 'ENTRY_MISMATCH');
  const entry3 = log.entries[3]!;
  const setByte = (at: number, v: number) => { const e = entry3.slice(); e[at] = v; return toBase64(e); };
  bad({ name: 'entry of 40 bytes', trust: KEY, receipt: text({ ...r3, extra: toBase64(entry3.slice(0, 40)) }), declaration: decl(3) }, 'MALFORMED_ENTRY');
  bad({ name: 'entry type 0x02', trust: KEY, receipt: text({ ...r3, extra: setByte(0, 2) }), declaration: decl(3) }, 'MALFORMED_ENTRY');
  bad({ name: 'entry time above 2^53 - 1', trust: KEY, receipt: text({ ...r3, extra: setByte(2, 0x20) }), declaration: decl(3) }, 'MALFORMED_ENTRY');
  // Step 5: the checkpoint.
  bad({ name: 'bad log signature', trust: KEY, receipt: text(receiptOf(3, replaceSignature(note, 0, (p) => flipByte(p, 5)))), declaration: decl(3) }, 'INVALID_SIGNATURE');
  bad({ name: 'signed by another key with the same origin (unknown key ID)', trust: KEY, receipt: text(receiptOf(3, signedCheckpoint(cpText, IMPOSTOR))), declaration: decl(3) }, 'NO_VERIFIED_SIGNATURE');
  bad({ name: 'origin is not the log key name', trust: { vkey: vkey(OTHER_LOG) }, receipt: text(r3), declaration: decl(3) }, 'ORIGIN_MISMATCH');
  bad({ name: 'policy lists no log for the origin (unknown key)', trust: { policy: `log ${vkey(OTHER_LOG)}\nquorum none\n` }, receipt: text(r3), declaration: decl(3) }, 'UNKNOWN_KEY');
  bad({ name: 'quorum not met: one of the two required cosignatures', trust: POLICY, receipt: text(receiptOf(3, signedCheckpoint(cpText, LOG, [c1, cOut]))), declaration: decl(3) }, 'QUORUM_NOT_MET');
  bad({ name: 'quorum not met: no cosignature', trust: POLICY, receipt: text(r3), declaration: decl(3) }, 'QUORUM_NOT_MET');
  bad({ name: 'quorum not met: a cosignature time above 2^53 - 1 does not count', trust: POLICY, receipt: text(receiptOf(3, signedCheckpoint(cpText, LOG, [c1, cosignAt(cpText, W2, 2n ** 53n)]))), declaration: decl(3) }, 'QUORUM_NOT_MET');
  bad({ name: 'a policy witness\'s cosignature does not verify', trust: POLICY, receipt: text(receiptOf(3, signedCheckpoint(cpText, LOG, [c1, { ...c2, signature: flipByte(c2.signature, 30) }]))), declaration: decl(3) }, 'INVALID_SIGNATURE');
  bad({ name: 'cosignature by W3 over another checkpoint', trust: POLICY, receipt: text(receiptOf(3, signedCheckpoint(cpText, LOG, [c1, cosignCheckpoint(cpText.replace('\n7\n', '\n8\n'), T_S, W3)]))), declaration: decl(3) }, 'INVALID_SIGNATURE');
  // Step 6: the inclusion proof.
  bad({ name: 'wrong index', trust: KEY, receipt: text({ ...r3, index: '2' }), declaration: decl(3) }, 'PROOF_FAILED');
  bad({ name: 'index = tree size', trust: KEY, receipt: text({ ...r3, index: String(SIZE) }), declaration: decl(3) }, 'PROOF_FAILED');
  bad({ name: 'short proof', trust: KEY, receipt: text({ ...r3, path: r3.path.slice(0, -1) }), declaration: decl(3) }, 'PROOF_FAILED');
  bad({ name: 'long proof', trust: KEY, receipt: text({ ...r3, path: [...r3.path, r3.path[0]!] }), declaration: decl(3) }, 'PROOF_FAILED');
  bad({ name: 'a path hash changed', trust: KEY, receipt: text({ ...r3, path: [toBase64(flipByte(Buffer.from(r3.path[0]!, 'base64'), 0)), ...r3.path.slice(1)] }), declaration: decl(3) }, 'PROOF_FAILED');
  const lying = formatCheckpoint({ origin: LOG.name, size: SIZE, root: new Uint8Array(32).fill(9), extensions: [] });
  bad({ name: 'a validly signed checkpoint whose root the entry is not in', trust: KEY, receipt: text(receiptOf(3, signedCheckpoint(lying, LOG))), declaration: decl(3) }, 'PROOF_FAILED');

  return {
    description: 'Receipt vectors: docs/specification.md §11 (format), §12 (verification). trust is {"vkey": <log verifier key>} or {"policy": <tlog-policy text>}; declaration (an input) and/or identity (text) say what the receipt must be for. expect is the verdict (identity, index, entry time in ms, checkpoint origin, tree size, root in base64, witnesses: policy name and cosignature time in ms) or the code.',
    policy_note: 'The two-of-three policy used by "trust": {"policy": …} cases lists the log and witnesses w1, w2, w3.',
    vectors,
  };
}
