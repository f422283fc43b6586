/** Request mappers: the mapping table of docs/specification.md §4, header rules, salts and extras. */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { CHAIN_EXTENSION, CREDENTIAL_MARKER, mapRequest, mapperApiName, REQUEST_APIS, type RequestApi } from '../../src/declaration/mappers.js';
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

  it.each([
    ['previous_response_id', 'resp_1'],
    ['conversation', { id: 'conv_1' }],
    ['prompt', { id: 'pmpt_1', version: '2' }],
  ])('declares the provider-held reference %s as sent, in parameters', (field, value) => {
    expect(map('openai-responses', { model: 'm', [field]: value }).parameters).toStrictEqual({ [field]: value });
  });

  it('names the declared run a previous_response_id continues, when known', () => {
    const identity = 'sha256:' + 'ab'.repeat(32);
    const lookup = (id: string) => (id === 'resp_1' ? identity : undefined);
    const d = map('openai-responses', { model: 'm', previous_response_id: 'resp_1' }, { previousIdentity: lookup });
    expect(d.parameters).toStrictEqual({ previous_response_id: 'resp_1' });
    expect(d.extensions).toStrictEqual({ [CHAIN_EXTENSION]: { previous_response_id: 'resp_1', identity } });
    expect(map('openai-responses', { model: 'm', previous_response_id: 'resp_2' }, { previousIdentity: lookup }).extensions).toBeUndefined();
    expect(map('openai-chat', { model: 'm', previous_response_id: 'resp_1' }, { previousIdentity: lookup }).extensions).toBeUndefined();
  });

  it('merges the chain link with operator extensions, never over one', () => {
    const identity = 'sha256:' + 'ab'.repeat(32);
    const d = map('openai-responses', { model: 'm', previous_response_id: 'r' }, { previousIdentity: () => identity, extras: { extensions: { 'com.example.x/v1': 1 } } });
    expect(Object.keys(d.extensions!).sort()).toEqual(['com.example.x/v1', CHAIN_EXTENSION]);
    expectCode(() => map('openai-responses', { model: 'm', previous_response_id: 'r' }, { previousIdentity: () => identity, extras: { extensions: { [CHAIN_EXTENSION]: 1 } } }), 'MAPPING_INVALID');
    expectCode(() => map('openai-responses', { model: 'm', previous_response_id: 'r' }, { previousIdentity: () => 'sha256:AB' }), 'IDENTITY_MALFORMED');
  });

  it('replaces MCP tool credentials (headers values, authorization) by the fixed marker', () => {
    const body = {
      model: 'm',
      tools: [
        { type: 'mcp', server_label: 'crm', server_url: 'https://mcp.example/sse', headers: { Authorization: 'Bearer sk-secret', 'X-Tenant': 't1', 'X-Null': null }, require_approval: 'never' },
        { type: 'mcp', server_label: 'drive', connector_id: 'connector_googledrive', authorization: 'ya29.secret' },
        { type: 'mcp', server_label: 'open', server_url: 'https://mcp.example/open', headers: null },
        { type: 'function', name: 'f', parameters: { type: 'object', properties: { headers: { type: 'string' } } } },
      ],
    };
    const d = map('openai-responses', body);
    expect(d.tools).toStrictEqual([
      { type: 'mcp', server_label: 'crm', server_url: 'https://mcp.example/sse', headers: { Authorization: CREDENTIAL_MARKER, 'X-Tenant': CREDENTIAL_MARKER, 'X-Null': null }, require_approval: 'never' },
      { type: 'mcp', server_label: 'drive', connector_id: 'connector_googledrive', authorization: CREDENTIAL_MARKER },
      { type: 'mcp', server_label: 'open', server_url: 'https://mcp.example/open', headers: null },
      body.tools[3],
    ]);
    expect(JSON.stringify(d)).not.toContain('secret');
    // Deterministic: a different secret maps to the same declaration.
    const other = structuredClone(body);
    other.tools[0]!.headers = { Authorization: 'Bearer other', 'X-Tenant': 't1', 'X-Null': null };
    expect(map('openai-responses', other)).toStrictEqual(d);
  });
});

