/**
 * Key, note, checkpoint, cosignature and policy vectors (docs/specification.md §10): valid and
 * invalid, each with the expected result or code.
 */
import { toBase64 } from '../src/encoding/base64.js';
import { concatBytes } from '../src/encoding/utf8.js';
import { formatCheckpoint } from '../src/note/checkpoint.js';
import { formatNote, signNote } from '../src/note/note.js';
import { cosignCheckpoint } from '../src/note/cosignature.js';
import type { Input } from './input.js';
import { checkpointOutcome, cosignedOutcome, noteOutcome, policyOutcome, vkeyOutcome } from './outcome.js';
import { expectAccepted, expectRefusal } from './expect.js';
import {
  IMPOSTOR, LOG, OTHER_LOG, OUTSIDER, SMALL_ORDER_ID, SMALL_ORDER_NAME, SMALL_ORDER_SIGNATURE, SMALL_ORDER_VKEY, W1, W2, W3,
  cosignAt, flipByte, nonCanonical, rawSignature, replaceSignature, signaturesOf, vkey, withSPlusL,
} from './keys.js';

const ROOT = new Uint8Array(32).fill(7);
const T0 = 1767225600;

/** The checkpoint text all note vectors sign. */
export const CHECKPOINT_TEXT = formatCheckpoint({ origin: LOG.name, size: 3, root: ROOT, extensions: [] });

function vkeyVectors() {
  const good = vkey(LOG);
  const [name, id, key] = [LOG.name, good.split('+')[1]!, good.slice(good.indexOf('+', LOG.name.length + 1) + 1)];
  const out: object[] = [];
  for (const v of [good, vkey(W1), SMALL_ORDER_VKEY]) out.push({ vkey: v, expect: expectAccepted(v, vkeyOutcome(v)) });
  const bad: [string, string][] = [
    ['wrong key ID', `${name}+${(parseInt(id, 16) ^ 1).toString(16).padStart(8, '0')}+${key}`],
    ['uppercase key ID', `${name}+${id.toUpperCase()}+${key}`],
    ['7-digit key ID', `${name}+${id.slice(1)}+${key}`],
    ['type 0x02', `${name}+${id}+${toBase64(concatBytes(Uint8Array.of(2), LOG.publicKey))}`],
    ['32 bytes (no type)', `${name}+${id}+${toBase64(LOG.publicKey)}`],
    ['34 bytes', `${name}+${id}+${toBase64(concatBytes(Uint8Array.of(1), LOG.publicKey, Uint8Array.of(0)))}`],
    ['key name with a space', `log example+${id}+${key}`],
    ['empty key name', `+${id}+${key}`],
    ['base64 with a padding character too many', `${name}+${id}+${key}=`],
    ['base64 with a line break', `${name}+${id}+${key.slice(0, 20)}\n${key.slice(20)}`],
    ['no key at all', `${name}+${id}`],
  ];
  for (const [n, v] of bad) out.push({ name: n, vkey: v, expect: expectRefusal(n, vkeyOutcome(v), 'MALFORMED_KEY', undefined) });
  return out;
}

