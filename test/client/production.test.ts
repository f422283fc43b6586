/**
 * runproofFetch for production traffic, end to end with the official SDKs against the loopback
 * provider stand-in and a real `runproof-log serve` behind a recording proxy. For each call shape
 * it checks what the provider received, what the log received (the identity only, by default),
 * what was stored (owner-only files), and that the stored receipts verify with the CLI:
 * identity-only submission, MCP credentials, `tools: null`, media references, chained Responses
 * turns (`runproof verify --chain`), OpenAI and Anthropic batches, and refusals as typed errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runproofFetch, storeFileName, type DeclaredInfo } from '../../client/index.js';
import { CHAIN_EXTENSION, CREDENTIAL_MARKER } from '../../src/declaration/mappers.js';
import { declarationIdentity } from '../../src/declaration/identity.js';
import { runVerifier, startLog, startLogRecorder, type LogProcess, type LogRecorder } from './processes.js';
import { startProvider, type ProviderStub } from './provider-stub.js';

let log: LogProcess;
let recorder: LogRecorder;
let provider: ProviderStub;
let root: string;

beforeAll(async () => {
  log = await startLog();
  recorder = await startLogRecorder(log.url);
  provider = await startProvider();
  root = mkdtempSync(join(tmpdir(), 'runproof-client-production-'));
}, 60_000);

afterAll(async () => {
  await provider?.close();
  await recorder?.close();
  await log?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

let stores = 0;
function setup(extra: Partial<Parameters<typeof runproofFetch>[0]> = {}) {
  const dir = join(root, `store-${++stores}`);
  const infos: DeclaredInfo[] = [];
  const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${provider.origin}/v1`, fetch: runproofFetch({ log: recorder.url, vkey: log.vkey, store: dir, provider: 'openai', onDeclared: (i) => infos.push(i), ...extra }), maxRetries: 2 });
  const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: provider.origin, fetch: runproofFetch({ log: recorder.url, vkey: log.vkey, store: dir, provider: 'anthropic', onDeclared: (i) => infos.push(i), ...extra }), maxRetries: 2 });
  return { dir, infos, openai, anthropic, logSeen: recorder.requests.length, providerSeen: provider.requests.length };
}

function declared(infos: DeclaredInfo[]): Extract<DeclaredInfo, { status: 'declared' }>[] {
  return infos.filter((i): i is Extract<DeclaredInfo, { status: 'declared' }> => i.status === 'declared');
}

/** storedDeclaration reads a stored declaration back, checking the files are the owner's only. */
function stored(dir: string, identity: string): { parameters: Record<string, unknown>; tools?: unknown[]; context: { messages?: unknown }; extensions?: Record<string, unknown> } {
  const base = join(dir, storeFileName(identity));
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  for (const ext of ['.json', '.tlog-proof']) expect(statSync(base + ext).mode & 0o777).toBe(0o600);
  const bytes = new Uint8Array(readFileSync(`${base}.json`));
  const { identity: derived, declaration } = declarationIdentity(bytes);
  expect(derived).toBe(identity);
  const r = runVerifier(['verify', '--receipt', `${base}.tlog-proof`, '--declaration', `${base}.json`, '--vkey', log.vkey]);
  expect(r.status).toBe(0);
  return declaration as never;
}

describe('identity-only submission (the default)', () => {
  it('the log gets only the identity; the declaration stays in the owner-only store', async () => {
    const s = setup();
    await s.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'the secret plan is 42' }] });
    const sent = recorder.requests.slice(s.logSeen);
    const [info] = declared(s.infos);
    expect(sent).toEqual([{ method: 'POST', path: '/v1/identities', body: JSON.stringify({ identity: info!.identity }) }]);
    expect(stored(s.dir, info!.identity).context.messages).toEqual([{ role: 'user', content: 'the secret plan is 42' }]);
  });

  it("submit: 'declaration' sends the canonical declaration instead", async () => {
    const s = setup({ submit: 'declaration' });
    await s.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'public' }] });
    const sent = recorder.requests.slice(s.logSeen);
    expect(sent.map((r) => r.path)).toEqual(['/v1/declarations']);
    expect(sent[0]!.body).toBe(new TextDecoder().decode(declared(s.infos)[0]!.declaration));
  });
});

