/**
 * RFC 8785 known answers: cyberphone/json-canonicalization testdata (see
 * test/vectors/rfc8785/SOURCE.json) — byte-exact output for each input, and the ES6 number table
 * of RFC 8785 Appendix B.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStrictJson } from '../../src/json/strict.js';
import canonicalize from 'canonicalize';
import { canonicalBytes, canonicalJson } from '../../src/json/canonical.js';
import { expectCode } from './expect-code.js';

const DIR = join(import.meta.dirname, '../vectors/rfc8785');
const names = readdirSync(join(DIR, 'input')).filter((f) => f.endsWith('.json'));
const source = JSON.parse(readFileSync(join(DIR, 'SOURCE.json'), 'utf8')) as { numbers: [string, string | null][] };

describe('RFC 8785 testdata', () => {
  it('has all seven upstream files', () => {
    expect(names.sort()).toEqual(['arrays.json', 'french.json', 'simpleString.json', 'structures.json', 'unicode.json', 'values.json', 'weird.json']);
  });

  it.each(names)('%s canonicalises byte for byte', (name) => {
    const input = readFileSync(join(DIR, 'input', name));
    const want = new Uint8Array(readFileSync(join(DIR, 'output', name)));
    const got = canonicalBytes(parseStrictJson(new Uint8Array(input)));
    expect(Buffer.from(got).toString('hex')).toBe(Buffer.from(want).toString('hex'));
  });
});

function fromIeeeHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt('0x' + hex));
  return view.getFloat64(0);
}

describe('RFC 8785 Appendix B number serialisation', () => {
  it.each(source.numbers)('%s → %s', (hex, want) => {
    const n = fromIeeeHex(hex);
    if (want === null) {
      expectCode(() => canonicalJson(n), 'JSON_NOT_PLAIN', '$');
      return;
    }
    // The serialiser formats every value as RFC 8785 says.
    expect(canonicalize(n)).toBe(want);
    if (Math.abs(n) > Number.MAX_SAFE_INTEGER && Math.abs(n) < 1e21) {
      // runproof refuses these (rule A3): their canonical text is an unsafe integer literal.
      expectCode(() => canonicalJson(n), 'JSON_UNSAFE_INTEGER', '$');
      expectCode(() => parseStrictJson(want), 'JSON_UNSAFE_INTEGER', '$');
      return;
    }
    expect(canonicalJson(n)).toBe(want);
    expect(canonicalJson([n])).toBe(`[${want}]`);
    // The text reads back to the same IEEE value (-0 as 0, by design).
    expect(parseStrictJson(want) === n).toBe(true);
  });
});