function noteVectors() {
  const signed = signNote(CHECKPOINT_TEXT, [LOG]);
  const [logSig] = signaturesOf(signed) as [ReturnType<typeof signaturesOf>[number]];
  const other = signaturesOf(signNote(CHECKPOINT_TEXT, [OTHER_LOG]))[0]!;
  const impostor = signaturesOf(signNote(CHECKPOINT_TEXT, [IMPOSTOR]))[0]!;
  const lines = signed.slice(CHECKPOINT_TEXT.length + 1);
  const out: object[] = [];
  const ok = (name: string, note: Input, keys: string[]) => out.push({ name, note, vkeys: keys, expect: expectAccepted(name, noteOutcome(note, keys)) });
  const bad = (name: string, note: Input, keys: string[], code: string) => out.push({ name, note, vkeys: keys, expect: expectRefusal(name, noteOutcome(note, keys), code, undefined) });
  const L = [vkey(LOG)];
  ok('signed by the known key', { text: signed }, L);
  ok('a well-formed line by an unknown key is ignored', { text: formatNote(CHECKPOINT_TEXT, [other, logSig]) }, L);
  ok('a line by another key with the same name (other key ID) is ignored', { text: formatNote(CHECKPOINT_TEXT, [impostor, logSig]) }, L);
  ok('an unknown key\'s bad signature is ignored', { text: formatNote(CHECKPOINT_TEXT, [{ ...other, signature: flipByte(other.signature, 0) }, logSig]) }, L);
  ok('an exact duplicate line counts once', { text: signed + lines }, L);
  ok('two known keys', { text: formatNote(CHECKPOINT_TEXT, [logSig, other]) }, [vkey(LOG), vkey(OTHER_LOG)]);
  bad('no known key', { text: signed }, [vkey(OTHER_LOG)], 'NO_VERIFIED_SIGNATURE');
  bad('a known key\'s signature does not verify', { text: replaceSignature(signed, 0, (p) => flipByte(p, 10)) }, L, 'INVALID_SIGNATURE');
  bad('a known key\'s signature is 63 bytes', { text: replaceSignature(signed, 0, (p) => p.slice(0, 63)) }, L, 'INVALID_SIGNATURE');
  bad('a known key\'s signature is 65 bytes', { text: replaceSignature(signed, 0, (p) => concatBytes(p, Uint8Array.of(0))) }, L, 'INVALID_SIGNATURE');
  bad('Ed25519: S + L (non-canonical S) is rejected', { text: replaceSignature(signed, 0, withSPlusL) }, L, 'INVALID_SIGNATURE');
  bad('Ed25519: a small-order public key is rejected', { text: formatNote(CHECKPOINT_TEXT, [rawSignature(SMALL_ORDER_NAME, SMALL_ORDER_ID, SMALL_ORDER_SIGNATURE)]) }, [SMALL_ORDER_VKEY], 'INVALID_SIGNATURE');
  bad('the text was changed', { text: signed.replace('\n3\n', '\n4\n') }, L, 'INVALID_SIGNATURE');
  bad('no blank line', { text: signed.replace('\n\n', '\n') }, L, 'MALFORMED_NOTE');
  bad('carriage return', { text: signed.replace('\n\n', '\r\n\n') }, L, 'MALFORMED_NOTE');
  bad('control character in the text', { text: signed.replace('log.example', 'log\u0001example') }, L, 'MALFORMED_NOTE');
  bad('signature line with a hyphen instead of an em dash', { text: signed.replace('\u2014 ', '- ') }, L, 'MALFORMED_NOTE');
  bad('signature line without a space after the dash', { text: signed.replace('\u2014 ', '\u2014') }, L, 'MALFORMED_NOTE');
  bad('well-formed unknown line next to a malformed one', { text: formatNote(CHECKPOINT_TEXT, [other]) + '\u2014 x AAAA\n' }, L, 'MALFORMED_NOTE');
  bad('payload of 4 bytes', { text: CHECKPOINT_TEXT + '\n\u2014 x AAAAAA==\n' + lines }, L, 'MALFORMED_NOTE');
  const payload = toBase64(concatBytes(Uint8Array.of(0, 0, 0, 0), logSig.signature));
  bad('non-canonical base64 in a signature line', { text: `${CHECKPOINT_TEXT}\n\u2014 x ${nonCanonical(payload)}\n` + lines }, L, 'MALFORMED_NOTE');
  bad('empty signature block', { text: CHECKPOINT_TEXT + '\n' }, L, 'MALFORMED_NOTE');
  bad('signature block without a final newline', { text: signed.slice(0, -1) }, L, 'MALFORMED_NOTE');
  bad('101 signature lines', { text: CHECKPOINT_TEXT + '\n' + Array.from({ length: 101 }, (_, i) => `\u2014 k${i} ${payload}\n`).join('') }, L, 'MALFORMED_NOTE');
  ok('100 signature lines', { text: CHECKPOINT_TEXT + '\n' + Array.from({ length: 99 }, (_, i) => `\u2014 k${i} ${payload}\n`).join('') + lines }, L);
  bad('not UTF-8', { hex: Buffer.from(signed.replace('log.example', 'log\u00ffexample'), 'latin1').toString('hex') }, L, 'MALFORMED_NOTE');
  bad('larger than 1,000,000 bytes', { build: [{ text: 'x'.repeat(10) }, { repeat: 'y', times: 1_000_000 }, { text: '\n\n' + lines }] }, L, 'MALFORMED_NOTE');
  return out;
}

