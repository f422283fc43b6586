/**
 * A minimal `fetch` for GET requests over node:http / node:https with keep-alive, for the
 * `runproof audit` command: a full audit makes two requests per 256 entries, and the global
 * (undici) fetch costs about twice the CPU per small response. Only what LogClient uses is
 * supported: GET, request headers, an abort signal; the body is decoded per Content-Encoding
 * (gzip, deflate, br) as the global fetch does. Node-only, so not part of the library entry.
 */
import http from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/** The largest response body accepted before decoding (a full entry bundle is at most ~16 MiB). */
const MAX_BODY = 32 * 1024 * 1024;

/** nodeFetch returns a GET-only fetch with its own keep-alive agents of `maxSockets` connections. */
export function nodeFetch(maxSockets: number): typeof fetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };
  const get = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    if ((init?.method ?? 'GET') !== 'GET') return Promise.reject(new TypeError('nodeFetch supports GET only'));
    const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (lib === undefined) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    return new Promise((resolve, reject) => {
      const req = lib.get(url, { agent: agents[url.protocol as 'http:' | 'https:'], headers, signal: init?.signal ?? undefined }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > MAX_BODY) res.destroy(new Error(`response larger than ${MAX_BODY} bytes`));
          else chunks.push(d);
        });
        res.on('error', reject);
        res.on('end', () => {
          try {
            const raw = Buffer.concat(chunks);
            const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
            const body = encoding === 'gzip' ? gunzipSync(raw) : encoding === 'deflate' ? inflateSync(raw) : encoding === 'br' ? brotliDecompressSync(raw) : raw;
            const out = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && k !== 'content-length') out.set(k, v);
            const status = res.statusCode ?? 502;
            resolve(new Response(status === 204 || status === 304 ? null : new Uint8Array(body.buffer, body.byteOffset, body.length), { status, headers: out }));
          } catch (e) {
            reject(e);
          }
        });
      });
      req.on('error', reject);
    });
  };
  return get as typeof fetch;
}
