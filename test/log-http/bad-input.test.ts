/**
 * Every class of bad input gets its status and error code, and stores nothing: after each
 * refused request the tree size and the signed checkpoint are unchanged.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { identityHex, openTestLog, postJson, errorCode, type TestLog } from './setup.js';
import type { AppOptions } from '../../log-server/http/app.js';

const DECLARATION = readFileSync(new URL('../vectors/declarations/example-2-declaration.json', import.meta.url)).toString();
const ID = JSON.stringify({ identity: `sha256:${identityHex(1)}` });

let t: TestLog | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A log with one entry already in it, so "unchanged" is not trivially size 0. */
async function seeded(opts: Partial<Omit<AppOptions, 'log'>> = {}): Promise<TestLog> {
  t = await openTestLog(opts);
  const res = await postJson(t.app, '/v1/identities', JSON.stringify({ identity: `sha256:${identityHex(999)}` }));
  expect(res.status).toBe(200);
  return t;
}

/** expectRefused sends `req` and checks status, code and that nothing was stored. */
async function expectRefused(log: TestLog, req: () => Promise<Response> | Response, status: number, code: string): Promise<Response> {
  const before = log.log.latest().signed;
  const res = await req();
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await errorCode(res.clone())).toBe(code);
  expect(log.log.size).toBe(1);
  expect(log.log.latest().signed).toBe(before);
  return res;
}

