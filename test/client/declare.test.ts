/**
 * `declare` against a real `runproof-log serve` over loopback — and against the same log behind
 * a lying proxy, to show that the client believes the receipt, never the log's word: a changed
 * identity, index or receipt, or a receipt under another key, is refused with a code and evidence.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declare, isRunproofError, RunproofError } from '../../client/index.js';
import { declarationIdentity } from '../../src/declaration/identity.js';
import { newSignerKey, verifierKey, parseSignerKey } from '../../src/note/keys.js';
import { SIG_COSIGNATURE_V1 } from '../../src/note/key-types.js';
import { parsePolicy } from '../../src/note/policy.js';
import { startDeadLog, startLog, startLogRecorder, type LogProcess } from './processes.js';

let log: LogProcess;

beforeAll(async () => {
  log = await startLog();
}, 30_000);

afterAll(async () => {
  await log?.stop();
});

/** A fresh declaration (unique by its salt, drawn from a counter so runs do not collide). */
let counter = 0;
function declaration(): Record<string, unknown> {
  counter++;
  return {
    schema: 'run-declaration/v1',
    api: 'openai.chat_completions',
    model: { provider: 'openai', name: 'gpt-4o-mini' },
    parameters: { temperature: 0 },
    context: { messages: [{ role: 'user', content: `declare test ${counter}` }] },
    salt: `declare-test-salt-${String(counter).padStart(6, '0')}-${process.pid}`,
  };
}

