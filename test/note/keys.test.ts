import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  formatKeyId,
  isValidKeyName,
  keyId,
  newSignerKey,
  parseSignerKey,
  parseVerifierKey,
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
  toVerifier,
  verifierKey,
} from '../../src/note/keys.js';
import { toBase64 } from '../../src/encoding/base64.js';
import { codeOf, loadVector, seedOf, witnessSigner } from './helpers.js';

const go = loadVector('go-sumdb-note.json');
const worked = loadVector('standards-notes-worked.json');

/** Every proper substring and every single-byte increment (Go note_test.go TestNewVerifier style). */
function manglings(s: string): string[] {
  const b = Buffer.from(s, 'utf8');
  const out: string[] = [];
  for (let i = 0; i <= b.length; i++) for (let j = i + 1; j <= b.length; j++) if (i !== 0 || j !== b.length) out.push(b.subarray(i, j).toString('utf8'));
  for (let i = 0; i < b.length; i++) {
    const c = Buffer.from(b);
    c[i] = (c[i]! + 1) % 256;
    out.push(c.toString('utf8'));
  }
  return out;
}

describe('Go sumdb/note key vectors', () => {
  test('PeterNeumann verifier and signer keys', () => {
    const v = parseVerifierKey(go.vkey);
    expect(v.name).toBe('PeterNeumann');
    expect(formatKeyId(v.keyId)).toBe(go.keyId);
    expect(v.type).toBe(SIG_ED25519);
    expect(verifierKey(v)).toBe(go.vkey);
    const s = parseSignerKey(go.skey);
    expect(verifierKey(s)).toBe(go.vkey);
    expect(keyId('PeterNeumann', SIG_ED25519, v.publicKey)).toBe(v.keyId);
  });

  test('newSignerKey reproduces the Go signer key from its seed', () => {
    const seed = Buffer.from(go.skey.split('+').slice(4).join('+'), 'base64').subarray(1);
    expect(newSignerKey('PeterNeumann', seed)).toBe(go.skey);
  });

  test('the worked-example keys reproduce (seeds = SHA-256 of labels)', () => {
    const log = parseSignerKey(newSignerKey('example.com/log', seedOf(worked.logSeedPreimage)));
    expect(verifierKey(log)).toBe(worked.logVkey);
    const w = witnessSigner('witness.example/w1', worked.witnessSeedPreimage);
    expect(verifierKey(w)).toBe(worked.witnessVkey);
    expect(parseVerifierKey(worked.witnessVkey).type).toBe(SIG_COSIGNATURE_V1);
  });
});

describe('mangled keys are rejected', () => {
  test('every prefix/substring and byte change of the vkey', () => {
    for (const k of manglings(go.vkey)) expect(codeOf(() => parseVerifierKey(k)), k).toBe('MALFORMED_KEY');
  });
  test('every prefix/substring and byte change of the skey', () => {
    for (const k of manglings(go.skey)) expect(codeOf(() => parseSignerKey(k)), k).toBe('MALFORMED_KEY');
  });
  test('every byte change of a witness vkey', () => {
    for (const k of manglings(worked.witnessVkey)) expect(codeOf(() => parseVerifierKey(k)), k).toBe('MALFORMED_KEY');
  });
});

