/**
 * runproofFetch under the official Anthropic SDK, end to end over loopback against a real
 * `runproof-log serve`: Messages calls (JSON and streamed) are declared before the provider sees
 * them, with the `anthropic-version` and `anthropic-beta` headers in the declaration; a request
 * using `container` (server-held state) is declared as sent.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runproofFetch, storeFileName, type DeclaredInfo } from '../../client/index.js';
import { declarationIdentity, identityOfValue } from '../../src/declaration/identity.js';
import { mapRequest } from '../../src/declaration/mappers.js';
import type { JsonValue } from '../../src/json/strict.js';
import { lookUp, startLog, type LogProcess } from './processes.js';
import { startProvider, type ProviderStub } from './provider-stub.js';

let log: LogProcess;
let provider: ProviderStub;
let dir: string;
let lastDeclared: string | undefined;
let releaseGate: () => void = () => undefined;

beforeAll(async () => {
  log = await startLog();
  dir = mkdtempSync(join(tmpdir(), 'runproof-client-anthropic-'));
  provider = await startProvider({
    onRequest: async () => (lastDeclared === undefined ? 'nothing declared' : lookUp(log.url, lastDeclared)),
    gate: () => new Promise<void>((r) => (releaseGate = r)),
  });
}, 30_000);

afterAll(async () => {
  await provider?.close();
  await log?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function client(extra: Partial<Parameters<typeof runproofFetch>[0]> = {}): { anthropic: Anthropic; infos: DeclaredInfo[] } {
  const infos: DeclaredInfo[] = [];
  lastDeclared = undefined;
  const fetch = runproofFetch({
    log: log.url,
    vkey: log.vkey,
    provider: 'anthropic',
    store: dir,
    onDeclared: (info) => {
      infos.push(info);
      if (info.status === 'declared') lastDeclared = info.identity;
    },
    ...extra,
  });
  return { anthropic: new Anthropic({ apiKey: 'sk-ant-test', baseURL: provider.origin, fetch, maxRetries: 0 }), infos };
}

describe('runproofFetch with the Anthropic SDK', () => {
  it('declares a Messages call with its version and beta headers before the provider sees it', async () => {
    const { anthropic, infos } = client();
    const before = provider.requests.length;
    const { data, response } = await anthropic.messages
      .create(
        { model: 'claude-haiku-4-5-20251001', max_tokens: 256, system: 'Answer from the policy.', messages: [{ role: 'user', content: 'Can I return it?' }], stop_sequences: ['</answer>'] },
        { headers: { 'anthropic-beta': 'beta-one, beta-two' } },
      )
      .withResponse();
    expect(data.content[0]!.type === 'text' && data.content[0]!.text).toBe('Thirty days.');
    const identity = response.headers.get('x-runproof-identity')!;
    expect(infos.map((i) => i.status === 'declared' && i.identity)).toEqual([identity]);

    const seen = provider.requests.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe('/v1/messages');
    expect(seen[0]!.check).toBe(200);

    const { declaration } = declarationIdentity(new Uint8Array(readFileSync(join(dir, `${storeFileName(identity)}.json`))));
    expect(declaration.api).toBe('anthropic.messages');
    expect(declaration.api_version).toBe(seen[0]!.headers['anthropic-version']);
    expect(declaration.parameters.betas).toEqual(['beta-one', 'beta-two']);
    expect(declaration.instructions).toBe('Answer from the policy.');
    // The identity follows from the bytes and headers the provider received, plus the stored salt.
    const remapped = mapRequest('anthropic', seen[0]!.body, { provider: 'anthropic', headers: seen[0]!.headers, salt: declaration.salt! });
    expect(identityOfValue(remapped as unknown as JsonValue).identity).toBe(identity);
  });

  it('streams a Messages call: events arrive while the provider holds the stream open', async () => {
    const { anthropic, infos } = client();
    const before = provider.requests.length;
    const stream = await anthropic.messages.create({ model: 'claude-haiku-4-5-20251001', max_tokens: 64, messages: [{ role: 'user', content: 'stream' }], stream: true });
    const types: string[] = [];
    let text = '';
    for await (const ev of stream) {
      if (types.length === 0) releaseGate();
      types.push(ev.type);
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
    }
    expect(text).toBe('Thirty days.');
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(provider.requests[before]!.gateOpened).toBe(true);
    expect(provider.requests[before]!.check).toBe(200);
    expect(infos.map((i) => i.status)).toEqual(['declared']);
  });

  it('declares a container (provider-held state) as sent', async () => {
    const { anthropic, infos } = client();
    await anthropic.messages.create({ model: 'claude-haiku-4-5-20251001', max_tokens: 64, messages: [{ role: 'user', content: 'run code' }], container: 'container_123' } as Anthropic.MessageCreateParamsNonStreaming);
    const info = infos[0]!;
    expect(info.status).toBe('declared');
    const declaration = JSON.parse(new TextDecoder().decode(info.status === 'declared' ? info.declaration : undefined)) as { parameters: Record<string, unknown> };
    expect(declaration.parameters.container).toBe('container_123');
  });
});
