/**
 * `runproof submit --from API --provider NAME` (the CLI twin of runproofFetch), run from dist
 * against a real `runproof-log serve`: a provider request body is mapped to a declaration, the
 * declaration is written beside the receipt, and the pair verifies with `runproof verify`.
 * Requests that cannot be declared faithfully exit 2 and write nothing.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationIdentity, identityOfValue } from '../../src/declaration/identity.js';
import { mapRequest } from '../../src/declaration/mappers.js';
import type { JsonValue } from '../../src/json/strict.js';
import { runVerifier, startLog, type LogProcess } from './processes.js';

let log: LogProcess;
let dir: string;

beforeAll(async () => {
  log = await startLog();
  dir = mkdtempSync(join(tmpdir(), 'runproof-client-submit-'));
}, 30_000);

afterAll(async () => {
  await log?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const CHAT = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Notice period?"}],"temperature":0.2,"stream":true}';
const MESSAGES = '{"model":"claude-haiku-4-5-20251001","max_tokens":64,"system":"Be brief.","messages":[{"role":"user","content":"hi"}]}';

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('runproof submit --from', () => {
  it('maps an OpenAI chat body, writes declaration + receipt, and the pair verifies', () => {
    const out = join(dir, 'chat.tlog-proof');
    const r = runVerifier(['submit', file('chat-request.json', CHAT), '--from', 'openai-chat', '--provider', 'openai', '--log', log.url, '--vkey', log.vkey, '-o', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout) as { identity: string; declaration: string; receipt: string; verified: boolean };
    expect(result.verified).toBe(true);
    expect(result.receipt).toBe(out);
    expect(result.declaration).toBe(join(dir, 'chat.json'));

    const { identity, declaration } = declarationIdentity(new Uint8Array(readFileSync(result.declaration)));
    expect(identity).toBe(result.identity);
    expect(declaration.salt).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(declaration.parameters).toEqual({ temperature: 0.2 });

    const v = runVerifier(['verify', '--receipt', out, '--declaration', result.declaration, '--vkey', log.vkey]);
    expect(v.status).toBe(0);
  });

  it('--salt none gives the identity anyone can recompute from the body; --header maps Anthropic headers', () => {
    const out = join(dir, 'msg.tlog-proof');
    const args = ['submit', file('msg-request.json', MESSAGES), '--from', 'anthropic', '--provider', 'anthropic', '--salt', 'none'];
    const headers = ['--header', 'anthropic-version: 2023-06-01', '--header', 'anthropic-beta: b1,b2'];
    const r = runVerifier([...args, ...headers, '--log', log.url, '--vkey', log.vkey, '-o', out, '--json']);
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout) as { identity: string };
    const expected = mapRequest('anthropic', MESSAGES, { provider: 'anthropic', salt: 'none', headers: { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'b1,b2' } });
    expect(result.identity).toBe(identityOfValue(expected as unknown as JsonValue).identity);
    expect(declarationIdentity(new Uint8Array(readFileSync(join(dir, 'msg.json')))).declaration.parameters.betas).toEqual(['b1', 'b2']);
  });

  it('refuses an unmappable body and bad usage with exit 2, writing nothing', () => {
    const sub = mkdtempSync(join(dir, 'refused-'));
    const body = file('prev.json', '{"model":["gpt-4.1"],"input":"go on"}');
    const out = join(sub, 'r.tlog-proof');
    const rejected = runVerifier(['submit', body, '--from', 'openai-responses', '--provider', 'openai', '--log', log.url, '-o', out]);
    expect(rejected.status).toBe(2);
    expect(rejected.stderr).toContain('MAPPING_INVALID');
    expect(runVerifier(['submit', file('c.json', CHAT), '--from', 'openai-chat', '--log', log.url, '-o', out]).status).toBe(2);
    expect(runVerifier(['submit', file('c.json', CHAT), '--from', 'gemini', '--provider', 'google', '--log', log.url, '-o', out]).status).toBe(2);
    expect(runVerifier(['submit', file('c.json', CHAT), '--provider', 'openai', '--log', log.url, '-o', out]).status).toBe(2);
    expect(readdirSync(sub)).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });
});
