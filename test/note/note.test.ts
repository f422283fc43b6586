import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { formatNote, MAX_NOTE_SIZE, MAX_SIGNATURES, openNote, parseNote, signNote, type NoteSignature } from '../../src/note/note.js';
import { parseSignerKey, parseVerifierKey, toVerifier } from '../../src/note/keys.js';
import { RunproofError } from '../../src/errors.js';
import { codeOf, loadVector, logSigner, witnessSigner } from './helpers.js';

const go = loadVector('go-sumdb-note.json');
const peterV = parseVerifierKey(go.vkey);
const peterS = parseSignerKey(go.skey);

describe('Go sumdb/note example', () => {
  test('signNote reproduces the published note byte for byte', () => {
    expect(signNote(go.text, [peterS])).toBe(go.note);
  });

  test('openNote verifies it', () => {
    const n = openNote(go.note, [peterV]);
    expect(n.text).toBe(go.text);
    expect(n.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(n.unverified).toEqual([]);
    expect(openNote(Buffer.from(go.note), [peterV]).text).toBe(go.text);
  });

  test('the doubly-signed example: EnochRoot is unknown and ignored', () => {
    const n = openNote(go.doublySigned.note, [peterV]);
    expect(n.verified.length).toBe(1);
    expect(n.unverified.map((s) => s.name)).toEqual(['EnochRoot']);
    expect(parseNote(go.doublySigned.note).signatures.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
  });

  test('Go Sign semantics: existing signatures first, a re-signing key replaced', () => {
    const enoch = logSigner('EnochRoot');
    const existing = parseNote(go.note).signatures;
    const two = signNote(go.text, [enoch], existing);
    expect(parseNote(two).signatures.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
    const again = signNote(go.text, [peterS], parseNote(two).signatures);
    expect(parseNote(again).signatures.map((s) => s.name)).toEqual(['EnochRoot', 'PeterNeumann']);
    expect(openNote(again, [peterV, toVerifier(enoch)]).verified.length).toBe(2);
  });
});

describe('verification semantics (signed-note "Signatures")', () => {
  test('wrong key: NO_VERIFIED_SIGNATURE, carrying the note as evidence', () => {
    const other = toVerifier(logSigner('PeterNeumann', 'another seed'));
    let err: unknown;
    try {
      openNote(go.note, [other]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunproofError);
    expect((err as RunproofError).code).toBe('NO_VERIFIED_SIGNATURE');
    expect((err as RunproofError).evidence?.note).toBe(go.note);
  });

  test('no verifiers at all: NO_VERIFIED_SIGNATURE', () => {
    expect(codeOf(() => openNote(go.note, []))).toBe('NO_VERIFIED_SIGNATURE');
  });

  test('same name different ID, or same ID different name: ignored', () => {
    const s = logSigner('PeterNeumann', 'x');
    const note = signNote(go.text, [s], parseNote(go.note).signatures);
    const n = openNote(note, [peterV]);
    expect(n.verified.length).toBe(1);
    expect(n.unverified.length).toBe(1);
  });

  test('known key with a bad signature: INVALID_SIGNATURE even when another key verifies', () => {
    const enoch = logSigner('EnochRoot');
    const bad: NoteSignature = { name: 'EnochRoot', keyId: enoch.keyId, signature: new Uint8Array(64).fill(7) };
    const note = formatNote(go.text, [...parseNote(go.note).signatures, bad]);
    expect(codeOf(() => openNote(note, [peterV]))).toBe('OK');
    expect(codeOf(() => openNote(note, [peterV, toVerifier(enoch)]))).toBe('INVALID_SIGNATURE');
  });

  test('tampered text: INVALID_SIGNATURE', () => {
    expect(codeOf(() => openNote(go.note.replace('cryptography', 'cryptographY'), [peterV]))).toBe('INVALID_SIGNATURE');
  });

  test('duplicate identical lines are dropped', () => {
    const line = go.note.slice(go.note.lastIndexOf('\u2014'));
    const dup = go.note + line + line;
    expect(parseNote(dup).signatures.length).toBe(1);
    expect(openNote(dup, [peterV]).verified.length).toBe(1);
  });

  test('a 0x04 signer cannot sign note text directly (plain Error: misuse)', () => {
    expect(() => signNote(go.text, [witnessSigner('w.example')])).toThrow(Error);
    expect(codeOf(() => signNote(go.text, [witnessSigner('w.example')]))).toMatch(/^plain Error/);
  });

  test('ambiguous verifiers (same name and ID, different keys) are refused', () => {
    const fake = { ...peterV, publicKey: new Uint8Array(32).fill(9) };
    expect(codeOf(() => openNote(go.note, [peterV, fake]))).toBe('MALFORMED_KEY');
  });
});

describe('strict parsing', () => {
  const sigLine = go.note.slice(go.note.lastIndexOf('\u2014'));
  const cases: [string, string][] = [
    ['no blank line', go.text + sigLine],
    ['no signatures', go.text + '\n'],
    ['missing final newline', go.note.slice(0, -1)],
    ['CR line ending', go.note.replace('problem,\n', 'problem,\r\n')],
    ['tab in text', go.note.replace('If you', 'If\tyou')],
    ['NUL', go.note.replace('If', 'I\u0000')],
    ['ASCII dash instead of em dash', go.note.replace('\u2014 ', '- ')],
    ['no space after dash', go.note.replace('\u2014 ', '\u2014')],
    ['two spaces after name', go.note.replace('PeterNeumann x08', 'PeterNeumann  x08')],
    ['signature without name', go.text + '\n\u2014 x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n'],
    ['non-canonical base64', go.note.replace('JnAM=', 'JnAN=')],
    ['unpadded base64', go.note.replace('JnAM=', 'JnAM')],
    ['short payload', go.text + '\n\u2014 PeterNeumann AAAAAA==\n'],
    ['lone surrogate', go.note.replace('If', 'I\ud800')],
    ['trailing junk line', go.note + 'junk\n'],
    ['empty signature line', go.note + '\n'],
  ];
  for (const [name, msg] of cases) {
    test(name, () => {
      expect(codeOf(() => parseNote(msg))).toBe('MALFORMED_NOTE');
      expect(codeOf(() => openNote(msg, [peterV]))).toBe('MALFORMED_NOTE');
    });
  }

  test('invalid UTF-8 bytes', () => {
    const b = Buffer.from(go.note);
    b[3] = 0xff;
    expect(codeOf(() => parseNote(b))).toBe('MALFORMED_NOTE');
  });

  test('the text is split at the LAST blank line (text may contain blank lines)', () => {
    const s = logSigner('a.example');
    const text = 'para one\n\npara two\n';
    const note = signNote(text, [s]);
    expect(openNote(note, [toVerifier(s)]).text).toBe(text);
  });

  test('signature count limit: 100 accepted, 101 rejected', () => {
    const lines = (n: number) =>
      Array.from({ length: n }, (_, i) => `\u2014 k${i}.example ${Buffer.from(Uint8Array.of(0, 0, 0, i % 256, 1)).toString('base64')}\n`).join('');
    expect(parseNote(go.text + '\n' + lines(MAX_SIGNATURES)).signatures.length).toBe(MAX_SIGNATURES);
    expect(codeOf(() => parseNote(go.text + '\n' + lines(MAX_SIGNATURES + 1)))).toBe('MALFORMED_NOTE');
  });

  test('size limit', () => {
    const big = 'x'.repeat(MAX_NOTE_SIZE) + '\n';
    expect(codeOf(() => parseNote(big + '\n' + go.note.slice(go.note.lastIndexOf('\u2014'))))).toBe('MALFORMED_NOTE');
  });

  test('DEL (0x7F) is not an ASCII control character below U+0020: allowed, as the spec says', () => {
    const s = logSigner('a.example');
    const note = signNote('del\u007f\n', [s]);
    expect(openNote(note, [toVerifier(s)]).text).toBe('del\u007f\n');
  });

  test('formatNote refuses bad text and names', () => {
    const sig = parseNote(go.note).signatures;
    expect(codeOf(() => formatNote('no newline', sig))).toBe('MALFORMED_NOTE');
    expect(codeOf(() => formatNote('a\rb\n', sig))).toBe('MALFORMED_NOTE');
    expect(codeOf(() => formatNote(go.text, []))).toBe('MALFORMED_NOTE');
    expect(codeOf(() => formatNote(go.text, [{ ...sig[0]!, name: 'a b' }]))).toBe('MALFORMED_NOTE');
    expect(codeOf(() => formatNote(go.text, [{ ...sig[0]!, signature: new Uint8Array(0) }]))).toBe('MALFORMED_NOTE');
  });
});

describe('mangling (Go note_test.go TestOpen style)', () => {
  test('every prefix and every single-byte change of the signed note is rejected or opens to the same text', () => {
    const b = Buffer.from(go.note);
    const check = (m: Buffer) => {
      let text: string | undefined;
      try {
        text = openNote(m, [peterV]).text;
      } catch (e) {
        expect(e).toBeInstanceOf(RunproofError);
        return;
      }
      expect(text).toBe(go.text);
    };
    for (let i = 0; i < b.length; i++) check(b.subarray(0, i));
    for (let i = 0; i < b.length; i++) {
      const c = Buffer.from(b);
      c[i] = (c[i]! + 1) % 256;
      check(c);
    }
  });

  test('property: random byte edits never yield a different verified text', () => {
    const b = Buffer.from(go.note);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(b.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
        const c = Buffer.from(b);
        for (const [i, v] of edits) c[i] = v;
        try {
          expect(openNote(c, [peterV]).text).toBe(go.text);
        } catch (e) {
          expect(e).toBeInstanceOf(RunproofError);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('property: parse(format(x)) is x for arbitrary valid texts and signatures', () => {
    const line = fc.stringMatching(/^[ -~\u00e9\u2014]{0,30}$/);
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 5 }),
        fc.array(fc.record({ name: fc.stringMatching(/^[a-z.]{1,10}$/), keyId: fc.nat(0xffffffff), signature: fc.uint8Array({ minLength: 1, maxLength: 80 }) }), {
          minLength: 1,
          maxLength: 5,
        }),
        (lines, sigs) => {
          const text = lines.map((l) => l + '\n').join('');
          if (text.endsWith('\n\n')) return; // such a text would move the split: not a valid note text
          const note = formatNote(text, sigs);
          const parsed = parseNote(note);
          expect(parsed.text).toBe(text);
          expect(formatNote(parsed.text, parsed.signatures)).toBe(formatNote(text, dedupe(sigs)));
        },
      ),
      { numRuns: 200 },
    );
  });
});

function dedupe(sigs: NoteSignature[]): NoteSignature[] {
  const out: NoteSignature[] = [];
  for (const s of sigs) if (!out.some((o) => o.name === s.name && o.keyId === s.keyId && Buffer.compare(o.signature, s.signature) === 0)) out.push(s);
  return out;
}
