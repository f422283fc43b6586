/**
 * Baseline servers for the bench, each in its own process on 127.0.0.1, port 0:
 *
 *   node dist/bench/baselines/servers.js hono   a bare Hono app on the same @hono/node-server:
 *       POST any path parses the JSON body and answers a small JSON object;
 *       GET /v1/identities/:hex answers a fixed JSON object the size of a lookup answer.
 *   node dist/bench/baselines/servers.js http [BYTES]   a bare node:http server that answers
 *       every request with the same buffer of BYTES (default 8192, the size of a full hash tile;
 *       a row compares with a baseline of its own answer's size), of bytes that look like
 *       hashes, as a tile's do. (With autocannon, the load generator before bench/load/worker.ts,
 *       the content mattered: it decoded every body into a string, and 8 KiB of one letter
 *       decoded ≈1.6× faster than 8 KiB of random bytes.)
 *
 * They do the least a server can do for the same requests, so the log's figures can be read as
 * a fraction of what this machine, Node and the HTTP stack allow.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

/** A lookup answer's size: identity, index, timestamp and a ≈1 KB receipt. */
const LOOKUP_ANSWER = { identity: 'sha256:' + '0'.repeat(64), index: 123456, timestamp: 1764115200000, receipt: 'x'.repeat(1000) };

function honoServer(): Promise<Server> {
  const app = new Hono();
  app.post('*', async (c) => {
    const text = await c.req.text();
    const value: unknown = JSON.parse(text);
    return c.json({ ok: typeof value === 'object', bytes: text.length });
  });
  app.get('/v1/identities/:hex', (c) => c.json({ ...LOOKUP_ANSWER, identity: `sha256:${c.req.param('hex')}` }));
  return new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
}

function httpServer(bytes: number): Promise<Server> {
  // A fixed buffer of hash-like bytes: SHA-256 chained from a constant (the same every run).
  const body = Buffer.alloc(bytes);
  let h = createHash('sha256').update('runproof-bench baseline').digest();
  for (let off = 0; off < body.length; off += h.length) {
    h.copy(body, off, 0, Math.min(h.length, body.length - off));
    h = createHash('sha256').update(h).digest();
  }
  const s = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    res.end(body);
  });
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve(s)));
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  const bytes = Number(process.argv[3] ?? 8192);
  if ((kind !== 'hono' && kind !== 'http') || !Number.isSafeInteger(bytes) || bytes < 1) throw new Error('usage: servers.js hono | http [BYTES]');
  const server = kind === 'hono' ? await honoServer() : await httpServer(bytes);
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`listening: http://127.0.0.1:${port}\n`);
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
