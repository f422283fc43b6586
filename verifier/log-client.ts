/**
 * A read-only client for a C2SP tlog-tiles log (c2sp.org/tlog-tiles "APIs"): the checkpoint,
 * hash tiles and entry bundles, over the global `fetch` (Node 20 and browsers), nothing Node-only.
 *
 * Nothing fetched here is trusted: a checkpoint must be opened with the log key, and every hash
 * computed from tiles must be checked against a signed root. The client only enforces the shape
 * the spec promises (a tile of width W is exactly W·32 bytes; a bundle parses to W entries).
 */
import { readFromLog, RunproofError } from '../src/errors.js';
import { decodeUtf8 } from '../src/encoding/utf8.js';
import { type Hash, HASH_SIZE } from '../src/merkle/hash.js';
import type { AsyncHashReader } from '../src/merkle/tree.js';
import { type Tile, TILE_WIDTH, asyncTileReader, entriesPath, tilePath } from '../src/merkle/tiles.js';
import { MAX_BUNDLE_ENTRY } from '../src/merkle/bundle.js';
import { readLimited } from '../node-shared/read-limited.js';

export type { Hash };

/** Options for a {@link LogClient}. */
export interface LogClientOptions {
  /** The fetch implementation (default: the global `fetch`). */
  fetch?: typeof fetch;
  /** Per-request timeout in milliseconds (default 30 s). */
  timeoutMs?: number;
  /**
   * Ask for gzip-compressed answers (default true). An entry bundle of 41-byte entries is mostly
   * SHA-256 identities and compresses by only ≈ 20%, while compressing costs the log and
   * decompressing costs the client CPU; a full audit on a fast link is faster without it.
   * Bundles stored and served as raw .gz bytes are decoded either way.
   */
  gzip?: boolean;
  /**
   * A GET that hands back the whole (decoded) body at once, used instead of `fetch` when given
   * (verifier/audit/pipelined-get.ts): it skips the Response, Headers and stream objects `fetch`
   * builds per request, which cost a full audit tens of µs per tile. It must reject on network
   * failures and, after `timeoutMs`, with an error named `TimeoutError`.
   */
  getBytes?: GetBytes;
}

/** A GET returning the status and the body decoded per Content-Encoding (see {@link LogClientOptions.getBytes}). */
export type GetBytes = (url: string, init: { headers: Record<string, string>; timeoutMs: number; maxBytes: number }) => Promise<{ status: number; body: Uint8Array }>;

/** The largest checkpoint accepted, in bytes (the signed-note limit). */
const MAX_CHECKPOINT_BYTES = 1_000_000;
/** The largest entry bundle accepted: 256 entries of at most 65535 bytes with their prefixes. */
const MAX_BUNDLE_BYTES = TILE_WIDTH * (2 + MAX_BUNDLE_ENTRY);
/** Attempts per request when no answer arrives at all. */
const FETCH_ATTEMPTS = 3;
/** The most tiles a client keeps in its cache (about 8 MiB of full tiles). */
const TILE_CACHE_LIMIT = 1024;

/**
 * LogClient reads a tlog-tiles log at `baseUrl` (the log's URL prefix).
 * Network failures throw `UNREACHABLE`, a 404 throws `NOT_FOUND`, 429/5xx throw `UNAVAILABLE`,
 * each naming the URL.
 */
export class LogClient {
  /** The URL prefix, without a trailing slash. */
  readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly acceptEncoding: string;
  private readonly getBytes: GetBytes | undefined;
  private readonly tileCache = new Map<string, Promise<Uint8Array>>();

