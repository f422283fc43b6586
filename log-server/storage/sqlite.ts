/**
 * The SQLite backend of the storage seam (./backend.ts): one file, one process. The writer lock
 * (./lock.ts) keeps other processes out; the statements are ./store.ts; durability is group
 * commit — COMMIT with `synchronous = NORMAL`, then an fdatasync of the WAL off the main thread
 * (./wal-sync.ts) as {@link LogBackend.sync}. Every read answers synchronously, so the log's hot
 * reads never wait for a promise. docs/storage.md has the schema and the commit point.
 */
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { RunproofError } from '../../src/errors.js';
import { FencedError, type BackendFactory, type BatchWrite, type LogBackend, type LogGenesis, type SequencingBatch, type StoredCheckpoint } from './backend.js';
import { resolveDbPath } from './db-path.js';
import { BlobCopy, blobCopyPath } from './blob-copy.js';
import { acquireWriterLock } from './lock.js';
import { ReadSnapshot } from './read-snapshot.js';
import { Store, openDatabase } from './store.js';
import { WalSync } from './wal-sync.js';

/** Options of {@link sqliteBackend}. */
export interface SqliteBackendOptions {
  /**
   * Test and tuning hook: called once with the open connection, after migrations and before
   * the log reads or writes anything (tests set `PRAGMA max_page_count` or `query_only`).
   */
  onDatabase?: (db: Database.Database) => void;
  /**
   * Keep a flat copy of the full level-0 tiles and bundles for old reads (`<db>-blobs`,
   * ./blob-copy.ts; default true). Costs ≈ 75 bytes of disk per entry; a one-pass reader (the
   * `publish` command) has no use for it.
   */
  blobCopy?: boolean;
  /** Where the blob copy reports the I/O error that stops it (default: standard error). */
  warn?: (message: string) => void;
}

/**
 * sqliteBackend returns the factory of the log database at `dbPath` (its lock is
 * `<dbPath>.lock` next to it).
 */
export function sqliteBackend(dbPath: string, opts: SqliteBackendOptions = {}): BackendFactory {
  return async ({ create }) => openSqliteBackend(dbPath, create, opts);
}

/**
 * openSqliteBackend takes the writer lock, opens (or creates) the database and applies migrations.
 * @throws RunproofError NOT_FOUND (no file and not `create`); CONFLICT (another process holds
 *   it, or a newer schema); UNAVAILABLE (unreadable or unwritable storage)
 */
export function openSqliteBackend(path: string, create: boolean, opts: SqliteBackendOptions = {}): LogBackend {
  // Lock, database and WAL sync all use the path SQLite really opens (./db-path.ts).
  const dbPath = resolveDbPath(path);
  if (!create && !existsSync(dbPath)) {
    throw new RunproofError('NOT_FOUND', `log database ${dbPath} does not exist; create it first (runproof-log serve --init, or the create option)`);
  }
  const lock = acquireWriterLock(dbPath);
  let db: Database.Database | undefined;
  try {
    db = openDatabase(dbPath, create);
    opts.onDatabase?.(db);
    return new SqliteBackend(dbPath, db, new Store(db), () => lock.release(), opts);
  } catch (e) {
    db?.close();
    lock.release();
    throw e;
  }
}

/** SqliteBackend is an open log database; see the module comment. */
class SqliteBackend implements LogBackend {
  readonly name: string;
  /** Created by the first batch: until then commits are `synchronous = FULL` (opening, initialising). */
  private wal: WalSync | undefined;
  private readonly begin_;
  private readonly commit_;
  private readonly rollback_;
  private readonly batch: SqliteBatch;
  /** Old tiles and bundles, read at random, through a shared, renewed snapshot (./read-snapshot.ts). */
  private readonly snapshot: ReadSnapshot;
  /** Full level-0 tiles and bundles outside SQLite, one `pread` each (./blob-copy.ts); filled from the snapshot. */
  private readonly copy: BlobCopy | undefined;

  constructor(
    private readonly path: string,
    private readonly db: Database.Database,
    private readonly store: Store,
    private readonly releaseLock: () => void,
    opts: SqliteBackendOptions,
  ) {
    this.name = `log database ${path}`;
    this.begin_ = db.prepare('BEGIN');
    this.commit_ = db.prepare('COMMIT');
    this.rollback_ = db.prepare('ROLLBACK');
    this.batch = new SqliteBatch(this);
    this.snapshot = new ReadSnapshot(path);
    if (opts.blobCopy !== false) {
      const warn = opts.warn ?? ((m: string) => process.stderr.write(`runproof-log: ${m}\n`));
      this.copy = new BlobCopy(blobCopyPath(path), (level, idx, size, into, offset) => this.snapshot.readInto(level, idx, size, into, offset), warn);
    }
  }

