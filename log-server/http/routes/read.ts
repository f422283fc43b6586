/**
 * The read side, exactly as c2sp.org/tlog-tiles serves it, so any tlog client can read the log:
 * `GET /checkpoint`, `GET /tile/<L>/<N>[.p/<W>]` and `GET /tile/entries/<N>[.p/<W>]`.
 *
 * {@link readResource} is the one implementation; the Hono routes below serve it, and so does the
 * node:http fast path in front of Hono (`../fast-reads.ts`) for the requests that succeed.
 */
import { gzipSync } from 'node:zlib';
import type { Hono } from 'hono';
import { RunproofError } from '../../../src/errors.js';
import { parseTilePath, TILE_WIDTH } from '../../../src/merkle/tiles.js';
import { FULL_BUNDLE, FULL_TILE } from '../../storage/right-edge.js';
import type { MaybePromise } from '../../log.js';
import type { AppSettings } from '../context.js';

/** Cache-Control of full tiles and bundles: their bytes never change (tlog-tiles "immutable"). */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Cache-Control of partial tiles: also fixed bytes, but superseded by the full tile soon. */
export const PARTIAL = 'public, max-age=60';

/** Any origin may read the tlog-tiles resources (public, read-only, no credentials): explorers elsewhere. */
const PUBLIC = { 'Access-Control-Allow-Origin': '*' } as const;

/** rawPath is the request path exactly as sent (no percent-decoding), without the query. */
export function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  if (start < 0) return '/';
  const q = url.indexOf('?', start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}

/** acceptsGzip tells whether an Accept-Encoding header allows gzip (RFC 9110 §12.5.3; q=0 refuses). */
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const item of header.split(',')) {
    const [coding, ...params] = item.split(';');
    if (coding!.trim().toLowerCase() !== 'gzip') continue;
    return !params.some((p) => /^\s*q\s*=\s*0(\.0{0,3})?\s*$/i.test(p));
  }
  return false;
}

/** A read answer: always status 200; failures are thrown. */
export interface ReadAnswer {
  body: string | Uint8Array;
  /** Content-Length included when it is known in advance (full tiles and bundles); frozen when shared. */
  headers: Readonly<Record<string, string>>;
}

/**
 * readResource answers `GET <path>` for `/checkpoint` and `/tile/…` (path as sent, no query):
 * synchronously when the blob is in memory or the storage reads synchronously, else a promise.
 * @throws RunproofError NOT_FOUND (beyond the tree, or not a read path); MALFORMED_REQUEST (bad tile path)
 */
export function readResource(s: AppSettings, path: string, acceptEncoding: string | undefined): MaybePromise<ReadAnswer> {
  // tlog-tiles "Checkpoints": text/plain; charset=utf-8, "headers SHOULD prevent caching beyond
  // a few seconds"; carries the log signature and the witness cosignatures gathered so far.
  if (path === '/checkpoint') {
    return { body: s.cosign(s.log.latest().signed), headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', ...PUBLIC } };
  }
  if (!path.startsWith('/tile/')) throw new RunproofError('NOT_FOUND', 'no such endpoint; see /openapi.json');
  // tlog-tiles "Merkle Tree" and "Log entries": application/octet-stream, long-lived caching.
  const info = parseTilePath(path.slice(1));
  const read = info.kind === 'hash' ? s.log.readTile(info.tile) : s.log.readEntries(info.index, info.width);
  const width = info.kind === 'hash' ? info.tile.width : info.width;
  const answer = (data: Uint8Array | undefined) => tileAnswer(data, path, info.kind === 'entries', width === TILE_WIDTH, acceptEncoding, s.log.size);
  return read instanceof Promise ? read.then(answer) : answer(read);
}

/** Headers of a tile or bundle answer, without Content-Length (tlog-tiles: octet-stream; bundles vary by Accept-Encoding). */
function blobHeaders(full: boolean, bundle: boolean, gzip: boolean): Record<string, string> {
  return {
    'Content-Type': 'application/octet-stream',
    'Cache-Control': full ? IMMUTABLE : PARTIAL,
    ...PUBLIC,
    ...(bundle ? { Vary: 'Accept-Encoding' } : {}),
    ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
  };
}

/**
 * The headers of the reads answered most (full tiles, full bundles not gzipped), made once with
 * their Content-Length: a read then allocates no header object (frozen: answers share them).
 */
const FULL_TILE_HEADERS = Object.freeze({ ...blobHeaders(true, false, false), 'Content-Length': String(FULL_TILE) });
const FULL_BUNDLE_HEADERS = Object.freeze({ ...blobHeaders(true, true, false), 'Content-Length': String(FULL_BUNDLE) });

/** tileAnswer is the answer carrying a tile or bundle read (undefined: beyond the tree). */
function tileAnswer(data: Uint8Array | undefined, path: string, bundle: boolean, full: boolean, acceptEncoding: string | undefined, size: number): ReadAnswer {
  if (data === undefined) throw new RunproofError('NOT_FOUND', `${path.slice(1)} is beyond the tree (size ${size})`);
  // tlog-tiles "Log entries": bundles SHOULD be compressed at the HTTP layer; we gzip when asked.
  if (bundle && acceptsGzip(acceptEncoding)) return { body: gzipSync(data), headers: blobHeaders(full, true, true) };
  if (full) return { body: data, headers: bundle ? FULL_BUNDLE_HEADERS : FULL_TILE_HEADERS };
  return { body: data, headers: blobHeaders(false, bundle, false) };
}

/** readRoutes adds the tlog-tiles endpoints. */
export function readRoutes(app: Hono, s: AppSettings): void {
  app.get('/checkpoint', async (c) => {
    const { body, headers } = await readResource(s, '/checkpoint', undefined);
    return c.body(body as string, 200, headers);
  });
  app.get('/tile/*', async (c) => {
    const { body, headers } = await readResource(s, rawPath(c.req.url), c.req.header('accept-encoding'));
    return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
  });
}
