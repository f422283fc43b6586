/**
 * Per-client rate limit for submissions: a token bucket per client address (design §8).
 *
 * Each client may make `ratePerSecond` submissions per second on average and up to `burst` at
 * once. Over the limit the request is refused with 429 RATE_LIMITED and `Retry-After` (whole
 * seconds until one token is back) before its body is read.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { RunproofError } from '../../../src/errors.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Sustained submissions per second per client. */
  ratePerSecond: number;
  /** Bucket size (default: `ratePerSecond`, at least 1). */
  burst?: number;
  /** Clock in ms (default `Date.now`), injectable for tests. */
  now?: () => number;
  /** The client key of a request (default: the peer address, see {@link clientAddress}). */
  clientKey?: (c: Context) => string;
}

/** Bucket states kept before idle (full) buckets are swept. */
const SWEEP_AT = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/** clientAddress is the TCP peer address of a request ("unknown" outside a real server). */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/** rateLimit refuses requests beyond the configured per-client rate with 429 RATE_LIMITED. */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler {
  const rate = opts.ratePerSecond;
  const burst = Math.max(1, opts.burst ?? rate);
  const now = opts.now ?? Date.now;
  const keyOf = opts.clientKey ?? clientAddress;
  const buckets = new Map<string, Bucket>();

  function sweep(t: number): void {
    for (const [k, b] of buckets) if (b.tokens + ((t - b.at) / 1000) * rate >= burst) buckets.delete(k);
  }

  return async function rateLimit(c, next) {
    const t = now();
    const key = keyOf(c);
    let b = buckets.get(key);
    if (b === undefined) {
      if (buckets.size >= SWEEP_AT) sweep(t);
      b = { tokens: burst, at: t };
      buckets.set(key, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + (Math.max(0, t - b.at) / 1000) * rate);
      b.at = t;
    }
    if (b.tokens < 1) {
      const wait = Math.max(1, Math.ceil((1 - b.tokens) / rate));
      throw new RunproofError('RATE_LIMITED', `more than ${rate} submissions per second from this client`, {
        evidence: { retryAfterSeconds: wait },
      });
    }
    b.tokens -= 1;
    await next();
  };
}
