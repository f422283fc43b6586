/**
 * The log core: one store behind the storage seam (storage/backend.ts), one sequencer. It is
 * what the HTTP layer serves (c2sp.org/tlog-tiles read side, submissions, proofs, receipts) and
 * knows nothing about HTTP or about which database holds the log. The storage layout, commit
 * point and restart procedure are in docs/storage.md.
 *
 * The jobs are split: opening and restoring (./log-open.ts), published blobs and their cache
 * (./blob-cache.ts), subtree hashes and proofs (./node-hashes.ts), receipts and the checked
 * checkpoints (./receipts.ts), growing the log (./sequencer.ts). Reads return their value
 * directly when every blob they need is in memory or the backend reads synchronously (SQLite),
 * and a promise otherwise (`MaybePromise`).
 */
import { RunproofError } from '../src/errors.js';
import { HASH_SIZE, type Hash } from '../src/merkle/hash.js';
import { proveConsistency } from '../src/merkle/proof.js';
import { TILE_WIDTH, tileWidthAt, type Tile } from '../src/merkle/tiles.js';
import type { Checkpoint } from '../src/note/checkpoint.js';
import { SIG_ED25519, verifierKey, type Signer } from '../src/note/keys.js';
import { BlobCache, settle } from './blob-cache.js';
import { initialise, restore } from './log-open.js';
import { NodeHashes } from './node-hashes.js';
import { Receipts, type ReceiptParts } from './receipts.js';
import { Roles } from './log-roles.js';
import { Sequencer, type Sequenced } from './sequencer.js';
import type { BackendFactory, Coordination, LogBackend, MaybePromise } from './storage/backend.js';
import type { RightEdge } from './storage/right-edge.js';
import type { Committed } from './sequencer.js';
import { BUNDLE_RECORD } from './storage/right-edge.js';

export type { Sequenced } from './sequencer.js';
export type { MaybePromise } from './storage/backend.js';
export type { ReceiptParts } from './receipts.js';

/** Options of {@link Log.open}. */
export interface LogOptions {
  /** Opens the store (e.g. `sqliteBackend(path)` from storage/sqlite.ts); its own options go there. */
  backend: BackendFactory;
  /** Checkpoint origin; must equal the signer's key name and the origin stored in the log. */
  origin: string;
  /** The log's Ed25519 (type 0x01) note key. */
  signer: Signer;
  /** Create and initialise the store if it is absent or empty (default false). */
  create?: boolean;
  /** Milliseconds since the epoch (default Date.now); entry times never decrease even if it goes back. */
  clock?: () => number;
  /**
   * How long the first submission of a batch waits for company, ms. Default 0: group commit — a
   * batch is committed as soon as a sync slot is free, and grows while the disk is busy.
   */
  batchIntervalMs?: number;
  /** Most distinct identities per transaction (default 4096). */
  maxBatch?: number;
  /** Most submissions waiting; beyond it submit rejects with UNAVAILABLE (default 200,000). */
  maxPending?: number;
  /** Called after each durable commit with the new signed checkpoint (log signature only). */
  onCheckpoint?: (signedCheckpoint: string, checkpoint: Checkpoint) => void;
  /** Called after each durable commit with the batch's distinct entries and its build+commit time. */
  onBatch?: (entries: number, commitMs: number) => void;
  /**
   * Test hook: runs in place of each durability wait (the backend's sync, the commit point) and
   * is given the real one, so a test can hold a committed batch before its sync or make the
   * sync fail.
   */
  onSync?: (sync: () => Promise<void>) => Promise<void>;
}

/** Log is an open, writable runproof log; see the module comment. */
export class Log {
  private readonly blobs: BlobCache;
  private readonly nodes: NodeHashes;
  private readonly receipts: Receipts;
  private closed = false;
  /** Present when the store is shared by several instances: who sequences, forwarding (./log-roles.ts). */
  private roles: Roles | undefined;

