/**
 * A node:http fast path for single submissions (`POST /v1/declarations` and `/v1/identities`), in
 * front of the Hono app, as ./fast-reads.ts is for the tlog-tiles reads. Building the WHATWG
 * Request and Response, Hono's dispatch through five middlewares and the body read through the
 * Request cost ≈ 10 % of the server's CPU per declaration (docs/performance.md, "Single
 * declarations"), and more of an identity submission's, which the client sends by default.
 *
 * It takes a request only when every guard of the Hono route would let it through, checked in a
 * way that changes nothing when one would not: the server accepts, the URL is exactly the path
 * (no query: `?wait=cosigned` and a bad query are Hono's), the media type is JSON, a
 * Content-Length within the body limit and no Transfer-Encoding, the bearer token (when tokens are
 * configured) passes, the shared in-flight body budget has room, and the client's rate bucket
 * (when a rate is set) has a token — taken last, so a request handed to Hono has taken nothing.
 * Everything else goes to Hono untouched, which answers it, refusal or not, in its one way. Once
 * it took a request, the answer is the route's own (routes/submit.ts `declareBytes` and
 * `identityBytes`, the routes written as bytes: same parsing, same sequencer, same durable
 * receipt, same metrics, the same JSON text), and an error the one mapping of ./errors.ts,
 * reported as the app reports its errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppParts } from './app.js';
import { bodyCutShort, isJsonMediaType } from './middleware/body.js';
import { declareBytes, identityBytes } from './routes/submit.js';

/** routeOf returns the route, written as bytes, of a path this handles (exactly, no query), or undefined. */
function routeOf(url: string | undefined): typeof declareBytes | undefined {
  if (url === '/v1/declarations') return declareBytes;
  if (url === '/v1/identities') return identityBytes;
  return undefined;
}

/** How {@link fastSubmit} knows the server is stopping and tells it about requests in flight. */
export interface FastSubmitOptions {
  /** False once the server is closing: every request then goes to Hono (which refuses it). */
  accepting: () => boolean;
  /** Called when the fast path takes a request, and again (`settled`) once it is answered or dropped. */
  waiting?: () => void;
  settled?: () => void;
}

/**
 * fastSubmit returns a handler that takes a plain single-submission POST (see the module comment)
 * and returns true, or returns false (having read and written nothing) for Hono to answer.
 */
export function fastSubmit(parts: AppParts, o: FastSubmitOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const s = parts.settings;
  // Escaped checkpoints for the answers' bytes (routes/submit.ts declareBytes).
  const checkpoints = new Map<string, Buffer>();
  return (req, res) => {
    const route = req.method === 'POST' ? routeOf(req.url) : undefined;
    if (route === undefined || !o.accepting()) return false;
    const h = req.headers;
    const type = h['content-type'];
    const length = h['content-length'];
    if (type === undefined || length === undefined || h['transfer-encoding'] !== undefined) return false;
    if (!/^[0-9]{1,16}$/.test(length) || !isJsonMediaType(type)) return false;
    const bytes = Number(length);
    if (bytes > s.maxBodyBytes || !parts.authorized(h.authorization)) return false;
    if (!s.bodyBudget.reserve(bytes)) return false;
    if (!parts.take(req.socket.remoteAddress ?? 'unknown')) {
      s.bodyBudget.release(bytes);
      return false;
    }
    const started = performance.now();
    o.waiting?.();
    const done = () => {
      s.bodyBudget.release(bytes);
      o.settled?.();
    };
    readBody(req, bytes, (body) => {
      if (body instanceof Error) {
        // The client went away mid-body (or --body-timeout cut it): nobody to answer, but the
        // route's body read fails the same way and is counted through the one mapping as the
        // client's fault (middleware/body.ts bodyCutShort), so this one is too.
        parts.answerError(bodyCutShort(body));
        return done();
      }
      route(s, body, started, checkpoints)
        .then(
          (answer) => send(res, 200, JSON_TYPE, answer),
          (e: unknown) => {
            const a = parts.answerError(e);
            send(res, a.status, { ...a.headers, ...JSON_TYPE }, a.body);
          },
        )
        // Should writing the answer itself throw, it is reported like any internal error, and the
        // budget and the in-flight count are given back all the same.
        .catch((e: unknown) => void parts.answerError(e))
        .finally(done);
    });
    return true;
  };
}

/**
 * readBody collects a body whose Content-Length Node's parser enforces (it delivers exactly that
 * many bytes, or the request errors) and calls `then` once: with the body, or with the error
 * node:http gives a request cut before its end (what @hono/node-server's body read rejects with).
 */
function readBody(req: IncomingMessage, bytes: number, then: (body: Uint8Array | Error) => void): void {
  const body = Buffer.allocUnsafe(bytes);
  let at = 0;
  let called = false;
  const finish = (ok: boolean) => {
    if (called) return;
    called = true;
    then(ok && at === bytes ? body : Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
  };
  req.on('data', (chunk: Buffer) => {
    chunk.copy(body, at);
    at += chunk.length;
  });
  req.on('end', () => finish(true));
  req.on('error', () => finish(false));
  req.on('aborted', () => finish(false));
  // A request cut before its end (client gone, --body-timeout): 'close' comes in any case.
  req.on('close', () => finish(false));
}

const JSON_TYPE = { 'Content-Type': 'application/json' };

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}
