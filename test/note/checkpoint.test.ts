import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { formatCheckpoint, openCheckpoint, parseCheckpoint, type Checkpoint } from '../../src/note/checkpoint.js';
import { cosignatureMessage, cosignatureTimestamp, cosignCheckpoint, verifyCosignatureV1 } from '../../src/note/cosignature.js';
import { formatKeyId, parseVerifierKey, toVerifier } from '../../src/note/keys.js';
import { formatNote, parseNote, signNote } from '../../src/note/note.js';
import { fromBase64, toBase64 } from '../../src/encoding/base64.js';
import { utf8 } from '../../src/encoding/utf8.js';
import { RunproofError } from '../../src/errors.js';
import { codeOf, loadVector, logSigner, witnessSigner } from './helpers.js';

const spec = loadVector('c2sp-spec-examples.json');
const worked = loadVector('standards-notes-worked.json');

describe('tlog-checkpoint spec example', () => {
  test('parses to origin, size, root and formats back', () => {
    const n = parseNote(spec.checkpoint.note);
    const cp = parseCheckpoint(n.text);
    expect(cp.origin).toBe(spec.checkpoint.origin);
    expect(cp.size).toBe(spec.checkpoint.size);
    expect(toBase64(cp.root)).toBe(spec.checkpoint.root);
    expect(cp.extensions).toEqual([]);
    expect(formatCheckpoint(cp)).toBe(n.text);
    expect(n.signatures[0]!.name).toBe('example.com/behind-the-sofa');
    expect(n.signatures[0]!.signature.length).toBe(64);
  });
});

describe('tlog-cosignature spec example', () => {
  test('key ID 8d66cf3f, timestamp 1679315147, and the signed message text', () => {
    const n = parseNote(spec.cosignature.note);
    const w = n.signatures.find((s) => s.name === spec.cosignature.witnessName)!;
    expect(formatKeyId(w.keyId)).toBe(spec.cosignature.witnessKeyId);
    expect(cosignatureTimestamp(w.signature)).toBe(spec.cosignature.timestamp);
    expect(Buffer.from(cosignatureMessage(n.text, spec.cosignature.timestamp)).toString('utf8')).toBe(spec.cosignature.signedMessage);
  });
});

describe('worked exchange (standards-notes §7.6): byte-exact reproduction', () => {
  const log = logSigner('example.com/log', worked.logSeedPreimage);
  const w = witnessSigner('witness.example/w1', worked.witnessSeedPreimage);
  const logV = parseVerifierKey(worked.logVkey);
  const wV = parseVerifierKey(worked.witnessVkey);

  test('the log signature reproduces', () => {
    expect(signNote(worked.checkpointText, [log])).toBe(worked.checkpointNote);
  });

  test('the cosignature reproduces', () => {
    const sig = cosignCheckpoint(worked.checkpointText, worked.cosignatureTimestamp, w);
    expect(formatNote(worked.checkpointText, [sig]).split('\n\n')[1]).toBe(worked.cosignatureLine);
  });

  test('openCheckpoint verifies log + cosignature', () => {
    const note = worked.checkpointNote + worked.cosignatureLine;
    const o = openCheckpoint(note, logV, [wV]);
    expect(o.checkpoint.origin).toBe('example.com/log');
    expect(o.checkpoint.size).toBe(8);
    expect(o.text).toBe(worked.checkpointText);
    expect(o.note).toBe(note);
    expect(o.cosignatures).toEqual([{ name: 'witness.example/w1', keyId: wV.keyId, timestamp: 1700000000 }]);
    // Without the witness key, the cosignature is ignored.
    expect(openCheckpoint(note, logV).cosignatures).toEqual([]);
    // Byte input works too.
    expect(openCheckpoint(utf8(note), logV, [wV]).cosignatures.length).toBe(1);
  });

  test('a cosignature with a changed timestamp fails: INVALID_SIGNATURE', () => {
    const sig = parseNote(worked.checkpointNote + worked.cosignatureLine).signatures[1]!;
    const forged = Uint8Array.from(sig.signature);
    forged[7] = (forged[7]! + 1) % 256;
    const note = formatNote(worked.checkpointText, [parseNote(worked.checkpointNote).signatures[0]!, { ...sig, signature: forged }]);
    expect(codeOf(() => openCheckpoint(note, logV, [wV]))).toBe('INVALID_SIGNATURE');
    expect(codeOf(() => openCheckpoint(note, logV))).toBe('OK');
  });

  test('the cosignature over a different checkpoint text does not verify', () => {
    const sig = parseNote(worked.checkpointNote + worked.cosignatureLine).signatures[1]!;
    expect(verifyCosignatureV1(wV.publicKey, utf8(worked.checkpointText), sig.signature)).toBe(true);
    expect(verifyCosignatureV1(wV.publicKey, utf8(worked.checkpointText.replace('8', '9')), sig.signature)).toBe(false);
    // The 0x04 verifier does not verify a plain Ed25519 signature of the text, nor vice versa.
    const logSig = parseNote(worked.checkpointNote).signatures[0]!;
    expect(wV.verify(utf8(worked.checkpointText), logSig.signature)).toBe(false);
    expect(logV.verify(utf8(worked.checkpointText), sig.signature)).toBe(false);
  });
});

