/**
 * Review: a witness named in the policy that lies. A single witness must not be able to make
 * receipts unverifiable when the quorum is met without it.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../../src/encoding/utf8.js';
import { leafHash } from '../../src/merkle/hash.js';
import { encodeEntry, ENTRY_TYPE_RUN_DECLARED } from '../../src/note/entry.js';
import { formatCheckpoint, openCheckpoint } from '../../src/note/checkpoint.js';
import { cosignCheckpoint } from '../../src/note/cosignature.js';
import { toVerifier, verifierKey, type Signer } from '../../src/note/keys.js';
import { formatNote, parseNote, signNote, type NoteSignature } from '../../src/note/note.js';
import { parsePolicy } from '../../src/note/policy.js';
import { formatTlogProof } from '../../src/note/tlog-proof.js';
import { formatIdentity } from '../../src/declaration/identity.js';
import { verifyReceipt } from '../../src/receipt/verify.js';
import { codeOf, logSigner, witnessSigner } from '../note/helpers.js';

const log = logSigner('example.com/log');
const honest = witnessSigner('example.com/honest');
const liar = witnessSigner('example.com/liar');

/** A cosignature/v1 with an arbitrary uint64 timestamp (valid signature over the real message). */
function cosignAt(text: string, timestamp: bigint, signer: Signer): NoteSignature {
  const ts = new Uint8Array(8);
  new DataView(ts.buffer).setBigUint64(0, timestamp);
  const msg = concatBytes(utf8(`cosignature/v1\ntime ${timestamp}\n`), utf8(text));
  return { name: signer.name, keyId: signer.keyId, signature: concatBytes(ts, signer.sign(msg)) };
}

const identity = new Uint8Array(32).fill(7);
const entry = encodeEntry({ type: ENTRY_TYPE_RUN_DECLARED, timestamp: 1_700_000_000_000, identity });
const text = formatCheckpoint({ origin: log.name, size: 1, root: leafHash(entry), extensions: [] });
const logSig = parseNote(signNote(text, [log])).signatures[0]!;

const policy = parsePolicy(
  [`log ${verifierKey(log)}`, `witness honest ${verifierKey(honest)}`, `witness liar ${verifierKey(liar)}`, 'group g any honest liar', 'quorum g', ''].join('\n'),
);

describe('a policy witness whose cosignature timestamp is above 2^53-1', () => {
  // The log's WitnessPool keeps any cosignature that verifies (timestamps up to 2^63-1 do).
  const huge = cosignAt(text, 2n ** 60n, liar);
  const note = formatNote(text, [logSig, cosignCheckpoint(text, 1_700_000_000, honest), huge]);

  it('is ignored rather than failing the checkpoint', () => {
    const opened = openCheckpoint(note, toVerifier(log), [toVerifier(honest), toVerifier(liar)]);
    expect(opened.cosignatures.map((c) => c.name)).toEqual([honest.name]);
  });

  it('does not make a receipt the honest quorum supports unverifiable', () => {
    const receipt = formatTlogProof({ extra: entry, index: 0, path: [], checkpoint: note });
    const verdict = verifyReceipt({ receipt, identity: formatIdentity(identity), trust: { policy } });
    expect(verdict.witnesses.map((w) => w.name)).toEqual(['honest']);
  });

  it('does not count towards the quorum', () => {
    const onlyLiar = formatNote(text, [logSig, huge]);
    const receipt = formatTlogProof({ extra: entry, index: 0, path: [], checkpoint: onlyLiar });
    expect(codeOf(() => verifyReceipt({ receipt, identity: formatIdentity(identity), trust: { policy } }))).toBe('QUORUM_NOT_MET');
  });
});
