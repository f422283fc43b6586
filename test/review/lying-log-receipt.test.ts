/**
 * Review: a lying log crafting receipts. Each mutation of a valid receipt must fail with the
 * code of the step that catches it; none may verify.
 */
import { describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/encoding/base64.js';
import { leafHash, nodeHash } from '../../src/merkle/hash.js';
import { proveInclusion } from '../../src/merkle/proof.js';
import { treeRoot, type HashReader } from '../../src/merkle/tree.js';
import { encodeEntry, ENTRY_TYPE_RUN_DECLARED } from '../../src/note/entry.js';
import { formatCheckpoint } from '../../src/note/checkpoint.js';
import { cosignCheckpoint } from '../../src/note/cosignature.js';
import { verifierKey } from '../../src/note/keys.js';
import { formatNote, parseNote, signNote } from '../../src/note/note.js';
import { parsePolicy } from '../../src/note/policy.js';
import { formatTlogProof } from '../../src/note/tlog-proof.js';
import { formatIdentity } from '../../src/declaration/identity.js';
import { verifyReceipt, type ReceiptTrust } from '../../src/receipt/verify.js';
import { codeOf, logSigner, witnessSigner } from '../note/helpers.js';

const log = logSigner('example.com/log');
const otherLog = logSigner('example.com/other');
const w1 = witnessSigner('witness.example/one');
const w2 = witnessSigner('witness.example/two');

const ids = [1, 2, 3, 4, 5].map((k) => new Uint8Array(32).fill(k));
const entries = ids.map((identity, i) => encodeEntry({ type: ENTRY_TYPE_RUN_DECLARED, timestamp: 1_700_000_000_000 + i, identity }));
const leaves = entries.map((e) => leafHash(e));
const node = (level: number, index: number): Uint8Array =>
  level === 0 ? leaves[index]! : nodeHash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1));
const read: HashReader = (nodes) => nodes.map((n) => node(n.level, n.index));
const size = 5;
const root = treeRoot(size, read);
const text = formatCheckpoint({ origin: log.name, size, root, extensions: [] });
const logSig = parseNote(signNote(text, [log])).signatures[0]!;
const c1 = cosignCheckpoint(text, 1_700_000_000, w1);
const note = formatNote(text, [logSig, c1]);

const policyText = [`log ${verifierKey(log)}`, `witness one ${verifierKey(w1)}`, `witness two ${verifierKey(w2)}`, 'group both all one two', 'quorum both', ''].join('\n');
const policy: ReceiptTrust = { policy: parsePolicy(policyText) };
const vkey: ReceiptTrust = { vkey: verifierKey(log) };

const receiptFor = (index: number, over: Partial<{ extra: Uint8Array; index: number; path: Uint8Array[]; checkpoint: string }> = {}) =>
  formatTlogProof({ extra: entries[index]!, index, path: proveInclusion(index, size, read), checkpoint: note, ...over });
const verify = (receipt: string | Uint8Array, identity: Uint8Array, trust: ReceiptTrust = vkey) => codeOf(() => verifyReceipt({ receipt, identity: formatIdentity(identity), trust }));

