/** Request mappers: the declaration-v1.md mapping table, header rules, salts and extras. */
import { describe, expect, it } from 'vitest';
import { mapRequest, mapperApiName, REQUEST_APIS, type RequestApi } from '../../src/declaration/mappers.js';
import { validateDeclaration } from '../../src/declaration/schema.js';
import type { JsonValue } from '../../src/json/strict.js';
import { expectCode } from '../json/expect-code.js';

const DIGEST = 'sha256:' + '0f'.repeat(32);
const fixedBytes = (n: number) => new Uint8Array(n).fill(0xfb);
const map = (api: RequestApi, body: object | string, opts: Partial<Parameters<typeof mapRequest>[2]> = {}) =>
  mapRequest(api, typeof body === 'string' ? body : JSON.stringify(body), { provider: 'p', salt: 'none', ...opts });

describe('mapperApiName', () => {
  it('names the declaration api of each dialect', () => {
    expect(REQUEST_APIS.map(mapperApiName)).toEqual(['openai.chat_completions', 'openai.responses', 'anthropic.messages']);
  });
});

describe('openai-chat', () => {
  it('places model, messages, tools; drops EXCLUDE; keeps the rest verbatim', () => {
    const d = map('openai-chat', {
      model: 'gpt-x',
      messages: [{ role: 'system', content: 'S' }],
      tools: [],
      temperature: 0.2,
      frequency_penalty: null,
      'odd key': { x: [1, '1'] },
      stream: true, stream_options: {}, store: false, metadata: {}, user: 'u', safety_identifier: 's',
      service_tier: 'auto', prompt_cache_key: 'k', prompt_cache_retention: '24h', prompt_cache_options: {},
    });
    expect(d).toStrictEqual({
      schema: 'run-declaration/v1',
      api: 'openai.chat_completions',
      model: { provider: 'p', name: 'gpt-x' },
      parameters: { temperature: 0.2, frequency_penalty: null, 'odd key': { x: [1, '1'] } },
      context: { messages: [{ role: 'system', content: 'S' }] },
      tools: [],
    });
  });

  it('has no system channel: "instructions" and "system" are parameters', () => {
    const d = map('openai-chat', { model: 'm', instructions: 'i', system: 's' });
    expect(d.instructions).toBeUndefined();
    expect(d.parameters).toStrictEqual({ instructions: 'i', system: 's' });
  });

  it('without a conversation field maps to context {}', () => {
    expect(map('openai-chat', { model: 'm' }).context).toStrictEqual({});
  });

  it('ignores headers', () => {
    const d = map('openai-chat', { model: 'm' }, { headers: { 'anthropic-version': 'x', 'OpenAI-Beta': 'y' } });
    expect(d.api_version).toBeUndefined();
    expect(d.parameters).toStrictEqual({});
  });

  it('keeps a body member named __proto__ as data', () => {
    const d = map('openai-chat', '{"model":"m","__proto__":{"temperature":1}}');
    expect(Object.getPrototypeOf(d.parameters)).toBe(Object.prototype);
    expect(Object.keys(d.parameters)).toEqual(['__proto__']);
  });
});

describe('openai-responses', () => {
  it('input → context.messages, instructions → instructions, extra EXCLUDE fields dropped', () => {
    const d = map('openai-responses', { model: 'm', input: 'hello', instructions: null, background: true, include: ['x'], store: true, top_p: 1 });
    expect(d.api).toBe('openai.responses');
    expect(d.context).toStrictEqual({ messages: 'hello' });
    expect(Object.hasOwn(d, 'instructions')).toBe(true);
    expect(d.instructions).toBeNull();
    expect(d.parameters).toStrictEqual({ top_p: 1 });
  });

  it.each(['previous_response_id', 'conversation', 'prompt'])('rejects %s', (field) => {
    expectCode(() => map('openai-responses', { model: 'm', [field]: null }), 'MAPPING_REJECTED', `$.${field}`);
  });
});

