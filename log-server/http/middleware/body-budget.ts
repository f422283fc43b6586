/**
 * A cap on the request-body bytes held across all requests in flight (issue #11: 400 stalled
 * 1 MiB uploads held ~300 MB until Node's five-minute request timeout). Before a body is read,
 * its size — the Content-Length, or the largest allowed body when it is chunked — is reserved
 * from one shared budget and given back when the request is answered. A request that does not
 * fit is refused at once with 503 UNAVAILABLE and `Retry-After`, its body never read; a body
 * larger than the per-request limit is still a 413 from `readBody`.
 */
import type { MiddlewareHandler } from 'hono';
import { RunproofError } from '../../../src/errors.js';

/** BodyBudget counts the body bytes reserved by requests in flight. */
export class BodyBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  /** inUse is the number of bytes reserved right now. */
  get inUse(): number {
    return this.used;
  }

  /** reserve takes `n` bytes if they fit and tells whether they did. */
  reserve(n: number): boolean {
    if (this.used + n > this.limitBytes) return false;
    this.used += n;
    return true;
  }

  /** release gives back bytes taken by {@link reserve}. */
  release(n: number): void {
    this.used -= n;
    if (this.used < 0) throw new Error('body-budget: released more than reserved');
  }
}

/**
 * bodyBudget reserves each request's body size from `budget` for the life of the request.
 * A Content-Length over `maxBodyBytes` is left to `readBody` (413) and reserves nothing.
 */
export function bodyBudget(budget: BodyBudget, maxBodyBytes: number): MiddlewareHandler {
  return async function bodyBudget(c, next) {
    const length = c.req.header('content-length');
    const declared = length !== undefined && c.req.header('transfer-encoding') === undefined && /^[0-9]{1,16}$/.test(length) ? Number(length) : undefined;
    if (declared !== undefined && declared > maxBodyBytes) return next();
    const n = declared ?? maxBodyBytes;
    if (!budget.reserve(n)) {
      c.header('Connection', 'close');
      throw new RunproofError('UNAVAILABLE', `the log is reading too many request bodies at once (${budget.limitBytes} bytes); retry shortly`, {
        evidence: { retryAfterSeconds: 1 },
      });
    }
    try {
      await next();
    } finally {
      budget.release(n);
    }
  };
}
