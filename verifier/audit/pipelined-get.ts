/**
 * A GET for the `runproof audit` command ({@link GetBytes} for LogClient) that pipelines
 * HTTP/1.1 requests (RFC 9112 §9.3.2) on a few keep-alive connections: a full audit makes two
 * requests per 256 entries (≈ 7,800 for a million), and a request per round trip through
 * node:http cost the audit's main thread about half of its CPU (a ClientRequest, an
 * IncomingMessage, listeners, a header write and a read per request). Here the requests of one
 * turn go out in one write per connection and the answers come back in a few large reads, parsed
 * by ./http1-response.ts; bodies are views of those reads or one copy each. Node-only, so not
 * part of the library entry.
 *
 * GET is idempotent and answers come back in the order asked (§9.3.2), so when a connection
 * ends early (the server closed an idle keep-alive connection, answered `Connection: close`, or
 * sent something unparsable) the request being answered fails — LogClient retries it — and the
 * requests queued behind it are sent again on a fresh connection, which is what a client must do
 * with pipelined requests that got no answer (§9.3.2).
 */
import net from 'node:net';
import tls from 'node:tls';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { RunproofError } from '../../src/errors.js';
import type { GetBytes } from '../log-client.js';
import { BodyTooLarge, Http1Reader, type Http1Response } from './http1-response.js';

/** The largest compressed body accepted before decoding (a full entry bundle is at most ~16 MiB). */
const MAX_ENCODED_BODY = 32 * 1024 * 1024;

/** Options for {@link pipelinedGet}. */
export interface PipelinedGetOptions {
  /** Connections per origin (default 4). */
  connections?: number;
  /** Requests in flight per connection; more wait their turn (default 32). */
  depth?: number;
}

/** One GET waiting for its answer. */
interface Req {
  head: string;
  maxBytes: number;
  url: string;
  resolve: (r: { status: number; body: Uint8Array }) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
  /** Times sent on a connection that ended without answering anything. */
  resent: number;
}

/** How often a request queued behind a failed one is sent again before it fails too. */
const MAX_RESENDS = 3;

/**
 * pipelinedGet returns a GetBytes that pipelines requests on up to `connections` keep-alive
 * connections per origin, `depth` requests deep.
 */
export function pipelinedGet(opts: PipelinedGetOptions = {}): GetBytes {
  const pools = new Map<string, Pool>();
  const connections = Math.max(1, opts.connections ?? 4);
  const depth = Math.max(1, opts.depth ?? 32);
  return (input, { headers, timeoutMs, maxBytes }) => {
    const url = new URL(input);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
    let pool = pools.get(url.origin);
    if (pool === undefined) pools.set(url.origin, (pool = new Pool(url, connections, depth)));
    let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    head += '\r\n';
    const p = pool;
    return new Promise((resolve, reject) => {
      const req: Req = { head, maxBytes, url: input, resolve, reject, resent: 0, timer: undefined! };
      // The whole exchange within timeoutMs, queueing included (as AbortSignal.timeout with fetch).
      req.timer = setTimeout(() => p.timeout(req, timeoutMs), timeoutMs);
      req.timer.unref();
      p.send(req);
    });
  };
}

/** The connections to one origin and the requests waiting for room on them. */
class Pool {
  private readonly conns: Conn[] = [];
  private readonly waiting: Req[] = [];

  constructor(
    private readonly url: URL,
    private readonly connections: number,
    private readonly depth: number,
  ) {}

  /** send puts `req` on the least busy connection (opening one if allowed), or queues it. */
  send(req: Req): void {
    let best: Conn | undefined;
    for (const c of this.conns) if (c.usable && (best === undefined || c.inFlight < best.inFlight)) best = c;
    if ((best === undefined || best.inFlight > 0) && this.conns.length < this.connections) best = this.open();
    if (best === undefined || best.inFlight >= this.depth) this.waiting.push(req);
    else best.send(req);
  }

  /** room sends waiting requests after a connection freed a place or ended. */
  room(): void {
    while (this.waiting.length > 0) {
      const before = this.waiting.length;
      const req = this.waiting.shift()!;
      this.send(req);
      if (this.waiting.length >= before) return; // no room: it went back to the queue
    }
  }

  /**
   * ended forgets a connection and sends its unanswered requests again. A connection that ended
   * without answering anything counts against each of them, so a server that never answers
   * cannot keep them going round.
   */
  ended(c: Conn, unanswered: Req[], answeredAny: boolean): void {
    const i = this.conns.indexOf(c);
    if (i >= 0) this.conns.splice(i, 1);
    for (const req of unanswered) {
      if (!answeredAny && ++req.resent > MAX_RESENDS) fail(req, new Error('connection closed before the answer (sent again too often)'));
      else this.waiting.push(req);
    }
    this.room();
  }

  /** timeout fails `req` after `ms`; the connection carrying it ends (its answer would arrive in the way of the next ones). */
  timeout(req: Req, ms: number): void {
    const e = new Error(`no complete answer within ${ms} ms`);
    e.name = 'TimeoutError';
    const w = this.waiting.indexOf(req);
    if (w >= 0) {
      this.waiting.splice(w, 1);
      fail(req, e);
      return;
    }
    for (const c of this.conns) if (c.abort(req, e)) return;
  }

  private open(): Conn {
    const c = new Conn(this.url, this);
    this.conns.push(c);
    return c;
  }
}

function fail(req: Req, e: unknown): void {
  clearTimeout(req.timer);
  req.reject(e);
}

