/**
 * A minimal GET over node:http / node:https with keep-alive, for the `runproof audit` command
 * ({@link GetBytes} for LogClient): a full audit makes two requests per 256 entries, and the
 * global (undici) fetch costs about twice the CPU per small response, plus the Response,
 * Headers, AbortSignal and stream objects reading it builds. This hands back the body in one
 * piece, decoded per Content-Encoding (gzip, deflate, br) as fetch does. Node-only, so not part
 * of the library entry.
 */
import http from 'node:http';
import https from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { RunproofError } from '../../src/errors.js';
import type { GetBytes } from '../log-client.js';

/** The largest compressed body accepted before decoding (a full entry bundle is at most ~16 MiB). */
const MAX_BODY = 32 * 1024 * 1024;

/** nodeGet returns a GetBytes with its own keep-alive agents of `maxSockets` connections. */
export function nodeGet(maxSockets: number): GetBytes {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets }),
    'https:': new https.Agent({ keepAlive: true, maxSockets }),
  };
  return (input, { headers, timeoutMs, maxBytes }) => {
    const url = new URL(input);
    const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (lib === undefined) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
    return new Promise((resolve, reject) => {
      const tooLarge = () => new RunproofError('TOO_LARGE', `GET ${input}: answer is larger than ${maxBytes} bytes`, { evidence: { url: input } });
      const req = lib.get(url, { agent: agents[url.protocol as 'http:' | 'https:'], headers }, (res) => {
        const status = res.statusCode ?? 502;
        if (status !== 200) {
          res.resume();
          res.on('end', () => done(() => resolve({ status, body: new Uint8Array(0) })));
          return;
        }
        const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
        const identity = encoding === '' || encoding === 'identity';
        const limit = identity ? maxBytes : MAX_BODY;
        if (identity && Number(res.headers['content-length'] ?? 0) > limit) {
          res.destroy();
          done(() => reject(tooLarge()));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (d: Buffer) => {
          size += d.length;
          if (size > limit) {
            res.destroy();
            done(() => reject(tooLarge()));
          } else chunks.push(d);
        });
        res.on('error', (e) => done(() => reject(e)));
        res.on('end', () =>
          done(() => {
            try {
              const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
              // Decoded output is capped too: a small compressed body can expand to gigabytes.
              const cap = { maxOutputLength: maxBytes };
              const body = identity ? raw : encoding === 'gzip' ? gunzipSync(raw, cap) : encoding === 'deflate' ? inflateSync(raw, cap) : encoding === 'br' ? brotliDecompressSync(raw, cap) : raw;
              resolve({ status, body: new Uint8Array(body.buffer, body.byteOffset, body.length) });
            } catch (e) {
              reject((e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' ? tooLarge() : e);
            }
          }),
        );
      });
      // The whole exchange, body included, within timeoutMs (as AbortSignal.timeout with fetch).
      const timer = setTimeout(() => {
        const e = new Error(`no complete answer within ${timeoutMs} ms`);
        e.name = 'TimeoutError';
        req.destroy(e);
      }, timeoutMs);
      let settled = false;
      const done = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      req.on('error', (e) => done(() => reject(e)));
    });
  };
}
