/**
 * The log explorer (explorer/, docs/explorer.md) served at `/`, and what it needs from the log:
 * `GET /v1/log` (the log's own key and witnesses — "not independently pinned" in the page) and
 * CORS on the public reads so a copy of the explorer on another origin can read this log.
 *
 * The page is three static files built by `explorer/build.mjs` into `dist/explorer/`, read once
 * and kept in memory. The HTML carries a strict Content-Security-Policy: scripts, styles and
 * connections only from this origin — plus, when the page is opened as `/?log=URL`, connections
 * to that one other origin, so the page can read another log while everything else stays locked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono, MiddlewareHandler } from 'hono';
import { RunproofError } from '../../../src/errors.js';
import type { ExtraFile } from '../../publish/index.js';

/** What `GET /v1/log` answers: the log's origin, verifier key and witnesses. */
export interface LogDescription {
  origin: string;
  vkey: string;
  witnesses: { name: string; vkey: string }[];
}

/** The explorer's files, by request path. */
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/explorer.js': { file: 'explorer.js', type: 'text/javascript; charset=utf-8' },
  '/explorer.css': { file: 'explorer.css', type: 'text/css; charset=utf-8' },
};

/** Paths whose GET answers any origin may read (public, read-only, no credentials). */
const PUBLIC_READ = /^\/(checkpoint$|tile\/|v1\/identities\/|v1\/proofs\/consistency$|v1\/log$)/;

/**
 * explorerCsp is the Content-Security-Policy of the page: nothing but this origin, except
 * `connect-src` for the origin of `log` when it is an http(s) URL without credentials.
 */
export function explorerCsp(log: string | undefined): string {
  let extra = '';
  if (log !== undefined) {
    try {
      const u = new URL(log);
      if ((u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '') extra = ` ${u.origin}`;
    } catch {
      // not a URL: the page will say it cannot read it
    }
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self'${extra}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * defaultExplorerDir finds the built explorer: `dist/explorer` next to the built server, or,
 * when the server runs from its TypeScript sources (tests), the repository's `dist/explorer`.
 */
export function defaultExplorerDir(): string {
  const up = join(new URL('.', import.meta.url).pathname, '..', '..', '..');
  const besideBuild = join(up, 'explorer', 'explorer.js');
  return existsSync(besideBuild) ? join(up, 'explorer') : join(up, 'dist', 'explorer');
}

/** corsForPublicReads lets any origin read the public GET answers (and their errors). */
export function corsForPublicReads(): MiddlewareHandler {
  return async function corsForPublicReads(c, next) {
    await next();
    if (c.req.method === 'GET' && PUBLIC_READ.test(c.req.path)) c.res.headers.set('Access-Control-Allow-Origin', '*');
  };
}

/**
 * explorerFiles lists what a static mirror needs for the explorer (`--publish-dir`, `--publish-s3`,
 * `runproof-log publish`): the three built files, and `v1/log` so the mirror's page finds the log's
 * key as the live log serves it. Nothing of the explorer when it is not built.
 */
export function explorerFiles(about: LogDescription | undefined, dir = defaultExplorerDir()): ExtraFile[] {
  const out: ExtraFile[] = [];
  for (const [path, { file, type }] of Object.entries(FILES)) {
    if (path === '/') continue;
    try {
      out.push({ path: path.slice(1), bytes: new Uint8Array(readFileSync(join(dir, file))), contentType: type });
    } catch {
      return about === undefined ? [] : [describeFile(about)];
    }
  }
  if (about !== undefined) out.push(describeFile(about));
  return out;
}

function describeFile(about: LogDescription): ExtraFile {
  return { path: 'v1/log', bytes: new TextEncoder().encode(JSON.stringify(about)), contentType: 'application/json' };
}

/** explorerRoutes adds `GET /v1/log` and the explorer's files (404 with a hint if not built). */
export function explorerRoutes(app: Hono, about: LogDescription | undefined, dir: string): void {
  app.get('/v1/log', (c) => {
    if (about === undefined) throw new RunproofError('NOT_FOUND', 'this log does not describe itself');
    return c.json(about, 200, { 'Cache-Control': 'no-cache' });
  });
  const cache = new Map<string, Uint8Array>();
  for (const [path, { file, type }] of Object.entries(FILES)) {
    app.get(path, (c) => {
      let body = cache.get(file);
      if (body === undefined) {
        try {
          body = new Uint8Array(readFileSync(join(dir, file)));
        } catch {
          throw new RunproofError('NOT_FOUND', 'the explorer is not built (npm run build writes dist/explorer/)');
        }
        cache.set(file, body);
      }
      const headers: Record<string, string> = { 'Content-Type': type, 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
      if (file === 'index.html') {
        const logs = c.req.queries('log');
        headers['Content-Security-Policy'] = explorerCsp(logs?.length === 1 ? logs[0] : undefined);
      }
      return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
    });
  }
}