describe('openCheckpoint rules', () => {
  const log = logSigner('log.example');
  const logV = toVerifier(log);
  const text = formatCheckpoint({ origin: 'log.example', size: 3, root: new Uint8Array(32).fill(1), extensions: [] });

  test('origin must equal the log key name: ORIGIN_MISMATCH with evidence', () => {
    const other = logSigner('other.example');
    const note = signNote(formatCheckpoint({ origin: 'other.example', size: 3, root: new Uint8Array(32), extensions: [] }), [other]);
    let err: unknown;
    try {
      openCheckpoint(note, logV);
    } catch (e) {
      err = e;
    }
    expect((err as RunproofError).code).toBe('ORIGIN_MISMATCH');
    expect((err as RunproofError).evidence?.note).toBe(note);
  });

  test('not signed by the log (only by a witness): NO_VERIFIED_SIGNATURE', () => {
    const w = witnessSigner('w.example');
    const note = formatNote(text, [cosignCheckpoint(text, 1, w)]);
    expect(codeOf(() => openCheckpoint(note, logV, [toVerifier(w)]))).toBe('NO_VERIFIED_SIGNATURE');
  });

  test('signed by a different key with the same name: NO_VERIFIED_SIGNATURE', () => {
    const impostor = logSigner('log.example', 'impostor');
    expect(codeOf(() => openCheckpoint(signNote(text, [impostor]), logV))).toBe('NO_VERIFIED_SIGNATURE');
  });

  test('unknown signatures are ignored; a known cosigner with a bad signature is INVALID_SIGNATURE', () => {
    const w = witnessSigner('w.example');
    const stranger = witnessSigner('stranger.example');
    const good = signNote(text, [log], [cosignCheckpoint(text, 5, stranger)]);
    expect(openCheckpoint(good, logV, [toVerifier(w)]).cosignatures).toEqual([]);
    const wrongText = text.replace('3', '4');
    const bad = signNote(text, [log], [cosignCheckpoint(wrongText, 5, w)]);
    expect(codeOf(() => openCheckpoint(bad, logV, [toVerifier(w)]))).toBe('INVALID_SIGNATURE');
  });

  test('key types are enforced', () => {
    const w = witnessSigner('w.example');
    expect(codeOf(() => openCheckpoint(signNote(text, [log]), toVerifier(w)))).toBe('MALFORMED_KEY');
    expect(codeOf(() => openCheckpoint(signNote(text, [log]), logV, [logV]))).toBe('MALFORMED_KEY');
  });

  test('a malformed checkpoint text inside a valid note: MALFORMED_CHECKPOINT', () => {
    expect(codeOf(() => openCheckpoint(signNote('log.example\n03\n' + toBase64(new Uint8Array(32)) + '\n', [log]), logV))).toBe('MALFORMED_CHECKPOINT');
  });
});

