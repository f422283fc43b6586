/**
 * The log database: opening it (pragmas, migrations, origin check) and every SQL statement the
 * log runs, prepared once. Rows hold the published bytes (migrations/0001_log.sql); this file
 * knows nothing about Merkle trees — the right edge (right-edge.ts) and the sequencer decide
 * what to write, and the SQLite backend (sqlite.ts) owns the transaction.
 */
import type Database from 'better-sqlite3';
import { RunproofError } from '../../src/errors.js';
import { loadMigrations, migrate, migrationsDir, openSqlite } from '../../node-shared/sqlite.js';

/** A stored tile or bundle row: its index and blob. */
export interface BlobRow {
  idx: number;
  data: Uint8Array;
}

/**
 * openDatabase opens (or with `create`, creates) the log database with the pragmas the log
 * relies on — WAL, synchronous=FULL (a COMMIT is on disk before it returns; `Log.open` switches
 * to NORMAL once open and fsyncs the WAL itself, storage/wal-sync.ts), foreign keys — and
 * brings its schema up to date. Without `create` the file must exist.
 * @throws RunproofError UNAVAILABLE if the file cannot be opened or written; CONFLICT if its schema is newer
 */
export function openDatabase(dbPath: string, create: boolean): Database.Database {
  let db: Database.Database;
  try {
    db = openSqlite(dbPath, { create, busyTimeoutMs: 1000 });
  } catch (cause) {
    throw storageError(dbPath, cause);
  }
  try {
    // An 8 MiB page cache holds the interior pages of every b-tree (about 6 MB at 10M
    // entries, mostly the identity index), so a lookup or a batch's index probe reads only
    // leaf and overflow pages — random over a database of ~130 B/entry, so a larger cache
    // hardly ever hits them again; it only grew the server's RSS (64 MiB cost ~50 MB at 10M
    // entries, bench large). A batch that dirties more pages than fit spills them to the
    // WAL early, where commit would write them anyway. A 32 MiB WAL between automatic
    // checkpoints keeps most commits from also paying for a checkpoint (its own fsync of the
    // database file).
    db.pragma('cache_size = -8192');
    db.pragma('wal_autocheckpoint = 8192');
    migrate(db, loadMigrations(migrationsDir()));
    return db;
  } catch (e) {
    db.close();
    throw storageError(dbPath, e);
  }
}

/**
 * storageError turns a SQLite fault the operator can fix (read-only file or directory, disk
 * full, I/O error, busy) into RunproofError UNAVAILABLE naming the database; others pass through.
 */
export function storageError(dbPath: string, cause: unknown): unknown {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^SQLITE_(READONLY|CANTOPEN|FULL|IOERR|BUSY|PERM|AUTH)/.test(code)) {
    return new RunproofError('UNAVAILABLE', `log database ${dbPath}: ${code} (read-only, full or unreachable storage?)`, { cause });
  }
  return cause;
}

