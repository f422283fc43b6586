import { describe, expect, test } from 'vitest';
import * as ed from '@noble/ed25519';
import fc from 'fast-check';
import { ed25519PublicKey, ed25519Sign, ed25519Signer, ed25519Verify } from '../../src/note/ed25519.js';
import { hex, loadVector } from './helpers.js';

const rfc = loadVector('rfc8032-ed25519.json');
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function leToBig(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = n * 256n + BigInt(b[i]!);
  return n;
}
function bigToLe(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    out[i] = Number(n % 256n);
    n /= 256n;
  }
  return out;
}

describe('Ed25519 RFC 8032 §7.1 vectors', () => {
  for (const v of rfc.vectors as { name: string; secretKey: string; publicKey: string; message: string; signature: string }[]) {
    test(v.name, () => {
      const seed = hex(v.secretKey);
      const msg = hex(v.message);
      expect(Buffer.from(ed25519PublicKey(seed)).toString('hex')).toBe(v.publicKey);
      expect(Buffer.from(ed25519Sign(seed, msg)).toString('hex')).toBe(v.signature);
      expect(Buffer.from(ed25519Signer(seed)(msg)).toString('hex')).toBe(v.signature);
      expect(ed25519Verify(hex(v.publicKey), msg, hex(v.signature))).toBe(true);
      const tampered = Uint8Array.from(msg.length > 0 ? msg : [0]);
      tampered[0] = (tampered[0]! + 1) % 256;
      expect(ed25519Verify(hex(v.publicKey), tampered, hex(v.signature))).toBe(false);
    });
  }
});

describe('ed25519Signer (key expanded once)', () => {
  test('signs exactly as ed25519Sign (noble) for random seeds and messages, repeatedly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 3 }), (seed, msgs) => {
        const sign = ed25519Signer(seed);
        for (const m of msgs) expect(Buffer.from(sign(m)).toString('hex')).toBe(Buffer.from(ed25519Sign(seed, m)).toString('hex'));
      }),
      { numRuns: 60 },
    );
  });

  test('refuses a seed that is not 32 bytes', () => {
    expect(() => ed25519Signer(new Uint8Array(31))).toThrow(Error);
  });
});

describe('strict verification', () => {
  const v = rfc.vectors[1];
  const pub = hex(v.publicKey);
  const msg = hex(v.message);
  const sig = hex(v.signature);

  test('non-canonical S (S + L) is rejected', () => {
    const s = leToBig(sig.subarray(32));
    const bad = Uint8Array.from(sig);
    bad.set(bigToLe(s + L, 32), 32);
    expect(s + L < 2n ** 256n).toBe(true);
    expect(ed25519Verify(pub, msg, bad)).toBe(false);
  });

  test('small-order public key with an identity signature: accepted by ZIP-215, rejected here', () => {
    const identity = new Uint8Array(32);
    identity[0] = 1; // y = 1: the neutral element
    const forged = new Uint8Array(64);
    forged.set(identity, 0); // R = identity, S = 0
    // Sanity: the permissive ZIP-215 rules accept this forgery for any message, so the test can fail.
    expect(ed.verify(forged, msg, identity, { zip215: true })).toBe(true);
    expect(ed25519Verify(identity, msg, forged)).toBe(false);
    expect(ed25519Verify(identity, new Uint8Array([1, 2, 3]), forged)).toBe(false);
  });

  test('non-canonical public key encoding (y >= p) is rejected', () => {
    // y = p + 1 ≡ 1 encodes the identity non-canonically.
    const p = 2n ** 255n - 19n;
    const nonCanonical = bigToLe(p + 1n, 32);
    const forged = new Uint8Array(64);
    forged[0] = 1;
    expect(ed25519Verify(nonCanonical, msg, forged)).toBe(false);
  });

  test('wrong lengths are false, never a throw', () => {
    expect(ed25519Verify(pub.subarray(1), msg, sig)).toBe(false);
    expect(ed25519Verify(pub, msg, sig.subarray(1))).toBe(false);
    expect(ed25519Verify(pub, msg, new Uint8Array(65))).toBe(false);
    expect(ed25519Verify(new Uint8Array(32).fill(0xff), msg, sig)).toBe(false);
  });

  test('a seed of the wrong length is a bug (plain Error)', () => {
    expect(() => ed25519PublicKey(new Uint8Array(31))).toThrow(Error);
    expect(() => ed25519Sign(new Uint8Array(33), msg)).toThrow(Error);
  });
});
