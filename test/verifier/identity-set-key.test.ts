/**
 * IdentitySet.add reports a candidate only for an earlier identity with the same 64-bit key (both
 * words), as documented: a slot met while probing whose second word alone matches is another
 * identity's, and reporting it costs the audit a bundle read again (audit.ts sameIdentity).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { IdentitySet } from '../../verifier/audit/identity-set.js';

/** An IdentitySet whose second words are all 0 (their tables zeroed); the first words stay random. */
function zeroSecondWords(): IdentitySet {
  const real = crypto.getRandomValues.bind(crypto);
  const spy = vi.spyOn(crypto, 'getRandomValues').mockImplementation(<A extends ArrayBufferView | null>(a: A): A => {
    real(a as ArrayBufferView);
    if (a instanceof Int32Array && a.length === 32 * 256 * 2) for (let i = 1; i < a.length; i += 2) a[i] = 0;
    return a;
  });
  try {
    return new IdentitySet(16);
  } finally {
    spy.mockRestore();
  }
}

describe('IdentitySet candidates', () => {
  it('are only identities whose whole 64-bit key matches, not a second word met while probing', () => {
    const set = zeroSecondWords();
    const ids = new Uint8Array(randomBytes(32 * 3000));
    let candidates = 0;
    for (let i = 0; i < 3000; i++) {
      const distinct: number[] = [];
      for (let p = set.add(ids, 32 * i, distinct); p >= 0; p = set.add(ids, 32 * i, distinct)) {
        candidates++;
        distinct.push(p);
      }
    }
    // Random first words: a shared one among 3,000 has probability ≈ 3000²/2^33 ≈ 0.001.
    expect(candidates).toBeLessThanOrEqual(1);
    expect(set.size).toBe(3000);
    for (const i of [0, 7, 2999]) expect(set.add(ids.slice(32 * i, 32 * i + 32), 0)).toBe(i);
  });
});
