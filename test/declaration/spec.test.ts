/** The worked examples of docs/specification.md, checked against the implementation. */
import { describe, expect, it } from 'vitest';
import { encodeEntry, ENTRY_TYPE_RUN_DECLARED } from '../../src/note/entry.js';
import { leafHash } from '../../src/merkle/hash.js';
import { parseIdentity } from '../../src/declaration/identity.js';
import { canonicalJson } from '../../src/json/canonical.js';
import { parseStrictJson } from '../../src/json/strict.js';
import { toHex } from '../../src/encoding/hex.js';
import { toBase64 } from '../../src/encoding/base64.js';

describe('docs/specification.md §7 worked entry example', () => {
  it('encodes example 2 at 2026-01-01T00:00:00Z to the published entry and leaf hash', () => {
    const ts = Date.parse('2026-01-01T00:00:00.000Z');
    expect(ts).toBe(1767225600000);
    const entry = encodeEntry({
      type: ENTRY_TYPE_RUN_DECLARED,
      timestamp: ts,
      identity: parseIdentity('sha256:3a1ecb8dea4a53a6cd35a9d531bd1ddb9a5180007e5b2a1beb44d880d8a57f84'),
    });
    expect(toHex(entry)).toBe('010000019b76daa8003a1ecb8dea4a53a6cd35a9d531bd1ddb9a5180007e5b2a1beb44d880d8a57f84');
    expect(toBase64(entry)).toBe('AQAAAZt22qgAOh7LjepKU6bNNanVMb0d25pRgAB+Wyob60TYgNilf4Q=');
    expect(toHex(leafHash(entry))).toBe('519ad1be91743bbe435a0b5a6044646ac50247d0abaae08cbac7a7cd627c598d');
  });
});

describe('docs/specification.md §8.3 small vectors', () => {
  it.each([
    ['{}', '{}'],
    ['{"b": [1.0, -0, 1E30], "a": "\\u00e9"}', '{"a":"\u00e9","b":[1,0,1e+30]}'],
    ['[1e21, 1e-7, 123456789.5]', '[1e+21,1e-7,123456789.5]'],
    ['{"\\ufb33":1,"\\ud83d\\ude02":2,"\\u00e9":3}', '{"\u00e9":3,"\u{1f602}":2,"\ufb33":1}'],
  ])('%s', (text, canonical) => {
    expect(canonicalJson(parseStrictJson(text))).toBe(canonical);
  });
});
