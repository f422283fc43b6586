/** c2sp.org/tlog-tiles entry bundles: uint16 big-endian length-prefixed entries. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/encoding/hex.js';
import { isRunproofError } from '../../src/errors.js';
import { encodeBundle, parseBundle } from '../../src/merkle/bundle.js';

function fault(f: () => unknown): { code: string; offset: unknown } | 'ok' {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (isRunproofError(e)) return { code: e.code, offset: e.evidence?.offset };
    throw e;
  }
}

describe('entry bundles', () => {
  it('encode each entry as a big-endian uint16 length then the bytes', () => {
    expect(toHex(encodeBundle([fromHex(''), fromHex('ab'), new Uint8Array(0x0102).fill(7)]).subarray(0, 7))).toBe('00000001ab0102');
    expect(encodeBundle([]).length).toBe(0);
    expect(encodeBundle([new Uint8Array(65535)]).length).toBe(65537);
  });

  it('round-trip any list of up to 256 entries', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 256 }), (entries) => {
        const parsed = parseBundle(encodeBundle(entries), entries.length);
        expect(parsed.map(toHex)).toEqual(entries.map(toHex));
      }),
      { numRuns: 50 },
    );
  });

  it('reject bad bundles with MALFORMED_ENTRY and the offset of the fault', () => {
    const two = encodeBundle([fromHex('aabb'), fromHex('cc')]); // 0002aabb 0001cc
    expect(fault(() => parseBundle(two.subarray(0, 5)))).toEqual({ code: 'MALFORMED_ENTRY', offset: 4 }); // half a length
    expect(fault(() => parseBundle(two.subarray(0, 6)))).toEqual({ code: 'MALFORMED_ENTRY', offset: 4 }); // entry cut short
    expect(fault(() => parseBundle(two.subarray(0, 3)))).toEqual({ code: 'MALFORMED_ENTRY', offset: 0 });
    expect(fault(() => parseBundle(new Uint8Array([...two, 0])))).toEqual({ code: 'MALFORMED_ENTRY', offset: 7 }); // trailing byte
    expect(fault(() => parseBundle(two, 3))).toEqual({ code: 'MALFORMED_ENTRY', offset: 7 }); // count mismatch
    expect(fault(() => parseBundle(two, 1))).toEqual({ code: 'MALFORMED_ENTRY', offset: 7 });
    expect(parseBundle(two, 2).map(toHex)).toEqual(['aabb', 'cc']);
    const tooMany = encodeBundle(Array.from({ length: 257 }, () => new Uint8Array(0)));
    expect(fault(() => parseBundle(tooMany))).toEqual({ code: 'MALFORMED_ENTRY', offset: 512 });
    expect(fault(() => encodeBundle([new Uint8Array(65536)]))).toMatchObject({ code: 'MALFORMED_ENTRY' });
  });

  it('every truncation of a valid bundle is rejected or parses to a prefix of its entries', () => {
    const entries = [fromHex('00'), fromHex(''), fromHex('0102030405'), new Uint8Array(300).fill(9)];
    const full = encodeBundle(entries);
    for (let cut = 0; cut < full.length; cut++) {
      const r = fault(() => parseBundle(full.subarray(0, cut)));
      if (r === 'ok') {
        const got = parseBundle(full.subarray(0, cut)).map(toHex);
        expect(got).toEqual(entries.slice(0, got.length).map(toHex));
        expect(encodeBundle(entries.slice(0, got.length)).length).toBe(cut);
      } else {
        expect(r.code).toBe('MALFORMED_ENTRY');
      }
    }
  });
});
