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
  const accepts = bearerCheck(tokenDigests);
  return async function bearerAuth(c, next) {
    const refused = accepts(c.req.header('authorization'));
    if (refused !== undefined) {
      if (refused.challenge !== undefined) c.header('WWW-Authenticate', refused.challenge);
      throw refused.error;
    }
    await next();
  };
}

/** Why a bearer token was refused: the error and the `WWW-Authenticate` challenge to send with it, if any. */
export interface Refusal {
  error: RunproofError;
  challenge?: string;
}

/**
 * bearerCheck returns the check behind {@link bearerAuth} on an `Authorization` header value:
 * undefined when accepted, else the refusal (the node:http submit fast path asks it too).
 */
export function bearerCheck(tokenDigests: readonly Uint8Array[]): (header: string | undefined) => Refusal | undefined {
  const digests = tokenDigests.map((d) => Buffer.from(d));
  return (header) => {
    if (header === undefined || header === '') {
      return { challenge: 'Bearer', error: new RunproofError('UNAUTHORIZED', 'this log requires a bearer token (Authorization: Bearer <token>)') };
    }
    // The scheme name is case-insensitive and followed by one or more spaces (RFC 9110 §11.1, §11.4).
    const m = /^bearer +([\x21-\x7e]{1,4096})$/i.exec(header);
    if (m === null) {
      return { challenge: 'Bearer error="invalid_request"', error: new RunproofError('UNAUTHORIZED', 'malformed Authorization header; want "Bearer <token>"') };
    }
    const got = createHash('sha256').update(m[1]!, 'utf8').digest();
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(got, d) || ok;
    return ok ? undefined : { error: new RunproofError('FORBIDDEN', 'the bearer token is not accepted by this log') };
  };
}
