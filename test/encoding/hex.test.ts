/**
 * Lowercase hex (src/encoding/hex.ts) against Node's own encoder, at every length around the
 * writer's chunk size, and the strict decoder's round trip and refusals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/encoding/hex.js';

describe('toHex', () => {
  it('matches Buffer hex for random bytes of any length up to three chunks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3 * 4096 + 7 }), (bytes) => {
        expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'));
      }),
      { numRuns: 300 },
    );
  });

  it('writes every byte value, at the chunk edges too', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(toHex(all)).toBe(Buffer.from(all).toString('hex'));
    for (const n of [0, 1, 4095, 4096, 4097, 8192, 8193]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256);
      expect(toHex(bytes), `length ${n}`).toBe(Buffer.from(bytes).toString('hex'));
    }
  });

  it('round-trips through the strict decoder, which refuses upper case and odd lengths', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    expect(fromHex(toHex(bytes), 32)).toEqual(bytes);
    expect(() => fromHex(toHex(bytes).toUpperCase())).toThrow(/lowercase/);
    expect(() => fromHex('abc')).toThrow(/lowercase/);
  });
});