describe('what enters a declaration', () => {
  it('MCP credentials from the SDKs are replaced by the marker; the provider still gets them', async () => {
    const s = setup();
    await s.openai.responses.create({
      model: 'gpt-4.1',
      input: 'look it up',
      tools: [{ type: 'mcp', server_label: 'crm', server_url: 'https://mcp.example/sse', headers: { Authorization: 'Bearer mcp-secret-1' }, require_approval: 'never' }],
    });
    await s.anthropic.beta.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'look it up' }],
      mcp_servers: [{ type: 'url', name: 'crm', url: 'https://mcp.example/sse', authorization_token: 'mcp-secret-2' }],
      betas: ['mcp-client-2025-04-04'],
    });
    const received = provider.requests.slice(s.providerSeen).map((r) => Buffer.from(r.body).toString('utf8'));
    expect(received[0]).toContain('mcp-secret-1');
    expect(received[1]).toContain('mcp-secret-2');
    const [a, b] = declared(s.infos);
    for (const d of [a!, b!]) {
      expect(new TextDecoder().decode(d.declaration)).not.toMatch(/mcp-secret/);
      expect(readFileSync(join(s.dir, `${storeFileName(d.identity)}.json`), 'utf8')).not.toMatch(/mcp-secret/);
    }
    expect(stored(s.dir, a!.identity).tools).toEqual([{ type: 'mcp', server_label: 'crm', server_url: 'https://mcp.example/sse', headers: { Authorization: CREDENTIAL_MARKER }, require_approval: 'never' }]);
    expect(stored(s.dir, b!.identity).parameters.mcp_servers).toEqual([{ type: 'url', name: 'crm', url: 'https://mcp.example/sse', authorization_token: CREDENTIAL_MARKER }]);
  });

  it('tools: null is declared as sent', async () => {
    const s = setup();
    await s.openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], tools: null } as never);
    expect(stored(s.dir, declared(s.infos)[0]!.identity).parameters).toEqual({ tools: null });
  });

  it('media references (opt-in): a 3 MB image becomes its digest; the provider gets the bytes', async () => {
    const s = setup({ mediaReferences: { minBytes: 65536 } });
    const image = new Uint8Array(3_000_000).map((_, i) => (i * 31) % 251);
    const b64 = Buffer.from(image).toString('base64');
    await s.anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: b64 } }, { type: 'text', text: 'what is this?' }] }],
    });
    expect(Buffer.from(provider.requests.at(-1)!.body).toString('utf8')).toContain(b64);
    const d = declared(s.infos)[0]!;
    expect(d.declaration.length).toBeLessThan(2000);
    expect(stored(s.dir, d.identity).context.messages).toEqual([
      { role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: { digest: `sha256:${createHash('sha256').update(image).digest('hex')}`, media_type: 'image/png', size: 3_000_000 } } }, { type: 'text', text: 'what is this?' }] },
    ]);
  });
});

describe('chained turns', () => {
  it('each Responses turn names the run it continues, streamed or not, and verify --chain walks back', async () => {
    const s = setup();
    const first = await s.openai.responses.create({ model: 'gpt-4.1', input: 'turn 1' });
    const stream = await s.openai.responses.create({ model: 'gpt-4.1', input: 'turn 2', previous_response_id: first.id, stream: true });
    let secondId = '';
    for await (const event of stream) if (event.type === 'response.created') secondId = event.response.id;
    const third = await s.openai.responses.create({ model: 'gpt-4.1', input: 'turn 3', previous_response_id: secondId });
    expect(third.id).toMatch(/^resp_stub_/);
    const [d1, d2, d3] = declared(s.infos);
    expect(stored(s.dir, d2!.identity).extensions).toEqual({ [CHAIN_EXTENSION]: { previous_response_id: first.id, identity: d1!.identity } });
    expect(stored(s.dir, d3!.identity).extensions).toEqual({ [CHAIN_EXTENSION]: { previous_response_id: secondId, identity: d2!.identity } });
    expect(readFileSync(join(s.dir, 'responses', first.id), 'utf8')).toBe(d1!.identity);

    const base = join(s.dir, storeFileName(d3!.identity));
    const r = runVerifier(['verify', '--receipt', `${base}.tlog-proof`, '--declaration', `${base}.json`, '--vkey', log.vkey, '--chain', s.dir, '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { chain: { identity: string; previousResponseId: string }[] };
    expect(out.chain.map((c) => [c.previousResponseId, c.identity])).toEqual([[secondId, d2!.identity], [first.id, d1!.identity]]);

    // A broken chain (a turn missing from the store) is missing input: exit 2, naming the turn.
    rmSync(join(s.dir, `${storeFileName(d1!.identity)}.tlog-proof`));
    const broken = runVerifier(['verify', '--receipt', `${base}.tlog-proof`, '--declaration', `${base}.json`, '--vkey', log.vkey, '--chain', s.dir]);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toContain(first.id);
  });

  it('a new process finds the earlier turn through the store index', async () => {
    const s = setup();
    const first = await s.openai.responses.create({ model: 'gpt-4.1', input: 'turn 1' });
    // The index is written as the answer is read; another process starts after it is on disk.
    for (let i = 0; i < 100 && !existsSync(join(s.dir, 'responses', first.id)); i++) await new Promise((r) => setTimeout(r, 20));
    const infos: DeclaredInfo[] = [];
    const later = new OpenAI({ apiKey: 'sk-test', baseURL: `${provider.origin}/v1`, fetch: runproofFetch({ log: recorder.url, vkey: log.vkey, store: s.dir, provider: 'openai', onDeclared: (i) => infos.push(i) }) });
    await later.responses.create({ model: 'gpt-4.1', input: 'turn 2', previous_response_id: first.id });
    expect(stored(s.dir, declared(infos)[0]!.identity).extensions).toEqual({ [CHAIN_EXTENSION]: { previous_response_id: first.id, identity: declared(s.infos)[0]!.identity } });
  });
});

const line = (id: string, content: string, url = '/v1/chat/completions') => JSON.stringify({ custom_id: id, method: 'POST', url, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content }] } });

