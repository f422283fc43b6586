/**
 * runproofFetch under the official OpenAI SDK (v6), end to end over loopback: the SDK talks to a
 * stand-in provider, runproofFetch talks to a real `runproof-log serve`. Checked for each call:
 * the log already held the declaration when the provider first saw the request; the provider got
 * the SDK's exact bytes; the stored declaration re-derives the identity; the receipt verifies
 * with the `runproof verify` CLI; streaming still streams; REJECT fields never leave the process.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runproofFetch, storeFileName, type DeclaredInfo } from '../../client/index.js';
import { mapRequest } from '../../src/declaration/mappers.js';
import { declarationIdentity, identityOfValue } from '../../src/declaration/identity.js';
import type { JsonValue } from '../../src/json/strict.js';
import { lookUp, startLog, runVerifier, type LogProcess } from './processes.js';
import { startProvider, type ProviderRequest, type ProviderStub } from './provider-stub.js';

let log: LogProcess;
let provider: ProviderStub;
let dir: string;
/** What happened, in order: declarations (from onDeclared) and provider arrivals. */
const events: string[] = [];
let releaseGate: () => void = () => undefined;

/** Identity of the request the provider saw, when it was declared without a salt. */
function unsaltedIdentity(req: ProviderRequest): string {
  const api = req.path.endsWith('/chat/completions') ? 'openai-chat' : 'openai-responses';
  return identityOfValue(mapRequest(api, req.body, { provider: 'openai', salt: 'none' }) as unknown as JsonValue).identity;
}

beforeAll(async () => {
  log = await startLog();
  dir = mkdtempSync(join(tmpdir(), 'runproof-client-openai-'));
  provider = await startProvider({
    // At the moment the provider sees a request, the last declaration must already be in the log.
    // Record which identity was declared last and whether the log had it at that moment.
    async onRequest(req) {
      const last = [...events].reverse().find((e) => e.startsWith('declared '));
      events.push(`provider ${req.path}`);
      if (last === undefined) return { declared: undefined };
      const declared = last.slice('declared '.length);
      return { declared, status: await lookUp(log.url, declared) };
    },
    gate: () => new Promise<void>((r) => (releaseGate = r)),
  });
}, 30_000);