/** Store wraps the prepared statements of an open log database. Not safe to share across processes. */
export class Store {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      meta: db.prepare<[], { origin: string }>('SELECT origin FROM log_meta WHERE id = 1'),
      putMeta: db.prepare<[string, number]>('INSERT INTO log_meta (id, origin, created_ms) VALUES (1, ?, ?)'),
      tile: db.prepare<[number, number], { hashes: Buffer }>('SELECT hashes FROM tiles WHERE level = ? AND idx = ?'),
      // Tiles only grow: the WHERE makes a shrinking or same-size write change nothing, which
      // putTile reports as a broken invariant.
      putTile: db.prepare<[number, number, Uint8Array]>(
        'INSERT INTO tiles (level, idx, hashes) VALUES (?, ?, ?) ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes WHERE length(excluded.hashes) > length(tiles.hashes)',
      ),
      bundle: db.prepare<[number], { entries: Buffer }>('SELECT entries FROM bundles WHERE idx = ?'),
      bundleSlice: db.prepare<[number, number, number], { part: Buffer }>('SELECT substr(entries, ?, ?) AS part FROM bundles WHERE idx = ?'),
      putBundle: db.prepare<[number, Uint8Array]>(
        'INSERT INTO bundles (idx, entries) VALUES (?, ?) ON CONFLICT (idx) DO UPDATE SET entries = excluded.entries WHERE length(excluded.entries) > length(bundles.entries)',
      ),
      identity: db.prepare<[Uint8Array], { idx: number }>('SELECT idx FROM identities WHERE digest = ?'),
      putIdentity: db.prepare<[Uint8Array, number]>('INSERT INTO identities (digest, idx) VALUES (?, ?)'),
      checkpoint: db.prepare<[number], { note: string }>('SELECT note FROM checkpoints WHERE size = ?'),
      latest: db.prepare<[], { size: number; note: string }>('SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1'),
      putCheckpoint: db.prepare<[number, string]>('INSERT INTO checkpoints (size, note) VALUES (?, ?)'),
    };
  }

  /** origin returns the stored log origin, or undefined for a fresh database. */
  origin(): string | undefined {
    return this.s.meta.get()?.origin;
  }

  /** putOrigin records the origin of a fresh database. */
  putOrigin(origin: string, createdMs: number): void {
    this.s.putMeta.run(origin, createdMs);
  }

  /** tile returns the stored blob of hash tile (level, idx): full, or the right edge's partial one. */
  tile(level: number, idx: number): Uint8Array | undefined {
    return bytes(this.s.tile.get(level, idx)?.hashes);
  }

  /** putTile writes a hash tile blob that must be longer than the stored one (tiles only grow). */
  putTile(level: number, idx: number, hashes: Uint8Array): void {
    if (this.s.putTile.run(level, idx, hashes).changes !== 1) throw new Error(`store: tile ${level}/${idx} would not grow`);
  }

  /** bundle returns the stored blob of entry bundle `idx`. */
  bundle(idx: number): Uint8Array | undefined {
    return bytes(this.s.bundle.get(idx)?.entries);
  }

  /**
   * bundleSlice returns bytes [offset, offset+length) of entry bundle `idx` without copying the
   * whole blob into a JS Buffer (a lookup needs 41 bytes of an 11 KiB bundle; SQLite still reads
   * the blob's pages); short if the blob is.
   */
  bundleSlice(idx: number, offset: number, length: number): Uint8Array | undefined {
    return bytes(this.s.bundleSlice.get(offset + 1, length, idx)?.part); // SQL substr counts from 1
  }

  /** putBundle writes an entry bundle blob that must be longer than the stored one. */
  putBundle(idx: number, entries: Uint8Array): void {
    if (this.s.putBundle.run(idx, entries).changes !== 1) throw new Error(`store: bundle ${idx} would not grow`);
  }

  /** identityIndex returns the entry index of an identity digest, if logged. */
  identityIndex(digest: Uint8Array): number | undefined {
    return this.s.identity.get(digest)?.idx;
  }

  /** putIdentity indexes a newly logged identity (the primary key refuses a second one). */
  putIdentity(digest: Uint8Array, idx: number): void {
    this.s.putIdentity.run(digest, idx);
  }

  /** checkpoint returns the stored signed checkpoint of exactly `size`, if any. */
  checkpoint(size: number): string | undefined {
    return this.s.checkpoint.get(size)?.note;
  }

  /** latestCheckpoint returns the stored checkpoint with the largest size. */
  latestCheckpoint(): { size: number; note: string } | undefined {
    return this.s.latest.get();
  }

  /** putCheckpoint stores a signed checkpoint (one per size, never replaced). */
  putCheckpoint(size: number, note: string): void {
    this.s.putCheckpoint.run(size, note);
  }
}

/** bytes views a Buffer from SQLite as a plain Uint8Array, so `.slice()` copies (Buffer's does not). */
function bytes(b: Buffer | undefined): Uint8Array | undefined {
  return b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.length);
}
