/**
 * Reading request bodies under limits (docs/log-server.md, "Options" and "Errors"): the media type is checked from the headers
 * (415 UNSUPPORTED_MEDIA_TYPE) and the size from Content-Length or while reading (413
 * TOO_LARGE), both before any parsing, so an oversized or mistyped body never reaches the
 * parser or storage.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { readStreamLimited } from '../../../node-shared/read-stream.js';
import { RunproofError } from '../../../src/errors.js';

/** requireJson refuses a request whose Content-Type is not `application/json` (parameters allowed). */
export function requireJson(): MiddlewareHandler {
  return async function requireJson(c, next) {
    const type = c.req.header('content-type');
    if (type === undefined || !isJsonMediaType(type)) {
      throw new RunproofError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got ${JSON.stringify((type ?? '').slice(0, 100))}`);
    }
    await next();
  };
}

/** isJsonMediaType accepts `application/json` with optional parameters, where a charset must be UTF-8. */
export function isJsonMediaType(header: string): boolean {
  const [type, ...params] = header.split(';');
  if (type!.trim().toLowerCase() !== 'application/json') return false;
  for (const p of params) {
    const [k, v] = p.split('=', 2);
    if (k!.trim().toLowerCase() === 'charset' && (v ?? '').trim().replace(/^"|"$/g, '').toLowerCase() !== 'utf-8') return false;
  }
  return true;
}

/**
 * readBody reads the request body, refusing more than `maxBytes` with 413 TOO_LARGE before
 * reading it when Content-Length says so, and while reading otherwise (chunked uploads).
 *
 * With a Content-Length the body is read by @hono/node-server's direct path (Node's parser
 * delivers exactly that many bytes); touching `c.req.raw.body` would build a WHATWG stream and
 * an undici Request for every submission, which costs more than the rest of the request.
 */
export async function readBody(c: Context, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () => new RunproofError('TOO_LARGE', `request body is larger than ${maxBytes} bytes`);
  const length = c.req.header('content-length');
  try {
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (!/^[0-9]{1,16}$/.test(length)) throw new RunproofError('MALFORMED_REQUEST', 'bad Content-Length header');
      if (Number(length) > maxBytes) throw tooLarge();
      return new Uint8Array(await c.req.arrayBuffer());
    }
    const body = c.req.raw.body;
    if (body === null) return new Uint8Array(0);
    return await readStreamLimited(body, maxBytes, tooLarge);
  } catch (e) {
    throw e instanceof RunproofError ? e : bodyCutShort(e);
  }
}

/**
 * bodyCutShort is the error for a request body that failed while it was being read: the client
 * went away or stalled until --body-timeout cut it. It is the client's doing, not a bug in the
 * log, so it is a 400 (counted under its code) rather than a 500 reported with its stack:
 * otherwise anyone could fill the operator's error log by hanging up mid-body.
 */
export function bodyCutShort(cause: unknown): RunproofError {
  return new RunproofError('MALFORMED_REQUEST', 'the request body ended before it was complete (client gone, or cut by --body-timeout)', { cause });
}
