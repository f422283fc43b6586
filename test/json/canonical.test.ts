import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertPlainJson, canonicalBytes, canonicalJson } from '../../src/json/canonical.js';
import type { JsonValue } from '../../src/json/strict.js';
import { parseStrictJson } from '../../src/json/strict.js';
import { expectCode } from './expect-code.js';

const asJson = (v: unknown) => v as JsonValue;

describe('canonicalJson', () => {
  it('turns -0 into 0 and formats numbers as ECMAScript Number::toString', () => {
    expect(canonicalJson(-0)).toBe('0');
    expect(canonicalJson({ a: -0 })).toBe('{"a":0}');
    expect(canonicalJson([1, 1.0, 1e0, 100, 1e21, 1e-7, 0.1, 1234567890123456800000, 0.000001])).toBe('[1,1,1,100,1e+21,1e-7,0.1,1.2345678901234568e+21,0.000001]');
  });

  it('identifies numbers by IEEE value (A5): 1, 1.0 and 1e0 canonicalise alike', () => {
    const a = canonicalJson(parseStrictJson('{"t":1}'));
    expect(canonicalJson(parseStrictJson('{"t":1.0}'))).toBe(a);
    expect(canonicalJson(parseStrictJson('{"t":1e0}'))).toBe(a);
    expect(canonicalJson(parseStrictJson('{"t":10E-1}'))).toBe(a);
  });

  it('sorts keys by UTF-16 code units, not code points or locale', () => {
    // U+FB33 (one unit 0xFB33) sorts after U+1F602 (units 0xD83D 0xDE02) by code units,
    // though before it by code point.
    expect(canonicalJson({ '\ufb33': 1, '\u{1f602}': 2, 'é': 3, z: 4, Z: 5, '': 6, '10': 7, '9': 8 })).toBe(
      '{"":6,"10":7,"9":8,"Z":5,"z":4,"\u00e9":3,"\u{1f602}":2,"\ufb33":1}',
    );
  });

  it('escapes only what RFC 8785 §3.2.2.2 escapes', () => {
    expect(canonicalJson('\u0000\u0008\t\n\u000b\f\r\u001f"\\/\u007f\u0080\u2028é')).toBe(
      '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\\"\\\\/\u007f\u0080\u2028é"',
    );
  });

  it('does not normalise Unicode (rule B)', () => {
    expect(canonicalJson('\u00e9')).not.toBe(canonicalJson('e\u0301'));
  });

  it('keeps array order and null members (rules C, E)', () => {
    expect(canonicalJson({ b: [3, 1, 2], a: null, c: '0.7', d: 0.7 })).toBe('{"a":null,"b":[3,1,2],"c":"0.7","d":0.7}');
  });

  it('serialises an own __proto__ member', () => {
    expect(canonicalJson(parseStrictJson('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}');
  });

  it('returns UTF-8 bytes', () => {
    expect(Array.from(canonicalBytes({ é: '😂' }))).toEqual(Array.from(new TextEncoder().encode('{"é":"😂"}')));
  });

  it('accepts null-prototype objects', () => {
    const o = Object.create(null) as Record<string, JsonValue>;
    o.b = 1;
    o.a = [true];
    expect(canonicalJson(o)).toBe('{"a":[true],"b":1}');
  });
});

describe('assertPlainJson rejects what is not plain JSON (JSON_NOT_PLAIN)', () => {
  class Thing {
    a = 1;
  }
  const sparse: unknown[] = [1];
  sparse[2] = 3;
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const withSymbol = { a: 1, [Symbol('s')]: 2 };
  const withToJson = { toJSON: () => 1 };
  class MyArray extends Array<number> {}

  it.each([
    ['undefined member', { a: { b: undefined } }, '$.a.b'],
    ['undefined element', [1, undefined], '$[1]'],
    ['undefined at top', undefined, '$'],
    ['function', { f: () => 1 }, '$.f'],
    ['toJSON method', withToJson, '$.toJSON'],
    ['symbol value', { s: Symbol('x') }, '$.s'],
    ['symbol key', withSymbol, '$'],
    ['bigint', { n: 1n }, '$.n'],
    ['NaN', [NaN], '$[0]'],
    ['Infinity', { x: [1, Infinity] }, '$.x[1]'],
    ['-Infinity', -Infinity, '$'],
    ['Date', { d: new Date(0) }, '$.d'],
    ['class instance', { t: new Thing() }, '$.t'],
    ['Map', new Map(), '$'],
    ['Uint8Array', { b: new Uint8Array(2) }, '$.b'],
    ['boxed string', { s: new String('x') }, '$.s'],
    ['array subclass', { a: MyArray.from([1]) }, '$.a'],
    ['sparse array hole', sparse, '$[1]'],
    ['cycle', cyclic, '$.self'],
    ['lone surrogate in a string', { 'a b': ['\ud800'] }, '$["a b"][0]'],
    ['lone surrogate in a key', { '\udc00': 1 }, '$["\\udc00"]'],
  ])('%s', (_what, value, path) => {
    expectCode(() => assertPlainJson(value), 'JSON_NOT_PLAIN', path);
    expectCode(() => canonicalJson(asJson(value)), 'JSON_NOT_PLAIN', path);
  });

  it('accepts shared (non-cyclic) references', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('the canonicalize package as a differential oracle', () => {
  // Strings over all of UTF-16 (lone surrogates are refused by canonicalJson, so they are paired
  // here), numbers across the whole double range except the A3 band, nested arrays and objects.
  const str = fc.string({ unit: 'grapheme', maxLength: 12 });
  const num = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constant(-0)).filter((n) => !(Math.abs(n) >= 2 ** 53 && Math.abs(n) < 1e21));
  const value = fc.letrec((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), num, str, fc.array(tie('v'), { maxLength: 5 }), fc.dictionary(str, tie('v'), { maxKeys: 6 })),
  })).v as fc.Arbitrary<JsonValue>;

  it('writes exactly what canonicalize writes for random plain JSON values', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes exactly what canonicalize writes for fast-check JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), (v) => {
        const j = v as JsonValue;
        let ok = true;
        try {
          assertPlainJson(j);
        } catch {
          ok = false; // unsafe-band numbers: both paths refuse, see the A3 tests
        }
        if (ok) expect(canonicalJson(j)).toBe(canonicalize(j));
        else expect(() => canonicalJson(j)).toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
