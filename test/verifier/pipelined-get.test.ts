/**
 * The audit's pipelined HTTP/1.1 reader (verifier/audit/pipelined-get.ts) over real loopback
 * HTTP against node:http servers: every answer reaches the request that asked for it, in
 * whatever framing the server chooses (Content-Length, chunked, read to the close); requests
 * queued behind a connection the server closes are sent again; bodies are held to the size limit
 * before and after decoding (a small compressed "bomb" must not expand to gigabytes).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, Socket, type AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Http1Reader } from '../../verifier/audit/http1-response.js';
import { pipelinedGet } from '../../verifier/audit/pipelined-get.js';

const servers: Server[] = [];
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** serve starts a loopback server and counts the connections it accepts. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, setup: (s: Server) => void = () => {}): Promise<{ base: string; connections: () => number }> {
  const server = createServer(handler);
  setup(server);
  let connections = 0;
  server.on('connection', (_: Socket) => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

/** bodyFor is a body that depends on the path: 0–20,000 bytes derived from its hash. */
function bodyFor(path: string): Buffer {
  const seed = createHash('sha256').update(path).digest();
  const n = seed.readUInt16BE(0) % 20_000;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = seed[i % 32]! ^ (i & 0xff);
  return out;
}

const init = { headers: { 'Accept-Encoding': 'identity' }, timeoutMs: 10_000, maxBytes: 1024 * 1024 };

