/**
 * The strict parser's canonical-form flag (parseStrictJsonNotingForm): the log hashes a body as it
 * came when the flag is set, so the flag must be set exactly when the text equals the RFC 8785
 * canonical text of its value. A false "canonical" would give a declaration a second identity;
 * a false "not canonical" only costs the canonical writer's time. Both directions are checked
 * against canonicalJson over random values written canonically or with one deviation or more.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/json/canonical.js';
import { parseStrictJson, parseStrictJsonNotingForm, type JsonValue } from '../../src/json/strict.js';

const double = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !(Math.abs(x) >= 2 ** 53 && Math.abs(x) < 1e21));

/** Strings rich in the characters that have more than one JSON spelling. */
const tricky = fc.string({ unit: fc.constantFrom('a', 'Z', '/', '"', '\\', '\b', '\t', '\n', '\f', '\r', '\u0000', '\u001f', '\u007f', 'é', '\u2028', '😀', '\ud7ff', '\ue000'), maxLength: 6 });

const jsonValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    double,
    fc.constantFrom(0, -0, 1, 0.5, 1e-7, 1e21, 123e-20, 5e-324),
    fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 8 })),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(tricky, fc.string({ unit: 'binary', maxLength: 4 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/**
 * write renders `v` as JSON text. With `deviate` returning false it writes the canonical text;
 * each true answer takes one of the other spellings JSON allows at that point (whitespace, member
 * order, an escape, a number's form), where one exists.
 */
function write(v: JsonValue, deviate: () => boolean, pick: (n: number) => number): string {
  const ws = () => (deviate() ? [' ', '\t', '\n', '\r'][pick(4)]! : '');
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => write(x, deviate, pick) + ws()).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort();
    if (keys.length > 1 && deviate()) keys.reverse();
    return `{${ws()}${keys.map((k) => `${writeString(k, deviate, pick)}${ws()}:${ws()}${write(v[k]!, deviate, pick)}`).join(',')}}${ws()}`;
  }
  if (typeof v === 'string') return writeString(v, deviate, pick);
  if (typeof v === 'number') return writeNumber(v, deviate, pick);
  return JSON.stringify(v);
}

function writeString(s: string, deviate: () => boolean, pick: (n: number) => number): string {
  let out = '"';
  for (const ch of s) {
    const canonical = JSON.stringify(ch).slice(1, -1);
    if (!deviate()) {
      out += canonical;
      continue;
    }
    const u = ch.charCodeAt(0);
    const hex4 = (c: number) => c.toString(16).padStart(4, '0');
    const options = [
      ch.length === 1 ? '\\u' + hex4(u) : '\\u' + hex4(u) + '\\u' + hex4(ch.charCodeAt(1)),
      ch.length === 1 ? '\\u' + hex4(u).toUpperCase() : '\\u' + hex4(u).toUpperCase() + '\\u' + hex4(ch.charCodeAt(1)),
      ch === '/' ? '\\/' : canonical,
    ];
    out += options[pick(options.length)];
  }
  return out + '"';
}

function writeNumber(n: number, deviate: () => boolean, pick: (n: number) => number): string {
  const canonical = String(n);
  if (!deviate()) return canonical;
  const options = [
    n.toExponential(),
    n.toExponential().toUpperCase(),
    padded(canonical),
    Object.is(n, 0) ? '-0' : canonical,
    canonical.replace('e+', 'e'),
    n.toPrecision(17),
  ];
  return options[pick(options.length)]!;
}

/** padded writes the same number with a trailing zero in its fraction: `1` → `1.0`, `1.5e-7` → `1.50e-7`. */
function padded(c: string): string {
  const [mantissa, exponent] = c.split('e');
  return (mantissa!.includes('.') ? `${mantissa}0` : `${mantissa}.0`) + (exponent === undefined ? '' : `e${exponent}`);
}

function random(seed: number): () => number {
  let s = seed >>> 0 || 1; // test-only PRNG (xorshift32)
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

describe('parseStrictJsonNotingForm: canonical exactly when the text is the canonical text', () => {
  it('holds for random values, written canonically or with random deviations', () => {
    let both = { canonical: 0, not: 0 };
    fc.assert(
      fc.property(jsonValue, fc.integer(), fc.constantFrom(0, 0.02, 0.1, 0.5), (v, seed, rate) => {
        const rnd = random(seed);
        const text = write(v, () => rnd() < rate, (n) => Math.floor(rnd() * n));
        let got: { value: JsonValue; canonical: boolean };
        try {
          got = parseStrictJsonNotingForm(text);
        } catch (e) {
          // A deviation may write a number the strict rules refuse (e.g. 1e21 as 1000…0.0).
          expect((e as { code: string }).code).toMatch(/^JSON_(UNSAFE_INTEGER|NUMBER_UNDERFLOW|NUMBER_OVERFLOW)$/);
          return;
        }
        const want = text === canonicalJson(got.value);
        expect(got.canonical).toBe(want);
        both = want ? { ...both, canonical: both.canonical + 1 } : { ...both, not: both.not + 1 };
        // Bytes give the same verdict as text.
        expect(parseStrictJsonNotingForm(new TextEncoder().encode(text)).canonical).toBe(want);
      }),
      { numRuns: 3000 },
    );
    // The property must have seen both answers many times, or it tested nothing.
    expect(both.canonical).toBeGreaterThan(300);
    expect(both.not).toBeGreaterThan(300);
  });

  it('names each deviation RFC 8785 forbids', () => {
    const cases: [string, boolean][] = [
      ['{"a":1,"b":[true,false,null],"c":"x"}', true],
      [' {"a":1}', false],
      ['{"a":1}\n', false],
      ['{"a": 1}', false],
      ['{"b":1,"a":2}', false],
      ['{"a":1,"B":2}', false], // "B" < "a" in UTF-16 code units
      ['{"\\u00e9":1,"z":2}', false], // é escaped
      ['{"z":1,"é":2}', true],
      ['{"€":1,"😀":2}', true],
      ['{"😀":1,"€":2}', false],
      ['{"😀":1,"｡":2}', true], // U+1F600's surrogates sort below U+FF61: code units, not code points
      ['{"｡":1,"😀":2}', false],
      ['["\\/"]', false],
      ['["/"]', true],
      ['["\\n\\t\\r\\b\\f\\"\\\\"]', true],
      ['["\\u000a"]', false],
      ['["\\u001f\\u0000"]', true],
      ['["\\u001F"]', false],
      ['["\\u0041"]', false],
      ['["\\u007f"]', false],
      ['["\u007f\u2028"]', true],
      ['["\\ud83d\\ude00"]', false],
      ['[1.0]', false],
      ['[1e2]', false],
      ['[100]', true],
      ['[-0]', false],
      ['[0]', true],
      ['[1e21]', false],
      ['[1e+21]', true],
      ['[1E+21]', false],
      ['[0.000001]', true],
      ['[1e-7]', true],
      ['[0.0000001]', false],
      ['{}', true],
      ['[]', true],
      ['[ ]', false],
    ];
    for (const [text, canonical] of cases) {
      expect([text, parseStrictJsonNotingForm(text).canonical]).toEqual([text, canonical]);
      expect(text === canonicalJson(parseStrictJson(text))).toBe(canonical);
    }
  });
});