function checkpointVectors() {
  const root = toBase64(ROOT);
  const out: object[] = [];
  const good: string[] = [`o\n0\n${root}\n`, `origin with spaces\n4503599627370496\n${root}\next\n— not a signature\n`, CHECKPOINT_TEXT];
  for (const t of good) out.push({ text: t, expect: expectAccepted(t, checkpointOutcome(t)) });
  const bad: [string, string][] = [
    ['empty origin', `\n1\n${root}\n`],
    ['size with a leading zero', `o\n01\n${root}\n`],
    ['size with a plus sign', `o\n+1\n${root}\n`],
    ['size with a space', `o\n 1\n${root}\n`],
    ['size of 2^64 (not a uint64)', `o\n18446744073709551616\n${root}\n`],
    ['root of 31 bytes', `o\n1\n${toBase64(ROOT.slice(1))}\n`],
    ['root with padding bits set', `o\n1\n${nonCanonical(root)}\n`],
    ['root in base64url', `o\n1\n${'_'.repeat(43)}=\n`],
    ['no root line', 'o\n1\n'],
    ['empty extension line', `o\n1\n${root}\n\nx\n`],
    ['no final newline', `o\n1\n${root}`],
    ['tab in the origin', `o\tx\n1\n${root}\n`],
  ];
  for (const [name, t] of bad) out.push({ name, text: t, expect: expectRefusal(name, checkpointOutcome(t), 'MALFORMED_CHECKPOINT', undefined) });
  const unsupported: [string, string][] = [
    ['size 2^52 + 1: well-formed, beyond the cap', `o\n4503599627370497\n${root}\n`],
    ['size of 17 digits', `o\n10000000000000000\n${root}\n`],
    ['size 2^64 - 1', `o\n18446744073709551615\n${root}\n`],
  ];
  for (const [name, t] of unsupported) out.push({ name, text: t, expect: expectRefusal(name, checkpointOutcome(t), 'UNSUPPORTED_SIZE', undefined) });
  return out;
}

function cosignatureVectors() {
  const signed = signNote(CHECKPOINT_TEXT, [LOG]);
  const logSig = signaturesOf(signed)[0]!;
  const c1 = cosignCheckpoint(CHECKPOINT_TEXT, T0, W1);
  const c2 = cosignCheckpoint(CHECKPOINT_TEXT, T0 + 1, W2);
  const W = [vkey(W1), vkey(W2), vkey(W3)];
  const out: object[] = [];
  const ok = (name: string, sigs: ReturnType<typeof signaturesOf>, logKey: string, wits: string[]) => {
    const note = formatNote(CHECKPOINT_TEXT, sigs);
    out.push({ name, note, log_vkey: logKey, witness_vkeys: wits, expect: expectAccepted(name, cosignedOutcome(note, logKey, wits)) });
  };
  const bad = (name: string, sigs: ReturnType<typeof signaturesOf>, logKey: string, wits: string[], code: string) => {
    const note = formatNote(CHECKPOINT_TEXT, sigs);
    out.push({ name, note, log_vkey: logKey, witness_vkeys: wits, expect: expectRefusal(name, cosignedOutcome(note, logKey, wits), code, undefined) });
  };
  ok('log signature and two cosignatures', [logSig, c1, c2], vkey(LOG), W);
  ok('cosignature order does not matter', [c2, logSig, c1], vkey(LOG), W);
  ok('a cosignature by a key not given is ignored', [logSig, c1, cosignCheckpoint(CHECKPOINT_TEXT, T0, OUTSIDER)], vkey(LOG), W);
  ok('cosignature time 0', [logSig, cosignAt(CHECKPOINT_TEXT, W1, 0n)], vkey(LOG), W);
  ok('cosignature time 2^53 - 1 counts', [logSig, cosignAt(CHECKPOINT_TEXT, W1, 2n ** 53n - 1n)], vkey(LOG), W);
  ok('cosignature time 2^53 is valid but not counted', [logSig, cosignAt(CHECKPOINT_TEXT, W1, 2n ** 53n)], vkey(LOG), W);
  ok('cosignature time 2^63 - 1 is valid but not counted', [logSig, cosignAt(CHECKPOINT_TEXT, W1, 2n ** 63n - 1n)], vkey(LOG), W);
  bad('cosignature time 2^63 is invalid', [logSig, cosignAt(CHECKPOINT_TEXT, W1, 2n ** 63n)], vkey(LOG), W, 'INVALID_SIGNATURE');
  bad('cosignature of 71 bytes', [logSig, { ...c1, signature: c1.signature.slice(0, 71) }], vkey(LOG), W, 'INVALID_SIGNATURE');
  bad('cosignature with its time changed', [logSig, { ...c1, signature: flipByte(c1.signature, 7) }], vkey(LOG), W, 'INVALID_SIGNATURE');
  bad('cosignature with its signature changed', [logSig, { ...c1, signature: flipByte(c1.signature, 20) }], vkey(LOG), W, 'INVALID_SIGNATURE');
  bad('a witness line but no log signature', [c1], vkey(LOG), W, 'NO_VERIFIED_SIGNATURE');
  bad('origin is not the log key name', [logSig], vkey(OTHER_LOG), W, 'ORIGIN_MISMATCH');
  bad('log key of type 0x04', [logSig], vkey(W1), [], 'MALFORMED_KEY');
  return out;
}

