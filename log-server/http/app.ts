/**
 * The log's HTTP API as a Hono app (docs/log-server.md, "HTTP API"). Routes are thin: parse input, call the log, map
 * the result. Errors are thrown and turned into responses in one place (`./errors.ts`).
 *
 * @example
 * const app = createApp({ log, metrics });
 * const res = await app.request('/checkpoint');
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { RunproofError } from '../../src/errors.js';
import { resolveSettings, type AppOptions, type AppSettings } from './context.js';
import { errorAnswer, errorHandler, type ErrorAnswer } from './errors.js';
import { bearerAuth, bearerCheck } from './middleware/auth.js';
import { rateLimit } from './middleware/rate-limit.js';
import { corsForPublicReads, defaultExplorerDir, explorerRoutes } from './routes/explorer.js';
import { opsRoutes } from './routes/ops.js';
import { queryRoutes } from './routes/query.js';
import { readRoutes } from './routes/read.js';
import { submitRoutes } from './routes/submit.js';

export type { AppOptions, Cosignatures } from './context.js';

/** createApp builds the Hono app serving `opts.log`. */
export function createApp(opts: AppOptions): Hono {
  return createAppParts(opts).app;
}

/**
 * What a node:http fast path in front of the app (./fast-submit.ts) shares with it: the same
 * settings (one body budget), the same guards (one rate bucket per client) and the one error
 * mapping, reported the same way.
 */
export interface AppParts {
  app: Hono;
  settings: AppSettings;
  /** True when the `Authorization` header passes the bearer check (always, without tokens). */
  authorized: (authorization: string | undefined) => boolean;
  /** Takes one rate token of a client address (always true without a rate); false when it has none. */
  take: (clientKey: string) => boolean;
  /** The answer to a thrown value, counted in the metrics and reported as the app's errors are. */
  answerError: (e: unknown) => ErrorAnswer;
}

/** createAppParts builds the Hono app and the parts a fast path shares with it (see {@link AppParts}). */
export function createAppParts(opts: AppOptions): AppParts {
  const s = resolveSettings(opts);
  const app = new Hono();
  const report = opts.logError ?? ((e: unknown) => process.stderr.write(`runproof-log: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`));
  const reporting = { onReject: (code: string) => s.metrics?.rejected(code), onInternal: report };
  const onError = errorHandler(reporting);
  app.onError(onError);
  app.notFound((c) => onError(new RunproofError('NOT_FOUND', 'no such endpoint; see /openapi.json'), c));

  const accepting = opts.accepting;
  if (accepting !== undefined) {
    app.use(async function stopping(c, next) {
      if (accepting()) return next();
      c.header('Connection', 'close');
      throw new RunproofError('UNAVAILABLE', 'the log server is shutting down');
    });
  }

  app.use(corsForPublicReads());

  // Submissions always pass these; the reads in `guardedReads` too (one bucket per client for all).
  const guards: MiddlewareHandler[] = [];
  let authorized: AppParts['authorized'] = () => true;
  let take: AppParts['take'] = () => true;
  if (opts.tokenDigests !== undefined && opts.tokenDigests.length > 0) {
    guards.push(bearerAuth(opts.tokenDigests));
    const check = bearerCheck(opts.tokenDigests);
    authorized = (header) => check(header) === undefined;
  }
  if (opts.ratePerSecond !== undefined && opts.ratePerSecond > 0) {
    const limiter = rateLimit({ ratePerSecond: opts.ratePerSecond, ...(opts.now ? { now: opts.now } : {}) });
    guards.push(limiter.middleware);
    take = limiter.take;
  }
  const guarded = new Set(opts.guardedReads ?? []);
  if (guarded.has('lookups')) for (const g of guards) app.get('/v1/identities/*', g);
  if (guarded.has('metrics')) for (const g of guards) app.get('/metrics', g);
  readRoutes(app, s);
  submitRoutes(app, s, guards);
  queryRoutes(app, s);
  opsRoutes(app, s);
  explorerRoutes(app, opts.about, opts.explorerDir ?? defaultExplorerDir());
  return { app, settings: s, authorized, take, answerError: (e) => errorAnswer(e, reporting) };
}