/** One keep-alive connection and the requests sent on it, in order. */
class Conn {
  private readonly socket: net.Socket;
  private readonly sent: Req[] = [];
  private out = '';
  private flushing = false;
  private readonly reader: Http1Reader;
  private answeredAny = false;
  usable = true;

  constructor(
    url: URL,
    private readonly pool: Pool,
  ) {
    const port = Number(url.port !== '' ? url.port : url.protocol === 'https:' ? 443 : 80);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.socket = url.protocol === 'https:' ? tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined, ALPNProtocols: ['http/1.1'] }) : net.connect({ host, port });
    this.socket.setNoDelay(true);
    this.reader = new Http1Reader(
      (status, headers) => limitFor(status, headers, this.sent[0]),
      (r) => this.answered(r),
    );
    this.socket.on('data', (d: Buffer) => {
      try {
        this.reader.push(d);
      } catch (e) {
        if (e instanceof BodyTooLarge && e.status !== 200 && this.sent.length > 0) {
          // Only the status of such an answer is used (its body is dropped): it is answered by its
          // status as with a short body — a 404 or 503 says the log is unavailable, while
          // TOO_LARGE would count as a fault of the log. The body is not read: the connection ends.
          this.answered({ status: e.status, headers: {}, body: new Uint8Array(0), last: true });
        } else this.end(e instanceof BodyTooLarge && this.sent.length > 0 ? tooLarge(this.sent[0]!) : e, true);
      }
    });
    this.socket.on('end', () => {
      try {
        this.reader.end();
      } catch (e) {
        this.end(e, true);
      }
      this.end(new Error('connection closed by the server before the answer'), this.reader.partial);
    });
    this.socket.on('error', (e) => this.end(e, true));
    this.socket.on('close', () => this.end(new Error('connection closed before the answer'), this.reader.partial));
  }

  /** The requests sent and not yet answered. */
  get inFlight(): number {
    return this.sent.length;
  }

  send(req: Req): void {
    // An idle connection does not keep the process alive (the audit is over when nothing is asked).
    if (this.sent.length === 0) this.socket.ref();
    this.sent.push(req);
    this.out += req.head;
    if (!this.flushing) {
      // The requests of one turn of the event loop go out in one write: setImmediate runs after
      // every callback and microtask of the turn. A microtask flushed too early: the audit asks
      // for a bundle's tile and entries several awaits apart, and queueMicrotask wrote nearly
      // every request on its own (7,129 writes for 7,813 requests in a 1M-entry audit), each a
      // syscall and a wake-up of the server.
      this.flushing = true;
      setImmediate(() => {
        this.flushing = false;
        if (this.usable && this.out !== '') this.socket.write(this.out, 'latin1');
        this.out = '';
      });
    }
  }

  /** abort fails `req` if it was sent here, ending the connection; false if it was not. */
  abort(req: Req, e: Error): boolean {
    const i = this.sent.indexOf(req);
    if (i < 0) return false;
    this.sent.splice(i, 1);
    fail(req, e);
    this.end(undefined, false);
    return true;
  }

  private answered(r: Http1Response): void {
    const req = this.sent.shift();
    if (req === undefined) throw new Error('an answer nobody asked for');
    this.answeredAny = true;
    clearTimeout(req.timer);
    if (r.status !== 200) req.resolve({ status: r.status, body: new Uint8Array(0) });
    else {
      try {
        req.resolve({ status: 200, body: decode(r, req) });
      } catch (e) {
        req.reject(e);
      }
    }
    if (r.last) this.end(undefined, false);
    else {
      if (this.sent.length === 0) this.socket.unref();
      this.pool.room();
    }
  }

  /**
   * end closes the connection once. If `firstFails` (an error, or an answer cut short), the
   * request being answered fails with `e`; the requests behind it — and it too after a clean
   * close before any byte of its answer — go back to the pool to be sent again.
   */
  private end(e: unknown, firstFails: boolean): void {
    if (!this.usable) return;
    this.usable = false;
    this.socket.destroy();
    const unanswered = this.sent.splice(0);
    if (firstFails && unanswered.length > 0) fail(unanswered.shift()!, e);
    this.pool.ended(this, unanswered, this.answeredAny);
  }
}

/** limitFor is the largest body read for an answer to `req`: its limit, or the cap on encoded bodies (decoded ones are capped in {@link decode}). */
function limitFor(status: number, headers: Record<string, string>, req: Req | undefined): number {
  if (req === undefined) return 0;
  const encoding = (headers['content-encoding'] ?? '').trim().toLowerCase();
  return status === 200 && (encoding === '' || encoding === 'identity') ? req.maxBytes : MAX_ENCODED_BODY;
}

function tooLarge(req: Req): RunproofError {
  return new RunproofError('TOO_LARGE', `GET ${req.url}: answer is larger than ${req.maxBytes} bytes`, { evidence: { url: req.url } });
}

/** decode undoes the Content-Encoding (gzip, deflate, br), as fetch does, with the decoded size capped. */
function decode(r: Http1Response, req: Req): Uint8Array {
  const encoding = (r.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return r.body;
  // A small compressed body can expand to gigabytes: the output is capped too.
  const cap = { maxOutputLength: req.maxBytes };
  try {
    const out = encoding === 'gzip' ? gunzipSync(r.body, cap) : encoding === 'deflate' ? inflateSync(r.body, cap) : encoding === 'br' ? brotliDecompressSync(r.body, cap) : Buffer.from(r.body);
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  } catch (e) {
    throw (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge(req) : e;
  }
}