  origin(): string | undefined {
    return this.store.origin();
  }

  initialise(g: LogGenesis): void {
    // Still synchronous = FULL here: the COMMIT is on disk when it returns.
    this.db.transaction(() => {
      if (this.store.origin() !== undefined) throw new RunproofError('CONFLICT', `${this.name} was initialised meanwhile`);
      this.store.putOrigin(g.origin, g.createdMs);
      this.store.putCheckpoint(g.checkpoint.size, g.checkpoint.note);
    }).immediate();
  }

  latestCheckpoint(): StoredCheckpoint | undefined {
    const row = this.store.latestCheckpoint();
    return row === undefined ? undefined : { size: row.size, note: row.note };
  }

  checkpointAt(size: number): string | undefined {
    return this.store.checkpoint(size);
  }

  readBlob(level: number | 'entries', idx: number): Uint8Array | undefined {
    return level === 'entries' ? this.store.bundle(idx) : this.store.tile(level, idx);
  }

  readPublishedBlob(level: number | 'entries', idx: number, size: number): Uint8Array | undefined {
    if (this.copy !== undefined && (level === 0 || level === 'entries')) {
      const copied = this.copy.read(level, idx, size);
      if (copied !== undefined) return copied;
    }
    return this.snapshot.read(level, idx, size);
  }

  readBundleSlice(idx: number, offset: number, length: number): Uint8Array | undefined {
    return this.store.bundleSlice(idx, offset, length);
  }

  identityIndex(digest: Uint8Array): number | undefined {
    return this.store.identityIndex(digest);
  }

  begin(previous: StoredCheckpoint): SequencingBatch {
    if (this.wal === undefined) {
      // From the first batch on, COMMIT does not fsync; sync() fsyncs the WAL off the main
      // thread and the log answers only after that (./wal-sync.ts, docs/storage.md). The WAL
      // file exists: the connection has read the database in WAL mode.
      this.db.pragma('synchronous = NORMAL');
      this.wal = new WalSync(this.path);
    }
    if (this.db.inTransaction) throw new Error('sqlite: a batch is already open');
    this.begin_.run();
    this.batch.previous = previous;
    return this.batch;
  }

  /** commitBatch writes a batch inside the open transaction and commits it; rolls back on any error. */
  commitBatch(previous: StoredCheckpoint, w: BatchWrite): void {
    try {
      // The fence. One process holds the writer lock, so this never fires in production; it
      // keeps the contract the same as a multi-process backend's.
      const latest = this.store.latestCheckpoint();
      if (latest === undefined || latest.size !== previous.size || latest.note !== previous.note) throw new FencedError(previous, latest);
      w.digests.forEach((d, i) => this.store.putIdentity(d, w.first + i));
      for (const b of w.blobs) {
        if (b.level === 'entries') this.store.putBundle(b.idx, b.data);
        else this.store.putTile(b.level, b.idx, b.data);
      }
      this.store.putCheckpoint(w.checkpoint.size, w.checkpoint.note);
      this.commit_.run();
    } catch (e) {
      this.rollback();
      throw e;
    }
  }

  rollback(): void {
    if (this.db.inTransaction) this.rollback_.run();
  }

  sync(): Promise<void> {
    // No batch yet: every commit so far was synchronous = FULL, already on disk.
    return this.wal === undefined ? Promise.resolve() : this.wal.sync();
  }

  close(): void {
    try {
      this.copy?.close();
      this.snapshot.close();
      this.wal?.close();
      this.db.close();
    } finally {
      this.releaseLock();
    }
  }
}

/** SqliteBatch is the one open batch of a {@link SqliteBackend} (reused: batches never overlap). */
class SqliteBatch implements SequencingBatch {
  previous: StoredCheckpoint = { size: 0, note: '' };

  constructor(private readonly backend: SqliteBackend) {}

  lookup(digests: readonly Uint8Array[]): (number | undefined)[] {
    return digests.map((d) => this.backend.identityIndex(d));
  }

  commit(write: BatchWrite): void {
    this.backend.commitBatch(this.previous, write);
  }

  rollback(): void {
    this.backend.rollback();
  }
}
