/** run-declaration/v1 schema (shared declaration-v1.schema.json): every rule, with its path. */
import { describe, expect, it } from 'vitest';
import { validateDeclaration } from '../../src/declaration/schema.js';
import type { JsonObject, JsonValue } from '../../src/json/strict.js';
import { expectCode } from '../json/expect-code.js';

const DIGEST = 'sha256:' + 'ab'.repeat(32);
const REF = { digest: DIGEST, media_type: 'text/markdown', size: 114 };

function base(): JsonObject {
  return {
    schema: 'run-declaration/v1',
    api: 'anthropic.messages',
    api_version: '2023-06-01',
    model: { provider: 'anthropic', name: 'claude', revision: 'r1', weights: { ...REF } },
    parameters: { max_tokens: 10, nothing: null },
    instructions: null,
    context: { messages: [{ role: 'user', content: 'hi' }], documents: [{ name: 'a.md', ...REF, provider_file_id: 'file_1' }] },
    tools: [],
    salt: 'tO7nKM7HsoXOm5L5x-JPSA',
    extensions: { 'com.example.retrieval/v1': { k: 1 }, 'org.example': null },
  };
}

/** Applies an edit to a deep copy of the full declaration. */
function edit(f: (d: Record<string, any>) => void): JsonValue {
  const d = structuredClone(base()) as Record<string, any>;
  f(d);
  return d as JsonValue;
}

describe('validateDeclaration accepts', () => {
  it('a declaration using every field', () => {
    const d = validateDeclaration(base());
    expect(d.model.weights?.size).toBe(114);
  });

  it('the minimal declaration and each api value', () => {
    for (const api of ['openai.chat_completions', 'openai.responses', 'anthropic.messages', 'generic']) {
      expect(() => validateDeclaration({ schema: 'run-declaration/v1', api, model: { provider: 'x', name: 'm' }, parameters: {}, context: {} })).not.toThrow();
    }
  });

  it.each(['openai', 'aws.bedrock', 'com.example.inference', 'a-b_c.d', '0'])('provider %s', (p) => {
    expect(() => validateDeclaration(edit((d) => (d.model.provider = p)))).not.toThrow();
  });

  it('free payloads of any type', () => {
    expect(() => validateDeclaration(edit((d) => (d.instructions = [{ type: 'text', text: 'x' }])))).not.toThrow();
    expect(() => validateDeclaration(edit((d) => (d.context.messages = 'a string')))).not.toThrow();
    expect(() => validateDeclaration(edit((d) => (d.parameters = { Any_Key: { nested: [1] } })))).not.toThrow();
    expect(() => validateDeclaration(edit((d) => (d.tools = [1, 'x', null])))).not.toThrow();
  });

  it('size at the bounds, and 1.0 as an integer', () => {
    expect(() => validateDeclaration(edit((d) => (d.model.weights.size = 0)))).not.toThrow();
    expect(() => validateDeclaration(edit((d) => (d.model.weights.size = 9007199254740991)))).not.toThrow();
    expect(() => validateDeclaration(edit((d) => (d.model.weights.size = 1.0)))).not.toThrow();
  });

  it('a long salt and extension names with versions', () => {
    expect(() => validateDeclaration(edit((d) => (d.salt = 'A'.repeat(43))))).not.toThrow();
    expect(() => validateDeclaration(edit((d) => (d.extensions = { 'a.b-c.d/v12': 1 })))).not.toThrow();
  });
});