  constructor(baseUrl: string, opts: LogClientOptions = {}) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch (cause) {
      throw new RunproofError('MALFORMED_REQUEST', `log URL ${JSON.stringify(baseUrl)} is not a URL`, { cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RunproofError('MALFORMED_REQUEST', `log URL ${JSON.stringify(baseUrl)} must be http or https`);
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.acceptEncoding = opts.gzip === false ? 'identity' : 'gzip, identity';
    this.getBytes = opts.getBytes;
  }

  /** url returns the absolute URL of a path under the log prefix. */
  url(path: string): string {
    return `${this.baseUrl}/${path}`;
  }

  /** checkpoint fetches the latest signed checkpoint note, as text (not yet verified). */
  async checkpoint(): Promise<string> {
    const url = this.url('checkpoint');
    return readFromLog(async () => decodeUtf8(await this.get(url, MAX_CHECKPOINT_BYTES), `checkpoint from ${url}`));
  }

  /**
   * tile fetches a hash tile: exactly `width`·32 bytes. If a partial tile is gone (404), the full
   * tile is fetched and its prefix used (c2sp.org/tlog-tiles "Partial Tiles": logs MAY delete a
   * partial tile once the full one exists; its first W hashes are the same).
   */
  tile(tile: Tile): Promise<Uint8Array> {
    return readFromLog(() => this.readTile(tile));
  }

  private async readTile(tile: Tile): Promise<Uint8Array> {
    const want = tile.width * HASH_SIZE;
    const path = tilePath(tile);
    let url = this.url(path);
    let data: Uint8Array;
    try {
      data = await this.get(url, want);
    } catch (e) {
      if (tile.width === TILE_WIDTH || !(e instanceof RunproofError && e.code === 'NOT_FOUND')) throw e;
      url = this.url(tilePath({ ...tile, width: TILE_WIDTH }));
      data = (await this.get(url, TILE_WIDTH * HASH_SIZE)).subarray(0, want);
      if (data.length < want) throw wrongSize(url, data.length, TILE_WIDTH * HASH_SIZE);
      return data;
    }
    if (data.length !== want) throw wrongSize(url, data.length, want);
    return data;
  }

  /**
   * entries fetches entry bundle `index` holding `width` entries, gzip-decoded if it arrives
   * compressed. A partial bundle that is gone (404) is replaced by the prefix of the full one.
   * The bytes are not parsed here beyond what the fallback needs.
   */
  entries(index: number, width: number): Promise<Uint8Array> {
    return readFromLog(() => this.readEntries(index, width));
  }

  private async readEntries(index: number, width: number): Promise<Uint8Array> {
    const url = this.url(entriesPath(index, width));
    try {
      return await this.bundle(url);
    } catch (e) {
      if (width === TILE_WIDTH || !(e instanceof RunproofError && e.code === 'NOT_FOUND')) throw e;
      const fullUrl = this.url(entriesPath(index, TILE_WIDTH));
      const full = await this.bundle(fullUrl);
      return bundlePrefix(full, width, fullUrl);
    }
  }

  /**
   * hashReader returns an {@link AsyncHashReader} over this log's tiles for a tree of `size`
   * leaves (tile widths follow from the size, c2sp.org/tlog-tiles). Tiles are cached across
   * calls; full tiles never change, partial ones are keyed by their width.
   */
  hashReader(size: number): AsyncHashReader {
    return asyncTileReader(size, (t) => this.cachedTile(t));
  }

  /**
   * forgetTiles empties the tile cache. Cached tiles are unverified: after a proof built from
   * them failed, call this so the next attempt fetches them again instead of failing forever on
   * one corrupted answer.
   */
  forgetTiles(): void {
    this.tileCache.clear();
  }

  private cachedTile(tile: Tile): Promise<Uint8Array> {
    const key = tilePath(tile);
    let p = this.tileCache.get(key);
    if (p === undefined) {
      if (this.tileCache.size >= TILE_CACHE_LIMIT) this.tileCache.clear();
      p = this.tile(tile);
      this.tileCache.set(key, p);
      p.catch(() => this.tileCache.delete(key));
    }
    return p;
  }

  private async bundle(url: string): Promise<Uint8Array> {
    const raw = await this.get(url, MAX_BUNDLE_BYTES);
    return isGzip(raw) ? gunzip(raw, url) : raw;
  }

  /**
   * get fetches `url` and returns its body, refusing more than `maxBytes`. A failure before any
   * answer is retried (GET is idempotent; a kept-alive connection the server has just closed
   * fails exactly like this).
   */
  private async get(url: string, maxBytes: number): Promise<Uint8Array> {
    if (this.getBytes !== undefined) return this.getWith(this.getBytes, url, maxBytes);
    let res: Response | undefined;
    for (let attempt = 1; res === undefined; attempt++) {
      try {
        res = await this.fetchFn(url, {
          headers: { 'Accept-Encoding': this.acceptEncoding },
          signal: AbortSignal.timeout(this.timeoutMs),
          // One policy for every command (the audit's reader never follows them either): a
          // redirect is an answer other than 200, so a log cannot send a client to another host.
          redirect: 'manual',
        });
      } catch (cause) {
        if (attempt < FETCH_ATTEMPTS && !(cause instanceof Error && cause.name === 'TimeoutError')) continue;
        throw new RunproofError('UNREACHABLE', `GET ${url}: ${describeFailure(cause)}`, { cause, evidence: { url } });
      }
    }
    if (res.status === 404) {
      await res.body?.cancel();
      throw new RunproofError('NOT_FOUND', `GET ${url}: 404 Not Found`, { evidence: { url } });
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      checkStatus(res.status, url);
    }
    try {
      return await readLimited(res, maxBytes, `GET ${url}`, url);
    } catch (cause) {
      if (cause instanceof RunproofError) throw cause;
      throw new RunproofError('UNREACHABLE', `GET ${url}: ${describeFailure(cause)}`, { cause, evidence: { url } });
    }
  }

  /** getWith is {@link get} over a {@link GetBytes}: the same retries, errors and size limit. */
  private async getWith(getBytes: GetBytes, url: string, maxBytes: number): Promise<Uint8Array> {
    let res: { status: number; body: Uint8Array } | undefined;
    for (let attempt = 1; res === undefined; attempt++) {
      try {
        res = await getBytes(url, { headers: { 'Accept-Encoding': this.acceptEncoding }, timeoutMs: this.timeoutMs, maxBytes });
      } catch (cause) {
        if (cause instanceof RunproofError) throw cause;
        if (attempt < FETCH_ATTEMPTS && !(cause instanceof Error && cause.name === 'TimeoutError')) continue;
        throw new RunproofError('UNREACHABLE', `GET ${url}: ${describeFailure(cause)}`, { cause, evidence: { url } });
      }
    }
    checkStatus(res.status, url);
    if (res.body.length > maxBytes) throw new RunproofError('TOO_LARGE', `GET ${url}: answer is larger than ${maxBytes} bytes`, { evidence: { url } });
    return res.body;
  }
}

/** checkStatus throws for a 404 or any other status than 200, as `fetch` answers are handled. */
function checkStatus(status: number, url: string): void {
  if (status === 404) throw new RunproofError('NOT_FOUND', `GET ${url}: 404 Not Found`, { evidence: { url } });
  if (status !== 200) {
    const code = status === 429 || status >= 500 ? 'UNAVAILABLE' : 'UNREACHABLE';
    throw new RunproofError(code, `GET ${url}: HTTP ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`, { evidence: { url, status } });
  }
}

/** describeFailure names a fetch failure, including undici's underlying cause ("fetch failed" alone says nothing). */
function describeFailure(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const inner = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message}${inner}`;
}

function wrongSize(url: string, got: number, want: number): RunproofError {
  return new RunproofError('MALFORMED_ENCODING', `GET ${url}: tile is ${got} bytes, want ${want}`, {
    evidence: { url, length: got, want },
  });
}

/**
 * isGzip tells whether bytes start with the gzip magic and the deflate method (RFC 1952 §2.3.1).
 * `fetch` already undoes `Content-Encoding: gzip`; this catches bundles stored and served as
 * .gz files without that header.
 */
function isGzip(b: Uint8Array): boolean {
  return b.length >= 18 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08;
}

/**
 * gunzip decompresses with the standard `DecompressionStream`. A raw bundle can in principle
 * start with the gzip magic (a first entry of 8075 bytes starting with 0x08); if the bytes do
 * not decompress they are returned unchanged — they are checked against the hash tiles anyway.
 */
async function gunzip(bytes: Uint8Array, url: string): Promise<Uint8Array> {
  try {
    const source = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes);
        c.close();
      },
    });
    const stream = source.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
    const out = await readLimited(new Response(stream), MAX_BUNDLE_BYTES, `GET ${url}`, url);
    return out;
  } catch (e) {
    if (e instanceof RunproofError) throw e;
    return bytes;
  }
}

/** bundlePrefix returns the bytes of the first `count` entries of a bundle. */
function bundlePrefix(bundle: Uint8Array, count: number, url: string): Uint8Array {
  let o = 0;
  for (let i = 0; i < count; i++) {
    if (o + 2 > bundle.length) {
      throw new RunproofError('MALFORMED_ENTRY', `GET ${url}: bundle has fewer than ${count} entries`, { evidence: { url, offset: o } });
    }
    o += 2 + bundle[o]! * 256 + bundle[o + 1]!;
  }
  if (o > bundle.length) {
    throw new RunproofError('MALFORMED_ENTRY', `GET ${url}: entry ${count - 1} is truncated`, { evidence: { url, offset: o } });
  }
  return bundle.subarray(0, o);
}
