/**
 * A node:http fast path for the tlog-tiles reads (`GET /checkpoint`, `GET /tile/…`), in front
 * of the Hono app. The reads are the log's hottest and simplest requests, and building a
 * WHATWG Request/Response pair for each cost about half of what a bare node:http server answers
 * (measured: a hot hash tile through Hono ≈ 0.5× a bare server returning a fixed 8 KiB buffer;
 * docs/performance.md). The answer comes from the same {@link readResource} the Hono routes use;
 * anything that is not a plain successful GET falls through to Hono, so errors, HEAD, the
 * shutdown answer and every other route keep one implementation. So does a read that has to wait
 * for storage (a backend that reads asynchronously): the blob is in the log's cache by the time
 * Hono asks again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppSettings } from './context.js';
import { readResource } from './routes/read.js';

/**
 * fastReads returns a handler that answers a successful tlog-tiles GET itself and returns true,
 * or returns false (having written nothing) for Hono to answer.
 */
export function fastReads(s: AppSettings, accepting: () => boolean): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined || !accepting()) return false;
    if (url !== '/checkpoint' && !url.startsWith('/tile/')) return false;
    const q = url.indexOf('?');
    let answer;
    try {
      answer = readResource(s, q < 0 ? url : url.slice(0, q), req.headers['accept-encoding']);
    } catch {
      return false; // Hono answers it again and formats the error in the one place that does
    }
    if (answer instanceof Promise) {
      answer.catch(() => undefined); // Hono reads it again and reports any error
      return false;
    }
    const body = typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : answer.body;
    res.writeHead(200, { ...answer.headers, 'Content-Length': String(body.length) });
    res.end(body);
    return true;
  };
}