describe('validateDeclaration rejects (DECLARATION_INVALID with the path)', () => {
  it.each<[string, (d: Record<string, any>) => void, string]>([
    ['unknown top-level key', (d) => (d.Model = 1), '$.Model'],
    ['camelCase top-level key (rule D)', (d) => (d.apiVersion = 'x'), '$.apiVersion'],
    ['missing schema', (d) => delete d.schema, '$.schema'],
    ['missing api', (d) => delete d.api, '$.api'],
    ['missing model', (d) => delete d.model, '$.model'],
    ['missing parameters', (d) => delete d.parameters, '$.parameters'],
    ['missing context', (d) => delete d.context, '$.context'],
    ['wrong schema', (d) => (d.schema = 'run-declaration/v2'), '$.schema'],
    ['api not in enum', (d) => (d.api = 'openai'), '$.api'],
    ['api not a string', (d) => (d.api = 1), '$.api'],
    ['empty api_version', (d) => (d.api_version = ''), '$.api_version'],
    ['null api_version', (d) => (d.api_version = null), '$.api_version'],
    ['model not an object', (d) => (d.model = []), '$.model'],
    ['unknown model key', (d) => (d.model.version = '1'), '$.model.version'],
    ['missing provider', (d) => delete d.model.provider, '$.model.provider'],
    ['missing name', (d) => delete d.model.name, '$.model.name'],
    ['uppercase provider', (d) => (d.model.provider = 'OpenAI'), '$.model.provider'],
    ['provider with a trailing dot', (d) => (d.model.provider = 'aws.'), '$.model.provider'],
    ['provider with doubled separators', (d) => (d.model.provider = 'a..b'), '$.model.provider'],
    ['provider with a trailing newline', (d) => (d.model.provider = 'openai\n'), '$.model.provider'],
    ['empty name', (d) => (d.model.name = ''), '$.model.name'],
    ['name not a string', (d) => (d.model.name = 4), '$.model.name'],
    ['empty revision', (d) => (d.model.revision = ''), '$.model.revision'],
    ['weights not an object', (d) => (d.model.weights = 'sha256:x'), '$.model.weights'],
    ['weights with a name', (d) => (d.model.weights.name = 'x'), '$.model.weights.name'],
    ['weights missing size', (d) => delete d.model.weights.size, '$.model.weights.size'],
    ['uppercase digest', (d) => (d.model.weights.digest = DIGEST.toUpperCase()), '$.model.weights.digest'],
    ['short digest', (d) => (d.model.weights.digest = DIGEST.slice(0, -1)), '$.model.weights.digest'],
    ['media type without subtype', (d) => (d.model.weights.media_type = 'text'), '$.model.weights.media_type'],
    ['media type uppercase', (d) => (d.model.weights.media_type = 'Text/plain'), '$.model.weights.media_type'],
    ['media type with parameters', (d) => (d.model.weights.media_type = 'text/plain; charset=utf-8'), '$.model.weights.media_type'],
    ['negative size', (d) => (d.model.weights.size = -1), '$.model.weights.size'],
    ['fractional size', (d) => (d.model.weights.size = 1.5), '$.model.weights.size'],
    ['size beyond 2^53−1', (d) => (d.model.weights.size = 2 ** 53), '$.model.weights.size'],
    ['size as a string', (d) => (d.model.weights.size = '114'), '$.model.weights.size'],
    ['parameters an array', (d) => (d.parameters = []), '$.parameters'],
    ['parameters null', (d) => (d.parameters = null), '$.parameters'],
    ['context not an object', (d) => (d.context = []), '$.context'],
    ['unknown context key', (d) => (d.context.system = 'x'), '$.context.system'],
    ['documents empty', (d) => (d.context.documents = []), '$.context.documents'],
    ['documents not an array', (d) => (d.context.documents = {}), '$.context.documents'],
    ['document with an unknown key', (d) => (d.context.documents[0].url = 'x'), '$.context.documents[0].url'],
    ['document with an empty name', (d) => (d.context.documents[0].name = ''), '$.context.documents[0].name'],
    ['document with an empty file id', (d) => (d.context.documents[0].provider_file_id = ''), '$.context.documents[0].provider_file_id'],
    ['second document bad', (d) => d.context.documents.push({ digest: DIGEST, media_type: 'a/b' }), '$.context.documents[1].size'],
    ['tools an object', (d) => (d.tools = {}), '$.tools'],
    ['salt too short', (d) => (d.salt = 'A'.repeat(21)), '$.salt'],
    ['salt with padding', (d) => (d.salt = 'tO7nKM7HsoXOm5L5x-JPSA=='), '$.salt'],
    ['salt standard base64', (d) => (d.salt = 'tO7nKM7HsoXOm5L5x+JPSA'), '$.salt'],
    ['salt null', (d) => (d.salt = null), '$.salt'],
    ['extensions empty', (d) => (d.extensions = {}), '$.extensions'],
    ['extensions an array', (d) => (d.extensions = [1]), '$.extensions'],
    ['extension name without a dot', (d) => (d.extensions = { retrieval: 1 }), '$.extensions.retrieval'],
    ['extension name uppercase', (d) => (d.extensions = { 'Com.example': 1 }), '$.extensions["Com.example"]'],
    ['extension version not numeric', (d) => (d.extensions = { 'com.example/vX': 1 }), '$.extensions["com.example/vX"]'],
  ])('%s', (_what, f, path) => {
    expectCode(() => validateDeclaration(edit(f)), 'DECLARATION_INVALID', path);
  });

  it.each([null, [], 'x', 1, true])('a top-level %j', (v) => {
    expectCode(() => validateDeclaration(v), 'DECLARATION_INVALID', '$');
  });

  it('names the rule in the message', () => {
    const e = expectCode(() => validateDeclaration(edit((d) => (d.model.provider = 'OpenAI'))), 'DECLARATION_INVALID');
    expect(e.message).toContain('must match ^[a-z0-9]+([._-][a-z0-9]+)*$');
  });
});
