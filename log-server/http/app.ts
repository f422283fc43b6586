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
import { resolveSettings, type AppOptions } from './context.js';
import { errorHandler } from './errors.js';
import { bearerAuth } from './middleware/auth.js';
import { rateLimit } from './middleware/rate-limit.js';
import { corsForPublicReads, defaultExplorerDir, explorerRoutes } from './routes/explorer.js';
import { opsRoutes } from './routes/ops.js';
import { queryRoutes } from './routes/query.js';
import { readRoutes } from './routes/read.js';
import { submitRoutes } from './routes/submit.js';

export type { AppOptions, Cosignatures } from './context.js';

/** createApp builds the Hono app serving `opts.log`. */
export function createApp(opts: AppOptions): Hono {
  const s = resolveSettings(opts);
  const app = new Hono();
  const report = opts.logError ?? ((e: unknown) => process.stderr.write(`runproof-log: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`));
  const onError = errorHandler({ onReject: (code) => s.metrics?.rejected(code), onInternal: report });
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
  if (opts.tokenDigests !== undefined && opts.tokenDigests.length > 0) guards.push(bearerAuth(opts.tokenDigests));
  if (opts.ratePerSecond !== undefined && opts.ratePerSecond > 0) {
    guards.push(rateLimit({ ratePerSecond: opts.ratePerSecond, ...(opts.now ? { now: opts.now } : {}) }).middleware);
  }
  const guarded = new Set(opts.guardedReads ?? []);
  if (guarded.has('lookups')) for (const g of guards) app.get('/v1/identities/*', g);
  if (guarded.has('metrics')) for (const g of guards) app.get('/metrics', g);
  readRoutes(app, s);
  submitRoutes(app, s, guards);
  queryRoutes(app, s);
  opsRoutes(app, s);
  explorerRoutes(app, opts.about, opts.explorerDir ?? defaultExplorerDir());
  return app;
}