describe('request bodies', () => {
  it('413 TOO_LARGE for a body over --max-body, by Content-Length and while streaming', async () => {
    const log = await seeded({ maxBodyBytes: 2048 });
    const big = JSON.stringify({ identity: `sha256:${identityHex(2)}`, pad: 'x'.repeat(3000) });
    await expectRefused(log, () => postJson(log.app, '/v1/identities', big), 413, 'TOO_LARGE');
    const chunks = [new TextEncoder().encode(big.slice(0, 1500)), new TextEncoder().encode(big.slice(1500))];
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of chunks) c.enqueue(ch);
        c.close();
      },
    });
    await expectRefused(
      log,
      () => log.app.request('/v1/declarations', { method: 'POST', body: stream, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit),
      413,
      'TOO_LARGE',
    );
  });

  it('413 TOO_LARGE for a batch with more than --max-batch-items items', async () => {
    const log = await seeded({ maxBatchItems: 3 });
    const items = [2, 3, 4, 5].map((i) => ({ identity: `sha256:${identityHex(i)}` }));
    await expectRefused(log, () => postJson(log.app, '/v1/batch', JSON.stringify({ items })), 413, 'TOO_LARGE');
  });

  it('415 UNSUPPORTED_MEDIA_TYPE unless Content-Type is application/json (UTF-8)', async () => {
    const log = await seeded();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=iso-8859-1', 'application/jsonx']) {
      await expectRefused(log, () => log.app.request('/v1/identities', { method: 'POST', body: ID, headers: { 'content-type': type } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    await expectRefused(log, () => log.app.request('/v1/declarations', { method: 'POST', body: new TextEncoder().encode(DECLARATION) }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // …while parameters and case are tolerated
    const ok = await log.app.request('/v1/identities', { method: 'POST', body: ID, headers: { 'content-type': 'Application/JSON; charset="UTF-8"' } });
    expect(ok.status).toBe(200);
  });

  it('400 JSON_* for malformed or ambiguous JSON', async () => {
    const log = await seeded();
    const cases: [string, string, string][] = [
      ['/v1/declarations', '{"schema":', 'JSON_SYNTAX'],
      ['/v1/declarations', DECLARATION.replace('{"schema":"run-declaration/v1"', '{"schema":"run-declaration/v1","schema":"run-declaration/v1"'), 'JSON_DUPLICATE_KEY'],
      ['/v1/identities', `{"identity":"sha256:${identityHex(3)}","identity":"sha256:${identityHex(4)}"}`, 'JSON_DUPLICATE_KEY'],
      ['/v1/declarations', '\ufeff' + DECLARATION, 'JSON_BOM'],
      ['/v1/declarations', DECLARATION.replace('"max_tokens":1024', '"max_tokens":9007199254740993'), 'JSON_UNSAFE_INTEGER'],
      ['/v1/batch', '{"items":[{"identity":"\\ud800"}]}', 'JSON_LONE_SURROGATE'],
      ['/v1/batch', '', 'JSON_SYNTAX'],
    ];
    for (const [path, body, code] of cases) await expectRefused(log, () => postJson(log.app, path, body), 400, code);
  });

  it('422 DECLARATION_INVALID with the JSON path of the fault', async () => {
    const log = await seeded();
    const d = JSON.parse(DECLARATION) as { model: { provider: string } };
    d.model.provider = 'Not A Provider';
    const res = await expectRefused(log, () => postJson(log.app, '/v1/declarations', JSON.stringify(d)), 422, 'DECLARATION_INVALID');
    expect(((await res.json()) as { error: { path: string } }).error.path).toBe('$.model.provider');
  });

  it('400 for request shapes the endpoint does not take', async () => {
    const log = await seeded();
    await expectRefused(log, () => postJson(log.app, '/v1/identities', '{"identity":"sha256:ABC"}'), 400, 'IDENTITY_MALFORMED');
    await expectRefused(log, () => postJson(log.app, '/v1/identities', `{"identity":"sha256:${identityHex(5)}","x":1}`), 400, 'MALFORMED_REQUEST');
    await expectRefused(log, () => postJson(log.app, '/v1/identities', '[]'), 400, 'MALFORMED_REQUEST');
    await expectRefused(log, () => postJson(log.app, '/v1/batch', '{"items":{}}'), 400, 'MALFORMED_REQUEST');
    await expectRefused(log, () => postJson(log.app, '/v1/identities?wait=forever', ID), 400, 'MALFORMED_REQUEST');
  });
});

describe('who may submit', () => {
  it('429 RATE_LIMITED with Retry-After beyond the per-client rate', async () => {
    let now = 1_000_000;
    const log = await seeded({ ratePerSecond: 2, now: () => now });
    // the seeding request used one token; one is left
    expect((await postJson(log.app, '/v1/identities', JSON.stringify({ identity: `sha256:${identityHex(2)}` }))).status).toBe(200);
    const sizeNow = log.log.size;
    const before = log.log.latest().signed;
    const res = await postJson(log.app, '/v1/identities', JSON.stringify({ identity: `sha256:${identityHex(3)}` }));
    expect(res.status).toBe(429);
    expect(await errorCode(res.clone())).toBe('RATE_LIMITED');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(log.log.size).toBe(sizeNow);
    expect(log.log.latest().signed).toBe(before);
    now += 1000; // two tokens back
    expect((await postJson(log.app, '/v1/identities', JSON.stringify({ identity: `sha256:${identityHex(3)}` }))).status).toBe(200);
    // reads are not rate-limited
    expect((await log.app.request('/checkpoint')).status).toBe(200);
  });

  it('401 without a bearer token and 403 with a wrong one, when tokens are configured', async () => {
    const digest = new Uint8Array(createHash('sha256').update('s3cret-token').digest());
    t = await openTestLog({ tokenDigests: [digest] });
    const log = t;
    const ok = await postJson(log.app, '/v1/identities', JSON.stringify({ identity: `sha256:${identityHex(999)}` }), { authorization: 'Bearer s3cret-token' });
    expect(ok.status).toBe(200);
    const missing = await expectRefused(log, () => postJson(log.app, '/v1/identities', ID), 401, 'UNAUTHORIZED');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectRefused(log, () => postJson(log.app, '/v1/identities', ID, { authorization: 'Basic czNjcmV0' }), 401, 'UNAUTHORIZED');
    await expectRefused(log, () => postJson(log.app, '/v1/identities', ID, { authorization: 'Bearer wrong' }), 403, 'FORBIDDEN');
    await expectRefused(log, () => postJson(log.app, '/v1/batch', JSON.stringify({ items: [JSON.parse(ID)] }), { authorization: 'Bearer wrong' }), 403, 'FORBIDDEN');
    // reads need no token
    expect((await log.app.request('/tile/0/000.p/1')).status).toBe(200);
  });
});

describe('reads', () => {
  it('400 MALFORMED_TILE_PATH for tile paths tlog-tiles does not allow, 404 beyond the tree', async () => {
    const log = await seeded();
    for (const p of ['/tile/0/1', '/tile/00/000', '/tile/0/000.p/0', '/tile/0/000.p/256', '/tile/0/000.p/01', '/tile/0/x000/001', '/tile/64/000', '/tile/0/x001', '/tile/entries/0001', '/tile/0/%30%30%30', '/tile/data/000', '/tile/0/000/']) {
      await expectRefused(log, () => log.app.request(p), 400, 'MALFORMED_TILE_PATH');
    }
    for (const p of ['/tile/0/000', '/tile/0/000.p/2', '/tile/1/000.p/1', '/tile/entries/001.p/1', '/tile/0/x001/000']) {
      await expectRefused(log, () => log.app.request(p), 404, 'NOT_FOUND');
    }
  });

  it('400 for bad consistency parameters, 404 for a size the log does not have', async () => {
    const log = await seeded();
    for (const q of ['', '?old=1', '?new=1', '?old=01&new=1', '?old=1&old=1&new=1', '?old=-1&new=1', '?old=1.0&new=1', '?old=0&new=1', '?old=1&new=x', '?old=2&new=1']) {
      await expectRefused(log, () => log.app.request(`/v1/proofs/consistency${q}`), 400, 'MALFORMED_REQUEST');
    }
    await expectRefused(log, () => log.app.request('/v1/proofs/consistency?old=1&new=2'), 404, 'NOT_FOUND');
  });

  it('404 for an unknown identity, 400 for a malformed one, 404 for unknown endpoints', async () => {
    const log = await seeded();
    await expectRefused(log, () => log.app.request(`/v1/identities/${identityHex(12345)}`), 404, 'NOT_FOUND');
    await expectRefused(log, () => log.app.request(`/v1/identities/${identityHex(999).toUpperCase()}`), 400, 'IDENTITY_MALFORMED');
    await expectRefused(log, () => log.app.request('/v1/identities/abc'), 400, 'IDENTITY_MALFORMED');
    await expectRefused(log, () => log.app.request(`/v1/identities/%${identityHex(999).slice(0, 1).charCodeAt(0).toString(16)}${identityHex(999).slice(1)}`), 400, 'IDENTITY_MALFORMED');
    await expectRefused(log, () => log.app.request('/v2/nothing'), 404, 'NOT_FOUND');
    await expectRefused(log, () => log.app.request('/v1/declarations'), 404, 'NOT_FOUND');
  });
});

describe('when the log cannot take submissions', () => {
  it('503 UNAVAILABLE with Retry-After once the log is closing, and while the server stops', async () => {
    t = await openTestLog({ accepting: () => false });
    const log = t;
    const stopping = await log.app.request('/checkpoint');
    expect(stopping.status).toBe(503);
    expect(await errorCode(stopping.clone())).toBe('UNAVAILABLE');
    expect(stopping.headers.get('retry-after')).toBe('1');
    expect(stopping.headers.get('connection')).toBe('close');

    const other = await openTestLog();
    await other.log.close();
    const res = await postJson(other.app, '/v1/identities', ID);
    expect(res.status).toBe(503);
    expect(await errorCode(res.clone())).toBe('UNAVAILABLE');
    expect(res.headers.get('retry-after')).toBe('1');
    await other.close();
  });
});
