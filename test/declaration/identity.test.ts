import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { createHash } from 'node:crypto';
import { declarationDigest, declarationIdentity, formatIdentity, identityOfValue, parseIdentity, parsedDeclarationDigest } from '../../src/declaration/identity.js';
import { parseStrictJson, type JsonValue } from '../../src/json/strict.js';
import { expectCode } from '../json/expect-code.js';

const MINIMAL = '{"schema":"run-declaration/v1","api":"generic","model":{"provider":"example","name":"m"},"parameters":{},"context":{}}';

describe('identity text', () => {
  const digest = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  it('formats and parses sha256:<64 lowercase hex>', () => {
    const id = formatIdentity(digest);
    expect(id).toBe('sha256:00070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9');
    expect(Array.from(parseIdentity(id))).toEqual(Array.from(digest));
  });

  it.each([
    '',
    'sha256:',
    'sha256:' + 'a'.repeat(63),
    'sha256:' + 'a'.repeat(65),
    'sha256:' + 'A'.repeat(64),
    'SHA256:' + 'a'.repeat(64),
    'sha512:' + 'a'.repeat(64),
    ' sha256:' + 'a'.repeat(64),
    'sha256:' + 'a'.repeat(64) + '\n',
    'sha256: ' + 'a'.repeat(63),
    'a'.repeat(64),
    'sha256:' + 'g'.repeat(64),
  ])('rejects %j', (text) => {
    expectCode(() => parseIdentity(text), 'IDENTITY_MALFORMED');
  });

  it('refuses a digest that is not 32 bytes (a bug, not input)', () => {
    expect(() => formatIdentity(new Uint8Array(31))).toThrow(Error);
  });
});

