/**
 * Optional bearer tokens for the submission endpoints (docs/log-server.md, "Submissions").
 *
 * The configuration holds only `sha256:<hex>` digests of the accepted tokens, so a leaked config
 * file does not leak a token. A request without `Authorization: Bearer <token>` gets 401
 * UNAUTHORIZED; a token whose digest is not configured gets 403 FORBIDDEN.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { RunproofError } from '../../../src/errors.js';

/** bearerAuth accepts a request whose bearer token hashes to one of `tokenDigests` (32-byte SHA-256). */
export function bearerAuth(tokenDigests: readonly Uint8Array[]): MiddlewareHandler {
  const digests = tokenDigests.map((d) => Buffer.from(d));
  return async function bearerAuth(c, next) {
    const header = c.req.header('authorization');
    if (header === undefined || header === '') {
      c.header('WWW-Authenticate', 'Bearer');
      throw new RunproofError('UNAUTHORIZED', 'this log requires a bearer token (Authorization: Bearer <token>)');
    }
    // The scheme name is case-insensitive and followed by one or more spaces (RFC 9110 §11.1, §11.4).
    const m = /^bearer +([\x21-\x7e]{1,4096})$/i.exec(header);
    if (m === null) {
      c.header('WWW-Authenticate', 'Bearer error="invalid_request"');
      throw new RunproofError('UNAUTHORIZED', 'malformed Authorization header; want "Bearer <token>"');
    }
    const got = createHash('sha256').update(m[1]!, 'utf8').digest();
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(got, d) || ok;
    if (!ok) throw new RunproofError('FORBIDDEN', 'the bearer token is not accepted by this log');
    await next();
  };
}
