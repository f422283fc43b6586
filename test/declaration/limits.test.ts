// The one size and depth rule (docs/specification.md §2.1, §4): text and canonical bytes each
// ≤ 32 MiB, depth ≤ 64 — for declaration text, for a mapped request's result, for every surface.
import { describe, expect, it } from 'vitest';
import { declarationIdentity, declarationIdentityOfValue } from '../../src/declaration/identity.js';
import { mapRequest } from '../../src/declaration/mappers.js';
import { MAX_DECLARATION_BYTES, MAX_DECLARATION_DEPTH, checkNesting } from '../../src/json/limits.js';
import type { JsonValue } from '../../src/json/strict.js';
import { expectCode } from '../json/expect-code.js';

const HEAD = '{"schema":"run-declaration/v1","api":"generic","model":{"provider":"p","name":"m"},"context":{},"parameters":{"n":[';
const TAIL = ']}}';

/** A declaration text of exactly `bytes` bytes: `items` in an array, padded with one long string. */
function declarationOf(items: string, bytes: number): string {
  const prefix = items === '' ? '' : items + ',';
  return `${HEAD}${prefix}"${'a'.repeat(bytes - HEAD.length - TAIL.length - prefix.length - 2)}"${TAIL}`;
}

describe('the size rule', () => {
  it('is 32 MiB and depth 64', () => {
    expect(MAX_DECLARATION_BYTES).toBe(33554432);
    expect(MAX_DECLARATION_DEPTH).toBe(64);
  });

  it('accepts a text of exactly 32 MiB whose canonical form is no larger, refuses one byte more', () => {
    const text = declarationOf('', MAX_DECLARATION_BYTES);
    expect(text.length).toBe(MAX_DECLARATION_BYTES);
    expect(declarationIdentity(text).canonical.length).toBeLessThanOrEqual(MAX_DECLARATION_BYTES);
    expectCode(() => declarationIdentity(text + ' '), 'JSON_TOO_LARGE', '$');
  });

  it('refuses a text within 32 MiB whose canonical form is over it (1e15 → 1000000000000000)', () => {
    // 24 × "1e15" grows by 24 × 12 bytes in canonical form; the text itself is just under the limit.
    const text = declarationOf(Array(24).fill('1e15').join(','), MAX_DECLARATION_BYTES - 100);
    expectCode(() => declarationIdentity(text), 'JSON_TOO_LARGE', '$');
    const fits = declarationOf(Array(8).fill('1e15').join(','), MAX_DECLARATION_BYTES - 100);
    expect(declarationIdentity(fits).canonical.length).toBe(MAX_DECLARATION_BYTES - 100 + 8 * 12);
  });
});

describe('a mapped declaration obeys the declaration rules, not just the body', () => {
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  it('a body at depth 64 whose messages would sit at depth 65 is refused with the declaration path', () => {
    // Body: {"model":"m","messages":[ ...62 more... ]} is depth 64; under context it is 65.
    const body = `{"model":"m","messages":${nested(63)}}`;
    expectCode(() => mapRequest('openai-chat', body, { provider: 'p', salt: 'none' }), 'JSON_TOO_DEEP', '$.context.messages' + '[0]'.repeat(62));
    const ok = `{"model":"m","messages":${nested(62)}}`;
    expect(mapRequest('openai-chat', ok, { provider: 'p', salt: 'none' }).context.messages).toBeDefined();
  });

  it('a body under 32 MiB whose mapped canonical form is over it is refused', () => {
    const body = `{"model":"m","n":[${Array(24).fill('1e15').join(',')}],"s":"${'a'.repeat(MAX_DECLARATION_BYTES - 300)}"}`;
    expect(body.length).toBeLessThan(MAX_DECLARATION_BYTES);
    expectCode(() => mapRequest('openai-chat', body, { provider: 'p', salt: 'none' }), 'JSON_TOO_LARGE', '$');
  });
});

describe('checkNesting and declarationIdentityOfValue', () => {
  const deep = (d: number): JsonValue => (d === 0 ? 0 : [deep(d - 1)]);
  it('accept 64 nested containers and refuse 65, at the path of the 65th', () => {
    expect(() => checkNesting(deep(64))).not.toThrow();
    expectCode(() => checkNesting(deep(65)), 'JSON_TOO_DEEP', '$' + '[0]'.repeat(64));
    expectCode(() => checkNesting({ a: 1, b: deep(64) }), 'JSON_TOO_DEEP', '$.b' + '[0]'.repeat(63));
  });
  it('declarationIdentityOfValue checks depth before the schema', () => {
    const decl = { schema: 'run-declaration/v1', api: 'generic', model: { provider: 'p', name: 'm' }, context: {}, parameters: { a: deep(63) } };
    expectCode(() => declarationIdentityOfValue(decl as JsonValue), 'JSON_TOO_DEEP', '$.parameters.a' + '[0]'.repeat(62));
    decl.parameters.a = deep(62);
    expect(declarationIdentityOfValue(decl as JsonValue).identity).toBe(declarationIdentity(JSON.stringify(decl)).identity);
  });
});
