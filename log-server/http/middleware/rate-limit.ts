/**
 * Per-client rate limit: a token bucket per client address (docs/log-server.md, "Options"), counting **entries**.
 *
 * Each client may log `ratePerSecond` entries per second on average and up to `burst` at once.
 * The middleware takes one token before the body is read (a request with an empty bucket is
 * refused with 429 RATE_LIMITED and `Retry-After` without reading its body); a batch then takes
 * one more token per further item through {@link chargeEntries} once its item count is known, so
 * five batches of 1,000 cost 5,000 tokens, not five. A batch larger than the burst can never be
 * paid for and is refused with 413 TOO_LARGE.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { RunproofError } from '../../../src/errors.js';

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Sustained entries (or guarded reads) per second per client. */
  ratePerSecond: number;
  /** Bucket size (default: `ratePerSecond`, at least 1). */
  burst?: number;
  /** Clock in ms (default `Date.now`), injectable for tests. */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  /** Last time the bucket was touched, ms. */
  at: number;
}

/**
 * BucketTable holds the buckets in least-recently-used order (a Map keeps insertion order, and a
 * touched bucket is re-inserted). A bucket untouched for `burst / rate` seconds is full again and
 * can be forgotten; those are all at the front, so {@link sweep} stops at the first recent one:
 * each bucket is inserted and deleted once, O(1) amortised per request however many are live.
 */
export class BucketTable {
  private readonly buckets = new Map<string, Bucket>();
  /** Buckets looked at by sweeps so far (the tests check the amortised bound with it). */
  sweepSteps = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** touch refills and returns the bucket of `key` at time `t`, as the most recently used. */
  touch(key: string, t: number): Bucket {
    this.sweep(t);
    let b = this.buckets.get(key);
    if (b === undefined) {
      b = { tokens: this.burst, at: t };
    } else {
      this.buckets.delete(key);
      b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * this.rate);
      b.at = Math.max(b.at, t);
    }
    this.buckets.set(key, b);
    return b;
  }

  /** sweep forgets the least recently used buckets that are full again at time `t`. */
  private sweep(t: number): void {
    const refillMs = (this.burst / this.rate) * 1000;
    for (const [k, b] of this.buckets) {
      this.sweepSteps++;
      if (t - b.at < refillMs) break;
      this.buckets.delete(k);
    }
  }
}

/** clientAddress is the TCP peer address of a request ("unknown" outside a real server). */
export function clientAddress(c: Context): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/** The context key under which the middleware leaves {@link chargeEntries}' charger. */
const CHARGE = 'runproof.rateCharge';

/** A rate limiter: the middleware plus its bucket table. */
export interface RateLimiter {
  middleware: MiddlewareHandler;
  table: BucketTable;
  /**
   * take takes the one token of a single-entry request from client `key` — the peer address, as
   * {@link clientAddress} gives it to the middleware — and tells whether there was one; a refused
   * request takes nothing. For the node:http
   * submit fast path, which leaves a refusal to the middleware.
   */
  take: (key: string) => boolean;
}

function limited(rate: number, tokens: number, need: number): RunproofError {
  const wait = Math.max(1, Math.ceil((need - tokens) / rate));
  return new RunproofError('RATE_LIMITED', `more than ${rate} entries per second from this client`, { evidence: { retryAfterSeconds: wait } });
}

/** rateLimit refuses requests beyond the configured per-client rate with 429 RATE_LIMITED. */
export function rateLimit(opts: RateLimitOptions): RateLimiter {
  const rate = opts.ratePerSecond;
  const burst = Math.max(1, opts.burst ?? rate);
  const now = opts.now ?? Date.now;
  const table = new BucketTable(rate, burst);

  const take = (key: string): boolean => {
    const b = table.touch(key, now());
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  };
  const middleware: MiddlewareHandler = async function rateLimit(c, next) {
    const b = table.touch(clientAddress(c), now());
    if (b.tokens < 1) throw limited(rate, b.tokens, 1);
    b.tokens -= 1;
    const charge = (n: number): void => {
      if (n + 1 > burst) {
        throw new RunproofError('TOO_LARGE', `this log takes at most ${burst} entries per request from one client (--rate); this one has ${n + 1}`, { path: '$.items' });
      }
      const now2 = table.touch(clientAddress(c), now());
      if (now2.tokens < n) throw limited(rate, now2.tokens, n);
      now2.tokens -= n;
    };
    c.set(CHARGE as never, charge as never);
    await next();
  };
  return { middleware, table, take };
}

/**
 * chargeEntries takes `entries - 1` more tokens for a request that logs `entries` entries (the
 * first was taken before the body was read). Without a rate limit it does nothing.
 * @throws RunproofError RATE_LIMITED if the bucket lacks them; TOO_LARGE if they exceed the burst
 */
export function chargeEntries(c: Context, entries: number): void {
  const charge = c.get(CHARGE as never) as ((n: number) => void) | undefined;
  if (charge !== undefined && entries > 1) charge(entries - 1);
}