describe('batches', () => {
  it('an OpenAI batch input file is declared at upload, in one /v1/batch call, custom_id → identity stored', async () => {
    const s = setup();
    const jsonl = [line('a', 'one'), line('b', 'two'), JSON.stringify({ custom_id: 'c', method: 'POST', url: '/v1/responses', body: { model: 'gpt-4.1', input: 'three' } })].join('\n') + '\n';
    const file = await s.openai.files.create({ file: await toFile(Buffer.from(jsonl), 'batch.jsonl'), purpose: 'batch' });
    const batch = await s.openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const sent = recorder.requests.slice(s.logSeen);
    expect(sent.map((r) => r.path)).toEqual(['/v1/batch']);
    const ds = declared(s.infos);
    expect(JSON.parse(sent[0]!.body)).toEqual({ items: ds.map((d) => ({ identity: d.identity })) });
    const index = { a: ds[0]!.identity, b: ds[1]!.identity, c: ds[2]!.identity };
    expect(JSON.parse(readFileSync(join(s.dir, 'batches', `openai-file-${file.id}.json`), 'utf8'))).toEqual(index);
    expect(JSON.parse(readFileSync(join(s.dir, 'batches', `openai-batch-${batch.id}.json`), 'utf8'))).toEqual(index);
    expect(stored(s.dir, index.c).context.messages).toBe('three');
    expect(provider.files.get(file.id)).toEqual(new Uint8Array(Buffer.from(jsonl)));
  });

  it('a batch created from a file uploaded elsewhere is declared at create, from the file content', async () => {
    const s = setup();
    const plain = new OpenAI({ apiKey: 'sk-test', baseURL: `${provider.origin}/v1` });
    const file = await plain.files.create({ file: await toFile(Buffer.from(`${line('x', 'ex')}\n`), 'b.jsonl'), purpose: 'batch' });
    const batch = await s.openai.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    expect(JSON.parse(readFileSync(join(s.dir, 'batches', `openai-batch-${batch.id}.json`), 'utf8'))).toEqual({ x: declared(s.infos)[0]!.identity });
  });

  it('an Anthropic Message Batch is declared before it is created', async () => {
    const s = setup();
    const batch = await s.anthropic.messages.batches.create({
      requests: [
        { custom_id: 'q1', params: { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'one' }] } },
        { custom_id: 'q2', params: { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'two' }] } },
      ],
    });
    const ds = declared(s.infos);
    expect(recorder.requests.slice(s.logSeen).map((r) => r.path)).toEqual(['/v1/batch']);
    expect(JSON.parse(readFileSync(join(s.dir, 'batches', `anthropic-batch-${batch.id}.json`), 'utf8'))).toEqual({ q1: ds[0]!.identity, q2: ds[1]!.identity });
    expect(stored(s.dir, ds[1]!.identity).context.messages).toEqual([{ role: 'user', content: 'two' }]);
  });

  it('a batch with one request that cannot be declared is refused whole: nothing logged, nothing uploaded', async () => {
    const s = setup();
    const jsonl = `${line('a', 'one')}\n${JSON.stringify({ custom_id: 'e', method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'x' } })}\n`;
    const e = await s.openai.files.create({ file: await toFile(Buffer.from(jsonl), 'batch.jsonl'), purpose: 'batch' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('MAPPING_INVALID');
    expect(recorder.requests.length).toBe(s.logSeen);
    expect(provider.requests.length).toBe(s.providerSeen);
    expect(declared(s.infos)).toEqual([]);
  });

  it('other uploads pass through undeclared', async () => {
    const s = setup();
    await s.openai.files.create({ file: await toFile(Buffer.from('hello'), 'notes.txt'), purpose: 'assistants' });
    expect(recorder.requests.length).toBe(s.logSeen);
    expect(s.infos).toEqual([]);
  });
});

describe('refusals are typed API errors, never retried, never sent', () => {
  it('Anthropic: a body that cannot be declared raises BadRequestError with the code and path', async () => {
    const s = setup();
    const e = await s.anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'x' }], temperature: 2 ** 53 + 2 } as unknown as Anthropic.MessageCreateParamsNonStreaming).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Anthropic.BadRequestError);
    const err = e as InstanceType<typeof Anthropic.BadRequestError>;
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'runproof_refused', code: 'MAPPING_INVALID', path: '$.temperature' } });
    expect(provider.requests.length).toBe(s.providerSeen);
    expect(recorder.requests.length).toBe(s.logSeen);
    expect(s.infos.map((i) => i.status)).toEqual(['refused']);
  });
});
