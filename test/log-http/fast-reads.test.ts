/**
 * The node:http fast path for tlog-tiles reads (log-server/http/fast-reads.ts) over real loopback
 * HTTP: every read it answers must be byte-for-byte and header-for-header what the Hono route
 * answers, and everything else (errors, HEAD, queries it cannot serve, shutdown) must fall
 * through to Hono untouched.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings } from '../../log-server/http/context.js';
import { fastReads } from '../../log-server/http/fast-reads.js';
import { identityHex, openTestLog, postJson, type TestLog } from './setup.js';

let t: TestLog;
let server: Server;
let base: string;
let accepting = true;
/** How many requests each side answered. */
const answered = { fast: 0, hono: 0 };

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** get sends one request with node:http (no automatic decompression, exact headers). */
function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  t = await openTestLog({ maxBatchItems: 1000 });
  const items = Array.from({ length: 300 }, (_, i) => ({ identity: `sha256:${identityHex(i, 7)}` }));
  expect((await postJson(t.app, '/v1/batch?receipts=false', JSON.stringify({ items }))).status).toBe(200);
  const hono = getRequestListener(t.app.fetch);
  const fast = fastReads(resolveSettings({ log: t.log }), {
    accepting: () => accepting,
    fallback: (req, res) => {
      answered.fast--;
      answered.hono++;
      void hono(req, res);
    },
  });
  server = createServer((req, res) => {
    if (fast(req, res)) answered.fast++;
    else {
      answered.hono++;
      void hono(req, res);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

/** The headers both paths must agree on. */
const COMPARED = ['content-type', 'cache-control', 'content-length', 'content-encoding', 'vary'];

describe('tlog-tiles fast path', () => {
  const paths = ['/checkpoint', '/tile/0/000', '/tile/0/001.p/44', '/tile/1/000.p/1', '/tile/entries/000', '/tile/entries/001.p/44', '/tile/0/000?x=1'];
  for (const path of paths) {
    for (const enc of [undefined, 'gzip']) {
      it(`answers GET ${path}${enc ? ' (gzip accepted)' : ''} exactly as the Hono route does`, async () => {
        const headers: Record<string, string> = enc ? { 'accept-encoding': enc } : {};
        const before = answered.fast;
        const got = await get(path, headers);
        expect(answered.fast).toBe(before + 1);
        const want = await t.app.request(path, { headers });
        expect(got.status).toBe(200);
        expect(want.status).toBe(200);
        const wantBody = Buffer.from(await want.arrayBuffer());
        for (const h of COMPARED) {
          if (h === 'content-length') expect(got.headers[h]).toBe(String(got.body.length));
          else expect(got.headers[h], h).toBe(want.headers.get(h) ?? undefined);
        }
        // gzip output need not be byte-identical between two calls of zlib; the content must be.
        if (got.headers['content-encoding'] === 'gzip') expect(gunzipSync(got.body)).toEqual(gunzipSync(wantBody));
        else expect(got.body).toEqual(wantBody);
      });
    }
  }

  it('leaves errors to Hono: beyond the tree, malformed paths, unknown paths', async () => {
    for (const [path, status] of [['/tile/0/002', 404], ['/tile/entries/001.p/45', 404], ['/tile/0/00x', 400], ['/tile/9/000', 400], ['/nothing', 404]] as const) {
      const before = { ...answered };
      const got = await get(path);
      expect(answered.hono, path).toBe(before.hono + 1);
      expect(answered.fast, path).toBe(before.fast);
      expect(got.status, path).toBe(status);
      expect(got.headers['content-type'], path).toMatch(/^application\/json/);
      expect(JSON.parse(got.body.toString('utf8')).error.code, path).toMatch(/^[A-Z_]+$/);
    }
  });

  it('leaves HEAD and other methods to Hono', async () => {
    const before = answered.hono;
    const head = await get('/tile/0/000', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect((await get('/checkpoint', {}, 'POST')).status).toBe(404);
    expect(answered.hono).toBe(before + 2);
  });

  it('writes an answer that arrives later itself, and hands a read that fails later to Hono', async () => {
    // A log whose tile reads answer asynchronously (old tiles off the main thread, PostgreSQL):
    // tile 0/000 arrives later, tile 0/001.p/44 fails later.
    const later = Object.create(t.log) as typeof t.log;
    later.readTile = (tile) => {
      const read = t.log.readTile(tile);
      return tile.index === 0 ? Promise.resolve(read) : Promise.reject(new Error('storage went away'));
    };
    const fast = fastReads(resolveSettings({ log: later }), { accepting: () => true, fallback: (req, res) => void hono(req, res) });
    const hono = getRequestListener(t.app.fetch);
    const other = createServer((req, res) => {
      if (!fast(req, res)) void hono(req, res);
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const saved = base;
    base = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
    try {
      for (const path of ['/tile/0/000', '/tile/0/001.p/44']) {
        const got = await get(path);
        const want = await t.app.request(path);
        expect(got.status, path).toBe(200);
        expect(got.body, path).toEqual(Buffer.from(await want.arrayBuffer()));
        expect(got.headers['cache-control'], path).toBe(want.headers.get('cache-control'));
      }
    } finally {
      base = saved;
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('answers nothing itself while the server is shutting down', async () => {
    accepting = false;
    try {
      const before = answered.fast;
      await get('/checkpoint');
      expect(answered.fast).toBe(before);
    } finally {
      accepting = true;
    }
  });
});
