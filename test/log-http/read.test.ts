/**
 * The read side through the real app and a real SQLite log: checkpoint, hash tiles and entry
 * bundles exactly per c2sp.org/tlog-tiles at tree sizes around the first tile boundary, checked
 * by an independent recomputation (./tlog-check.ts); consistency proofs verified by the core.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/encoding/base64.js';
import { verifyConsistency } from '../../src/merkle/proof.js';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { parseVerifierKey } from '../../src/note/keys.js';
import { checkTlog, getterFor, type Getter } from './tlog-check.js';
import { identityHex, openTestLog, postJson, type TestLog } from './setup.js';

let t: TestLog;
let get: Getter;
const roots = new Map<number, Uint8Array>();

/** fill grows the log to `size` entries through the batch endpoint. */
async function fill(size: number): Promise<void> {
  while (t.log.size < size) {
    const n = Math.min(1000, size - t.log.size);
    const start = t.log.size;
    const items = Array.from({ length: n }, (_, i) => ({ identity: `sha256:${identityHex(start + i)}` }));
    const res = await postJson(t.app, '/v1/batch', JSON.stringify({ items }));
    expect(res.status).toBe(200);
  }
  expect(t.log.size).toBe(size);
}

beforeAll(async () => {
  t = await openTestLog({ maxBatchItems: 1000 });
  get = getterFor((p) => t.app.request(p));
});
afterAll(() => t.close());

describe('tlog-tiles read side', () => {
  for (const size of [0, 1, 255, 256, 257, 600]) {
    it(`serves checkpoint, tiles and bundles exactly at size ${size}`, async () => {
      await fill(size);
      const state = await checkTlog(get, t.vkey, size);
      roots.set(size, state.root);
    });
  }

  it('keeps serving the partial tiles of every published size', async () => {
    // size 255 was published: its partial tile must still be there now that the tile is full.
    const res = await t.app.request('/tile/0/000.p/255');
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(255 * 32);
  });

  it('gzips entry bundles for clients that accept gzip, and only them', async () => {
    const plain = new Uint8Array(await (await t.app.request('/tile/entries/000')).arrayBuffer());
    const res = await t.app.request('/tile/entries/000', { headers: { 'accept-encoding': 'br, gzip;q=0.5' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(new Uint8Array(gunzipSync(new Uint8Array(await res.arrayBuffer())))).toEqual(plain);
    const refused = await t.app.request('/tile/entries/000', { headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    expect(refused.headers.get('content-encoding')).toBeNull();
    expect(new Uint8Array(await refused.arrayBuffer())).toEqual(plain);
    // hash tiles are incompressible hashes: never encoded
    const tile = await t.app.request('/tile/0/000', { headers: { 'accept-encoding': 'gzip' } });
    expect(tile.headers.get('content-encoding')).toBeNull();
  });

  it('answers consistency proofs that the core verifies between every pair of sizes seen', async () => {
    const sizes = [...roots.keys()].filter((s) => s > 0);
    for (const m of sizes) {
      for (const n of sizes) {
        if (m > n) continue;
        const res = await t.app.request(`/v1/proofs/consistency?old=${m}&new=${n}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
        const text = await res.text();
        const proof = text === '' ? [] : text.slice(0, -1).split('\n').map((l) => fromBase64(l, 32));
        if (m === n) expect(proof).toEqual([]);
        verifyConsistency(m, n, roots.get(m)!, roots.get(n)!, proof);
      }
    }
  });

  it('serves the latest checkpoint signed by the log key', async () => {
    const res = await t.app.request('/checkpoint');
    const opened = openCheckpoint(await res.text(), parseVerifierKey(t.vkey));
    expect(opened.checkpoint.origin).toBe('test.runproof.local/log');
    expect(opened.checkpoint.size).toBe(t.log.size);
  });
});
