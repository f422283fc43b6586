/**
 * Issue #11, findings 7 and 11: the rate limit counts entries, not requests, and forgets idle
 * clients in O(1) amortised time; the Bearer scheme is case-insensitive (RFC 9110 §11.1); the
 * receipt-building lookup and /metrics can be put behind the token and the rate (`--guard`),
 * and are open by default.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BucketTable } from '../../log-server/http/middleware/rate-limit.js';
import { errorCode, identityHex, openTestLog, postJson, type TestLog } from './setup.js';

let t: TestLog | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const batch = (from: number, n: number) => JSON.stringify({ items: Array.from({ length: n }, (_, i) => ({ identity: `sha256:${identityHex(from + i)}` })) });
const one = (n: number) => JSON.stringify({ identity: `sha256:${identityHex(n)}` });

describe('the rate limit counts entries', () => {
  it('with --rate 5, a batch of 5 empties the bucket; the next batch waits; a batch over the burst is 413', async () => {
    let now = 1_000_000;
    t = await openTestLog({ ratePerSecond: 5, now: () => now });
    expect((await postJson(t.app, '/v1/batch', batch(0, 5))).status).toBe(200);
    expect(t.log.size).toBe(5);
    const again = await postJson(t.app, '/v1/batch', batch(100, 5));
    expect(again.status).toBe(429);
    expect(await errorCode(again)).toBe('RATE_LIMITED');
    expect(t.log.size).toBe(5);
    now += 600; // three tokens back: a batch of 5 is still too much, a batch of 3 fits
    const early = await postJson(t.app, '/v1/batch', batch(200, 5));
    expect(early.status).toBe(429);
    expect(Number(early.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    now += 1000;
    expect((await postJson(t.app, '/v1/batch', batch(300, 3))).status).toBe(200);
    expect(t.log.size).toBe(8);
    now += 10_000;
    const huge = await postJson(t.app, '/v1/batch', batch(400, 6));
    expect(huge.status).toBe(413);
    expect(await errorCode(huge)).toBe('TOO_LARGE');
    expect(t.log.size).toBe(8);
  });

  it('forgets idle clients in O(1) amortised steps with 10,000+ clients live', () => {
    const table = new BucketTable(1, 1);
    let t0 = 0;
    // 20,000 clients, each seen once, 100 per simulated second: at most ~100 are still refilling.
    for (let i = 0; i < 20_000; i++) {
      if (i % 100 === 0) t0 += 1000;
      table.touch(`client ${i}`, t0);
    }
    expect(table.size).toBeLessThanOrEqual(200);
    // Each bucket is looked at about once when deleted and once per stop: ≤ 2 steps per request.
    expect(table.sweepSteps).toBeLessThanOrEqual(2 * 20_000);
    // 15,000 clients all live at once: a new client costs one step, not 15,000.
    const busy = new BucketTable(1, 1);
    for (let i = 0; i < 15_000; i++) busy.touch(`c${i}`, 5);
    const before = busy.sweepSteps;
    busy.touch('newcomer', 5);
    expect(busy.sweepSteps - before).toBe(1);
  });
});

describe('bearer tokens and guarded reads', () => {
  const token = 's3cret-token';
  const digest = new Uint8Array(createHash('sha256').update(token).digest());

  it('accepts the Bearer scheme in any case', async () => {
    t = await openTestLog({ tokenDigests: [digest] });
    for (const [k, scheme] of ['bearer', 'BEARER', 'BeArEr'].entries()) {
      expect((await postJson(t.app, '/v1/identities', one(k), { authorization: `${scheme} ${token}` })).status).toBe(200);
    }
    expect((await postJson(t.app, '/v1/identities', one(9), { authorization: `Basic ${token}` })).status).toBe(401);
  });

  it('by default the lookup and /metrics are open; with guardedReads they need the token and count against the rate', async () => {
    let now = 1_000_000;
    t = await openTestLog({ tokenDigests: [digest] });
    expect((await postJson(t.app, '/v1/identities', one(1), { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await t.app.request(`/v1/identities/${identityHex(1)}`)).status).toBe(200);
    expect((await t.app.request('/metrics')).status).toBe(200);
    await t.close();

    t = await openTestLog({ tokenDigests: [digest], ratePerSecond: 2, now: () => now, guardedReads: ['lookups', 'metrics'] });
    const auth = { headers: { authorization: `Bearer ${token}` } };
    expect((await postJson(t.app, '/v1/identities', one(1), auth.headers)).status).toBe(200);
    expect(await errorCode(await t.app.request(`/v1/identities/${identityHex(1)}`))).toBe('UNAUTHORIZED');
    expect(await errorCode(await t.app.request('/metrics'))).toBe('UNAUTHORIZED');
    expect((await t.app.request(`/v1/identities/${identityHex(1)}`, auth)).status).toBe(200);
    const limited = await t.app.request('/metrics', auth);
    expect(limited.status).toBe(429);
    now += 1000;
    expect((await t.app.request('/metrics', auth)).status).toBe(200);
    // tiles and checkpoints stay open
    expect((await t.app.request('/checkpoint')).status).toBe(200);
  });
});
