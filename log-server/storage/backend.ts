/**
 * The storage seam: what the log core (log-server/log.ts, the sequencer, the HTTP routes through
 * `Log`) needs from a place to keep the log, and nothing more. The SQLite backend
 * (./sqlite.ts) is one implementation; a PostgreSQL one is the other. Modelled on
 * Sunlight's split (a lock backend holding the latest checkpoint with compare-and-swap, and an
 * object backend for immutable tiles) and Tessera's drivers (the whole sequencing step in one
 * database transaction). docs/storage.md "The storage seam" is the prose version.
 *
 * Note for a new backend (PostgreSQL):
 * - Everything may be async. A read may return its value directly (the SQLite backend does, so
 *   hot reads stay synchronous) or a Promise; callers handle both (`MaybePromise`).
 * - Stored bytes are the served bytes: tiles and bundles grow at the right edge and are
 *   immutable once full (256 records); a write that would shrink or keep a blob's length is a
 *   bug and must fail the batch. Checkpoints are kept forever, one per size.
 * - The fence is {@link SequencingBatch.commit}: it stores the new checkpoint only if the
 *   latest stored checkpoint is still exactly `previous` (size and note text), in the same
 *   transaction as the batch's rows. A sequencer that lost its lease and wakes up later finds a
 *   different latest checkpoint and gets {@link FencedError}: it can never fork the tree or drop
 *   entries, whatever its lease believes.
 * - Durability: {@link LogBackend.sync} is the commit point. The log answers nobody before the
 *   sync that follows a commit has resolved. A backend whose commit is durable by itself
 *   (PostgreSQL with synchronous_commit on) resolves sync at once.
 * - Backend-specific options (SQLite's `onDatabase` test hook, a pool size, a lease time) belong
 *   to the backend's own factory, never to `LogOptions`.
 * - Leadership (a lease, which instance sequences, how a follower's submissions reach the
 *   sequencer) is not in this interface yet: add optional members here when the PostgreSQL
 *   backend needs them, keeping the SQLite backend (one process, always the sequencer) valid.
 */
import type { BlobWrite } from './right-edge.js';

export type { BlobWrite } from './right-edge.js';

/** A value, or a promise of it: reads a backend can answer synchronously stay synchronous. */
export type MaybePromise<T> = T | Promise<T>;

/** A stored signed checkpoint: its tree size and the note text (log signature only), verbatim. */
export interface StoredCheckpoint {
  size: number;
  note: string;
}

/** What a fresh log is initialised with: its origin, creation time and the checkpoint of the empty tree. */
export interface LogGenesis {
  origin: string;
  createdMs: number;
  /** The signed checkpoint of size 0. */
  checkpoint: StoredCheckpoint;
}

/** The rows one batch adds: new identities (with their entry indexes), grown blobs, the new checkpoint. */
export interface BatchWrite {
  /** Identities appended by this batch, `digests[i]` at entry index `first + i`. */
  first: number;
  digests: readonly Uint8Array[];
  /** Every tile and bundle the batch filled or grew, as its complete new content. */
  blobs: readonly BlobWrite[];
  /** The new signed checkpoint; its size is `first + digests.length`. */
  checkpoint: StoredCheckpoint;
}

/**
 * FencedError is what {@link SequencingBatch.commit} (or {@link LogBackend.begin}) throws when
 * the latest stored checkpoint is not the `previous` the batch was built on: another sequencer
 * moved the log. Nothing of the batch was written. The sequencer must stop and re-read the
 * stored state before it sequences again.
 */
export class FencedError extends Error {
  constructor(
    readonly expected: StoredCheckpoint,
    readonly found: StoredCheckpoint | undefined,
  ) {
    super(`storage: the latest checkpoint is no longer size ${expected.size} (found ${found === undefined ? 'none' : `size ${found.size}`}); another sequencer moved the log`);
    this.name = 'FencedError';
  }
}

/**
 * One sequencing step, open between {@link LogBackend.begin} and commit/rollback. At most one
 * batch is open at a time per backend; the sequencer never interleaves two.
 */
export interface SequencingBatch {
  /**
   * lookup returns the entry index of each identity if it is already stored (committed: for
   * SQLite possibly not yet synced — the sequencer knows which, by size), in input order.
   * Must see every batch committed before this one (one snapshot for the batch is enough:
   * the fence in commit catches a concurrent writer).
   */
  lookup(digests: readonly Uint8Array[]): MaybePromise<(number | undefined)[]>;
  /**
   * commit writes the batch's rows and the new checkpoint atomically, if and only if the latest
   * stored checkpoint is still the batch's `previous` (compare-and-swap; throws
   * {@link FencedError} otherwise, writing nothing). Any other error: nothing written. When it
   * returns the batch is committed — visible to later batches and to other connections — but
   * durable only once a {@link LogBackend.sync} started after it has resolved. A crash before
   * that sync resolves may keep or lose the batch; nobody was answered either way.
   */
  commit(write: BatchWrite): MaybePromise<void>;
  /** rollback abandons the batch (nothing written). Idempotent; harmless after a failed commit. */
  rollback(): MaybePromise<void>;
}

