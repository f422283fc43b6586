/**
 * The log's published tiles and bundles in memory: the right edge (the sequencer's published
 * `RightEdge`), a small cache of full blobs (immutable, so a cache of them is always correct),
 * and reads of the rest from the storage backend.
 *
 * Reads are synchronous, because the proof code (./node-hashes.ts) is: a backend that answers a
 * read with a promise (PostgreSQL) makes {@link BlobCache.blob} throw {@link BlobMiss}, and the
 * caller ({@link settle}) waits for the blob to arrive in the cache and runs its computation
 * again. A synchronous backend (SQLite) never causes a miss.
 */
import { TILE_WIDTH } from '../src/merkle/tiles.js';
import { ENTRY_SIZE } from '../src/note/entry.js';
import type { LogBackend, MaybePromise } from './storage/backend.js';
import { BUNDLE_RECORD, FULL_BUNDLE, FULL_TILE, type RightEdge } from './storage/right-edge.js';

/** Full tiles and bundles cached. */
const CACHE_BLOBS = 256;
/** Level-0 tiles and bundles cached: those of the most recent this-many full tiles. */
const RECENT_BLOBS = 128;
/** Most misses one computation may take before it is given up as a bug (a proof needs about one per level). */
const MAX_MISSES = 64;

/** BlobMiss is thrown by a synchronous read whose blob the backend gives only asynchronously; `loaded` resolves once it is cached. */
export class BlobMiss {
  constructor(readonly loaded: Promise<void>) {}
}

/**
 * settle runs `compute`; if it needs a blob that is still being read ({@link BlobMiss}), it
 * waits for that blob and runs `compute` again. Synchronous when nothing missed.
 */
export function settle<T>(compute: () => T, misses = 0): MaybePromise<T> {
  try {
    return compute();
  } catch (e) {
    if (!(e instanceof BlobMiss)) throw e;
    if (misses >= MAX_MISSES) throw new Error(`storage: a read missed the blob cache ${misses} times`);
    return e.loaded.then(() => settle(compute, misses + 1));
  }
}

/** blobKey numbers a tile (level ≥ 0) or bundle ('entries') blob for the cache: index·8 + kind (tile levels are at most 6). */
function blobKey(level: number | 'entries', index: number): number {
  return index * 8 + (level === 'entries' ? 7 : level);
}

/** BlobCache serves published blobs; see the module comment. */
export class BlobCache {
  /** Full tiles and bundles by {@link blobKey}, least recently used first. */
  private readonly cache = new Map<number, Uint8Array>();
  /** The last old level-0 tile or bundle read (not cached), by {@link blobKey}. */
  private lastKey = -1;
  private lastBlob: Uint8Array | undefined;
  /** Reads in flight (asynchronous backends), by {@link blobKey}; each settles when its blob is cached or the read failed. */
  private readonly reading = new Map<number, Promise<void>>();

  /** `edge` returns the published right edge; nothing above its size is ever read. */
  constructor(
    private readonly backend: LogBackend,
    private readonly edge: () => RightEdge,
  ) {}

  /**
   * blob returns a published tile or bundle blob: the in-memory right edge, or a full one.
   * @throws BlobMiss when the backend is still reading it
   */
  blob(level: number | 'entries', index: number): Uint8Array {
    const edge = this.edge();
    if (level === 'entries' ? index === Math.floor(edge.size / TILE_WIDTH) : index === Math.floor(edge.size / TILE_WIDTH ** (level + 1))) {
      const tail = level === 'entries' ? edge.bundleTail() : edge.partialTile(level);
      if (tail.length > 0) return tail;
    }
    const key = blobKey(level, index);
    if (key === this.lastKey) return this.lastBlob!;
    let data = this.cache.get(key);
    if (data === undefined) {
      // Computations that miss the same blob at once (the receipts of one batch's answers all
      // need its new tiles) wait for one read. A read per computation queued up to a thousand
      // identical queries on the PostgreSQL pool per batch: sending them was 18 % of the
      // server's profile, and PostgreSQL spent ≈ 10× more CPU per entry than with one read.
      const reading = this.reading.get(key);
      if (reading !== undefined) throw new BlobMiss(reading);
      const old = (level === 'entries' || level === 0) && index < Math.floor(edge.size / TILE_WIDTH) - RECENT_BLOBS;
      // Old ones through the backend's published-tree snapshot where it has one (SQLite: cheaper per read).
      const read = old && this.backend.readPublishedBlob !== undefined ? this.backend.readPublishedBlob(level, index, edge.size) : this.backend.readBlob(level, index);
      if (read instanceof Promise) {
        // Kept in the cache whatever its age, so that the computation that missed finds it.
        const loaded = read.then((d) => void this.remember(key, checkFull(level, index, d))).finally(() => this.reading.delete(key));
        this.reading.set(key, loaded);
        throw new BlobMiss(loaded);
      }
      data = checkFull(level, index, read);
      // Old level-0 tiles and bundles are read at random (lookups of old entries, one-off tile
      // fetches) and rarely again: caching them only churned blobs into V8's old generation,
      // where they wait for a full GC (measured: a third of the server's RSS after lookups).
      // Recent ones, and every higher tile (few, and on every proof's path), are cached.
      // The last such blob is kept alone: one proof asks for its leaf's tile once per level 0–7.
      if (old) {
        this.lastKey = key;
        this.lastBlob = data;
        return data;
      }
    } else {
      this.cache.delete(key); // re-insert: most recently used last
    }
    this.remember(key, data);
    return data;
  }

  /**
   * entryAt returns the published 41-byte entry at `index` (< size), a copy. A bundle that is
   * neither on the right edge nor cached is not copied into JS whole: lookups of old entries are
   * random, and an 11 KiB Buffer (cached, too) for 41 bytes was a large share of the server's
   * memory churn.
   */
  entryAt(index: number): MaybePromise<Uint8Array> {
    const bundle = Math.floor(index / TILE_WIDTH);
    const off = (index % TILE_WIDTH) * BUNDLE_RECORD + 2;
    if (bundle < Math.floor(this.edge().size / TILE_WIDTH) && !this.cache.has(blobKey('entries', bundle))) {
      const read = this.backend.readBundleSlice(bundle, off, ENTRY_SIZE);
      return read instanceof Promise ? read.then((e) => checkEntry(bundle, e)) : checkEntry(bundle, read);
    }
    return settle(() => this.blob('entries', bundle).slice(off, off + ENTRY_SIZE));
  }

  private remember(key: number, data: Uint8Array): void {
    if (this.cache.size >= CACHE_BLOBS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, data);
  }
}

function checkFull(level: number | 'entries', index: number, data: Uint8Array | undefined): Uint8Array {
  if (data === undefined || data.length !== (level === 'entries' ? FULL_BUNDLE : FULL_TILE)) {
    throw new Error(`storage: ${level}/${index} should be a full ${level === 'entries' ? 'bundle' : 'tile'}`);
  }
  return data;
}

function checkEntry(bundle: number, entry: Uint8Array | undefined): Uint8Array {
  if (entry === undefined || entry.length !== ENTRY_SIZE) throw new Error(`storage: bundle ${bundle} should be full`);
  return entry.slice();
}
