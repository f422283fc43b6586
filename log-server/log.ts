/**
 * The log core: one SQLite database, one writer (storage/lock.ts), one sequencer. It is what the
 * HTTP layer serves (c2sp.org/tlog-tiles read side, submissions, proofs, receipts) and knows
 * nothing about HTTP. Its interface is in docs/architecture.md; the storage layout, commit point
 * and restart procedure are in docs/storage.md.
 *
 * Start-up does not replay the log: it reads the latest stored checkpoint, rebuilds the right
 * edge from the stored right-edge tiles (a few reads), and refuses to start unless the root it
 * recomputes equals the checkpoint's root.
 */
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { RunproofError } from '../src/errors.js';
import { HASH_SIZE, type Hash } from '../src/merkle/hash.js';
import { proveConsistency } from '../src/merkle/proof.js';
import { TILE_WIDTH, tileWidthAt, type Tile } from '../src/merkle/tiles.js';
import type { HashReader } from '../src/merkle/tree.js';
import { toBase64 } from '../src/encoding/base64.js';
import { equalBytes } from '../src/encoding/utf8.js';
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from '../src/note/checkpoint.js';
import { ENTRY_SIZE } from '../src/note/entry.js';
import { SIG_ED25519, toVerifier, verifierKey, type Signer } from '../src/note/keys.js';
import { openNote, parseNote, signNote } from '../src/note/note.js';
import { TLOG_PROOF_HEADER } from '../src/note/tlog-proof.js';
import { NodeHashes } from './node-hashes.js';
import { Sequencer, type Committed, type Sequenced } from './sequencer.js';
import { resolveDbPath } from './storage/db-path.js';
import { acquireWriterLock, type WriterLock } from './storage/lock.js';
import { BUNDLE_RECORD, FULL_BUNDLE, FULL_TILE, RightEdge } from './storage/right-edge.js';
import { Store, openDatabase } from './storage/store.js';
import { WalSync } from './storage/wal-sync.js';

export type { Sequenced } from './sequencer.js';

/** Options of {@link Log.open}. */
export interface LogOptions {
  /** The SQLite file. The lock is `<dbPath>.lock` next to it. */
  dbPath: string;
  /** Checkpoint origin; must equal the signer's key name and the origin stored in the database. */
  origin: string;
  /** The log's Ed25519 (type 0x01) note key. */
  signer: Signer;
  /** Create and initialise the database if it is absent or empty (default false). */
  create?: boolean;
  /** Milliseconds since the epoch (default Date.now); entry times never decrease even if it goes back. */
  clock?: () => number;
  /**
   * How long the first submission of a batch waits for company, ms. Default 0: group commit — a
   * batch is committed as soon as a WAL sync slot is free, and grows while the disk is busy.
   */
  batchIntervalMs?: number;
  /** Most distinct identities per transaction (default 4096). */
  maxBatch?: number;
  /** Most submissions waiting; beyond it submit rejects with UNAVAILABLE (default 200,000). */
  maxPending?: number;
  /** Called after each COMMIT with the new signed checkpoint (log signature only). */
  onCheckpoint?: (signedCheckpoint: string, checkpoint: Checkpoint) => void;
  /** Called after each COMMIT with the batch's distinct entries and its build+commit time. */
  onBatch?: (entries: number, commitMs: number) => void;
  /**
   * Test and tuning hook: called once with the open SQLite connection, after migrations and
   * before the log reads or writes anything (tests set `PRAGMA max_page_count` or `query_only`).
   */
  onDatabase?: (db: Database.Database) => void;
  /**
   * Test hook: runs in place of each WAL fsync (the commit point) and is given the real one, so
   * a test can hold a committed batch before its sync or make the sync fail.
   */
  onSync?: (fsync: () => Promise<void>) => Promise<void>;
}

/** Full tiles and bundles are immutable, so a small cache of them is always correct. */
const CACHE_BLOBS = 256;
/** Level-0 tiles and bundles cached: those of the most recent this-many full tiles. */
const RECENT_BLOBS = 128;
/** Signed checkpoint texts remembered as checked (receipts against cosigned checkpoints). */
const CHECKED_CHECKPOINTS = 64;

/** blobKey numbers a tile (level ≥ 0) or bundle ('entries') blob for the cache: index·8 + kind (tile levels are at most 6). */
function blobKey(level: number | 'entries', index: number): number {
  return index * 8 + (level === 'entries' ? 7 : level);
}