  private constructor(
    private readonly backend: LogBackend,
    private readonly origin: string,
    /** Replaced when this instance starts sequencing or follows a grown head (./log-roles.ts). */
    private seq: Sequencer,
  ) {
    this.blobs = new BlobCache(backend, () => this.seq.edge);
    this.nodes = new NodeHashes((level, index) => this.blobs.blob(level, index));
    this.receipts = new Receipts({ origin, nodes: this.nodes, size: () => this.size, latest: () => this.seq.latest });
  }

  /**
   * open opens (or creates) the store, checks it belongs to this origin and key, and restores
   * the right edge from the stored tiles.
   * @throws RunproofError from the backend (CONFLICT: held by another process or a newer
   *   schema; NOT_FOUND: absent and `create` not set; UNAVAILABLE: unreachable); NOT_FOUND if
   *   not initialised and `create` is not set; ORIGIN_MISMATCH if origin, key name and stored
   *   origin differ; UNKNOWN_KEY if the latest checkpoint is not signed by `signer`;
   *   INCONSISTENT_LOG if the stored tiles do not reproduce the latest checkpoint's root
   */
  static async open(opts: LogOptions): Promise<Log> {
    const { origin, signer } = opts;
    if (signer.name !== origin) {
      throw new RunproofError('ORIGIN_MISMATCH', `the log key is named ${JSON.stringify(signer.name)} but the origin is ${JSON.stringify(origin)}; they must be equal`);
    }
    if (signer.type !== SIG_ED25519) throw new RunproofError('MALFORMED_KEY', 'the log key must be an Ed25519 (type 0x01) note key');
    const create = opts.create ?? false;
    const clock = opts.clock ?? Date.now;
    const batchIntervalMs = opts.batchIntervalMs ?? 0;
    const maxBatch = opts.maxBatch ?? 4096;
    const maxPending = opts.maxPending ?? 200_000;
    if (!(batchIntervalMs >= 0) || !Number.isSafeInteger(maxBatch) || maxBatch < 1 || !Number.isSafeInteger(maxPending) || maxPending < 1) {
      throw new Error(`log: bad sequencer options (batchIntervalMs ${batchIntervalMs}, maxBatch ${maxBatch}, maxPending ${maxPending})`);
    }
    const backend = await opts.backend({ create, vkey: verifierKey(signer) });
    try {
      await initialise(backend, origin, signer, create, clock);
      const { latest, edge } = await restore(backend, origin, signer);
      const onSync = opts.onSync;
      let log: Log | undefined;
      const makeSeq = (edge: RightEdge, latest: Committed) => new Sequencer({
        backend,
        origin,
        signer,
        clock,
        batchIntervalMs,
        maxBatch,
        maxPending,
        edge,
        latest,
        readEntry: (index) => log!.blobs.entryAt(index),
        sync: onSync ? () => onSync(() => backend.sync()) : () => backend.sync(),
        onCheckpoint: opts.onCheckpoint,
        onBatch: opts.onBatch,
      });
      const opened = new Log(backend, origin, makeSeq(edge, latest));
      log = opened;
      if (backend.coordination !== undefined) {
        opened.roles = new Roles(backend.coordination, backend, {
          seq: () => opened.seq,
          setSeq: (s) => {
            opened.seq = s;
          },
          restore: () => restore(backend, origin, signer),
          makeSeq,
          entryAt: (index) => opened.blobs.entryAt(index),
        });
        await opened.roles.start();
      }
      return opened;
    } catch (e) {
      await backend.close();
      throw e;
    }
  }

