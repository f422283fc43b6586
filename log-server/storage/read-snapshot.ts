/**
 * Reads of old tiles and bundles of a SQLite log through a second, read-only connection whose
 * read transaction (snapshot) is shared by consecutive reads. On the main connection every such
 * read ran in its own implicit transaction — two `fcntl` locks and an `fstat` besides the page
 * reads — and old level-0 tiles and bundles are read at random, so the page cache cannot help.
 * Beginning and ending a read transaction costs ≈ 10–14 µs of CPU here, as much as the blob read
 * itself (docs/performance.md, Reads), and a lightly loaded server's event-loop turn holds one
 * read; so the first read begins a snapshot that later reads share, in this turn and the next
 * ones, until the published size moves or {@link MAX_SNAPSHOT_MS} have passed, whichever comes
 * first. The age bound is what lets WAL checkpoints proceed: a snapshot holds back the
 * checkpoint's copy of newer frames, and the restart of the WAL, while it is open.
 *
 * Only blobs of the published tree are read this way, and a snapshot is renewed when the
 * published size has moved since it began: a snapshot that began after the size was published
 * holds every blob of it (the commit precedes the publication), and full blobs never change, so
 * a newer commit, published or not, cannot alter what is served.
 */
import Database from 'better-sqlite3';

/** The longest a snapshot stays open, ms (the WAL checkpoint waits at most this long for it). */
export const MAX_SNAPSHOT_MS = 50;

/** ReadSnapshot reads published blobs of one SQLite log database; see the module comment. */
export class ReadSnapshot {
  private db: Database.Database | undefined;
  private s: ReturnType<ReadSnapshot['prepare']> | undefined;
  /** The published size the open snapshot was begun for; undefined: none open. */
  private size: number | undefined;
  /** Ends the open snapshot when it is `maxAgeMs` old. */
  private timer: NodeJS.Timeout | undefined;

  /** Opens the database at `dbPath` (which must exist) read-only, at the first read; a snapshot lasts at most `maxAgeMs`. */
  constructor(
    private readonly dbPath: string,
    private readonly maxAgeMs = MAX_SNAPSHOT_MS,
  ) {}

  /** read returns the stored hash tile (`level` ≥ 0) or entry bundle (`'entries'`) `idx` of the tree published at `size`. */
  read(level: number | 'entries', idx: number, size: number): Uint8Array | undefined {
    const s = this.statements(size);
    const b = level === 'entries' ? s.bundle.get(idx) : s.tile.get(level, idx);
    return b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.length);
  }

  /**
   * readInto copies what {@link read} would return into `into` at `offset`, if it fits there,
   * and returns its length (undefined: no such blob). It makes no Buffer: the blob comes as
   * SQLite's `hex()` text, a string in V8's young generation that the next scavenge frees,
   * where each blob read as a Buffer is external memory that V8 reclaims only after tens of MB
   * have piled up. For the blob copy's fill, which reads the whole log once: a 10M-entry log's
   * first fill under reads peaked at 164–167 MB of RSS with Buffers, 140–148 MB this way, and it
   * costs less CPU (97–100 against 108–123 µs per record; docs/performance.md, seventh pass).
   */
  readInto(level: number | 'entries', idx: number, size: number, into: Buffer, offset: number): number | undefined {
    const s = this.statements(size);
    const hex = level === 'entries' ? s.bundleHex.get(idx) : s.tileHex.get(level, idx);
    if (hex === undefined) return undefined;
    const length = hex.length / 2;
    if (offset + length <= into.length && into.write(hex, offset, 'hex') !== length) {
      throw new Error(`read-snapshot: hex() of blob ${level}/${idx} did not decode to ${length} bytes`);
    }
    return length;
  }

  /** statements returns the prepared statements inside a snapshot of the tree published at `size`, begun if need be. */
  private statements(size: number): ReturnType<ReadSnapshot['prepare']> {
    const s = (this.s ??= this.prepare());
    if (this.size !== undefined && this.size !== size) this.end();
    if (this.size === undefined) {
      s.begin.run(); // deferred: the snapshot is taken by the first SELECT after it
      this.size = size;
      // Not the process's reason to stay up: close() ends a snapshot still open.
      this.timer = setTimeout(() => this.end(), this.maxAgeMs).unref();
    }
    return s;
  }

  /** close ends the snapshot and closes the connection (before the main one, which then removes the WAL as always). */
  close(): void {
    this.end();
    this.db?.close();
    this.db = undefined;
    this.s = undefined;
  }

  private end(): void {
    if (this.size === undefined) return;
    this.size = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.db?.inTransaction) this.s!.commit.run();
  }

  private prepare() {
    const db = (this.db = new Database(this.dbPath, { readonly: true, fileMustExist: true }));
    // Interior pages of the tiles and bundles b-trees (≈ 1 MB at 10M entries); the blobs
    // themselves are read at random and rarely again.
    db.pragma('cache_size = -1024');
    return {
      tile: db.prepare<[number, number], Buffer>('SELECT hashes FROM tiles WHERE level = ? AND idx = ?').pluck(),
      bundle: db.prepare<[number], Buffer>('SELECT entries FROM bundles WHERE idx = ?').pluck(),
      tileHex: db.prepare<[number, number], string>('SELECT hex(hashes) FROM tiles WHERE level = ? AND idx = ?').pluck(),
      bundleHex: db.prepare<[number], string>('SELECT hex(entries) FROM bundles WHERE idx = ?').pluck(),
      begin: db.prepare('BEGIN'),
      commit: db.prepare('COMMIT'),
    };
  }
}