describe('key parsing rules', () => {
  const pub = parseVerifierKey(go.vkey).publicKey;
  const vkeyFor = (name: string, type: number, key = pub, id = keyId(name, type, key)) =>
    `${name}+${formatKeyId(id)}+${toBase64(Uint8Array.of(type, ...key))}`;

  test('the base64 part may contain "+": split at the first two only', () => {
    // Find a name whose vkey body contains '+', deterministic search over a few seeds.
    let found = false;
    for (let i = 0; i < 200 && !found; i++) {
      const k = verifierKey(toVerifier(parseSignerKey(newSignerKey('plus.example', seedOf(`plus${i}`)))));
      if (k.split('+').length > 3) {
        expect(verifierKey(parseVerifierKey(k))).toBe(k);
        found = true;
      }
    }
    expect(found).toBe(true);
  });

  test('uppercase hex key IDs are rejected', () => {
    const k = vkeyFor('Upper', SIG_ED25519);
    const id = k.split('+')[1]!;
    if (/[a-f]/.test(id)) expect(codeOf(() => parseVerifierKey(k.replace(id, id.toUpperCase())))).toBe('MALFORMED_KEY');
    expect(codeOf(() => parseVerifierKey(k))).toBe('OK');
  });

  test('unknown signature types are rejected', () => {
    for (const t of [0x00, 0x02, 0x03, 0x05, 0x06, 0xff]) expect(codeOf(() => parseVerifierKey(vkeyFor('t.example', t)))).toBe('MALFORMED_KEY');
  });

  test('key ID mismatch is rejected', () => {
    expect(codeOf(() => parseVerifierKey(vkeyFor('a.example', SIG_ED25519, pub, 0x12345678)))).toBe('MALFORMED_KEY');
    // same key and name, wrong type in the ID computation
    expect(codeOf(() => parseVerifierKey(vkeyFor('a.example', SIG_ED25519, pub, keyId('a.example', SIG_COSIGNATURE_V1, pub))))).toBe('MALFORMED_KEY');
  });

  test('key names: non-empty, no Unicode space, no +, no control characters', () => {
    for (const bad of ['', 'a b', 'a\tb', 'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u0085b', 'a+b', 'a\u0000b', 'a\ud800b']) {
      expect(isValidKeyName(bad), JSON.stringify(bad)).toBe(false);
      expect(codeOf(() => newSignerKey(bad, seedOf('x')))).toBe('MALFORMED_KEY');
    }
    for (const good of ['a', 'example.com/log42', 'café.example', 'oid/1.3.6.1.4.1.32473.2.0.42', '\u{1f600}']) {
      expect(isValidKeyName(good), good).toBe(true);
      const s = parseSignerKey(newSignerKey(good, seedOf(good)));
      expect(parseVerifierKey(verifierKey(s)).keyId).toBe(s.keyId);
    }
  });

  test('wrong key lengths are rejected', () => {
    const short = `x.example+00000000+${toBase64(Uint8Array.of(1, ...pub.subarray(1)))}`;
    expect(codeOf(() => parseVerifierKey(short))).toBe('MALFORMED_KEY');
    expect(codeOf(() => parseVerifierKey('x.example+00000000+'))).toBe('MALFORMED_KEY');
    expect(codeOf(() => newSignerKey('x', new Uint8Array(31)))).toBe('MALFORMED_KEY');
  });

  test('a type-0x04 signer key round-trips and carries the cosignature key ID', () => {
    const w = witnessSigner('w.example', 'w');
    const text = newSignerKey('w.example', seedOf('w'), SIG_COSIGNATURE_V1);
    expect(text.startsWith(`PRIVATE+KEY+w.example+${formatKeyId(keyId('w.example', 0x04, w.publicKey))}+`)).toBe(true);
    expect(Buffer.from(text.split('+').slice(4).join('+'), 'base64')[0]).toBe(0x04);
    expect(parseSignerKey(text).type).toBe(SIG_COSIGNATURE_V1);
  });

  test('property: any seed and valid name round-trips through both key formats', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.stringMatching(/^[a-z0-9./-]{1,20}$/), fc.constantFrom(0x01, 0x04), (seed, name, type) => {
        const skey = newSignerKey(name, seed, type);
        const s = parseSignerKey(skey);
        const v = parseVerifierKey(verifierKey(s));
        expect(v.keyId).toBe(s.keyId);
        expect(v.type).toBe(type);
        expect(Buffer.from(v.publicKey)).toEqual(Buffer.from(s.publicKey));
      }),
      { numRuns: 50 },
    );
  });
});