/** codeOf awaits a promise that must reject with a RunproofError and returns its code. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isRunproofError(e)) throw new Error(`expected a RunproofError, got ${String(e)}`);
  return e.code;
}

/** A proxy in front of the real log that rewrites the JSON answer of POST /v1/declarations. */
async function lyingProxy(rewrite: (answer: Record<string, unknown>) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const upstream = await fetch(`${log.url}${req.url}`, { method: req.method, headers: { 'content-type': 'application/json' }, body: Buffer.concat(chunks) });
        const answer = (await upstream.json()) as Record<string, unknown>;
        rewrite(answer);
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer));
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('declare', () => {
  it('returns a verified receipt; object, text and bytes of one declaration give one identity', async () => {
    const d = declaration();
    const expected = declarationIdentity(JSON.stringify(d)).identity;
    const first = await declare(d, { log: log.url, vkey: log.vkey });
    expect(first.identity).toBe(expected);
    expect(first.duplicate).toBe(false);
    expect(first.receipt).toMatch(/^c2sp\.org\/tlog-proof@v1\n/);
    expect(declarationIdentity(first.declaration).identity).toBe(expected);

    // Same declaration again, as text with other whitespace and key order, then as bytes.
    const text = JSON.stringify({ salt: d.salt, context: d.context, parameters: d.parameters, model: d.model, api: d.api, schema: d.schema }, null, 2);
    const again = await declare(text, { log: log.url, vkey: log.vkey });
    expect(again.identity).toBe(expected);
    expect(again.duplicate).toBe(true);
    expect(again.index).toBe(first.index);
    expect(again.timestamp).toBe(first.timestamp);
    const bytes = await declare(new TextEncoder().encode(text), { log: log.url, vkey: log.vkey });
    expect(bytes.index).toBe(first.index);
  });

  it('verifies against a tlog-policy (text or parsed), and fails closed when its witness quorum is not met', async () => {
    const policyText = `log ${log.vkey}\nquorum none\n`;
    const viaText = await declare(declaration(), { log: log.url, policy: policyText });
    const viaParsed = await declare(declaration(), { log: log.url, policy: parsePolicy(policyText) });
    expect(viaParsed.index).toBeGreaterThan(viaText.index);

    const witness = verifierKey(parseSignerKey(newSignerKey('witness.example', new Uint8Array(32).fill(7), SIG_COSIGNATURE_V1)));
    const strict = `log ${log.vkey}\nwitness w1 ${witness}\nquorum w1\n`;
    expect(await codeOf(declare(declaration(), { log: log.url, policy: strict }))).toBe('QUORUM_NOT_MET');
  });

  it('refuses a receipt signed by another key than the trusted one', async () => {
    const other = verifierKey(parseSignerKey(newSignerKey(log.origin, new Uint8Array(32).fill(9))));
    expect(await codeOf(declare(declaration(), { log: log.url, vkey: other }))).toBe('NO_VERIFIED_SIGNATURE');
  });

  it('refuses a log that lies about the identity, the index or the receipt, with evidence', async () => {
    const previousReceipt = (await declare(declaration(), { log: log.url, vkey: log.vkey })).receipt;
    const cases: Array<[string, (a: Record<string, unknown>) => void]> = [
      ['ENTRY_MISMATCH', (a) => (a.identity = `sha256:${'0'.repeat(64)}`)],
      ['ENTRY_MISMATCH', (a) => (a.index = (a.index as number) + 1)],
      ['ENTRY_MISMATCH', (a) => (a.timestamp = (a.timestamp as number) - 1)],
      // A receipt for another declaration (the previous one) is not a receipt for this one.
      ['ENTRY_MISMATCH', (a) => (a.receipt = previousReceipt)],
    ];
    for (const [code, rewrite] of cases) {
      const proxy = await lyingProxy(rewrite);
      try {
        const e = await declare(declaration(), { log: proxy.url, vkey: log.vkey }).catch((err: unknown) => err);
        expect(e).toBeInstanceOf(RunproofError);
        expect((e as RunproofError).code).toBe(code);
        expect((e as RunproofError).evidence).toHaveProperty('answer');
      } finally {
        await proxy.close();
      }
    }
  });

  it('checks the declaration before sending anything', async () => {
    const dead = await startDeadLog(500);
    try {
      const bad = { ...declaration(), extra_field: true };
      expect(await codeOf(declare(bad, { log: dead.url, vkey: log.vkey }))).toBe('DECLARATION_INVALID');
      expect(await codeOf(declare({ ...declaration(), parameters: { t: undefined } }, { log: dead.url, vkey: log.vkey }))).toBe('JSON_NOT_PLAIN');
      expect(await codeOf(declare('{"schema":"run-declaration/v1","schema":"x"}', { log: dead.url, vkey: log.vkey }))).toBe('JSON_DUPLICATE_KEY');
      expect(dead.hits).toBe(0);
      // A good declaration does reach it, and a 500 is an outage.
      expect(await codeOf(declare(declaration(), { log: dead.url, vkey: log.vkey }))).toBe('UNAVAILABLE');
      expect(dead.hits).toBe(1);
    } finally {
      await dead.close();
    }
  });

  it('rejects bad options before any I/O', async () => {
    expect(await codeOf(declare(declaration(), { log: log.url }))).toBe('MALFORMED_REQUEST');
    expect(await codeOf(declare(declaration(), { log: log.url, vkey: log.vkey, policy: `log ${log.vkey}\nquorum none\n` }))).toBe('MALFORMED_REQUEST');
    expect(await codeOf(declare(declaration(), { log: log.url, vkey: 'not a key' }))).toBe('MALFORMED_KEY');
    expect(await codeOf(declare(declaration(), { log: log.url, policy: 'quorum nobody\n' }))).toBe('MALFORMED_POLICY');
    expect(await codeOf(declare(declaration(), { log: 'ftp://127.0.0.1/', vkey: log.vkey }))).toBe('MALFORMED_REQUEST');
  });
});

describe('declare: what the log receives', () => {
  it('the identity only by default; the whole declaration with submit: "declaration"; nothing for a typo', async () => {
    const recorder = await startLogRecorder(log.url);
    try {
      const d = declaration();
      const byIdentity = await declare(d, { log: recorder.url, vkey: log.vkey });
      expect(recorder.requests.map((r) => [r.path, r.body])).toEqual([['/v1/identities', JSON.stringify({ identity: byIdentity.identity })]]);
      expect(declarationIdentity(byIdentity.declaration).identity).toBe(byIdentity.identity);

      const whole = await declare(declaration(), { log: recorder.url, vkey: log.vkey, submit: 'declaration' });
      expect(recorder.requests[1]!.path).toBe('/v1/declarations');
      expect(recorder.requests[1]!.body).toBe(new TextDecoder().decode(whole.declaration));

      expect(await codeOf(declare(declaration(), { log: recorder.url, vkey: log.vkey, submit: 'declarations' as never }))).toBe('MALFORMED_REQUEST');
      expect(recorder.requests).toHaveLength(2);
    } finally {
      await recorder.close();
    }
  });
});
