/**
 * leafHash and nodeHash compute SHA-256 of short inputs with their own allocation-free SHA-256
 * (src/merkle/hash.ts); node:crypto is the oracle, for every input length around the one- and
 * two-block boundaries and beyond (longer leaves go through noble), and for random inputs.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, leafHash, nodeHash } from '../../src/merkle/hash.js';

const oracle = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('merkle hashes against node:crypto', () => {
  it('leafHash = SHA-256(0x00 ‖ entry) for every entry length 0..300', () => {
    for (let n = 0; n <= 300; n++) {
      const entry = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) % 256);
      expect(hex(leafHash(entry))).toBe(oracle(Uint8Array.of(0), entry));
    }
  });

  it('leafHash and nodeHash agree with node:crypto on random inputs, interleaved', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (e, l, r) => {
        expect(hex(leafHash(e))).toBe(oracle(Uint8Array.of(0), e));
        expect(hex(nodeHash(l, r))).toBe(oracle(Uint8Array.of(1), l, r));
        expect(hex(leafHash(e))).toBe(oracle(Uint8Array.of(0), e));
      }),
      { numRuns: 500 },
    );
  });

  it('the empty root is SHA-256 of nothing, and results do not alias scratch space', () => {
    expect(hex(EMPTY_ROOT)).toBe(oracle());
    const a = leafHash(Uint8Array.of(1));
    const b = leafHash(Uint8Array.of(2));
    expect(hex(a)).toBe(oracle(Uint8Array.of(0, 1)));
    expect(hex(b)).toBe(oracle(Uint8Array.of(0, 2)));
  });

  it('nodeHash refuses inputs that are not 32 bytes', () => {
    expect(() => nodeHash(new Uint8Array(31), new Uint8Array(32))).toThrow(Error);
  });
});