afterAll(async () => {
  await provider?.close();
  await log?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function client(extra: Partial<Parameters<typeof runproofFetch>[0]> = {}): { openai: OpenAI; infos: DeclaredInfo[] } {
  const infos: DeclaredInfo[] = [];
  const fetch = runproofFetch({
    log: log.url,
    vkey: log.vkey,
    provider: 'openai',
    store: dir,
    onDeclared: (info) => {
      infos.push(info);
      if (info.status === 'declared') events.push(`declared ${info.identity}`);
    },
    ...extra,
  });
  return { openai: new OpenAI({ apiKey: 'sk-test', baseURL: `${provider.origin}/v1`, fetch, maxRetries: 0 }), infos };
}

describe('runproofFetch with the OpenAI SDK', () => {
  it('declares a chat completion before the provider sees it, and the pair in the store verifies', async () => {
    const { openai, infos } = client();
    const before = provider.requests.length;
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4o-2024-08-06', messages: [{ role: 'user', content: 'Notice period?' }], temperature: 0.2, seed: 42 })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('Thirty days.');

    expect(infos).toHaveLength(1);
    const info = infos[0]!;
    if (info.status !== 'declared') throw new Error('not declared');
    const identity = info.identity;
    expect(response.headers.get('x-runproof-identity')).toBe(identity);
    expect(response.headers.get('x-provider')).toBe('stub');

    // The provider saw exactly one request, after the declaration, and the log had it then.
    const seen = provider.requests.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.check).toEqual({ declared: identity, status: 200 });
    expect(events.slice(-2)).toEqual([`declared ${identity}`, 'provider /v1/chat/completions']);

    // The declaration is what the provider received: same body, mapped with the stored salt.
    const stored = readFileSync(join(dir, `${storeFileName(identity)}.json`));
    const decl = declarationIdentity(new Uint8Array(stored));
    expect(decl.identity).toBe(identity);
    expect(decl.declaration.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const remapped = mapRequest('openai-chat', seen[0]!.body, { provider: 'openai', salt: decl.declaration.salt! });
    expect(identityOfValue(remapped as unknown as JsonValue).identity).toBe(identity);

    // The stored receipt verifies offline with the CLI.
    const r = runVerifier(['verify', '--receipt', join(dir, `${storeFileName(identity)}.tlog-proof`), '--declaration', join(dir, `${storeFileName(identity)}.json`), '--vkey', log.vkey]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('streams a chat completion: the first chunk arrives while the provider holds the stream open', async () => {
    const { openai, infos } = client({ salt: 'none' });
    const before = provider.requests.length;
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream please' }], stream: true });
    const text: string[] = [];
    for await (const chunk of stream) {
      if (text.length === 0) releaseGate();
      text.push(chunk.choices[0]?.delta.content ?? '');
    }
    expect(text.join(''), JSON.stringify(text)).toBe('Thirty days.');
    const seen = provider.requests[before]!;
    expect(seen.gateOpened, 'first chunk reached the SDK while the provider held the stream').toBe(true);
    // Unsalted: the provider can re-derive the identity from what it received, and the log had it.
    const identity = unsaltedIdentity(seen);
    expect(infos[0]!.status === 'declared' && infos[0]!.identity, JSON.stringify(infos[0])).toBe(identity);
    expect(seen.check, 'the log held the declaration when the provider saw the request').toEqual({ declared: identity, status: 200 });
  });

  it('declares a Responses call, JSON and streamed', async () => {
    const { openai, infos } = client();
    const { data, response } = await openai.responses
      .create({ model: 'gpt-4.1', instructions: 'Be brief.', input: 'Notice period?', max_output_tokens: 64 })
      .withResponse();
    expect(data.output_text).toBe('Thirty days.');
    const id = response.headers.get('x-runproof-identity');
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(provider.requests.at(-1)!.check).toEqual({ declared: id, status: 200 });
    const decl = declarationIdentity(new Uint8Array(readFileSync(join(dir, `${storeFileName(id!)}.json`)))).declaration;
    expect(decl.api).toBe('openai.responses');
    expect(decl.instructions).toBe('Be brief.');

    const before = provider.requests.length;
    const stream = await openai.responses.create({ model: 'gpt-4.1', input: 'again, streamed', stream: true });
    const types: string[] = [];
    for await (const ev of stream) {
      if (types.length === 0) releaseGate();
      types.push(ev.type);
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(3);
    expect(provider.requests[before]!.gateOpened).toBe(true);
    const second = infos[1]!;
    expect(provider.requests[before]!.check).toEqual({ declared: second.status === 'declared' && second.identity, status: 200 });
    expect(infos.map((i) => i.status)).toEqual(['declared', 'declared']);
  });

  it('declares previous_response_id (provider-held state) as sent', async () => {
    const { openai, infos } = client();
    await openai.responses.create({ model: 'gpt-4.1', input: 'continue', previous_response_id: 'resp_123' });
    const info = infos[0]!;
    expect(info.status).toBe('declared');
    const declaration = JSON.parse(new TextDecoder().decode(info.status === 'declared' ? info.declaration : undefined)) as { parameters: Record<string, unknown> };
    expect(declaration.parameters.previous_response_id).toBe('resp_123');
  });

  it('passes calls that are not inference through untouched and undeclared', async () => {
    const { openai, infos } = client();
    const before = provider.requests.length;
    const { response } = await openai.models.list().withResponse();
    expect(response.headers.get('x-runproof-identity')).toBeNull();
    expect(provider.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models']);
    expect(infos).toEqual([]);
  });
});
