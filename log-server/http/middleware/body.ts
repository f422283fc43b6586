/**
 * Reading request bodies under limits (design §8): the media type is checked from the headers
 * (415 UNSUPPORTED_MEDIA_TYPE) and the size while reading (413 TOO_LARGE), both before any
 * parsing, so an oversized or mistyped body never reaches the parser or storage.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
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

/** limitBody refuses bodies over `maxBytes` with 413 TOO_LARGE, counting while it reads. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new RunproofError('TOO_LARGE', `request body is larger than ${maxBytes} bytes`);
    },
  });
}

/** readBody returns the request body bytes (after {@link limitBody} has bounded them). */
export async function readBody(c: Context): Promise<Uint8Array> {
  return new Uint8Array(await c.req.arrayBuffer());
}
