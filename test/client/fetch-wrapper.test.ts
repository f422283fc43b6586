/**
 * runproofFetch called directly (no SDK), against a real log and the loopback provider
 * stand-in: every body form `fetch` accepts is declared from, and forwarded as, the exact bytes
 * given; the provider's status and headers survive the re-wrapped response; requests that cannot
 * be declared faithfully are refused before anything is sent; non-inference calls never touch the
 * log; an abort by the caller stops the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runproofFetch, isRunproofError, type DeclaredInfo } from '../../client/index.js';
import { defaultProvider, requestApi } from '../../client/route.js';
import { declarationIdentity } from '../../src/declaration/identity.js';
import { startDeadLog, startLog, type DeadLog, type LogProcess } from './processes.js';
import { startProvider, type ProviderStub } from './provider-stub.js';

let log: LogProcess;
let provider: ProviderStub;
let dead: DeadLog;

beforeAll(async () => {
  [log, provider, dead] = await Promise.all([startLog(), startProvider(), startDeadLog('hang')]);
}, 30_000);

afterAll(async () => {
  await Promise.all([provider?.close(), dead?.close(), log?.stop()]);
});

// Odd spacing, key order and a non-ASCII character: forwarded byte for byte, declared canonically.
const BODY = '{ "messages" : [ {"role":"user","content":"h\u00e9llo \\u00e9"} ],\n "model":"gpt-4o-mini", "temperature": 1.0 }';
const BYTES = new TextEncoder().encode(BODY);
const HEADERS = { 'content-type': 'application/json', authorization: 'Bearer sk-test' };

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(bytes.slice(0, 7));
      c.enqueue(bytes.slice(7));
      c.close();
    },
  });
}

function wrapped(extra: Partial<Parameters<typeof runproofFetch>[0]> = {}): { fetch: typeof fetch; infos: DeclaredInfo[] } {
  const infos: DeclaredInfo[] = [];
  return { fetch: runproofFetch({ log: log.url, vkey: log.vkey, provider: 'openai', onDeclared: (i) => infos.push(i), ...extra }), infos };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('runproofFetch body forms', () => {
  const url = () => `${provider.origin}/v1/chat/completions`;
  const forms: Array<[string, () => Parameters<typeof fetch>]> = [
    ['string', () => [url(), { method: 'POST', headers: HEADERS, body: BODY }]],
    ['Uint8Array', () => [url(), { method: 'POST', headers: HEADERS, body: BYTES }]],
    ['ArrayBuffer', () => [url(), { method: 'POST', headers: HEADERS, body: BYTES.slice().buffer }]],
    ['DataView', () => [url(), { method: 'POST', headers: HEADERS, body: new DataView(BYTES.slice().buffer) }]],
    ['Blob', () => [url(), { method: 'POST', headers: HEADERS, body: new Blob([BYTES]) }]],
    ['ReadableStream', () => [url(), { method: 'POST', headers: HEADERS, body: streamOf(BYTES), duplex: 'half' } as RequestInit]],
    ['URL object', () => [new URL(url()), { method: 'post', headers: new Headers(HEADERS), body: BODY }]],
    ['Request', () => [new Request(url(), { method: 'POST', headers: HEADERS, body: BODY })]],
    ['Request with a stream', () => [new Request(url(), { method: 'POST', headers: HEADERS, body: streamOf(BYTES), duplex: 'half' } as RequestInit)]],
  ];

  for (const [name, args] of forms) {
    it(`${name}: declared from and forwarded as the exact bytes`, async () => {
      const { fetch, infos } = wrapped();
      const before = provider.requests.length;
      const res = await fetch(...args());
      expect(res.status).toBe(200);
      expect(((await res.json()) as { object: string }).object).toBe('chat.completion');
      const seen = provider.requests.slice(before);
      expect(seen).toHaveLength(1);
      expect(Buffer.from(seen[0]!.body).equals(Buffer.from(BYTES))).toBe(true);
      expect(seen[0]!.headers.authorization).toBe('Bearer sk-test');
      expect(seen[0]!.headers['x-runproof-identity']).toBeUndefined();

      const info = infos[0]!;
      if (info.status !== 'declared') throw new Error('not declared');
      expect(res.headers.get('x-runproof-identity')).toBe(info.identity);
      const { declaration } = declarationIdentity(info.declaration);
      expect(declaration.context.messages).toEqual([{ role: 'user', content: 'h\u00e9llo \u00e9' }]);
      expect(declaration.parameters).toEqual({ temperature: 1 });
    });
  }
});

describe('runproofFetch byte buffers', () => {
  it('forwards the bytes it declared even if the caller changes its buffer while the log answers', async () => {
    const { fetch, infos } = wrapped();
    const before = provider.requests.length;
    const buf = BYTES.slice();
    const pending = fetch(`${provider.origin}/v1/chat/completions`, { method: 'POST', headers: HEADERS, body: buf });
    buf.fill(0x20);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(Buffer.from(provider.requests[before]!.body).equals(Buffer.from(BYTES))).toBe(true);
    expect(infos[0]!.status).toBe('declared');
  });
});

describe('runproofFetch concurrency', () => {
  it('declares concurrent calls separately: one salt and one receipt each', async () => {
    const { fetch, infos } = wrapped();
    const before = provider.requests.length;
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => fetch(`${provider.origin}/v1/chat/completions`, { method: 'POST', headers: HEADERS, body: BODY })),
    );
    const ids = responses.map((r) => r.headers.get('x-runproof-identity'));
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    expect(new Set(ids).size).toBe(6);
    expect(infos.map((i) => (i.status === 'declared' ? i.identity : i.status)).sort()).toEqual([...ids].sort());
    expect(new Set(infos.map((i) => (i.status === 'declared' ? i.index : -1))).size).toBe(6);
    expect(provider.requests.length).toBe(before + 6);
  });
});

describe('runproofFetch responses', () => {
  it("keeps the provider's status, status text and headers, and adds the identity", async () => {
    const { fetch, infos } = wrapped();
    const res = await fetch(`${provider.origin}/v1/chat/completions`, { method: 'POST', headers: { ...HEADERS, 'x-stub-status': '429' }, body: BODY });
    expect(res.status).toBe(429);
    expect(res.statusText).toBe('Stub Says No');
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('x-provider')).toBe('stub');
    expect(res.url).toBe(`${provider.origin}/v1/chat/completions`);
    expect(res.headers.get('x-runproof-identity')).toBe(infos[0]!.status === 'declared' ? infos[0]!.identity : 'missing');
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('stub_error');
  });
});

describe('runproofFetch refusals (a synthetic 400, nothing is sent anywhere)', () => {
  const cases: Array<[string, string, () => Parameters<typeof fetch>, Partial<Parameters<typeof runproofFetch>[0]>?]> = [
    ['a form body', 'MAPPING_INVALID', () => [`${provider.origin}/v1/chat/completions`, { method: 'POST', body: new FormData() }]],
    ['duplicate keys', 'MAPPING_INVALID', () => [`${provider.origin}/v1/chat/completions`, { method: 'POST', body: '{"model":"a","model":"b"}' }]],
    ['an integer beyond 2^53', 'MAPPING_INVALID', () => [`${provider.origin}/v1/chat/completions`, { method: 'POST', body: '{"model":"a","seed":9007199254740993}' }]],
    ['no model', 'MAPPING_INVALID', () => [`${provider.origin}/v1/chat/completions`, { method: 'POST', body: '{"messages":[]}' }]],
    ['a compressed body', 'MAPPING_INVALID', () => [`${provider.origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-encoding': 'gzip' }, body: BODY }]],
    ['an unknown host without a provider', 'MAPPING_INVALID', () => [`${provider.origin}/v1/chat/completions`, { method: 'POST', body: BODY }], { provider: undefined }],
  ];
  for (const [name, code, args, extra] of cases) {
    it(`${name}: ${code}`, async () => {
      const { fetch, infos } = wrapped({ log: dead.url, ...extra });
      const before = provider.requests.length;
      const hits = dead.hits;
      const res = await fetch(...args());
      expect(res.status).toBe(400);
      expect(res.headers.get('x-should-retry')).toBe('false');
      expect(res.headers.get('x-runproof-status')).toBe('refused');
      const body = (await res.json()) as { error: { type: string; code: string } };
      expect(body.error).toMatchObject({ type: 'runproof_refused', code });
      expect(provider.requests.length).toBe(before);
      expect(dead.hits).toBe(hits);
      expect(infos.map((i) => i.status === 'refused' && i.error.code)).toEqual([code]);
    });
  }
});

describe('runproofFetch pass-through and aborts', () => {
  it('does not declare GETs, other paths or Assistants thread messages, and never contacts the log for them', async () => {
    const { fetch, infos } = wrapped({ log: dead.url });
    const hits = dead.hits;
    const before = provider.requests.length;
    const calls: Parameters<typeof fetch>[] = [
      [`${provider.origin}/v1/models`],
      [`${provider.origin}/v1/chat/completions`, { method: 'GET' }],
      [`${provider.origin}/v1/messages/count_tokens`, { method: 'POST', body: '{"model":"m","messages":[]}' }],
      [`${provider.origin}/v1/threads/thread_1/messages`, { method: 'POST', body: '{"role":"user","content":"hi"}' }],
    ];
    for (const args of calls) {
      const res = await fetch(...args);
      expect(res.headers.get('x-runproof-identity')).toBeNull();
      await res.arrayBuffer();
    }
    expect(provider.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/models',
      'GET /v1/chat/completions',
      'POST /v1/messages/count_tokens',
      'POST /v1/threads/thread_1/messages',
    ]);
    expect(dead.hits).toBe(hits);
    expect(infos).toEqual([]);
  });

  it("the caller's abort stops a call waiting for the log, and the provider is not called", async () => {
    const { fetch } = wrapped({ log: dead.url, onUnavailable: 'proceed' });
    const before = provider.requests.length;
    const hits = dead.hits;
    const ctrl = new AbortController();
    const pending = fetch(`${provider.origin}/v1/chat/completions`, { method: 'POST', body: BODY, signal: ctrl.signal });
    for (let i = 0; i < 200 && dead.hits === hits; i++) await new Promise((r) => setTimeout(r, 10));
    expect(dead.hits).toBe(hits + 1);
    ctrl.abort();
    const e = await rejection(pending);
    expect((e as Error).name).toBe('AbortError');
    expect(provider.requests.length).toBe(before);
  });
});

describe('routing', () => {
  it('picks the dialect from method and path, and the provider from well-known hosts only', () => {
    expect(requestApi('POST', new URL('https://api.openai.com/v1/chat/completions'))).toBe('openai-chat');
    expect(requestApi('POST', new URL('https://x.openai.azure.com/openai/deployments/d/chat/completions?api-version=1'))).toBe('openai-chat');
    expect(requestApi('POST', new URL('https://api.openai.com/v1/responses/'))).toBe('openai-responses');
    expect(requestApi('POST', new URL('https://api.anthropic.com/v1/messages'))).toBe('anthropic');
    expect(requestApi('POST', new URL('https://api.openai.com/v1/responses/resp_1/cancel'))).toBeUndefined();
    expect(requestApi('GET', new URL('https://api.openai.com/v1/responses'))).toBeUndefined();
    expect(defaultProvider(new URL('https://api.openai.com/v1'))).toBe('openai');
    expect(defaultProvider(new URL('https://api.anthropic.com'))).toBe('anthropic');
    expect(defaultProvider(new URL('https://api.openai.com.evil.example/v1'))).toBeUndefined();
    expect(defaultProvider(new URL('http://127.0.0.1:8080'))).toBeUndefined();
  });

  it('checks its options when created', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isRunproofError(e) ? e.code : String(e);
      }
      return 'no error';
    };
    expect(code(() => runproofFetch({ log: log.url }))).toBe('MALFORMED_REQUEST');
    expect(code(() => runproofFetch({ log: 'not a url', vkey: log.vkey }))).toBe('MALFORMED_REQUEST');
    expect(code(() => runproofFetch({ log: log.url, vkey: log.vkey + 'x' }))).toBe('MALFORMED_KEY');
    expect(code(() => runproofFetch({ log: log.url, vkey: log.vkey, onUnavailable: 'ignore' as 'fail' }))).toBe('MALFORMED_REQUEST');
    expect(code(() => runproofFetch({ log: log.url, vkey: log.vkey, salt: 'fixed' as 'none' }))).toBe('MALFORMED_REQUEST');
  });
});
