/** Property tests: parse/canonical round trips and agreement with JSON.parse on plain input. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/json/canonical.js';
import { canonicalJsonOfParsed } from '../../src/json/canonical-parsed.js';
import { parseStrictJson, type JsonValue } from '../../src/json/strict.js';
import { identityOfValue } from '../../src/declaration/identity.js';

/**
 * Finite doubles except those in [2^53, 1e21): ECMAScript prints them as integer literals
 * (`100000000000000000000`), so rule A3 refuses them. See the explicit tests below.
 */
const double = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !(Math.abs(x) >= 2 ** 53 && Math.abs(x) < 1e21));

/** Any JSON value the strict rules accept: safe integers, finite doubles, well-formed strings. */
const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    double,
    fc.string({ unit: 'binary' }),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: 'binary', maxLength: 6 }), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Re-serialises a value with shuffled member order and random JSON whitespace. */
function reformat(v: JsonValue, rnd: () => number): string {
  const ws = () => [' ', '\t', '\n', '\r', ''][Math.floor(rnd() * 5)]!;
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => ws() + reformat(x, rnd) + ws()).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    return `{${ws()}${keys.map((k) => `${ws()}${JSON.stringify(k)}${ws()}:${ws()}${reformat(v[k]!, rnd)}`).join(',')}${ws()}}`;
  }
  return JSON.stringify(v);
}

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1; // test-only PRNG (xorshift32); not tree arithmetic
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

describe('properties', () => {
  it('member order and whitespace never change the identity', () => {
    fc.assert(
      fc.property(jsonValue, fc.integer(), (v, seed) => {
        const a = identityOfValue(parseStrictJson(JSON.stringify(v))).identity;
        const b = identityOfValue(parseStrictJson(reformat(v, seeded(seed)))).identity;
        expect(b).toBe(a);
      }),
      { numRuns: 300 },
    );
  });

  it('canonical → parse → canonical is stable', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        const c = canonicalJson(v);
        expect(canonicalJson(parseStrictJson(c))).toBe(c);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with JSON.parse on valid input without duplicates or unsafe integers', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        const text = JSON.stringify(v);
        expect(parseStrictJson(text)).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with JSON.parse on fast-check JSON text, or rejects it with a coded error', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        let strict: unknown;
        try {
          strict = parseStrictJson(text);
        } catch (e) {
          // fc.json may produce -0 only; anything it produces is valid, so a rejection must be
          // one of the value rules, never a syntax error.
          expect((e as { code: string }).code).toMatch(/^JSON_(UNSAFE_INTEGER|NUMBER_OVERFLOW|NUMBER_UNDERFLOW|LONE_SURROGATE)$/);
          return;
        }
        expect(strict).toStrictEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it("the unchecked writer for the parser's values writes what canonicalJson writes", () => {
    fc.assert(
      fc.property(jsonValue, fc.integer(), (v, seed) => {
        const parsed = parseStrictJson(reformat(v, seeded(seed)));
        expect(canonicalJsonOfParsed(parsed)).toBe(canonicalJson(parsed));
      }),
      { numRuns: 500 },
    );
    // Escapes, member names that look like array indexes, an own __proto__ member, -0, exponents.
    const text = '{"b":"a\\"q\\\\\\u0001\\u001f\\u007f\\u2028é😀","10":1,"9":2,"-1":3,"":[-0,1e-7,1E21,0.5],"__proto__":{"x":null},"a\\nb":true}';
    const parsed = parseStrictJson(text);
    expect(canonicalJsonOfParsed(parsed)).toBe(canonicalJson(parsed));
  });

  it('canonical text is valid JSON that JSON.parse reads to an equal value', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        const back = JSON.parse(canonicalJson(v)) as JsonValue;
        expect(canonicalJson(back)).toBe(canonicalJson(v));
      }),
      { numRuns: 200 },
    );
  });
});

describe('the A3 band [2^53, 10^21)', () => {
  it('every finite double either canonicalises to text that reads back to it, or is refused as unsafe', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const inBand = Math.abs(x) >= 2 ** 53 && Math.abs(x) < 1e21;
        let c: string;
        try {
          c = canonicalJson([x]);
        } catch (e) {
          expect(inBand).toBe(true);
          expect((e as { code: string }).code).toBe('JSON_UNSAFE_INTEGER');
          return;
        }
        expect(inBand).toBe(false);
        expect(canonicalJson(parseStrictJson(c))).toBe(c);
        expect((parseStrictJson(c) as number[])[0] === x).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('holds at the band edges', () => {
    expect(canonicalJson([2 ** 53 - 1, -(2 ** 53 - 1), 1e21, 1.0000001e21])).toBe('[9007199254740991,-9007199254740991,1e+21,1.0000001e+21]');
    expect(() => canonicalJson([2 ** 53])).toThrow(expect.objectContaining({ code: 'JSON_UNSAFE_INTEGER', path: '$[0]' }));
    expect(() => canonicalJson({ a: -999999999999999900000 })).toThrow(expect.objectContaining({ code: 'JSON_UNSAFE_INTEGER', path: '$.a' }));
  });
});