describe('receipts from a lying log', () => {
  it('the honest receipt verifies (so each failure below is the mutation)', () => {
    for (let i = 0; i < size; i++) expect(verify(receiptFor(i), ids[i]!)).toBe('OK');
  });

  it('a receipt for identity X whose extra carries Y', () => {
    expect(verify(receiptFor(1), ids[2]!)).toBe('ENTRY_MISMATCH');
  });

  it('an entry proven at another index, or an index at or beyond the size', () => {
    expect(verify(receiptFor(1, { index: 2 }), ids[1]!)).toBe('PROOF_FAILED');
    expect(verify(receiptFor(4, { index: 5 }), ids[4]!)).toBe('PROOF_FAILED');
    // Well-formed indexes at or beyond the size: the largest one the specification allows
    // (below the 2^52 tree size cap) fails the proof; 2^53 − 1 is over the cap, so the receipt
    // is malformed before any proof is tried (docs/specification.md §9.1, §11).
    expect(verify(receiptFor(4, { index: 2 ** 52 - 1 }), ids[4]!)).toBe('PROOF_FAILED');
    expect(verify(receiptFor(4).replace('index 4\n', `index ${2 ** 53 - 1}\n`), ids[4]!)).toBe('MALFORMED_PROOF');
  });

  it('sizes and indexes beyond 2^53, or not canonical decimals', () => {
    const r = receiptFor(0);
    expect(verify(r.replace('index 0\n', 'index 9007199254740993\n'), ids[0]!)).toBe('MALFORMED_PROOF');
    expect(verify(r.replace('index 0\n', 'index 00\n'), ids[0]!)).toBe('MALFORMED_PROOF');
    expect(verify(r.replace('index 0\n', 'index +0\n'), ids[0]!)).toBe('MALFORMED_PROOF');
    expect(verify(r.replace(`${log.name}\n5\n`, `${log.name}\n9007199254740993\n`), ids[0]!)).toBe('MALFORMED_PROOF');
    expect(verify(r.replace(`${log.name}\n5\n`, `${log.name}\n05\n`), ids[0]!)).toBe('MALFORMED_PROOF');
  });

  it('trailing data, CRLF, an extra of the wrong length, non-canonical base64', () => {
    const r = receiptFor(0);
    expect(verify(r + 'x\n', ids[0]!)).toBe('MALFORMED_PROOF');
    expect(verify(r + '\n', ids[0]!)).toBe('MALFORMED_PROOF');
    expect(verify(r.replace(/\n/g, '\r\n'), ids[0]!)).toBe('MALFORMED_PROOF');
    expect(verify(receiptFor(0, { extra: new Uint8Array([...entries[0]!, 0]) }), ids[0]!)).toBe('MALFORMED_ENTRY');
    // A root whose last base64 character hides non-zero bits under the padding.
    const b64 = toBase64(root);
    const last = b64[b64.length - 2]!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const tweaked = b64.slice(0, -2) + alphabet[alphabet.indexOf(last) + 1]! + '=';
    expect(verify(r.replace(b64 + '\n', tweaked + '\n'), ids[0]!)).toBe('MALFORMED_PROOF');
  });

  it('a checkpoint signed by the right key but for another origin, or by another log', () => {
    const otherText = formatCheckpoint({ origin: otherLog.name, size, root, extensions: [] });
    const wrongOrigin = formatNote(otherText, [parseNote(signNote(otherText, [log])).signatures[0]!]);
    expect(verify(receiptFor(0, { checkpoint: wrongOrigin }), ids[0]!)).toBe('ORIGIN_MISMATCH');
    expect(verify(receiptFor(0, { checkpoint: wrongOrigin }), ids[0]!, policy)).toBe('UNKNOWN_KEY');
    const byOther = signNote(text, [otherLog]);
    expect(verify(receiptFor(0, { checkpoint: byOther }), ids[0]!)).toBe('NO_VERIFIED_SIGNATURE');
  });

  it('duplicate or re-timed cosignature lines by one witness do not count twice towards a quorum', () => {
    const again = cosignCheckpoint(text, 1_700_000_001, w1);
    const twice = formatNote(text, [logSig, c1, again, { ...c1 }]);
    expect(verify(receiptFor(0, { checkpoint: twice }), ids[0]!, policy)).toBe('QUORUM_NOT_MET');
    // A line under witness two's name and key ID but signed by witness one's key.
    const forged = { name: w2.name, keyId: w2.keyId, signature: c1.signature };
    expect(verify(receiptFor(0, { checkpoint: formatNote(text, [logSig, c1, forged]) }), ids[0]!, policy)).toBe('INVALID_SIGNATURE');
    // Witness two's real cosignature completes the quorum.
    const both = formatNote(text, [logSig, c1, cosignCheckpoint(text, 1_700_000_000, w2)]);
    expect(verify(receiptFor(0, { checkpoint: both }), ids[0]!, policy)).toBe('OK');
  });

  it('a cosignature over another checkpoint text does not count', () => {
    const otherText = formatCheckpoint({ origin: log.name, size, root, extensions: ['ext'] });
    const moved = { ...cosignCheckpoint(otherText, 1_700_000_000, w2) };
    expect(verify(receiptFor(0, { checkpoint: formatNote(text, [logSig, c1, moved]) }), ids[0]!, policy)).toBe('INVALID_SIGNATURE');
  });
});