describe('pipelinedGet', () => {
  it('answers many concurrent requests on few connections, each with its own body', async () => {
    const { base, connections } = await serve((req, res) => {
      const body = bodyFor(req.url!);
      if (req.url!.endsWith('/chunked')) {
        res.writeHead(200); // no Content-Length: chunked
        res.write(body.subarray(0, body.length >> 1));
        setImmediate(() => res.end(body.subarray(body.length >> 1)));
      } else {
        res.writeHead(200, { 'Content-Length': body.length });
        res.end(body);
      }
    });
    const get = pipelinedGet({ connections: 2, depth: 16 });
    const paths = Array.from({ length: 300 }, (_, i) => `/r/${i}${i % 3 === 0 ? '/chunked' : ''}`);
    const answers = await Promise.all(paths.map((p) => get(base + p, init)));
    answers.forEach((a, i) => {
      expect(a.status).toBe(200);
      expect(Buffer.from(a.body).equals(bodyFor(paths[i]!))).toBe(true);
    });
    expect(connections()).toBeLessThanOrEqual(2);
  });

  it('passes other statuses through and keeps the connection', async () => {
    const { base, connections } = await serve((req, res) => {
      if (req.url === '/missing') {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not here');
      } else res.end('ok');
    });
    const get = pipelinedGet({ connections: 1 });
    const [a, b, c] = await Promise.all([get(`${base}/missing`, init), get(`${base}/x`, init), get(`${base}/missing`, init)]);
    expect([a.status, b.status, c.status]).toEqual([404, 200, 404]);
    expect(Buffer.from(b.body).toString()).toBe('ok');
    expect(a.body.length).toBe(0);
    expect(connections()).toBe(1);
  });

  it('sends requests again when the server closes the connection behind an answer', async () => {
    // Every connection serves three requests and closes (Connection: close on the third).
    const { base, connections } = await serve(
      (req, res) => res.end(bodyFor(req.url!)),
      (s) => (s.maxRequestsPerSocket = 3),
    );
    const get = pipelinedGet({ connections: 2, depth: 8 });
    const paths = Array.from({ length: 60 }, (_, i) => `/c/${i}`);
    const answers = await Promise.all(paths.map((p) => get(base + p, init)));
    answers.forEach((a, i) => expect(Buffer.from(a.body).equals(bodyFor(paths[i]!))).toBe(true));
    expect(connections()).toBeGreaterThanOrEqual(20);
  });

  it('reads a body delimited by the end of the connection', async () => {
    // An HTTP/1.0-style server: answers the first request of a connection with no length and no
    // chunking, the body ending with the connection; requests pipelined behind it are lost.
    const server = createNetServer((socket) =>
      socket.once('data', (d: Buffer) => {
        const path = /^GET (\S+)/.exec(d.toString('latin1'))![1]!;
        socket.end(`HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n${path}`);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const get = pipelinedGet({ connections: 1 });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const answers = await Promise.all(['/a', '/bb', '/ccc'].map((p) => get(base + p, init)));
      expect(answers.map((a) => Buffer.from(a.body).toString())).toEqual(['/a', '/bb', '/ccc']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a body over the limit with TOO_LARGE, and the other requests still get theirs', async () => {
    const { base } = await serve((req, res) => res.end(req.url === '/big' ? Buffer.alloc(10_000) : 'small'));
    const get = pipelinedGet({ connections: 1 });
    const small = { ...init, maxBytes: 1000 };
    const [a, b, c] = await Promise.allSettled([get(`${base}/s1`, small), get(`${base}/big`, small), get(`${base}/s2`, small)]);
    expect(a).toMatchObject({ status: 'fulfilled' });
    expect(b).toMatchObject({ status: 'rejected', reason: { code: 'TOO_LARGE' } });
    expect(c).toMatchObject({ status: 'fulfilled' });
  });

  const HUGE = Buffer.alloc(64 * 1024 * 1024); // 64 MiB of zeros: a few KiB compressed
  const bombs: Record<string, Buffer> = { gzip: gzipSync(HUGE), deflate: deflateSync(HUGE), br: brotliCompressSync(HUGE) };
  for (const kind of Object.keys(bombs)) {
    it(`refuses a ${kind} body that decodes past the limit with TOO_LARGE, and decodes one within it`, async () => {
      const { base } = await serve((req, res) => {
        const small = req.url === '/small';
        const encoding = kind;
        const body = small ? (kind === 'gzip' ? gzipSync('fine') : kind === 'deflate' ? deflateSync('fine') : brotliCompressSync('fine')) : bombs[kind]!;
        res.writeHead(200, { 'Content-Encoding': encoding, 'Content-Length': body.length });
        res.end(body);
      });
      const get = pipelinedGet();
      expect(bombs[kind]!.length).toBeLessThan(1024 * 1024);
      await expect(get(`${base}/bomb`, { ...init, maxBytes: 1024 * 1024 })).rejects.toMatchObject({ code: 'TOO_LARGE' });
      const got = await get(`${base}/small`, { ...init, maxBytes: 1024 });
      expect(Buffer.from(got.body).toString()).toBe('fine');
    });
  }

  it('times out a request that gets no answer; the ones behind it are sent again and answered', async () => {
    const { base } = await serve((req, res) => {
      if (req.url !== '/never') res.end(req.url);
    });
    const get = pipelinedGet({ connections: 1 });
    const [never, after] = await Promise.allSettled([get(`${base}/never`, { ...init, timeoutMs: 300 }), get(`${base}/after`, init)]);
    expect(never).toMatchObject({ status: 'rejected', reason: { name: 'TimeoutError' } });
    expect(after).toMatchObject({ status: 'fulfilled', value: { status: 200 } });
  });

  it('answers a status other than 200 by its status even when its body is over the limit (the log is unavailable, not at fault)', async () => {
    // A 404 announcing 40 MB (more than any body is read): the answer is its status, as a 404
    // with a short body is; TOO_LARGE would make the audit report a fault of the log.
    const sockets: Socket[] = [];
    const server = createNetServer((socket) =>
      sockets.push(socket) && socket.on('data', (d: Buffer) => {
        for (const [, path] of d.toString('latin1').matchAll(/^GET (\S+)/gm)) {
          if (path === '/gone') return void socket.write('HTTP/1.1 404 Not Found\r\nContent-Length: 40000000\r\n\r\nnot here');
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path!.length}\r\n\r\n${path}`);
        }
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const get = pipelinedGet({ connections: 1 });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const [gone, ok] = await Promise.all([get(`${base}/gone`, init), get(`${base}/ok`, init)]);
      expect(gone).toMatchObject({ status: 404 });
      expect(gone.body.length).toBe(0);
      expect(ok.status).toBe(200);
      expect(Buffer.from(ok.body).toString()).toBe('/ok');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends the requests of one turn in one write, even when they are asked for several microtasks apart', async () => {
    // The audit asks for a bundle and its tile several awaits apart; writing each on its own cost
    // a syscall and a wake-up of the server per request.
    const reads: string[] = [];
    const sockets: Socket[] = [];
    const server = createNetServer((socket) =>
      sockets.push(socket) && socket.on('data', (d: Buffer) => {
        const text = d.toString('latin1');
        reads.push(text);
        for (const [, path] of text.matchAll(/^GET (\S+)/gm)) socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path!.length}\r\n\r\n${path}`);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const get = pipelinedGet({ connections: 1 });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await get(`${base}/first`, init); // the connection is open
      const writes = vi.spyOn(Socket.prototype, 'write');
      const asked: Promise<{ status: number; body: Uint8Array }>[] = [];
      for (let i = 0; i < 8; i++) {
        asked.push(get(`${base}/r${i}`, init));
        for (let k = 0; k < 3; k++) await Promise.resolve(); // a few microtasks apart, in the same turn
      }
      const answers = await Promise.all(asked);
      const requestWrites = writes.mock.calls.filter(([chunk]) => typeof chunk === 'string' && chunk.startsWith('GET ')).length;
      writes.mockRestore();
      answers.forEach((a, i) => expect(Buffer.from(a.body).toString()).toBe(`/r${i}`));
      expect(requestWrites).toBe(1);
      expect(reads.join('').match(/^GET \/r/gm)).toHaveLength(8);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('holds a chunked body of one-byte chunks in memory of about its size, not an object per chunk', () => {
    // A hostile log can chunk a body byte by byte (6 bytes on the wire per byte): the memory held
    // while it arrives must stay near the body's size, whatever the chunking.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const n = 200_000;
    let got: Uint8Array | undefined;
    const reader = new Http1Reader(
      () => 1024 * 1024,
      (r) => (got = r.body),
    );
    reader.push(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'));
    gc();
    const before = process.memoryUsage();
    const piece = Buffer.from('1\r\nX\r\n'.repeat(1000));
    for (let i = 0; i < n / 1000; i++) reader.push(Buffer.from(piece));
    gc();
    const held = process.memoryUsage();
    const grown = held.heapUsed - before.heapUsed + (held.arrayBuffers - before.arrayBuffers);
    expect(grown).toBeLessThan(8 * n);
    reader.push(Buffer.from('0\r\n\r\n'));
    expect(got?.length).toBe(n);
    expect(Buffer.from(got!).equals(Buffer.alloc(n, 'X'))).toBe(true);
  });

  it('refuses an answer framed both by Content-Length and chunked, rather than guess where the next one begins', async () => {
    // Read by its Content-Length, this holds two answers (the second one "/smuggled"); read as
    // chunked, one. Neither reading may hand a body to a request: the request fails (LogClient
    // retries it, then reports the log unreachable).
    const sockets: Socket[] = [];
    const server = createNetServer((socket) => {
      sockets.push(socket);
      socket.once('data', () => {
        const smuggled = 'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n/smuggled';
        const chunk = `${smuggled.length.toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`;
        socket.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n${chunk}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const get = pipelinedGet({ connections: 1 });
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const got = await Promise.allSettled([get(`${base}/a`, init), get(`${base}/b`, { ...init, timeoutMs: 300 })]);
      expect(got[0]).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('both Transfer-Encoding and Content-Length') } });
      expect(got[1]).toMatchObject({ status: 'rejected' });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('rejects when nothing listens', async () => {
    const { base } = await serve((_, res) => res.end());
    const closed = servers.pop()!;
    await new Promise((resolve) => closed.close(resolve));
    await expect(pipelinedGet()(`${base}/x`, init)).rejects.toBeInstanceOf(Error);
  });
});
