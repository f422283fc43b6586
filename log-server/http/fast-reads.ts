/**
 * A node:http fast path for the tlog-tiles reads (`GET /checkpoint`, `GET /tile/…`), in front
 * of the Hono app. The reads are the log's hottest and simplest requests, and building a
 * WHATWG Request/Response pair for each cost about half of what a bare node:http server answers
 * (measured: a hot hash tile through Hono ≈ 0.5× a bare server returning a fixed 8 KiB buffer;
 * docs/performance.md). The answer comes from the same {@link readResource} the Hono routes use;
 * anything that is not a plain successful GET falls through to Hono, so errors, HEAD, the
 * shutdown answer and every other route keep one implementation. A read that waits for storage
 * (PostgreSQL) is answered here when it arrives; if it fails, Hono answers the request instead.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppSettings } from './context.js';
import { readResource, type ReadAnswer } from './routes/read.js';

/** How {@link fastReads} hands a request on and reports reads that finish later. */
export interface FastReadsOptions {
  /** False once the server is closing: every request then goes to Hono (which answers it). */
  accepting: () => boolean;
  /** Answers a request the fast path took but could not answer (Hono, which reports the error). */
  fallback: (req: IncomingMessage, res: ServerResponse) => void;
  /** Called when an answer has to wait for storage, and again (`settled`) once it is written or handed on. */
  waiting?: () => void;
  settled?: () => void;
}

/**
 * fastReads returns a handler that answers a tlog-tiles GET itself (or, if its read fails, hands
 * it to `fallback`) and returns true, or returns false (having written nothing) for Hono to answer.
 */
export function fastReads(s: AppSettings, o: FastReadsOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined || !o.accepting()) return false;
    if (url !== '/checkpoint' && !url.startsWith('/tile/')) return false;
    const q = url.indexOf('?');
    let answer;
    try {
      answer = readResource(s, q < 0 ? url : url.slice(0, q), req.headers['accept-encoding']);
    } catch {
      return false; // Hono answers it again and formats the error in the one place that does
    }
    if (answer instanceof Promise) {
      // A read from storage that answers later (PostgreSQL).
      o.waiting?.();
      answer.then(
        (a) => {
          write(res, a);
          o.settled?.();
        },
        () => {
          o.settled?.();
          o.fallback(req, res); // Hono reads it again and reports any error
        },
      );
      return true;
    }
    write(res, answer);
    return true;
  };
}

function write(res: ServerResponse, answer: ReadAnswer): void {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : answer.body;
  // Full tiles and bundles come with their (shared) headers complete.
  res.writeHead(200, answer.headers['Content-Length'] !== undefined ? answer.headers : { ...answer.headers, 'Content-Length': String(body.length) });
  res.end(body);
}