/** Log is an open, writable runproof log; see the module comment. */
export class Log {
  /** Full tiles and bundles by {@link blobKey}, least recently used first. */
  private readonly cache = new Map<number, Uint8Array>();
  private readonly nodes = new NodeHashes((level, index) => this.blob(level, index));
  /** The last old level-0 tile or bundle read (not cached), by {@link blobKey}. */
  private lastKey = -1;
  private lastBlob: Uint8Array | undefined;
  /** Signed checkpoint texts already parsed and checked against the tree, by text. */
  private readonly checked = new Map<string, Checkpoint>();
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    private readonly store: Store,
    private readonly lock: WriterLock,
    private readonly origin: string,
    private readonly seq: Sequencer,
    private readonly wal: WalSync,
  ) {}

  /**
   * open takes the writer lock, opens (or creates) the database, applies migrations and restores
   * the right edge from the stored tiles.
   * @throws RunproofError CONFLICT if another process holds the database; NOT_FOUND if it does not
   *   exist and `create` is not set; ORIGIN_MISMATCH if origin, key name and stored origin differ;
   *   UNKNOWN_KEY if the latest checkpoint is not signed by `signer`; INCONSISTENT_LOG if the
   *   stored tiles do not reproduce the latest checkpoint's root (corruption)
   */
  static open(opts: LogOptions): Log {
    const { origin, signer } = opts;
    // Lock, database and WAL sync all use the path SQLite really opens (storage/db-path.ts).
    const dbPath = resolveDbPath(opts.dbPath);
    if (signer.name !== origin) {
      throw new RunproofError('ORIGIN_MISMATCH', `the log key is named ${JSON.stringify(signer.name)} but the origin is ${JSON.stringify(origin)}; they must be equal`);
    }
    if (signer.type !== SIG_ED25519) throw new RunproofError('MALFORMED_KEY', 'the log key must be an Ed25519 (type 0x01) note key');
    const create = opts.create ?? false;
    if (!create && !existsSync(dbPath)) {
      throw new RunproofError('NOT_FOUND', `log database ${dbPath} does not exist; create it first (runproof-log serve --init, or the create option)`);
    }
    const clock = opts.clock ?? Date.now;
    const batchIntervalMs = opts.batchIntervalMs ?? 0;
    const maxBatch = opts.maxBatch ?? 4096;
    const maxPending = opts.maxPending ?? 200_000;
    if (!(batchIntervalMs >= 0) || !Number.isSafeInteger(maxBatch) || maxBatch < 1 || !Number.isSafeInteger(maxPending) || maxPending < 1) {
      throw new Error(`log: bad sequencer options (batchIntervalMs ${batchIntervalMs}, maxBatch ${maxBatch}, maxPending ${maxPending})`);
    }
    const lock = acquireWriterLock(dbPath);
    let db: Database.Database | undefined;
    let wal: WalSync | undefined;
    try {
      db = openDatabase(dbPath, create);
      opts.onDatabase?.(db);
      const store = new Store(db);
      initialise(store, dbPath, origin, signer, create, clock);
      const { latest, edge } = restore(store, dbPath, origin, signer);
      // From here on commits do not fsync inside COMMIT; the sequencer fsyncs the WAL off the
      // main thread and answers only after that (storage/wal-sync.ts, docs/storage.md).
      db.pragma('synchronous = NORMAL');
      wal = new WalSync(dbPath);
      const walSync = wal;
      let log: Log | undefined;
      const seq = new Sequencer({
        store,
        origin,
        signer,
        clock,
        batchIntervalMs,
        maxBatch,
        maxPending,
        edge,
        latest,
        readEntry: (index) => log!.entryAt(index),
        sync: opts.onSync ? () => opts.onSync!(() => walSync.sync()) : () => walSync.sync(),
        onCheckpoint: opts.onCheckpoint,
        onBatch: opts.onBatch,
      });
      log = new Log(db, store, lock, origin, seq, wal);
      return log;
    } catch (e) {
      wal?.close();
      db?.close();
      lock.release();
      throw e;
    }
  }

  /**
   * submit logs one 32-byte identity digest; resolves after the COMMIT of its entry, tiles and a
   * signed checkpoint covering it (at once if it was logged before).
   * @throws RunproofError MALFORMED_REQUEST (not 32 bytes); UNAVAILABLE (closing, pool full, storage fault)
   */
  async submit(identity: Uint8Array): Promise<Sequenced> {
    return this.seq.submitAll([checkIdentity(identity, 'identity')])[0]!;
  }

  /**
   * submitMany logs many identities through the same pool, with the same guarantees; the answers
   * are in input order. Accepted all together or refused all together (pushback).
   * @throws RunproofError MALFORMED_REQUEST; UNAVAILABLE
   */
  async submitMany(identities: readonly Uint8Array[]): Promise<Sequenced[]> {
    const checked = identities.map((d, i) => checkIdentity(d, `identities[${i}]`));
    return Promise.all(this.seq.submitAll(checked));
  }

  /** size is the committed tree size. */
  get size(): number {
    return this.seq.edge.size;
  }

  /** latest returns the latest committed signed checkpoint (log signature only) and its parsed form. */
  latest(): { signed: string; checkpoint: Checkpoint } {
    const { signed, checkpoint } = this.seq.latest;
    return { signed, checkpoint };
  }

  /** checkpointAt returns the stored signed checkpoint of exactly `size`, if the log signed one. */
  checkpointAt(size: number): string | undefined {
    // Above the published size a row may be committed but not yet durable: not published.
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) return undefined;
    return this.store.checkpoint(size);
  }

  /**
   * readTile returns hash tile `tile` as served at `tile/<L>/<N>[.p/<W>]`: exactly `width`
   * hashes (a read-only view: do not modify it), or undefined if the committed tree does not
   * have that many yet. A partial tile of
   * any earlier size is the prefix of the stored (now wider or full) tile.
   */
  readTile(tile: Tile): Uint8Array | undefined {
    const { level, index, width } = tile;
    if (!isCount(level) || !isCount(index) || !isCount(width) || width < 1 || width > TILE_WIDTH) return undefined;
    if (tileWidthAt(level, index, this.size) < width) return undefined;
    // A view, not a copy: stored and right-edge blobs are never modified (a batch builds new
    // ones), and copying 8 KiB per read was the largest item of a hot tile read's own work.
    return this.blob(level, index).subarray(0, width * HASH_SIZE);
  }

  /** readEntries returns entry bundle `index` (uint16-prefixed entries), its first `width` entries (a read-only view), or undefined if not there yet. */
  readEntries(index: number, width: number): Uint8Array | undefined {
    if (!isCount(index) || !isCount(width) || width < 1 || width > TILE_WIDTH) return undefined;
    if (this.size - index * TILE_WIDTH < width) return undefined;
    return this.blob('entries', index).subarray(0, width * BUNDLE_RECORD); // a view, as in readTile
  }

  /** lookup returns where an identity digest was logged, if it was. */
  lookup(identity: Uint8Array): { index: number; entry: Uint8Array } | undefined {
    const index = this.store.identityIndex(checkIdentity(identity, 'identity'));
    // An index at or above the published size is committed but not yet durable: not published.
    return index === undefined || index >= this.size ? undefined : { index, entry: this.entryAt(index) };
  }

  /**
   * inclusionProof returns the RFC 9162 §2.1.3 inclusion proof of entry `index` in the tree of `size`.
   * @throws RunproofError MALFORMED_REQUEST (index ≥ size, not integers); NOT_FOUND (size beyond the log)
   */
  inclusionProof(index: number, size: number): Hash[] {
    this.checkSize(size);
    if (!isCount(index) || index >= size) throw new RunproofError('MALFORMED_REQUEST', `index ${index} is not below tree size ${size}`);
    return this.nodes.inclusion(index, size).map((h) => h.slice());
  }

  /**
   * consistencyProof returns the RFC 9162 §2.1.4 consistency proof between two tree sizes.
   * @throws RunproofError MALFORMED_REQUEST (old > new, not integers); NOT_FOUND (new beyond the log)
   */
  consistencyProof(oldSize: number, newSize: number): Hash[] {
    this.checkSize(newSize);
    if (!isCount(oldSize) || oldSize > newSize) throw new RunproofError('MALFORMED_REQUEST', `old size ${oldSize} is not at most new size ${newSize}`);
    return proveConsistency(oldSize, newSize, this.reader(newSize));
  }

  /**
   * receipt returns the c2sp.org/tlog-proof text for entry `index` against `signedCheckpoint`
   * (default: the latest; it may carry cosignatures), with the 41-byte entry on the `extra` line
   * (docs/log-server.md). Pass `entry` when known (what the log stored at `index`, e.g. from a submission's
   * answer) to save reading its bundle. Each distinct checkpoint text is parsed and its root
   * checked against the tree once; subtree hashes are remembered (./node-hashes.ts).
   * @throws RunproofError MALFORMED_REQUEST (index not below the checkpoint size); NOT_FOUND;
   *   ORIGIN_MISMATCH / INCONSISTENT_LOG if the checkpoint is not one of this log's
   */
  receipt(index: number, signedCheckpoint?: string, entry?: Uint8Array): string {
    const signed = signedCheckpoint ?? this.seq.latest.signed;
    const cp = this.checkedCheckpoint(signed);
    if (!isCount(index) || index >= cp.size) throw new RunproofError('MALFORMED_REQUEST', `index ${index} is not below checkpoint size ${cp.size}`);
    // c2sp.org/tlog-proof "Format", written directly: the checkpoint was parsed once above (a test
    // pins these bytes to formatTlogProof's).
    const extra = entry ?? this.entryAt(index);
    const extraText = Buffer.from(extra.buffer, extra.byteOffset, extra.length).toString('base64');
    return `${TLOG_PROOF_HEADER}\nextra ${extraText}\nindex ${index}\n${this.nodes.inclusionLines(index, cp.size)}\n${signed}`;
  }

  /** checkedCheckpoint parses a signed checkpoint and, once per text, checks it is one of this log's trees. */
  private checkedCheckpoint(signed: string): Checkpoint {
    if (signed === this.seq.latest.signed) return this.seq.latest.checkpoint;
    const known = this.checked.get(signed);
    if (known !== undefined) return known;
    const cp = parseCheckpoint(parseNote(signed).text);
    if (cp.origin !== this.origin) throw new RunproofError('ORIGIN_MISMATCH', `checkpoint origin ${JSON.stringify(cp.origin)} is not this log's`);
    this.checkSize(cp.size);
    if (cp.size > 0 && !equalBytes(this.nodes.root(cp.size), cp.root)) {
      throw new RunproofError('INCONSISTENT_LOG', `checkpoint of size ${cp.size} does not match this log's tree`, { evidence: { checkpoint: signed } });
    }
    if (this.checked.size >= CHECKED_CHECKPOINTS) this.checked.delete(this.checked.keys().next().value!);
    this.checked.set(signed, cp);
    return cp;
  }

  /** close stops accepting submissions, sequences what is waiting, closes the database and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.seq.close();
    } finally {
      this.wal.close();
      this.db.close();
      this.lock.release();
    }
  }

  /**
   * entryAt returns the committed 41-byte entry at `index` (< size). A bundle that is neither on
   * the right edge nor cached is not copied into JS whole: lookups of old entries are random, and
   * an 11 KiB Buffer (cached, too) for 41 bytes was a large share of the server's memory churn.
   */
  private entryAt(index: number): Uint8Array {
    const bundle = Math.floor(index / TILE_WIDTH);
    const off = (index % TILE_WIDTH) * BUNDLE_RECORD + 2;
    if (bundle < Math.floor(this.seq.edge.size / TILE_WIDTH) && !this.cache.has(blobKey('entries', bundle))) {
      const entry = this.store.bundleSlice(bundle, off, ENTRY_SIZE);
      if (entry === undefined || entry.length !== ENTRY_SIZE) throw new Error(`storage: bundle ${bundle} should be full`);
      return entry.slice();
    }
    return this.blob('entries', bundle).slice(off, off + ENTRY_SIZE);
  }

  /** blob returns a committed tile or bundle blob: the in-memory right edge, or a cached full one. */
  private blob(level: number | 'entries', index: number): Uint8Array {
    const edge = this.seq.edge;
    const full = level === 'entries' ? FULL_BUNDLE : FULL_TILE;
    if (level === 'entries' ? index === Math.floor(edge.size / TILE_WIDTH) : index === Math.floor(edge.size / TILE_WIDTH ** (level + 1))) {
      const tail = level === 'entries' ? edge.bundleTail() : edge.partialTile(level);
      if (tail.length > 0) return tail;
    }
    const key = blobKey(level, index);
    if (key === this.lastKey) return this.lastBlob!;
    let data = this.cache.get(key);
    if (data === undefined) {
      data = level === 'entries' ? this.store.bundle(index) : this.store.tile(level, index);
      if (data === undefined || data.length !== full) throw new Error(`storage: ${level}/${index} should be a full ${level === 'entries' ? 'bundle' : 'tile'}`);
      // Old level-0 tiles and bundles are read at random (lookups of old entries, one-off tile
      // fetches) and rarely again: caching them only churned blobs into V8's old generation,
      // where they wait for a full GC (measured: a third of the server's RSS after lookups).
      // Recent ones, and every higher tile (few, and on every proof's path), are cached.
      // The last such blob is kept alone: one proof asks for its leaf's tile once per level 0–7.
      if ((level === 'entries' || level === 0) && index < Math.floor(edge.size / TILE_WIDTH) - RECENT_BLOBS) {
        this.lastKey = key;
        this.lastBlob = data;
        return data;
      }
      if (this.cache.size >= CACHE_BLOBS) this.cache.delete(this.cache.keys().next().value!);
    } else {
      this.cache.delete(key); // re-insert: most recently used last
    }
    this.cache.set(key, data);
    return data;
  }

  /** reader reads perfect-subtree hashes for a tree of `size` (≤ the published size) through the node cache. */
  private reader(size: number): HashReader {
    return (nodes) => nodes.map((n) => this.nodes.node(n.level, n.index).slice());
  }

  private checkSize(size: number): void {
    if (!isCount(size)) throw new RunproofError('MALFORMED_REQUEST', `tree size ${size} is not a non-negative integer`);
    if (size > this.size) throw new RunproofError('NOT_FOUND', `tree size ${size} is beyond the log's size ${this.size}`);
  }
}