  /**
   * submit logs one 32-byte identity digest; resolves after the durable commit of its entry,
   * tiles and a signed checkpoint covering it (at once if it was logged before).
   * @throws RunproofError MALFORMED_REQUEST (not 32 bytes); UNAVAILABLE (closing, pool full, storage fault)
   */
  submit(identity: Uint8Array): Promise<Sequenced> {
    // Not `async`: the sequencer's own promise, without another one around it per submission;
    // a refusal still arrives as a rejection, as from an async function.
    try {
      return (this.roles ?? this.seq).submitAll([checkIdentity(identity, 'identity')])[0]!;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * submitMany logs many identities through the same pool, with the same guarantees; the answers
   * are in input order. Accepted all together or refused all together (pushback).
   * @throws RunproofError MALFORMED_REQUEST; UNAVAILABLE
   */
  async submitMany(identities: readonly Uint8Array[]): Promise<Sequenced[]> {
    const checked = identities.map((d, i) => checkIdentity(d, `identities[${i}]`));
    return Promise.all((this.roles ?? this.seq).submitAll(checked));
  }

  /** coordination is the store's multi-instance side (lease, forwarding), if it is shared (PostgreSQL). */
  get coordination(): Coordination | undefined {
    return this.backend.coordination;
  }

  /** size is the published (durable) tree size. */
  get size(): number {
    return this.seq.edge.size;
  }

  /** latest returns the latest published signed checkpoint (log signature only) and its parsed form. */
  latest(): { signed: string; checkpoint: Checkpoint } {
    const { signed, checkpoint } = this.seq.latest;
    return { signed, checkpoint };
  }

  /** checkpointAt returns the stored signed checkpoint of exactly `size`, if the log signed one. */
  checkpointAt(size: number): MaybePromise<string | undefined> {
    // Above the published size a row may be committed but not yet durable: not published.
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) return undefined;
    return this.backend.checkpointAt(size);
  }

  /**
   * readTile returns hash tile `tile` as served at `tile/<L>/<N>[.p/<W>]`: exactly `width`
   * hashes (a read-only view: do not modify it), or undefined if the published tree does not
   * have that many yet. A partial tile of any earlier size is the prefix of the stored (now
   * wider or full) tile.
   */
  readTile(tile: Tile): MaybePromise<Uint8Array | undefined> {
    const { level, index, width } = tile;
    if (!isCount(level) || !isCount(index) || !isCount(width) || width < 1 || width > TILE_WIDTH) return undefined;
    if (tileWidthAt(level, index, this.size) < width) return undefined;
    // A view, not a copy: stored and right-edge blobs are never modified (a batch builds new
    // ones), and copying 8 KiB per read was the largest item of a hot tile read's own work.
    return settle(() => this.blobs.blob(level, index).subarray(0, width * HASH_SIZE));
  }

  /** readEntries returns entry bundle `index` (uint16-prefixed entries), its first `width` entries (a read-only view), or undefined if not there yet. */
  readEntries(index: number, width: number): MaybePromise<Uint8Array | undefined> {
    if (!isCount(index) || !isCount(width) || width < 1 || width > TILE_WIDTH) return undefined;
    if (this.size - index * TILE_WIDTH < width) return undefined;
    return settle(() => this.blobs.blob('entries', index).subarray(0, width * BUNDLE_RECORD)); // a view, as in readTile
  }

  /** lookup returns where an identity digest was logged, if it was (and is published). */
  lookup(identity: Uint8Array): MaybePromise<{ index: number; entry: Uint8Array } | undefined> {
    const found = this.backend.identityIndex(checkIdentity(identity, 'identity'));
    return found instanceof Promise ? found.then((i) => this.located(i)) : this.located(found);
  }

  /**
   * inclusionProof returns the RFC 9162 §2.1.3 inclusion proof of entry `index` in the tree of `size`.
   * @throws RunproofError MALFORMED_REQUEST (index ≥ size, not integers); NOT_FOUND (size beyond the log)
   */
  inclusionProof(index: number, size: number): MaybePromise<Hash[]> {
    this.checkSize(size);
    if (!isCount(index) || index >= size) throw new RunproofError('MALFORMED_REQUEST', `index ${index} is not below tree size ${size}`);
    return settle(() => this.nodes.inclusion(index, size).map((h) => h.slice()));
  }

  /**
   * consistencyProof returns the RFC 9162 §2.1.4 consistency proof between two tree sizes.
   * @throws RunproofError MALFORMED_REQUEST (old > new, not integers); NOT_FOUND (new beyond the log)
   */
  consistencyProof(oldSize: number, newSize: number): MaybePromise<Hash[]> {
    this.checkSize(newSize);
    if (!isCount(oldSize) || oldSize > newSize) throw new RunproofError('MALFORMED_REQUEST', `old size ${oldSize} is not at most new size ${newSize}`);
    return settle(() => proveConsistency(oldSize, newSize, (nodes) => nodes.map((n) => this.nodes.node(n.level, n.index).slice())));
  }

  /**
   * receipt returns the c2sp.org/tlog-proof text for entry `index` against `signedCheckpoint`
   * (default: the latest; it may carry cosignatures), with the 41-byte entry on the `extra`
   * line. Pass `entry` when known (what the log stored at `index`, e.g. from a submission's
   * answer) to save reading its bundle. See ./receipts.ts.
   * @throws RunproofError MALFORMED_REQUEST (index not below the checkpoint size); NOT_FOUND;
   *   ORIGIN_MISMATCH / INCONSISTENT_LOG if the checkpoint is not one of this log's
   */
  receipt(index: number, signedCheckpoint?: string, entry?: Uint8Array): MaybePromise<string> {
    const signed = signedCheckpoint ?? this.seq.latest.signed;
    if (entry !== undefined) return settle(() => this.receipts.receipt(index, signed, entry));
    // Check index and checkpoint before reading the entry (an index beyond the log has none).
    const cp = settle(() => this.receipts.checkedCheckpoint(signed));
    const withEntry = (size: number) => {
      if (!isCount(index) || index >= size) throw new RunproofError('MALFORMED_REQUEST', `index ${index} is not below checkpoint size ${size}`);
      const e = this.blobs.entryAt(index);
      return e instanceof Promise ? e.then((x) => settle(() => this.receipts.receipt(index, signed, x))) : settle(() => this.receipts.receipt(index, signed, e));
    };
    return cp instanceof Promise ? cp.then((c) => withEntry(c.size)) : withEntry(cp.size);
  }

  /**
   * receiptParts is {@link receipt} for a known entry, not yet joined into text (for writers of
   * many receipts at once, log-server/http/batch-answer.ts). Same checks and throws.
   */
  receiptParts(index: number, signedCheckpoint: string, entry: Uint8Array): MaybePromise<ReceiptParts> {
    return settle(() => this.receipts.parts(index, signedCheckpoint, entry));
  }

  /** close stops accepting submissions, sequences what is waiting, and closes the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.roles?.close();
      await this.seq.close();
    } finally {
      await this.backend.close();
    }
  }

  /** located turns a stored index into a published entry, or undefined if not published yet. */
  private located(index: number | undefined): MaybePromise<{ index: number; entry: Uint8Array } | undefined> {
    // An index at or above the published size is committed but not yet durable: not published.
    if (index === undefined || index >= this.size) return undefined;
    const entry = this.blobs.entryAt(index);
    return entry instanceof Promise ? entry.then((e) => ({ index, entry: e })) : { index, entry };
  }

  private checkSize(size: number): void {
    if (!isCount(size)) throw new RunproofError('MALFORMED_REQUEST', `tree size ${size} is not a non-negative integer`);
    if (size > this.size) throw new RunproofError('NOT_FOUND', `tree size ${size} is beyond the log's size ${this.size}`);
  }
}

function checkIdentity(d: Uint8Array, what: string): Uint8Array {
  if (!(d instanceof Uint8Array) || d.length !== 32) throw new RunproofError('MALFORMED_REQUEST', `${what} must be a 32-byte SHA-256 digest`);
  return d;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
