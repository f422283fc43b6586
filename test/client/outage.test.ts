/**
 * runproofFetch when the log cannot be used: nothing listening, HTTP 503, no answer in time, or
 * a refusal that is not an outage (401) — under `onUnavailable: 'fail'` (no declaration, no call:
 * the SDK raises a typed, non-retried API error) and `'proceed'` (the call goes ahead, marked
 * `x-runproof-status: undeclared`), driven through the OpenAI SDK against the loopback provider
 * stand-in. The clients here retry (`maxRetries: 2`): a refusal must still reach the log once.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runproofFetch, type DeclaredInfo } from '../../client/index.js';
import { newSignerKey, parseSignerKey, verifierKey } from '../../src/note/keys.js';
import { closedPort, startDeadLog, type DeadLog } from './processes.js';
import { startProvider, type ProviderStub } from './provider-stub.js';

// No log is running here, so any well-formed key will do: nothing ever gets to be verified.
const VKEY = verifierKey(parseSignerKey(newSignerKey('log.example', new Uint8Array(32).fill(1))));

let provider: ProviderStub;

beforeAll(async () => {
  provider = await startProvider();
});

afterAll(async () => {
  await provider?.close();
});

function openai(log: string, extra: Partial<Parameters<typeof runproofFetch>[0]> = {}): { client: OpenAI; infos: DeclaredInfo[] } {
  const infos: DeclaredInfo[] = [];
  const fetch = runproofFetch({ log, vkey: VKEY, provider: 'openai', timeoutMs: 2000, onDeclared: (i) => infos.push(i), ...extra });
  return { client: new OpenAI({ apiKey: 'sk-test', baseURL: `${provider.origin}/v1`, fetch, maxRetries: 2 }), infos };
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };

/** causeCode returns the runproof code of a refusal the SDK raised as an API error. */
function causeCode(e: unknown): string | undefined {
  expect(e).toBeInstanceOf(OpenAI.APIError);
  expect(e).not.toBeInstanceOf(OpenAI.APIConnectionError);
  const err = e as InstanceType<typeof OpenAI.APIError>;
  expect(err.type).toBe('runproof_refused');
  expect(err.headers?.get('x-should-retry')).toBe('false');
  const code = err.code ?? undefined;
  // The request's own faults are 400; the log's are 424.
  expect(err.status).toBe(code?.startsWith('MAPPING_') ? 400 : 424);
  return code;
}

describe("onUnavailable: 'fail' (the default)", () => {
  it('nothing listening: UNREACHABLE, provider not called', async () => {
    const { client, infos } = openai(await closedPort());
    const before = provider.requests.length;
    const e = await client.chat.completions.create(chat).catch((err: unknown) => err);
    expect(causeCode(e)).toBe('UNREACHABLE');
    expect(provider.requests.length).toBe(before);
    expect(infos.map((i) => i.status)).toEqual(['refused']);
  });

  it('HTTP 503: UNAVAILABLE, provider not called', async () => {
    const dead = await startDeadLog(503);
    try {
      const { client } = openai(dead.url);
      const before = provider.requests.length;
      const e = await client.chat.completions.create(chat).catch((err: unknown) => err);
      expect(causeCode(e)).toBe('UNAVAILABLE');
      expect(dead.hits).toBe(1);
      expect(provider.requests.length).toBe(before);
    } finally {
      await dead.close();
    }
  });

  it('no answer within timeoutMs: UNREACHABLE, provider not called', async () => {
    const dead: DeadLog = await startDeadLog('hang');
    try {
      const { client } = openai(dead.url, { timeoutMs: 500 });
      const before = provider.requests.length;
      const e = await client.chat.completions.create(chat).catch((err: unknown) => err);
      // (Whether the stand-in saw the request before the timeout depends on load; not asserted.)
      expect(causeCode(e)).toBe('UNREACHABLE');
      expect(provider.requests.length).toBe(before);
    } finally {
      await dead.close();
    }
  });
});

describe("onUnavailable: 'proceed'", () => {
  it('nothing listening: the call goes ahead, marked undeclared and reported', async () => {
    const { client, infos } = openai(await closedPort(), { onUnavailable: 'proceed' });
    const before = provider.requests.length;
    const { data, response } = await client.chat.completions.create(chat).withResponse();
    expect(data.choices[0]!.message.content).toBe('Thirty days.');
    expect(response.headers.get('x-runproof-status')).toBe('undeclared');
    expect(response.headers.get('x-runproof-identity')).toBeNull();
    expect(provider.requests.length).toBe(before + 1);
    expect(infos).toHaveLength(1);
    expect(infos[0]!.status).toBe('unavailable');
    expect(infos[0]!.status === 'unavailable' && infos[0]!.error.code).toBe('UNREACHABLE');
  });

  it('a streamed call still streams when it proceeds undeclared', async () => {
    const dead = await startDeadLog(503);
    try {
      const { client, infos } = openai(dead.url, { onUnavailable: 'proceed' });
      const stream = await client.chat.completions.create({ ...chat, stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      expect(text).toBe('Thirty days.');
      expect(infos[0]!.status === 'unavailable' && infos[0]!.error.code).toBe('UNAVAILABLE');
    } finally {
      await dead.close();
    }
  });

  it('a refusal is not an outage: 401 still fails, even when its body claims UNAVAILABLE', async () => {
    const dead = await startDeadLog(401);
    try {
      const { client, infos } = openai(dead.url, { onUnavailable: 'proceed' });
      const before = provider.requests.length;
      const e = await client.chat.completions.create(chat).catch((err: unknown) => err);
      expect(causeCode(e)).toBe('UNAUTHORIZED');
      expect(provider.requests.length).toBe(before);
      expect(infos.map((i) => i.status)).toEqual(['refused']);
    } finally {
      await dead.close();
    }
  });

  it('a request that cannot be mapped is refused even when proceeding', async () => {
    const { client, infos } = openai(await closedPort(), { onUnavailable: 'proceed' });
    const before = provider.requests.length;
    const e = await client.chat.completions.create({ ...chat, seed: 2 ** 53 + 2 }).catch((err: unknown) => err);
    expect(causeCode(e)).toBe('MAPPING_INVALID');
    expect(provider.requests.length).toBe(before);
    expect(infos.map((i) => i.status)).toEqual(['refused']);
  });
});