/** initialise gives a fresh database its origin and the signed checkpoint of the empty tree, or checks the stored origin. */
function initialise(store: Store, dbPath: string, origin: string, signer: Signer, create: boolean, clock: () => number): void {
  const stored = store.origin();
  if (stored === undefined) {
    if (!create) throw new RunproofError('NOT_FOUND', `log database ${dbPath} is not initialised; create it first (runproof-log serve --init, or the create option)`);
    const empty = RightEdge.empty();
    const signed = signNote(formatCheckpoint({ origin, size: 0, root: empty.root(), extensions: [] }), [signer]);
    store.db.transaction(() => {
      store.putOrigin(origin, Math.max(0, Math.floor(clock())));
      store.putCheckpoint(0, signed);
    })();
  } else if (stored !== origin) {
    throw new RunproofError('ORIGIN_MISMATCH', `log database ${dbPath} belongs to origin ${JSON.stringify(stored)}, not ${JSON.stringify(origin)}`);
  }
}

/** restore reads the latest checkpoint, checks its signature, and rebuilds and checks the right edge. */
function restore(store: Store, dbPath: string, origin: string, signer: Signer): { latest: Committed; edge: RightEdge } {
  const row = store.latestCheckpoint();
  if (row === undefined) throw new RunproofError('INCONSISTENT_LOG', `log database ${dbPath} has no checkpoint`);
  let text: string;
  try {
    text = openNote(row.note, [toVerifier(signer)]).text;
  } catch (cause) {
    throw new RunproofError('UNKNOWN_KEY', `the latest checkpoint in ${dbPath} is not signed by ${verifierKey(signer)}; wrong key file?`, { cause });
  }
  const checkpoint = parseCheckpoint(text);
  if (checkpoint.origin !== origin || checkpoint.size !== row.size) {
    throw new RunproofError('INCONSISTENT_LOG', `the latest checkpoint in ${dbPath} does not match its row (size ${row.size})`, { evidence: { checkpoint: row.note } });
  }
  let edge: RightEdge;
  try {
    edge = RightEdge.restore(row.size, (level, idx) => (level === 'entries' ? store.bundle(idx) : store.tile(level, idx)));
  } catch (cause) {
    throw new RunproofError('INCONSISTENT_LOG', `log database ${dbPath} is corrupt: ${String(cause)}`, { cause, evidence: { checkpoint: row.note } });
  }
  const root = edge.root();
  if (!equalBytes(root, checkpoint.root)) {
    throw new RunproofError('INCONSISTENT_LOG', `log database ${dbPath} is corrupt: its tiles give root ${toBase64(root)} at size ${row.size}, the checkpoint says ${toBase64(checkpoint.root)}`, {
      evidence: { checkpoint: row.note, root: toBase64(root) },
    });
  }
  return { latest: { signed: row.note, checkpoint }, edge };
}

function checkIdentity(d: Uint8Array, what: string): Uint8Array {
  if (!(d instanceof Uint8Array) || d.length !== 32) throw new RunproofError('MALFORMED_REQUEST', `${what} must be a 32-byte SHA-256 digest`);
  return d;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