describe('tools', () => {
  it.each(['openai-chat', 'openai-responses', 'anthropic'] as const)('%s: tools null is kept, under parameters', (api) => {
    const d = map(api, { model: 'm', tools: null });
    expect(d.tools).toBeUndefined();
    expect(d.parameters).toStrictEqual({ tools: null });
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

  it('declares a container (provider-held state) as sent', () => {
    expect(map('anthropic', { model: 'm', container: 'container_1' }).parameters).toStrictEqual({ container: 'container_1' });
  });

  it('replaces an MCP server authorization_token by the fixed marker', () => {
    const d = map('anthropic', {
      model: 'm',
      mcp_servers: [
        { type: 'url', name: 'crm', url: 'https://mcp.example/sse', authorization_token: 'secret-token', tool_configuration: { enabled: true } },
        { type: 'url', name: 'open', url: 'https://mcp.example/open', authorization_token: null },
      ],
    });
    expect(d.parameters.mcp_servers).toStrictEqual([
      { type: 'url', name: 'crm', url: 'https://mcp.example/sse', authorization_token: CREDENTIAL_MARKER, tool_configuration: { enabled: true } },
      { type: 'url', name: 'open', url: 'https://mcp.example/open', authorization_token: null },
    ]);
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

describe('media references (opt-in)', () => {
  const bytes = new Uint8Array(3000).map((_, i) => (i * 7) % 256);
  const b64 = Buffer.from(bytes).toString('base64');
  // The digest is computed independently of src/, with node:crypto.
  const ref = (mediaType: string) => ({ digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, media_type: mediaType, size: 3000 });
  const on = { mediaReferences: { minBytes: 1000 } };

  it('is off by default: inline media stays verbatim', () => {
    const messages = [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } }] }];
    expect(map('openai-chat', { model: 'm', messages }).context.messages).toStrictEqual(messages);
  });

  it('replaces data URLs, audio and bare file_data (OpenAI Chat)', () => {
    const d = map('openai-chat', {
      model: 'm',
      messages: [{
        role: 'user',
        content: [
          { type: 'image_url', image_url: { url: `data:Image/PNG;name=x;base64,${b64}`, detail: 'high' } },
          { type: 'input_audio', input_audio: { data: b64, format: 'mp3' } },
          { type: 'file', file: { file_data: `data:application/pdf;base64,${b64}`, filename: 'a.pdf' } },
          { type: 'file', file: { file_data: b64, filename: 'b.bin' } },
          { type: 'text', text: 'what is this?' },
        ],
      }],
    }, on);
    expect(d.context.messages).toStrictEqual([{
      role: 'user',
      content: [
        { type: 'image_url', image_url: { url: ref('image/png'), detail: 'high' } },
        { type: 'input_audio', input_audio: { data: ref('audio/mpeg'), format: 'mp3' } },
        { type: 'file', file: { file_data: ref('application/pdf'), filename: 'a.pdf' } },
        { type: 'file', file: { file_data: ref('application/octet-stream'), filename: 'b.bin' } },
        { type: 'text', text: 'what is this?' },
      ],
    }]);
  });

  it('replaces Anthropic base64 sources, also inside tool results and the system channel', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: b64 } };
    const d = map('anthropic', {
      model: 'm',
      system: [{ type: 'text', text: 's' }],
      messages: [{ role: 'user', content: [image, { type: 'tool_result', tool_use_id: 't', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: b64 } }] }] }],
    }, on);
    expect(d.context.messages).toStrictEqual([{ role: 'user', content: [
      { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: ref('image/jpeg') } },
      { type: 'tool_result', tool_use_id: 't', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: ref('application/pdf') } }] },
    ] }]);
    expect(d.instructions).toStrictEqual([{ type: 'text', text: 's' }]);
    expect(() => validateDeclaration(d as unknown as JsonValue)).not.toThrow();
  });

  it('keeps payloads below the threshold, non-canonical base64 and unknown audio formats verbatim', () => {
    const small = Buffer.from(bytes.slice(0, 999)).toString('base64');
    const items = [
      { type: 'input_image', image_url: `data:image/png;base64,${small}` },
      { type: 'input_image', image_url: `data:image/png;base64,${b64.slice(0, -4)}!!!!` },
      { type: 'input_image', image_url: `data:image/png;base64,${b64.replace(/=+$/, '')}X` },
      { type: 'input_audio', input_audio: { data: b64, format: 'flac' } },
      { type: 'input_text', text: `data:image/png,${b64}` },
    ];
    expect(map('openai-responses', { model: 'm', input: [{ role: 'user', content: items }] }, on).context.messages).toStrictEqual([{ role: 'user', content: items }]);
  });

  it('decodes every padding length exactly and refuses non-zero bits under the padding', () => {
    for (let n = 1000; n < 1006; n++) {
      const part = bytes.slice(0, n);
      const url = `data:image/png;base64,${Buffer.from(part).toString('base64')}`;
      const digest = `sha256:${createHash('sha256').update(part).digest('hex')}`;
      expect(map('openai-responses', { model: 'm', input: url }, on).context.messages).toStrictEqual({ digest, media_type: 'image/png', size: n });
    }
    const low = { mediaReferences: { minBytes: 1 } };
    expect(map('openai-responses', { model: 'm', input: 'data:a/b;base64,QQ==' }, low).context.messages).toMatchObject({ size: 1 });
    expect(map('openai-responses', { model: 'm', input: 'data:a/b;base64,QR==' }, low).context.messages).toBe('data:a/b;base64,QR==');
    expect(map('openai-responses', { model: 'm', input: 'data:a/b;base64,QUI=' }, low).context.messages).toMatchObject({ size: 2 });
    expect(map('openai-responses', { model: 'm', input: 'data:a/b;base64,QUJ=' }, low).context.messages).toBe('data:a/b;base64,QUJ=');
    expect(map('openai-responses', { model: 'm', input: 'data:a/b;base64,Q===' }, low).context.messages).toBe('data:a/b;base64,Q===');
  });

  it('accepts a body larger than the declaration limit when told to, and maps it small', () => {
    const big = Buffer.alloc(2_000_000, 1).toString('base64');
    const body = JSON.stringify({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', image_url: `data:image/png;base64,${big}` }] }] });
    expectCode(() => mapRequest('openai-responses', body, { provider: 'p', salt: 'none', maxBodyBytes: 1000 }), 'JSON_TOO_LARGE');
    const d = mapRequest('openai-responses', body, { provider: 'p', salt: 'none', maxBodyBytes: body.length, mediaReferences: { minBytes: 1 } });
    expect(JSON.stringify(d).length).toBeLessThan(400);
  });
});
