/**
 * The audit's node:http reader (verifier/audit/node-get.ts) over real loopback HTTP: decoded
 * bodies are held to the size limit, so a log cannot send a small compressed "bomb" that
 * expands to gigabytes in the auditor.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeGet } from '../../verifier/audit/node-get.js';

const HUGE = Buffer.alloc(64 * 1024 * 1024); // 64 MiB of zeros: a few KiB compressed
const bodies: Record<string, Buffer> = { gzip: gzipSync(HUGE), deflate: deflateSync(HUGE), br: brotliCompressSync(HUGE), small: gzipSync(Buffer.from('fine')) };
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const kind = req.url!.slice(1);
    res.writeHead(200, { 'Content-Encoding': kind === 'small' ? 'gzip' : kind, 'Content-Type': 'application/octet-stream' });
    res.end(bodies[kind]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('nodeGet', () => {
  const get = nodeGet(2);
  for (const kind of ['gzip', 'deflate', 'br']) {
    it(`refuses a ${kind} body that decodes past the limit with TOO_LARGE`, async () => {
      expect(bodies[kind]!.length).toBeLessThan(1024 * 1024);
      await expect(get(`${base}/${kind}`, { headers: {}, timeoutMs: 10_000, maxBytes: 1024 * 1024 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
    });
  }

  it('decodes a body within the limit', async () => {
    const got = await get(`${base}/small`, { headers: {}, timeoutMs: 10_000, maxBytes: 1024 });
    expect(got.status).toBe(200);
    expect(Buffer.from(got.body).toString()).toBe('fine');
  });
});