/**
 * Coordination is what a store shared by several log instances (PostgreSQL) adds: which
 * instance sequences (a lease), and how the others' submissions reach it. A single-process
 * store (SQLite) has none: its one instance always sequences.
 */
export interface Coordination {
  /** start competes for the right to sequence; `changed` hears each gain (true) and loss (false). */
  start(changed: (leading: boolean) => void): Promise<void>;
  /** leading is true while this instance holds the right to sequence. */
  readonly leading: boolean;
  /** leaseChanges counts the gains and losses this instance saw (metrics). */
  readonly leaseChanges: number;
  /**
   * forward hands identities to whichever instance sequences; each resolves with its entry
   * index and a stored checkpoint covering it (committed and durable).
   */
  forward(digests: readonly Uint8Array[]): Promise<{ index: number; head: StoredCheckpoint }>[];
  /** drain (while leading) feeds identities other instances forwarded to `sequence`; returns a stop function. */
  drain(sequence: (digests: Uint8Array[]) => Promise<unknown>): () => void;
  /** close fails what still waits on forwards; the backend's close does the rest. */
  close(): void;
}

/**
 * LogBackend is one open log store. A process holds one; `close()` releases it. Reads are
 * answered from committed state; the log itself decides what is published (it never asks for
 * sizes beyond its published checkpoint).
 */
export interface LogBackend {
  /** What to call the store in messages: `log database /srv/log/log.db`, `postgres://host/db`. */
  readonly name: string;

  /** origin returns the stored origin, or undefined if the store is not initialised yet. */
  origin(): MaybePromise<string | undefined>;
  /**
   * initialise stores the origin and the empty tree's checkpoint of a fresh log, atomically and
   * durably (a crash leaves the store uninitialised or initialised, never half).
   * @throws RunproofError CONFLICT if the store was initialised meanwhile (by another process)
   */
  initialise(genesis: LogGenesis): MaybePromise<void>;

  /** latestCheckpoint returns the stored checkpoint with the largest size (committed; see sync). */
  latestCheckpoint(): MaybePromise<StoredCheckpoint | undefined>;
  /** checkpointAt returns the stored signed checkpoint of exactly `size`, if the log signed one. */
  checkpointAt(size: number): MaybePromise<string | undefined>;
  /**
   * readBlob returns the stored hash tile (`level` ≥ 0) or entry bundle (`'entries'`) `idx`:
   * full, or the right edge's partial one as last committed; undefined if absent.
   */
  readBlob(level: number | 'entries', idx: number): MaybePromise<Uint8Array | undefined>;
  /**
   * readBundleSlice returns bytes [offset, offset+length) of entry bundle `idx` (a lookup needs
   * 41 bytes of an 11 KiB bundle); may return the whole blob's slice. Short if the blob is.
   */
  readBundleSlice(idx: number, offset: number, length: number): MaybePromise<Uint8Array | undefined>;
  /**
   * readPublishedBlob, if present, reads a full blob of the tree published at `size` as
   * {@link readBlob} does, but may read it from a snapshot taken at or after that size was
   * published (SQLite: a read-only connection whose snapshot is shared by consecutive reads for at most
   * 50 ms or until the published size moves, ./read-snapshot.ts). The log asks it for old level-0 tiles and bundles, read at random.
   */
  readPublishedBlob?(level: number | 'entries', idx: number, size: number): MaybePromise<Uint8Array | undefined>;
  /** identityIndex returns the entry index of a stored identity (committed, maybe beyond the published size). */
  identityIndex(digest: Uint8Array): MaybePromise<number | undefined>;

  /**
   * begin opens a sequencing batch on top of `previous`, the checkpoint the sequencer last
   * committed. May already fail with {@link FencedError} if the stored latest differs.
   */
  begin(previous: StoredCheckpoint): MaybePromise<SequencingBatch>;
  /**
   * sync resolves once every batch committed before the call is durable (SQLite: fdatasync of
   * the WAL, off the main thread; PostgreSQL with synchronous_commit on: at once). If it
   * rejects, what reached the disk is unknown: the log refuses writes until restarted.
   */
  sync(): Promise<void>;

  /**
   * watch (optional; multi-instance backends) calls `grown` whenever another process has
   * committed a larger checkpoint (it may coalesce several); returns a function that stops it.
   * A follower then reads the new state through the reads above.
   */
  watch?(grown: (latest: StoredCheckpoint) => void): () => void;

  /** coordination is present when several instances share the store (see {@link Coordination}). */
  readonly coordination?: Coordination;

  /** close releases connections, files and locks. Called once, after the last batch. */
  close(): MaybePromise<void>;
}

/**
 * A BackendFactory opens (with `create`, creating) a store. It fails at once, with a clear
 * RunproofError, when the store is absent and `create` is not set (NOT_FOUND), unreachable
 * (UNAVAILABLE), held by another single-writer process (CONFLICT) or of a newer schema (CONFLICT).
 */
export type BackendFactory = (opts: {
  create: boolean;
  /** The log's verifier key: a shared store records it and refuses another log's key (PostgreSQL). */
  vkey: string;
}) => Promise<LogBackend>;
