/**
 * The node:http fast path for single submissions (log-server/http/fast-submit.ts) over real
 * loopback HTTP and a real log: what it answers must be what the Hono route answers (success and
 * errors, byte for byte, with the same headers and metrics), and every request some guard of the
 * route would refuse — query, media type, chunked or oversized body, token, rate, body budget,
 * shutdown — must reach Hono untouched, having taken nothing from the rate bucket or the budget.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../src/receipt/verify.js';
import { declarationIdentity } from '../../src/declaration/identity.js';
import { createAppParts, type AppParts } from '../../log-server/http/app.js';
import type { AppOptions } from '../../log-server/http/context.js';
import { fastSubmit } from '../../log-server/http/fast-submit.js';
import { openTestLog, postJson, type TestLog } from './setup.js';

const DECLARATION = readFileSync(new URL('../vectors/declarations/example-2-declaration.json', import.meta.url)).toString();

/** A valid declaration that differs from the example by its salt. */
function declaration(n: number): string {
  const d = JSON.parse(DECLARATION) as Record<string, unknown>;
  d['salt'] = `fast-${String(n).padStart(20, '0')}`;
  return JSON.stringify(d);
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A server with the fast path in front of the Hono app of `parts`, counting who answered. */
interface Served {
  parts: AppParts;
  base: string;
  answered: { fast: number; hono: number };
  accepting: boolean;
  server: Server;
}

let t: TestLog;
let served: Served[] = [];
beforeEach(async () => {
  t = await openTestLog();
});
afterEach(async () => {
  for (const s of served) await new Promise((resolve) => s.server.close(resolve));
  served = [];
  await t.close();
});

async function serve(opts: Partial<AppOptions> = {}): Promise<Served> {
  const parts = createAppParts({ metrics: t.metrics, logError: () => undefined, ...opts, log: t.log });
  const hono = getRequestListener(parts.app.fetch);
  const out: Served = { parts, base: '', answered: { fast: 0, hono: 0 }, accepting: true, server: undefined as unknown as Server };
  const fast = fastSubmit(parts, { accepting: () => out.accepting });
  out.server = createServer((req, res) => {
    if (fast(req, res)) out.answered.fast++;
    else {
      out.answered.hono++;
      void hono(req, res);
    }
  });
  await new Promise<void>((resolve) => out.server.listen(0, '127.0.0.1', resolve));
  out.base = `http://127.0.0.1:${(out.server.address() as AddressInfo).port}`;
  served.push(out);
  return out;
}

/** post sends one request with node:http (exact headers; `chunked` sends no Content-Length). */
function post(base: string, path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }, chunked = false): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const h = chunked ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
    const req = httpRequest(`${base}${path}`, { method: 'POST', headers: h }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunked) req.write(body); // written before end: Node sends it chunked, without a length
    req.end(chunked ? undefined : body);
  });
}

/** The headers both paths must agree on. */
const COMPARED = ['content-type', 'cache-control', 'retry-after', 'www-authenticate'];

async function expectSameAsHono(got: Raw, want: Response): Promise<void> {
  expect(got.status).toBe(want.status);
  for (const h of COMPARED) expect(got.headers[h], h).toBe(want.headers.get(h) ?? undefined);
  expect(got.headers['content-length']).toBe(String(Buffer.byteLength(got.body)));
  expect(got.body).toBe(await want.text());
}