const POLICY = `# the vectors' policy
log ${vkey(LOG)} https://log.example/
witness w1 ${vkey(W1)}
witness w2 ${vkey(W2)} https://w2.example/
witness w3 ${vkey(W3)}
group g 2 w1 w2 w3
quorum g
`;

/** The policy of the receipt vectors: the log, three witnesses, two of which must cosign. */
export const RECEIPT_POLICY = POLICY;

function policyVectors() {
  const out: object[] = [];
  const good: [string, string][] = [
    ['two of three', POLICY],
    ['nested groups, comments, tabs, no final newline', `log\t${vkey(LOG)}\n\n  # comment\nwitness a ${vkey(W1)}\nwitness b ${vkey(W2)}\nwitness c ${vkey(W3)}\ngroup ab any a b\ngroup top all ab c\nquorum top`],
    ['quorum none', `log ${vkey(LOG)}\nquorum none\n`],
    ['quorum a single witness', `log ${vkey(LOG)}\nwitness a ${vkey(W1)}\nquorum a\n`],
    ['two logs with the same origin', `log ${vkey(LOG)}\nlog ${vkey(IMPOSTOR)}\nquorum none\n`],
  ];
  for (const [name, text] of good) out.push({ name, policy: { text }, expect: expectAccepted(name, policyOutcome({ text })) });
  const w = (n: string, k = W1) => `witness ${n} ${vkey(k)}\n`;
  const bad: [string, Input][] = [
    ['no quorum line', { text: `log ${vkey(LOG)}\n` }],
    ['two quorum lines', { text: `log ${vkey(LOG)}\nquorum none\nquorum none\n` }],
    ['quorum names an undefined witness', { text: `log ${vkey(LOG)}\nquorum a\n` }],
    ['quorum defined before its witness', { text: `log ${vkey(LOG)}\nquorum a\n${w('a')}` }],
    ['log key of type 0x04', { text: `log ${vkey(W1)}\nquorum none\n` }],
    ['witness key of type 0x01', { text: `witness a ${vkey(LOG)}\nquorum a\n` }],
    ['duplicate witness name', { text: w('a') + w('a', W2) + 'quorum a\n' }],
    ['witness named none', { text: w('none') + 'quorum none\n' }],
    ['same public key twice', { text: w('a') + w('b') + 'quorum a\n' }],
    ['group member not defined earlier', { text: w('a') + 'group g any a b\nquorum g\n' }],
    ['group threshold 0', { text: w('a') + 'group g 0 a\nquorum g\n' }],
    ['group threshold above its members', { text: w('a') + 'group g 2 a\nquorum g\n' }],
    ['group threshold with a leading zero', { text: w('a') + w('b', W2) + 'group g 01 a b\nquorum g\n' }],
    ['group with no member', { text: w('a') + 'group g any\nquorum a\n' }],
    ['a member in two groups', { text: w('a') + w('b', W2) + 'group g any a\ngroup h any a b\nquorum h\n' }],
    ['unknown keyword', { text: `log ${vkey(LOG)}\nwitnes a ${vkey(W1)}\nquorum none\n` }],
    ['carriage return', { text: `log ${vkey(LOG)}\r\nquorum none\n` }],
    ['log line with three fields', { text: `log ${vkey(LOG)} https://a/ extra\nquorum none\n` }],
    ['invalid vkey', { text: `log ${vkey(LOG).slice(0, -4)}\nquorum none\n` }],
    ['not UTF-8', { hex: Buffer.from(`log ${vkey(LOG)}\n# \u00ff\nquorum none\n`, 'latin1').toString('hex') }],
    ['257 witnesses', { text: Array.from({ length: 257 }, (_, i) => `witness w${i} n${i}+00000000+AAAA`).join('\n') }],
  ];
  for (const [name, text] of bad) out.push({ name, policy: text, expect: expectRefusal(name, policyOutcome(text), 'MALFORMED_POLICY', undefined) });
  return out;
}

/** buildNoteVectors returns the key, note, checkpoint, cosignature and policy vector file's content. */
export function buildNoteVectors() {
  return {
    description: 'Keys, signed notes, checkpoints, cosignatures and policies: docs/specification.md §10. vkeys: parse (§10.1). notes: open against the given vkeys (§10.3) → the note text and the verified signers (name+keyid), or the code. checkpoints: parse the note text (§10.4). cosignatures: open a checkpoint with log_vkey and witness_vkeys (§10.4, §10.5) → the counted cosignatures (key name, time in seconds), or the code. policies: parse (§10.6).',
    vkeys: vkeyVectors(),
    notes: noteVectors(),
    checkpoints: checkpointVectors(),
    cosignatures: cosignatureVectors(),
    policies: policyVectors(),
  };
}