describe('identityOfValue', () => {
  it('is SHA-256 of the canonical bytes', () => {
    const got = identityOfValue({ b: 1, a: [true, null] });
    expect(new TextDecoder().decode(got.canonical)).toBe('{"a":[true,null],"b":1}');
    expect(Array.from(got.digest)).toEqual(Array.from(sha256(got.canonical)));
    expect(got.identity).toBe(formatIdentity(got.digest));
  });

  it('of "{}" is the SHA-256 of the two bytes {}', () => {
    expect(identityOfValue({}).identity).toBe('sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});

describe('declarationIdentity', () => {
  it('parses strictly, validates and hashes', () => {
    const got = declarationIdentity(MINIMAL);
    expect(got.declaration.model.provider).toBe('example');
    expect(new TextDecoder().decode(got.canonical)).toBe(
      '{"api":"generic","context":{},"model":{"name":"m","provider":"example"},"parameters":{},"schema":"run-declaration/v1"}',
    );
  });

  it('whitespace and member order do not matter; values do', () => {
    const a = declarationIdentity(MINIMAL).identity;
    const b = declarationIdentity('{ "context" : {}, "parameters":{}, "model":{"name":"m","provider":"example"},\n"api":"generic","schema":"run-declaration/v1"}\n').identity;
    expect(b).toBe(a);
    expect(declarationIdentity(MINIMAL.replace('"m"', '"m2"')).identity).not.toBe(a);
  });

  it('passes strict-parse errors through', () => {
    expectCode(() => declarationIdentity(MINIMAL.replace('"parameters":{}', '"parameters":{"seed":9007199254740993}')), 'JSON_UNSAFE_INTEGER', '$.parameters.seed');
    expectCode(() => declarationIdentity(MINIMAL.replace('"parameters":{}', '"parameters":{"a":1,"a":1}')), 'JSON_DUPLICATE_KEY', '$.parameters.a');
    expectCode(() => declarationIdentity(MINIMAL.replace('"parameters":{}', `"parameters":{"a":${'['.repeat(63)}${']'.repeat(63)}}`)), 'JSON_TOO_DEEP', '$.parameters.a' + '[0]'.repeat(62));
  });

  it('passes schema errors through', () => {
    expectCode(() => declarationIdentity(MINIMAL.replace('"generic"', '"other"')), 'DECLARATION_INVALID', '$.api');
  });
});

describe('declarationDigest', () => {
  const nodeSha256 = (text: string | Uint8Array) => createHash('sha256').update(text).digest();

  it('gives the identity and digest declarationIdentity gives, hashing the canonical text with the given function', () => {
    const texts = [
      MINIMAL,
      MINIMAL.replace('"parameters":{}', '"parameters":{"z":[1,2.5,-0,1e300],"a":"\\u00e9\\n\\"x\\"","é":{"__proto__":1}}'),
      MINIMAL.replace('"name":"m"', '"name":"😀 m\\u2028"'),
    ];
    for (const text of texts) {
      const want = declarationIdentity(text);
      const got = declarationDigest(new TextEncoder().encode(text), nodeSha256);
      expect(got.identity).toBe(want.identity);
      expect(Array.from(got.digest)).toEqual(Array.from(want.digest));
      let hashed: string | Uint8Array = '';
      declarationDigest(text, (t) => ((hashed = t), nodeSha256(t)));
      expect(typeof hashed === 'string' ? hashed : new TextDecoder().decode(hashed)).toBe(new TextDecoder().decode(want.canonical));
    }
  });

  it('hashes canonical input as it came, and writes the canonical text of any other', () => {
    const spaced = MINIMAL.replace('{', '{ ');
    const canonical = new TextDecoder().decode(declarationIdentity(spaced).canonical);
    const seen: (string | Uint8Array)[] = [];
    const spy = (t: string | Uint8Array) => (seen.push(t), nodeSha256(t));
    const bytes = new TextEncoder().encode(canonical);
    const a = declarationDigest(bytes, spy);
    const b = declarationDigest(canonical, spy);
    const c = declarationDigest(spaced, spy);
    const d = declarationDigest(new TextEncoder().encode(spaced), spy);
    // The canonical input itself (the very bytes, the very string) reached the hash; the spaced one did not.
    expect(seen[0]).toBe(bytes);
    expect(seen[1]).toBe(canonical);
    expect([seen[2], seen[3]]).toEqual([canonical, canonical]);
    expect(new Set([a.identity, b.identity, c.identity, d.identity]).size).toBe(1);
  });

  it('passes the same errors through, in the same order', () => {
    expectCode(() => declarationDigest(MINIMAL.replace('"parameters":{}', '"parameters":{"a":1,"a":1}'), nodeSha256), 'JSON_DUPLICATE_KEY', '$.parameters.a');
    expectCode(() => declarationDigest(MINIMAL.replace('"parameters":{}', '"parameters":{"a":"\\ud800"}'), nodeSha256), 'JSON_LONE_SURROGATE', '$.parameters.a');
    expectCode(() => declarationDigest(MINIMAL.replace('"generic"', '"other"'), nodeSha256), 'DECLARATION_INVALID', '$.api');
  });
});

describe('parsedDeclarationDigest', () => {
  const nodeSha256 = (text: string | Uint8Array) => createHash('sha256').update(text).digest();
  /** A declaration as a batch carries it: a member of a body parsed with the batch's depth bound (64 + 3). */
  const member = (declaration: string, maxDepth = 67): JsonValue => (parseStrictJson(`{"items":[{"declaration":${declaration}}]}`, { maxDepth }) as { items: { declaration: JsonValue }[] }).items[0]!.declaration;

  it('gives the digest declarationIdentity gives for the same text', () => {
    for (const text of [
      MINIMAL,
      MINIMAL.replace('"parameters":{}', '"parameters":{"z":[1,2.5,-0,1e300],"a":"\\u00e9\\n\\"x\\"","é":{"__proto__":1}}'),
      MINIMAL.replace('"name":"m"', '"name":"😀 m\\u2028"'),
    ]) {
      expect(Array.from(parsedDeclarationDigest(member(text), nodeSha256))).toEqual(Array.from(declarationIdentity(text).digest));
    }
  });

  it('refuses what declarationIdentityOfValue refuses, with the same code and path', () => {
    const deep = (d: number): string => (d === 0 ? '0' : `[${deep(d - 1)}]`);
    // 64 nested containers are the limit for the declaration itself, wherever it sits in the body
    // (a batch body's parser refuses it first; a body parsed with a laxer bound still may not pass).
    expectCode(() => parsedDeclarationDigest(member(MINIMAL.replace('"parameters":{}', `"parameters":{"a":${deep(63)}}`), 100), nodeSha256), 'JSON_TOO_DEEP', '$.parameters.a' + '[0]'.repeat(62));
    expect(() => parsedDeclarationDigest(member(MINIMAL.replace('"parameters":{}', `"parameters":{"a":${deep(62)}}`)), nodeSha256)).not.toThrow();
    expectCode(() => parsedDeclarationDigest(member(MINIMAL.replace('"generic"', '"other"')), nodeSha256), 'DECLARATION_INVALID', '$.api');
  });
});
