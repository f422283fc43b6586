import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasLoneSurrogate, parseStrictJson, jsonPath } from '../../src/json/strict.js';
import { expectCode } from './expect-code.js';

const bytes = (...b: number[]) => new Uint8Array(b);
const enc = (s: string) => new TextEncoder().encode(s);

describe('parseStrictJson accepts RFC 8259 JSON', () => {
  it.each([
    ['null', null],
    ['true', true],
    ['false', false],
    ['0', 0],
    ['-1.5e3', -1500],
    ['1E+2', 100],
    ['"a\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\uD83D\\uDE02"', 'a"\\/\b\f\n\r\té😂'],
    [' \t\r\n[ 1 , {"a" : [] } ] \n', [1, { a: [] }]],
    ['{}', {}],
    ['[]', []],
    ['9007199254740991', 9007199254740991],
    ['-9007199254740991', -9007199254740991],
    ['9007199254740991.0', 9007199254740991],
    ['-9.007199254740991e15', -9007199254740991],
    ['1e21', 1e21], // printed as 1e+21: outside the band of rule A3's second half
    ['-1.5e300', -1.5e300],
    ['0e-400', 0],
    ['0.0', 0],
    ['-0.0e10', -0],
    ['1e-300', 1e-300],
    ['5e-324', 5e-324],
    ['1.7976931348623157e308', 1.7976931348623157e308],
  ])('%s', (text, want) => {
    expect(parseStrictJson(text)).toStrictEqual(want);
    expect(parseStrictJson(enc(text))).toStrictEqual(want);
  });

  it('keeps -0 as the IEEE value -0 (canonicalisation turns it into 0)', () => {
    expect(Object.is(parseStrictJson('-0'), -0)).toBe(true);
  });

  it('decodes numbers by correct rounding of the literal', () => {
    expect(parseStrictJson('333333333.33333329')).toBe(333333333.3333333);
    expect(parseStrictJson('0.1')).toBe(0.1);
  });

  it('stores __proto__ as an own data property and never changes the prototype', () => {
    const v = parseStrictJson('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
    expect((v as { polluted?: boolean }).polluted).toBeUndefined();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('rejects a duplicate __proto__ member', () => {
    expectCode(() => parseStrictJson('{"__proto__":1,"__proto__":2}'), 'JSON_DUPLICATE_KEY', '$.__proto__');
  });
});

describe('A1 duplicate member names', () => {
  it.each([
    ['{"a":1,"a":2}', '$.a'],
    ['{"a":1,"\\u0061":2}', '$.a'], // compared after unescaping
    ['{"x":{"b":[{"c":1,"c":1}]}}', '$.x.b[0].c'],
    ['{"a b":1,"a b":2}', '$["a b"]'],
  ])('%s', (text, path) => {
    expectCode(() => parseStrictJson(text), 'JSON_DUPLICATE_KEY', path);
  });
  it('allows the same name in different objects', () => {
    expect(parseStrictJson('{"a":{"a":1},"b":{"a":2}}')).toEqual({ a: { a: 1 }, b: { a: 2 } });
  });
});

describe('A2 lone surrogates and UTF-8', () => {
  it.each([
    ['"\\ud800"', '$'],
    ['"\\udc00"', '$'],
    ['"\\ud800\\u0041"', '$'],
    ['"\\udc00\\ud800"', '$'],
    ['"x\\ud83d"', '$'],
    ['{"messages":[{"content":"\\udfff"}]}', '$.messages[0].content'],
    ['{"\\ud800":1}', '$["\\ud800"]'],
  ])('escaped %s', (text, path) => {
    expectCode(() => parseStrictJson(text), 'JSON_LONE_SURROGATE', path);
  });

  it('raw lone surrogates in a string input', () => {
    expectCode(() => parseStrictJson('"a\ud800b"'), 'JSON_LONE_SURROGATE', '$');
    expectCode(() => parseStrictJson('{"k\udc00":1}'), 'JSON_LONE_SURROGATE');
  });

  it('a raw surrogate half is lone even when an escape beside it would complete the pair', () => {
    // Not well-formed UTF-16 as text, and no UTF-8 could carry it: its bytes would be refused too.
    expectCode(() => parseStrictJson('["\ud83d\\ude00"]'), 'JSON_LONE_SURROGATE', '$[0]');
    expectCode(() => parseStrictJson('["\\ud83d\ude00"]'), 'JSON_LONE_SURROGATE', '$[0]');
    expectCode(() => parseStrictJson('{"\ud83d\\ude00":1}'), 'JSON_LONE_SURROGATE');
    // Raw pairs and escaped pairs stay valid.
    expect(parseStrictJson('["\ud83d\ude00"]')).toEqual(['\u{1f600}']);
    expect(parseStrictJson('["\\ud83d\\ude00"]')).toEqual(['\u{1f600}']);
    expect(parseStrictJson('["a\ud83d\ude00\ud83d\ude00b"]')).toEqual(['a\u{1f600}\u{1f600}b']);
  });

  it('raw surrogates encoded in UTF-8 bytes are invalid UTF-8', () => {
    // "\xED\xA0\x80" is U+D800 in (invalid) UTF-8 — CESU-style.
    expectCode(() => parseStrictJson(bytes(0x22, 0xed, 0xa0, 0x80, 0x22)), 'JSON_INVALID_UTF8', '$');
  });

  it.each([
    [[0x22, 0xff, 0x22]],
    [[0x22, 0xc0, 0xaf, 0x22]], // overlong "/"
    [[0x22, 0xe2, 0x82, 0x22]], // truncated
    [[0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]], // above U+10FFFF
  ])('invalid UTF-8 %j', (b) => {
    expectCode(() => parseStrictJson(bytes(...b)), 'JSON_INVALID_UTF8', '$');
  });

  it('a UTF-8 BOM is rejected, in bytes and as U+FEFF in a string', () => {
    expectCode(() => parseStrictJson(bytes(0xef, 0xbb, 0xbf, 0x31)), 'JSON_BOM', '$');
    expectCode(() => parseStrictJson('\ufeff1'), 'JSON_BOM', '$');
  });

  it('non-ASCII text and supplementary characters are fine', () => {
    expect(parseStrictJson(enc('"héllo 😂 דּ"'))).toBe('héllo 😂 דּ');
  });
});

describe('A3 unsafe integers', () => {
  it.each([
    ['9007199254740992', '$'],
    ['9007199254740993', '$'],
    ['-9007199254740992', '$'],
    ['18446744073709551616', '$'],
    ['1' + '0'.repeat(400), '$'], // an integer literal that overflows is still an unsafe integer
    ['{"seed":[1,9007199254740993]}', '$.seed[1]'],
    // Second half: other spellings of values in [2^53, 10^21), whose canonical text would be an
    // unsafe integer literal.
    ['9007199254740993.0', '$'],
    ['9007199254740991.5', '$'], // rounds to 2^53
    ['-9007199254740992.0', '$'],
    ['1e20', '$'],
    ['{"a":1.5e17}', '$.a'],
    ['9.99999999999999e20', '$'],
  ])('%s', (text, path) => {
    expectCode(() => parseStrictJson(text), 'JSON_UNSAFE_INTEGER', path);
  });
});

describe('A4 overflow and underflow', () => {
  it.each([
    ['1e400', 'JSON_NUMBER_OVERFLOW'],
    ['-1e400', 'JSON_NUMBER_OVERFLOW'],
    ['1.8e308', 'JSON_NUMBER_OVERFLOW'],
    ['1e-400', 'JSON_NUMBER_UNDERFLOW'],
    ['-2.5e-400', 'JSON_NUMBER_UNDERFLOW'],
    ['0.000001e-330', 'JSON_NUMBER_UNDERFLOW'],
  ] as const)('%s', (text, code) => {
    expectCode(() => parseStrictJson(text), code, '$');
    expectCode(() => parseStrictJson(`{"p":{"t":${text}}}`), code, '$.p.t');
  });
});

describe('RFC 8259 grammar', () => {
  it.each([
    '', ' ', '[1,]', '{"a":1,}', '[1 2]', '{"a" 1}', '{a:1}', "{'a':1}", '01', '-01', '+1', '.5', '1.', '1.e5', '1e', '1e+',
    '0x10', 'NaN', 'Infinity', '-Infinity', 'tru', 'nul', 'True', '[', '{', '"abc', '"\\x"', '"\\u12"', '"\\u12G4"', '"\\U0041"',
    '"a\tb"', '"a\nb"', '"\u0000"', '"\u001f"', '// c\n1', '/* c */1', '1 // c', '[1]]', '1 2', '{"a":1}{}', '\u00a01', '\u000b1',
    '\u000c1', '[1,,2]', '[,1]', '{,}', '{"a"}', '{"a":}', '"\\', '-', '- 1', '1_000',
  ])('rejects %j', (text) => {
    expectCode(() => parseStrictJson(text), 'JSON_SYNTAX');
  });

  it('reports the path of the enclosing value and the offset', () => {
    const e = expectCode(() => parseStrictJson('{"a":[1,2,]}'), 'JSON_SYNTAX', '$.a[2]');
    expect(e.message).toContain('offset 10');
  });
});

describe('limits', () => {
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
  it('accepts exactly maxDepth levels and rejects one more', () => {
    expect(() => parseStrictJson(nested(64))).not.toThrow();
    expectCode(() => parseStrictJson(nested(65)), 'JSON_TOO_DEEP', '$' + '[0]'.repeat(64));
    expect(() => parseStrictJson('{"a":{"b":1}}', { maxDepth: 2 })).not.toThrow();
    expectCode(() => parseStrictJson('{"a":{"b":{}}}', { maxDepth: 2 }), 'JSON_TOO_DEEP', '$.a.b');
  });

  it('a very deep document fails with JSON_TOO_DEEP, not a stack overflow', () => {
    expectCode(() => parseStrictJson(nested(100000)), 'JSON_TOO_DEEP');
  });

  it('rejects input above maxBytes before parsing, counting UTF-8 bytes', () => {
    expect(parseStrictJson('"' + 'a'.repeat(8) + '"', { maxBytes: 10 })).toBe('aaaaaaaa');
    expectCode(() => parseStrictJson('"' + 'a'.repeat(9) + '"', { maxBytes: 10 }), 'JSON_TOO_LARGE', '$');
    // 4 × "é" is 8 bytes of UTF-8 but 4 UTF-16 code units.
    expectCode(() => parseStrictJson('"éééé"', { maxBytes: 9 }), 'JSON_TOO_LARGE');
    expect(parseStrictJson('"éééé"', { maxBytes: 10 })).toBe('éééé');
    expectCode(() => parseStrictJson(enc('"éééé"'), { maxBytes: 9 }), 'JSON_TOO_LARGE');
    // Size is checked first: broken input that is too large is TOO_LARGE.
    expectCode(() => parseStrictJson('{' + ' '.repeat(20), { maxBytes: 10 }), 'JSON_TOO_LARGE');
  });

  it('has the 32 MiB declaration limit as its default', () => {
    const big = '"' + 'a'.repeat(33554432 - 2) + '"';
    expect((parseStrictJson(big) as string).length).toBe(33554430);
    expectCode(() => parseStrictJson(big + ' '), 'JSON_TOO_LARGE');
  });
});

describe('jsonPath', () => {
  it('formats identifiers, indexes and quoted names', () => {
    expect(jsonPath([])).toBe('$');
    expect(jsonPath(['messages', 3, 'content'])).toBe('$.messages[3].content');
    expect(jsonPath(['a b', '', '1x', '$ok', 'é'])).toBe('$["a b"][""]["1x"].$ok["é"]');
    expect(jsonPath(['a"b'])).toBe('$["a\\"b"]');
  });
});

describe('hasLoneSurrogate', () => {
  /** Reference: scan code units, pairing each high surrogate with a following low one. */
  function reference(s: string): boolean {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xdc00 && c <= 0xdfff) return true;
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = s.charCodeAt(i + 1);
        if (!(d >= 0xdc00 && d <= 0xdfff)) return true;
        i++;
      }
    }
    return false;
  }
  it('agrees with a code-unit scan', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', '\ud800', '\udbff', '\udc00', '\udfff', 'é') }), (s) => hasLoneSurrogate(s) === reference(s)), { numRuns: 500 });
    expect(hasLoneSurrogate('\ud83d\ude02')).toBe(false);
    expect(hasLoneSurrogate('\ude02\ud83d')).toBe(true);
  });
});
