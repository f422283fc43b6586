import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { decodeEntry, encodeEntry, ENTRY_SIZE, ENTRY_TYPE_RUN_DECLARED } from '../../src/note/entry.js';
import { codeOf, hex } from './helpers.js';

const identity = hex('b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c');

describe('entry (docs/specification.md §7)', () => {
  test('known answer: layout type ‖ uint64 BE ms ‖ identity', () => {
    const e = encodeEntry({ type: ENTRY_TYPE_RUN_DECLARED, timestamp: 1764115200123, identity });
    expect(e.length).toBe(ENTRY_SIZE);
    expect(Buffer.from(e).toString('hex')).toBe('01' + '0000019abd75b87b' + Buffer.from(identity).toString('hex'));
    expect(decodeEntry(e)).toEqual({ type: 1, timestamp: 1764115200123, identity });
  });

  test('timestamps above 2^32 and up to 2^53-1 round-trip exactly', () => {
    for (const t of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 12345, Number.MAX_SAFE_INTEGER]) {
      expect(decodeEntry(encodeEntry({ type: 1, timestamp: t, identity })).timestamp).toBe(t);
    }
    expect(Buffer.from(encodeEntry({ type: 1, timestamp: Number.MAX_SAFE_INTEGER, identity }).subarray(1, 9)).toString('hex')).toBe('001fffffffffffff');
  });

  test('decode is strict', () => {
    const good = encodeEntry({ type: 1, timestamp: 5, identity });
    expect(codeOf(() => decodeEntry(good.subarray(0, 40)))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => decodeEntry(new Uint8Array([...good, 0])))).toBe('MALFORMED_ENTRY');
    for (const t of [0, 2, 0xff]) {
      const b = Uint8Array.from(good);
      b[0] = t;
      expect(codeOf(() => decodeEntry(b))).toBe('MALFORMED_ENTRY');
    }
    const big = Uint8Array.from(good);
    big[2] = 0x20; // 2^53
    expect(codeOf(() => decodeEntry(big))).toBe('MALFORMED_ENTRY');
    big[2] = 0x1f;
    expect(codeOf(() => decodeEntry(big))).toBe('OK');
  });

  test('decode of a subarray view with an offset', () => {
    const buf = new Uint8Array(100);
    buf.set(encodeEntry({ type: 1, timestamp: 2 ** 33 + 7, identity }), 13);
    expect(decodeEntry(buf.subarray(13, 13 + ENTRY_SIZE)).timestamp).toBe(2 ** 33 + 7);
  });

  test('encode refuses out-of-range fields', () => {
    expect(codeOf(() => encodeEntry({ type: 2, timestamp: 0, identity }))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => encodeEntry({ type: 1, timestamp: -1, identity }))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => encodeEntry({ type: 1, timestamp: 2 ** 53, identity }))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => encodeEntry({ type: 1, timestamp: 0.5, identity }))).toBe('MALFORMED_ENTRY');
    expect(codeOf(() => encodeEntry({ type: 1, timestamp: 0, identity: identity.subarray(1) }))).toBe('MALFORMED_ENTRY');
  });

  test('property: decode(encode(e)) = e', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (timestamp, id) => {
        expect(decodeEntry(encodeEntry({ type: 1, timestamp, identity: id }))).toEqual({ type: 1, timestamp, identity: id });
      }),
    );
  });
});