describe('anthropic', () => {
  it('system → instructions, messages → context, EXCLUDE dropped', () => {
    const d = map('anthropic', { model: 'claude', system: [{ type: 'text', text: 'S' }], messages: [], max_tokens: 5, stream: true, metadata: {}, service_tier: 'auto', inference_geo: 'us' });
    expect(d.api).toBe('anthropic.messages');
    expect(d.instructions).toStrictEqual([{ type: 'text', text: 'S' }]);
    expect(d.context).toStrictEqual({ messages: [] });
    expect(d.parameters).toStrictEqual({ max_tokens: 5 });
  });

  it('rejects container', () => {
    expectCode(() => map('anthropic', { model: 'm', container: 'c' }), 'MAPPING_REJECTED', '$.container');
  });

  it('maps anthropic-version and anthropic-beta, header names case-insensitive', () => {
    const d = map('anthropic', { model: 'm' }, { headers: { 'Anthropic-Version': '2023-06-01', 'ANTHROPIC-BETA': ' b2 ,a1,, c3 ', 'x-other': 'z' } });
    expect(d.api_version).toBe('2023-06-01');
    expect(d.parameters).toStrictEqual({ betas: ['b2', 'a1', 'c3'] });
  });

  it('trims only spaces and tabs around beta names', () => {
    const d = map('anthropic', { model: 'm' }, { headers: { 'anthropic-beta': '\ta1 ,\u00a0b2' } });
    expect(d.parameters).toStrictEqual({ betas: ['a1', '\u00a0b2'] });
  });

  it('an empty anthropic-beta adds nothing; an empty anthropic-version is invalid', () => {
    expect(map('anthropic', { model: 'm' }, { headers: { 'anthropic-beta': ' , ' } }).parameters).toStrictEqual({});
    expectCode(() => map('anthropic', { model: 'm' }, { headers: { 'anthropic-version': '' } }), 'DECLARATION_INVALID', '$.api_version');
  });

  it('combines a header given twice (names differing in case) with ", ", in order, as the CLI and fetch do', () => {
    const d = map('anthropic', { model: 'm' }, { headers: { 'anthropic-version': 'a', 'Anthropic-Version': 'b', 'anthropic-beta': 'x', 'ANTHROPIC-BETA': 'y,z' } });
    expect(d.api_version).toBe('a, b');
    expect(d.parameters).toStrictEqual({ betas: ['x', 'y', 'z'] });
  });

  it('refuses a body "betas" with a beta header that yields an element, and only then', () => {
    expectCode(() => map('anthropic', { model: 'm', betas: ['x'] }, { headers: { 'anthropic-beta': 'y' } }), 'MAPPING_INVALID', '$.betas');
    expect(map('anthropic', { model: 'm', betas: ['x'] }).parameters).toStrictEqual({ betas: ['x'] });
    for (const empty of ['', ' ', ',', ' ,\t, ']) {
      expect(map('anthropic', { model: 'm', betas: ['x'] }, { headers: { 'anthropic-beta': empty } }).parameters).toStrictEqual({ betas: ['x'] });
    }
  });
});

describe('bodies that cannot be mapped', () => {
  it.each(['[]', '"x"', 'null', '1'])('%s is not an object', (body) => {
    expectCode(() => map('openai-chat', body), 'MAPPING_INVALID', '$');
  });
  it.each(['{}', '{"model":null}', '{"model":1}'])('%s has no string model', (body) => {
    expectCode(() => map('anthropic', body), 'MAPPING_INVALID', '$.model');
  });
  it('an empty model string fails the schema', () => {
    expectCode(() => map('anthropic', { model: '' }), 'DECLARATION_INVALID', '$.model.name');
  });
  it('is parsed strictly', () => {
    expectCode(() => map('openai-chat', '{"model":"m","seed":9007199254740993}'), 'JSON_UNSAFE_INTEGER', '$.seed');
    expectCode(() => map('openai-chat', '{"model":"m","model":"n"}'), 'JSON_DUPLICATE_KEY', '$.model');
    expectCode(() => mapRequest('openai-chat', new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), { provider: 'p', salt: 'none' }), 'JSON_BOM');
  });
  it('checks the provider', () => {
    expectCode(() => map('openai-chat', { model: 'm' }, { provider: 'Open AI' }), 'DECLARATION_INVALID', '$.model.provider');
  });
  it('rejects an unknown dialect', () => {
    expectCode(() => map('toString' as RequestApi, { model: 'm' }), 'MAPPING_INVALID');
  });
});

describe('salt', () => {
  it('auto (the default) is 16 random bytes as base64url', () => {
    const d = mapRequest('openai-chat', '{"model":"m"}', { provider: 'p', randomBytes: fixedBytes });
    expect(d.salt).toBe('-_v7-_v7-_v7-_v7-_v7-w');
    expect(d.salt).toHaveLength(22);
  });
  it('auto without randomBytes is a programming error', () => {
    expect(() => mapRequest('openai-chat', '{"model":"m"}', { provider: 'p' })).toThrow(Error);
  });
  it('none omits it; a given salt is used and validated', () => {
    expect(Object.hasOwn(map('openai-chat', { model: 'm' }), 'salt')).toBe(false);
    expect(map('openai-chat', { model: 'm' }, { salt: 'tO7nKM7HsoXOm5L5x-JPSA' }).salt).toBe('tO7nKM7HsoXOm5L5x-JPSA');
    expectCode(() => map('openai-chat', { model: 'm' }, { salt: 'short' }), 'DECLARATION_INVALID', '$.salt');
  });
});

describe('extras', () => {
  it('are added only when supplied, in their places', () => {
    const ref = { digest: DIGEST, media_type: 'application/json', size: 3 };
    const d = map('anthropic', { model: 'm', messages: [] }, {
      extras: { revision: 'rev-1', weights: ref, documents: [{ ...ref, name: 'a.json' }], extensions: { 'com.example.x/v1': true } },
    });
    expect(d.model).toStrictEqual({ provider: 'p', name: 'm', revision: 'rev-1', weights: ref });
    expect(d.context).toStrictEqual({ messages: [], documents: [{ ...ref, name: 'a.json' }] });
    expect(d.extensions).toStrictEqual({ 'com.example.x/v1': true });
    expect(() => validateDeclaration(d as unknown as JsonValue)).not.toThrow();
  });
  it('are validated', () => {
    expectCode(() => map('anthropic', { model: 'm' }, { extras: { documents: [] } }), 'DECLARATION_INVALID', '$.context.documents');
    expectCode(() => map('anthropic', { model: 'm' }, { extras: { extensions: { bad: 1 } } }), 'DECLARATION_INVALID', '$.extensions.bad');
  });
});