describe('single-declaration fast path', () => {
  it('logs a declaration with a durable receipt, and answers exactly as the Hono route does', async () => {
    const s = await serve();
    const first = await post(s.base, '/v1/declarations', declaration(1));
    expect(s.answered).toEqual({ fast: 1, hono: 0 });
    expect(first.status).toBe(200);
    const a = JSON.parse(first.body) as { identity: string; index: number; duplicate: boolean; receipt: string };
    expect(a).toMatchObject({ index: 0, duplicate: false });
    verifyReceipt({ receipt: a.receipt, declaration: new TextEncoder().encode(declaration(1)), trust: { vkey: t.vkey } });
    expect(t.log.size).toBe(1);
    // Nothing else happens in between, so both duplicate answers carry the same checkpoint.
    const fast = await post(s.base, '/v1/declarations', declaration(1));
    const hono = await postJson(s.parts.app, '/v1/declarations', declaration(1));
    await expectSameAsHono(fast, hono);
    expect(JSON.parse(fast.body)).toMatchObject({ identity: a.identity, index: 0, duplicate: true });
    expect(s.answered.fast).toBe(2);
    const text = await t.metrics.registry.metrics();
    expect(text).toContain('runproof_log_submissions_total{kind="new"} 1\n');
    expect(text).toContain('runproof_log_submissions_total{kind="duplicate"} 2\n');
  });

  it('gives one identity to every spelling of a declaration, canonical bytes (hashed as sent) or not', async () => {
    const s = await serve();
    const canonical = new TextDecoder().decode(declarationIdentity(declaration(2)).canonical);
    const spellings = [
      canonical, // the fast path hashes these bytes as they came
      declaration(2), // compact, another member order
      JSON.stringify(JSON.parse(canonical), null, 2), // whitespace
      canonical.replace('"salt":"fast-', '"salt":"fast\\u002d'), // an escape the canonical form does not use
    ];
    const answers = [];
    for (const body of spellings) answers.push(JSON.parse((await post(s.base, '/v1/declarations', body)).body) as { identity: string; index: number; duplicate: boolean });
    answers.push(JSON.parse(await (await postJson(s.parts.app, '/v1/declarations', canonical)).text()) as { identity: string; index: number; duplicate: boolean });
    expect(answers.map((a) => [a.identity, a.index, a.duplicate])).toEqual(
      answers.map((_, i) => [declarationIdentity(canonical).identity, 0, i > 0]),
    );
    expect(s.answered.fast).toBe(4);
    expect(t.log.size).toBe(1);
  });

  it('answers bad bodies with the one error mapping, counted as Hono counts them', async () => {
    const s = await serve();
    const bodies = ['{"a":', '{"a":1,"a":2}', '{}', '[]', JSON.stringify({ ...JSON.parse(DECLARATION), schema: 'nope' })];
    for (const body of bodies) {
      const before = s.answered.fast;
      const got = await post(s.base, '/v1/declarations', body);
      expect(s.answered.fast, body).toBe(before + 1);
      await expectSameAsHono(got, await postJson(s.parts.app, '/v1/declarations', body));
      expect(got.status, body).toBeGreaterThanOrEqual(400);
    }
    expect(t.log.size).toBe(0);
    const text = await t.metrics.registry.metrics();
    expect(text).toContain('runproof_log_rejections_total{code="JSON_SYNTAX"} 2\n');
  });

  it('leaves to Hono what a guard of the route would refuse, or what it does not serve', async () => {
    const s = await serve({ maxBodyBytes: 4096 });
    const cases: [string, string, Record<string, string>, boolean, number][] = [
      ['/v1/declarations?wait=cosigned', declaration(2), { 'content-type': 'application/json' }, false, 200],
      ['/v1/declarations?wait=sometimes', declaration(3), { 'content-type': 'application/json' }, false, 400],
      ['/v1/declarations', declaration(4), { 'content-type': 'text/plain' }, false, 415],
      ['/v1/declarations', declaration(5), { 'content-type': 'application/json; charset=latin1' }, false, 415],
      ['/v1/declarations', declaration(6), { 'content-type': 'application/json' }, true, 200],
      ['/v1/declarations', ' '.repeat(5000), { 'content-type': 'application/json' }, false, 413],
      ['/v1/identities?wait=sometimes', '{}', { 'content-type': 'application/json' }, false, 400],
      ['/v1/batch', '{"items":[]}', { 'content-type': 'application/json' }, false, 200],
    ];
    for (const [path, body, headers, chunked, status] of cases) {
      const before = { ...s.answered };
      const got = await post(s.base, path, body, headers, chunked);
      expect(s.answered, `${path} ${JSON.stringify(headers)}`).toEqual({ fast: before.fast, hono: before.hono + 1 });
      expect(got.status, path).toBe(status);
    }
    expect(t.log.size).toBe(2);
  });

  it('checks the bearer token as the route does', async () => {
    const token = 'fast-path-token';
    const s = await serve({ tokenDigests: [new Uint8Array(createHash('sha256').update(token).digest())] });
    for (const [auth, status] of [[undefined, 401], ['Bearer wrong', 403], ['Basic x', 401]] as const) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) };
      const before = s.answered.hono;
      const got = await post(s.base, '/v1/declarations', declaration(7), headers);
      expect(got.status, auth).toBe(status);
      expect(s.answered.hono, auth).toBe(before + 1);
      await expectSameAsHono(got, await postJson(s.parts.app, '/v1/declarations', declaration(7), auth ? { authorization: auth } : {}));
    }
    const ok = await post(s.base, '/v1/declarations', declaration(7), { 'content-type': 'application/json', authorization: `bearer  ${token}` });
    expect(ok.status).toBe(200);
    expect(s.answered.fast).toBe(1);
  });

  it('takes rate tokens from the same buckets as the route, and leaves the refusal to it', async () => {
    const now = 1_000_000;
    const s = await serve({ ratePerSecond: 2, now: () => now });
    const first = await post(s.base, '/v1/declarations', declaration(8));
    const second = await post(s.base, '/v1/declarations', declaration(9));
    const third = await post(s.base, '/v1/declarations', declaration(10));
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect(s.answered).toEqual({ fast: 2, hono: 1 });
    expect(third.headers['retry-after']).toBe('1');
    expect(JSON.parse(third.body).error.code).toBe('RATE_LIMITED');
  });

  it('shares the in-flight body budget with the route and gives it back', async () => {
    const s = await serve({ maxInflightBodyBytes: 100_000 });
    const budget = s.parts.settings.bodyBudget;
    expect(budget.reserve(100_000 - 100)).toBe(true);
    const refused = await post(s.base, '/v1/declarations', declaration(11));
    expect(refused.status).toBe(503);
    expect(s.answered).toEqual({ fast: 0, hono: 1 });
    budget.release(100_000 - 100);
    expect((await post(s.base, '/v1/declarations', declaration(11))).status).toBe(200);
    expect(s.answered.fast).toBe(1);
    expect(budget.inUse).toBe(0);
  });

  it('gives the body budget back when a client goes away mid-body', async () => {
    const s = await serve();
    const budget = s.parts.settings.bodyBudget;
    const socket = connect(Number(new URL(s.base).port), '127.0.0.1');
    socket.write('POST /v1/declarations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"a"');
    for (let i = 0; i < 100 && budget.inUse === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.answered.fast).toBe(1);
    expect(budget.inUse).toBe(5000);
    socket.destroy();
    for (let i = 0; i < 100 && budget.inUse > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(budget.inUse).toBe(0);
    expect(t.log.size).toBe(0);
  });

  it('counts a client gone mid-body as the route does: MALFORMED_REQUEST, not a reported bug', async () => {
    // The route reads the body through @hono/node-server, whose read fails with the request's
    // "aborted" error, which the body middleware turns into the client's fault (counted under
    // MALFORMED_REQUEST, not reported as a bug); the fast path must leave the same trace. "?" is
    // not the fast path's URL: the route answers it as the path.
    const reported: string[] = [];
    const s = await serve({ logError: (e) => reported.push(String(e)) });
    const budget = s.parts.settings.bodyBudget;
    const rejections = async () => (await t.metrics.registry.metrics()).split('\n').filter((l) => l.startsWith('runproof_log_rejections_total'));
    const trace: { rejections: string[]; reported: string[] }[] = [];
    // The third is chunked: Hono's route, read as a stream.
    const heads = ['/v1/declarations? HTTP/1.1\r\nContent-Length: 5000', '/v1/declarations HTTP/1.1\r\nContent-Length: 5000', '/v1/declarations HTTP/1.1\r\nTransfer-Encoding: chunked'];
    for (const head of heads) {
      const socket = connect(Number(new URL(s.base).port), '127.0.0.1');
      const start = head.includes('chunked') ? '1388\r\n{"a"' : '{"a"';
      socket.write(`POST ${head}\r\nHost: x\r\nContent-Type: application/json\r\n\r\n${start}`);
      for (let i = 0; i < 100 && budget.inUse === 0; i++) await new Promise((r) => setTimeout(r, 20));
      const before = { rejections: await rejections(), reported: reported.length };
      socket.destroy();
      for (let i = 0; i < 100 && (budget.inUse > 0 || (await rejections()).join() === before.rejections.join()); i++) await new Promise((r) => setTimeout(r, 20));
      trace.push({ rejections: (await rejections()).filter((l) => !before.rejections.includes(l)), reported: reported.slice(before.reported) });
    }
    expect(s.answered).toEqual({ fast: 1, hono: 2 });
    expect(trace.map((x) => x.rejections)).toEqual([1, 2, 3].map((n) => [`runproof_log_rejections_total{code="MALFORMED_REQUEST"} ${n}`]));
    expect(trace.map((x) => x.reported)).toEqual([[], [], []]);
    expect(budget.inUse).toBe(0);
  });

  it('logs an identity with a durable receipt, and answers exactly as the Hono route does', async () => {
    const s = await serve();
    const identity = `sha256:${createHash('sha256').update('fast identity').digest('hex')}`;
    const body = JSON.stringify({ identity });
    const first = await post(s.base, '/v1/identities', body);
    expect(s.answered).toEqual({ fast: 1, hono: 0 });
    const a = JSON.parse(first.body) as { identity: string; index: number; duplicate: boolean; receipt: string };
    expect(a).toMatchObject({ identity, index: 0, duplicate: false });
    verifyReceipt({ receipt: a.receipt, identity, trust: { vkey: t.vkey } });
    // Both duplicate answers carry the same checkpoint: byte for byte the route's.
    await expectSameAsHono(await post(s.base, '/v1/identities', body), await postJson(s.parts.app, '/v1/identities', body));
    expect(s.answered.fast).toBe(2);
    expect(t.log.size).toBe(1);
    const text = await t.metrics.registry.metrics();
    expect(text).toContain('runproof_log_submissions_total{kind="new"} 1\n');
    expect(text).toContain('runproof_log_submissions_total{kind="duplicate"} 2\n');
  });

  it('answers bad identity bodies with the one error mapping', async () => {
    const s = await serve();
    const hex = 'ab'.repeat(32);
    const bodies = ['{}', '[]', '{"identity":1}', `{"identity":"sha256:${hex.toUpperCase()}"}`, `{"identity":"sha512:${hex}"}`, `{"identity":"sha256:${hex}","identity":"sha256:${hex}"}`, `{"identity":"sha256:${hex}","x":1}`, '{"identity":'];
    for (const body of bodies) {
      const got = await post(s.base, '/v1/identities', body);
      await expectSameAsHono(got, await postJson(s.parts.app, '/v1/identities', body));
      expect(got.status, body).toBeGreaterThanOrEqual(400);
    }
    expect(s.answered).toEqual({ fast: bodies.length, hono: 0 });
    expect(t.log.size).toBe(0);
  });

  it('takes nothing while the server is shutting down', async () => {
    const s = await serve();
    s.accepting = false;
    await post(s.base, '/v1/declarations', declaration(12));
    expect(s.answered).toEqual({ fast: 0, hono: 1 });
  });
});
