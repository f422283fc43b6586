/**
 * The Ed25519 accelerator (node:crypto in the Node entry points) must never change a verdict:
 * src/note/ed25519.ts trusts only its `true`, and only for a strict key and S < L, where that
 * implies noble's strict cofactored `true`. Every case here is judged with and without it.
 */
import { afterEach, describe, expect, test } from 'vitest';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, useEd25519Accelerator } from '../../src/note/ed25519.js';
import { nativeEd25519Verify } from '../../node-shared/native-ed25519.js';
import { installNativeEd25519 } from '../../verifier/node.js';
import { hex, loadVector } from './helpers.js';

const rfc = loadVector('rfc8032-ed25519.json');
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;

const leToBig = (b: Uint8Array): bigint => b.reduceRight((n, x) => n * 256n + BigInt(x), 0n);
function bigToLe(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n /= 256n) out[i] = Number(n % 256n);
  return out;
}

/** The verdict without an accelerator, then with node:crypto's; both returned. */
function bothWays(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): [boolean, boolean] {
  useEd25519Accelerator(undefined);
  const pure = ed25519Verify(pub, msg, sig);
  installNativeEd25519();
  return [pure, ed25519Verify(pub, msg, sig)];
}

/**
 * A signature valid under the cofactored equation only: R' = [r]B + T with T of order 2 (the
 * point (0, −1)), S = r + k'a, k' hashed over R'. [S]B − [k']A = R' − T, so a cofactorless check
 * (OpenSSL, Go) refuses it and a cofactored one (noble, RFC 8032 §5.1.7 as written) accepts it.
 */
function cofactoredOnly(seed: Uint8Array, msg: Uint8Array): { pub: Uint8Array; sig: Uint8Array } {
  const { scalar: a, pointBytes: pub } = ed.utils.getExtendedPublicKey(seed.slice());
  const T = ed.Point.fromBytes(bigToLe(P - 1n)); // y = −1, x = 0: order 2
  const r = 123456789n;
  const R = ed.Point.BASE.multiply(r).add(T).toBytes();
  const k = leToBig(sha512(new Uint8Array([...R, ...pub, ...msg]))) % L;
  const sig = new Uint8Array(64);
  sig.set(R);
  sig.set(bigToLe((r + k * a) % L), 32);
  return { pub, sig };
}

afterEach(() => useEd25519Accelerator(undefined));

describe('node:crypto as the Ed25519 accelerator', () => {
  test('agrees with the pure check on RFC 8032 §7.1 vectors, good and tampered', () => {
    expect(installNativeEd25519()).toBe(true); // this Node's OpenSSL has Ed25519: installed
    for (const v of rfc.vectors as { publicKey: string; message: string; signature: string }[]) {
      const msg = hex(v.message);
      expect(nativeEd25519Verify(hex(v.publicKey), msg, hex(v.signature))).toBe(true);
      expect(bothWays(hex(v.publicKey), msg, hex(v.signature))).toEqual([true, true]);
      const tampered = Uint8Array.from([...msg, 0]);
      expect(bothWays(hex(v.publicKey), tampered, hex(v.signature))).toEqual([false, false]);
    }
  });

  test('a signature valid only cofactored: node:crypto refuses it, the verdict stays noble\'s (true)', () => {
    const msg = new TextEncoder().encode('a checkpoint body\n');
    const { pub, sig } = cofactoredOnly(new Uint8Array(32).fill(9), msg);
    expect(nativeEd25519Verify(pub, msg, sig)).toBe(false); // so the fallback is what answers
    expect(bothWays(pub, msg, sig)).toEqual([true, true]);
  });

  test('non-canonical S, a small-order key and a non-canonical key are refused either way', () => {
    const v = rfc.vectors[1] as { publicKey: string; message: string; signature: string };
    const [pub, msg, sig] = [hex(v.publicKey), hex(v.message), hex(v.signature)];
    const sPlusL = Uint8Array.from(sig);
    sPlusL.set(bigToLe(leToBig(sig.subarray(32)) + L), 32);
    expect(bothWays(pub, msg, sPlusL)).toEqual([false, false]);
    const identity = bigToLe(1n); // the neutral element: small order
    const forged = new Uint8Array(64);
    forged.set(identity);
    expect(ed.verify(forged, msg, identity, { zip215: true })).toBe(true); // the test can fail
    expect(bothWays(identity, msg, forged)).toEqual([false, false]);
    expect(bothWays(bigToLe(P + 1n), msg, forged)).toEqual([false, false]);
  });

  test('an accelerator that says true to everything is not asked about a non-strict key or S ≥ L', () => {
    const v = rfc.vectors[1] as { publicKey: string; message: string; signature: string };
    const [pub, msg, sig] = [hex(v.publicKey), hex(v.message), hex(v.signature)];
    const asked: string[] = [];
    useEd25519Accelerator(() => {
      asked.push('asked');
      return true;
    });
    const sPlusL = Uint8Array.from(sig);
    sPlusL.set(bigToLe(leToBig(sig.subarray(32)) + L), 32);
    expect(ed25519Verify(pub, msg, sPlusL)).toBe(false);
    const sEqualsL = Uint8Array.from(sig);
    sEqualsL.set(bigToLe(L), 32);
    expect(ed25519Verify(pub, msg, sEqualsL)).toBe(false);
    const forged = new Uint8Array(64);
    forged[0] = 1;
    expect(ed25519Verify(bigToLe(1n), msg, forged)).toBe(false); // small-order key
    expect(ed25519Verify(bigToLe(P + 1n), msg, forged)).toBe(false); // non-canonical key
    expect(asked).toEqual([]);
    // S = L − 1 and a strict key: asked (and believed — the contract is on the accelerator).
    const sBelowL = Uint8Array.from(sig);
    sBelowL.set(bigToLe(L - 1n), 32);
    expect(ed25519Verify(pub, msg, sBelowL)).toBe(true);
    expect(asked).toEqual(['asked']);
  });

  test('an accelerator that throws or says false leaves the verdict to noble', () => {
    const seed = new Uint8Array(32).fill(5);
    const msg = new Uint8Array([1, 2, 3]);
    const sig = ed25519Sign(seed, msg);
    useEd25519Accelerator(() => {
      throw new Error('broken accelerator');
    });
    expect(ed25519Verify(ed25519PublicKey(seed), msg, sig)).toBe(true);
    useEd25519Accelerator(() => false);
    expect(ed25519Verify(ed25519PublicKey(seed), msg, sig)).toBe(true);
    expect(ed25519Verify(ed25519PublicKey(seed), msg.subarray(1), sig)).toBe(false);
  });

  test('property: the verdict with node:crypto equals the pure one, for good, altered and random signatures', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom('good', 'flip', 'random', 'cofactored', 'key'),
        fc.nat(511),
        fc.uint8Array({ minLength: 64, maxLength: 64 }),
        (seed, msg, kind, bit, noise) => {
          let pub = ed25519PublicKey(seed);
          let sig = ed25519Sign(seed, msg);
          if (kind === 'flip') sig[Math.floor(bit / 8)]! ^= 2 ** (bit % 8);
          if (kind === 'random') sig = noise;
          if (kind === 'cofactored') ({ pub, sig } = cofactoredOnly(seed, msg));
          if (kind === 'key') pub = noise.subarray(0, 32);
          const [pure, fast] = bothWays(pub, msg, sig);
          expect(fast).toBe(pure);
          if (kind === 'good' || kind === 'cofactored') expect(pure).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});
