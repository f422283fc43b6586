/** The public vectors of docs/specification.md §8 (test/vectors/declarations/public.json). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapRequest, type RequestApi } from '../../src/declaration/mappers.js';
import { declarationIdentity, identityOfValue } from '../../src/declaration/identity.js';
import { canonicalJson } from '../../src/json/canonical.js';
import type { JsonValue } from '../../src/json/strict.js';

interface Vector {
  name: string;
  kind: 'request' | 'declaration';
  api?: RequestApi;
  provider?: string;
  salt?: string;
  body?: string;
  declaration?: string;
  canonical?: string;
  identity: string;
}
const DIR = join(import.meta.dirname, '../vectors/declarations');
const file = JSON.parse(readFileSync(join(DIR, 'public.json'), 'utf8')) as { source: string; vectors: Vector[] };

describe('declaration-v1 public vectors', () => {
  it('names its source', () => {
    expect(file.source).toContain('docs/specification.md');
    expect(file.vectors).toHaveLength(3);
  });

  it.each(file.vectors)('$name', (v) => {
    if (v.kind === 'request') {
      const decl = mapRequest(v.api!, v.body!, { provider: v.provider!, salt: v.salt! });
      const got = identityOfValue(decl as unknown as JsonValue);
      if (v.canonical !== undefined) {
        expect(canonicalJson(decl as unknown as JsonValue)).toBe(v.canonical);
        expect(new TextDecoder().decode(got.canonical)).toBe(v.canonical);
      }
      expect(got.identity).toBe(v.identity);
      // The mapped declaration, submitted as text, has the same identity.
      expect(declarationIdentity(JSON.stringify(decl)).identity).toBe(v.identity);
    } else {
      const got = declarationIdentity(v.declaration!);
      expect(got.identity).toBe(v.identity);
      expect(declarationIdentity(new TextEncoder().encode(v.declaration!)).identity).toBe(v.identity);
    }
  });

  it('the raw vector files match public.json', () => {
    const ex1 = readFileSync(join(DIR, 'example-1-request.json'), 'utf8');
    const ex2 = readFileSync(join(DIR, 'example-2-declaration.json'), 'utf8');
    expect(ex1).toBe(file.vectors[0]!.body + '\n');
    expect(ex2).toBe(file.vectors[2]!.declaration + '\n');
  });

  it('a null the client sent stays in the identity (rule C)', () => {
    expect(file.vectors[0]!.identity).not.toBe(file.vectors[1]!.identity);
  });
});