describe('cosignature timestamps', () => {
  const w = witnessSigner('w.example');
  const text = formatCheckpoint({ origin: 'log.example', size: 1, root: new Uint8Array(32), extensions: ['ext line'] });

  test('round trip, extension lines included in the signed message', () => {
    for (const t of [0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const sig = cosignCheckpoint(text, t, w);
      expect(cosignatureTimestamp(sig.signature)).toBe(t);
      expect(w.keyId).toBe(sig.keyId);
      expect(toVerifier(w).verify(utf8(text), sig.signature)).toBe(true);
      expect(toVerifier(w).verify(utf8(text.replace('ext line', 'ext linf')), sig.signature)).toBe(false);
    }
  });

  test('above 2^53-1: MALFORMED_COSIGNATURE; above 2^63-1: the signature never verifies', () => {
    const sig = new Uint8Array(72);
    sig.set([0x00, 0x20, 0, 0, 0, 0, 0, 0], 0); // 2^53
    expect(codeOf(() => cosignatureTimestamp(sig))).toBe('MALFORMED_COSIGNATURE');
    sig[0] = 0x80; // 2^63 + 2^53
    expect(verifyCosignatureV1(w.publicKey, utf8(text), sig)).toBe(false);
    expect(codeOf(() => cosignatureTimestamp(new Uint8Array(71)))).toBe('MALFORMED_COSIGNATURE');
  });

  test('bad inputs to cosignCheckpoint are bugs (plain Error)', () => {
    expect(codeOf(() => cosignCheckpoint(text, -1, w))).toMatch(/^plain Error/);
    expect(codeOf(() => cosignCheckpoint(text, 1.5, w))).toMatch(/^plain Error/);
    expect(codeOf(() => cosignCheckpoint(text, 1, logSigner('l')))).toMatch(/^plain Error/);
  });
});

describe('parseCheckpoint strictness', () => {
  const root = toBase64(new Uint8Array(32).fill(3));
  const bad: [string, string][] = [
    ['two lines', `o\n1\n`],
    ['empty origin', `\n1\n${root}\n`],
    ['leading zero', `o\n01\n${root}\n`],
    ['plus sign', `o\n+1\n${root}\n`],
    ['space in size', `o\n 1\n${root}\n`],
    ['size above 2^64-1', `o\n18446744073709551616\n${root}\n`],
    ['short root', `o\n1\n${toBase64(new Uint8Array(31))}\n`],
    ['non-canonical root', `o\n1\n${root.slice(0, -2)}x=\n`],
    ['empty extension line', `o\n1\n${root}\n\n`],
    ['no final newline', `o\n1\n${root}`],
    ['CR', `o\r\n1\n${root}\n`],
  ];
  for (const [name, text] of bad) test(name, () => expect(codeOf(() => parseCheckpoint(text))).toBe('MALFORMED_CHECKPOINT'));

  // Sizes a log may sign (any uint64) but this implementation cannot follow: a verdict of their own.
  for (const size of ['4503599627370497', '9007199254740991', '9007199254740992', '18446744073709551615']) {
    test(`size ${size} is UNSUPPORTED_SIZE`, () => expect(codeOf(() => parseCheckpoint(`o\n${size}\n${root}\n`))).toBe('UNSUPPORTED_SIZE'));
  }

  test('size 0 and extension lines parse', () => {
    expect(parseCheckpoint(`o\n0\n${root}\nx\ny z\n`)).toEqual({ origin: 'o', size: 0, root: fromBase64(root), extensions: ['x', 'y z'] });
  });

  test('property: format/parse round trip, and any accepted mangling re-formats to itself', () => {
    fc.assert(
      fc.property(
        fc.record({
          origin: fc.stringMatching(/^[a-z0-9./-]{1,20}$/),
          size: fc.nat({ max: 2 ** 52 }),
          root: fc.uint8Array({ minLength: 32, maxLength: 32 }),
          extensions: fc.array(fc.stringMatching(/^[ -~]{1,10}$/), { maxLength: 2 }),
        }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (cp: Checkpoint, pos, byte) => {
          const text = formatCheckpoint(cp);
          expect(parseCheckpoint(text)).toEqual(cp);
          const b = Buffer.from(text);
          b[pos % b.length] = byte;
          const mangled = b.toString('utf8');
          let parsed: Checkpoint | undefined;
          try {
            parsed = parseCheckpoint(mangled);
          } catch (e) {
            // A mangled digit can raise the size past 2^52: that is UNSUPPORTED_SIZE, a verdict of its own.
            expect(['MALFORMED_CHECKPOINT', 'UNSUPPORTED_SIZE']).toContain((e as RunproofError).code);
            return;
          }
          expect(formatCheckpoint(parsed)).toBe(mangled);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('mangling a signed checkpoint: rejected or the identical checkpoint', () => {
    const log = logSigner('log.example');
    const note = signNote(formatCheckpoint({ origin: 'log.example', size: 42, root: new Uint8Array(32).fill(5), extensions: [] }), [log]);
    const want = openCheckpoint(note, toVerifier(log)).checkpoint;
    const b = Buffer.from(note);
    for (let i = 0; i <= b.length; i++) {
      const variants = [b.subarray(0, i)];
      if (i < b.length) {
        const c = Buffer.from(b);
        c[i] = (c[i]! + 1) % 256;
        variants.push(c);
      }
      for (const v of variants) {
        try {
          expect(openCheckpoint(v, toVerifier(log)).checkpoint).toEqual(want);
        } catch (e) {
          expect(e).toBeInstanceOf(RunproofError);
        }
      }
    }
  });
});

describe('formatCheckpoint', () => {
  test('refuses bad fields', () => {
    const root = new Uint8Array(32);
    expect(codeOf(() => formatCheckpoint({ origin: '', size: 1, root, extensions: [] }))).toBe('MALFORMED_CHECKPOINT');
    expect(codeOf(() => formatCheckpoint({ origin: 'a\nb', size: 1, root, extensions: [] }))).toBe('MALFORMED_CHECKPOINT');
    expect(codeOf(() => formatCheckpoint({ origin: 'o', size: -1, root, extensions: [] }))).toBe('MALFORMED_CHECKPOINT');
    expect(codeOf(() => formatCheckpoint({ origin: 'o', size: 2 ** 53, root, extensions: [] }))).toBe('MALFORMED_CHECKPOINT');
    expect(codeOf(() => formatCheckpoint({ origin: 'o', size: 2 ** 52 + 1, root, extensions: [] }))).toBe('MALFORMED_CHECKPOINT');
    expect(parseCheckpoint(formatCheckpoint({ origin: 'o', size: 2 ** 52, root, extensions: [] })).size).toBe(2 ** 52);
    expect(codeOf(() => formatCheckpoint({ origin: 'o', size: 1, root: new Uint8Array(31), extensions: [] }))).toBe('MALFORMED_CHECKPOINT');
    expect(codeOf(() => formatCheckpoint({ origin: 'o', size: 1, root, extensions: [''] }))).toBe('MALFORMED_CHECKPOINT');
  });
});
