/**
 * A flat copy of the SQLite log's full level-0 tiles and full entry bundles, for reads only:
 * `<db>-blobs`, record `i` (tile `i` then bundle `i`, both full, so every record has the same
 * size) at a fixed offset. An old tile or bundle is then one `pread` into a slab instead of a
 * b-tree walk and two or three page reads of SQLite plus a malloc'd copy (≈ 5 against 9–12 µs
 * in-process; docs/performance.md, Reads). SQLite stays the only source of truth: the copy is
 * filled from the published tree, never written by a commit, and `migrate`, `publish` and a
 * backup of the database never need it. Deleting it loses nothing; it is filled again by later reads.
 *
 * Crash safety: records are written, then fdatasync'ed, and only then does the header claim
 * them; only claimed records are served (a record whose writeback failed would read back as
 * zeros until the next fdatasync reports the error). The header has two slots, written
 * alternately, each with its own check, so a torn header write leaves the older slot. On open
 * the claimed count is cut to what the file holds and to the database's published full records
 * (a restored, older database: its tree is a prefix of the one the file was copied from), and
 * the first and last claimed records are compared with SQLite: a file of another log, or of a
 * history that went another way after a restore, differs from the point where the histories
 * part (each entry holds its sequencing time), so its last record differs if any does. Anything
 * else starts the copy again from empty. Any I/O error (a full disk, say) stops using the copy:
 * reads go to SQLite as before, and the error is reported once.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, statfsSync, writeSync } from 'node:fs';
import { TILE_WIDTH } from '../../src/merkle/tiles.js';
import { FULL_BUNDLE, FULL_TILE } from './right-edge.js';

/** Bytes before record 0: the two header slots. */
export const HEADER_BYTES = 4096;
/** Bytes of one record: a full level-0 tile, then the full bundle of the same index. */
export const RECORD_BYTES = FULL_TILE + FULL_BUNDLE;
/** Where each header slot starts (generation g is written to slot g mod 2). */
const SLOTS = [0, 512] as const;
const MAGIC = Buffer.from('runproof blobs 1', 'latin1'); // 16 bytes
/** magic 16, generation 8, count 8, tile bytes 4, bundle bytes 4, then 16 bytes of SHA-256 of those 40. */
const SLOT_BYTES = 56;
/** Records copied per turn of the event loop while filling (≈ 0.5 ms of the main thread). */
const RECORDS_PER_TURN = 16;
/** Bytes written between two fdatasyncs while filling. */
const SYNC_EVERY = 8 << 20;
/** How long a caught-up fill waits before it syncs and claims what it wrote, ms. */
const CLAIM_DELAY_MS = 1000;
/**
 * Reads are carved out of slabs of this size; a slab is freed once no answer holds a view of it.
 * Small, so that an answer held back by a slow client pins at most 8× its own size.
 */
const SLAB_BYTES = 64 << 10;
/** Free space the copy leaves to the database: this fraction of the file system, at least RESERVE_MIN bytes. */
const RESERVE_FRACTION = 0.05;
const RESERVE_MIN = 256 << 20;

/** blobCopyPath names the blob copy of the SQLite database at `dbPath`: `<db>-blobs`, beside it (as SQLite's `-wal`). */
export function blobCopyPath(dbPath: string): string {
  return `${dbPath}-blobs`;
}

/**
 * Where the copy's records come from: SQLite's published tree (the log's read snapshot). It
 * copies blob `idx` of the tree published at `size` into `into` at `offset` if it fits there, and
 * returns the blob's length (undefined: no such blob) — so that a fill through the whole log
 * makes no Buffer per blob (ReadSnapshot.readInto).
 */
export type BlobSource = (level: 0 | 'entries', idx: number, size: number, into: Buffer, offset: number) => number | undefined;

/** BlobCopy is the open copy of one log database; see the module comment. */
export class BlobCopy {
  private fd: number | undefined;
  /** Records written to the file (the fill's position). */
  private written = 0;
  /**
   * Records fdatasync'ed and claimed by the header: the only ones served. A record written but
   * not yet synced could come back from the disk as zeros if its writeback failed (the error
   * shows only at the next fdatasync), so it is not served until then.
   */
  private claimed = 0;
  private generation = 0;
  /** Full records of the newest published size seen; the fill copies up to it. */
  private target = 0;
  private latestSize = 0;
  private filling = false;
  private syncing = false;
  /** Bytes written since the last fdatasync began. */
  private unsynced = 0;
  /** The delayed claim of a caught-up fill ({@link CLAIM_DELAY_MS}). */
  private claimTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private closed = false;
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  /** One record as the database holds it: read into by the fill (then written from) and by the open-time check (then compared). */
  private readonly record = Buffer.alloc(RECORD_BYTES);
  private used = 0;

  /** Nothing is opened until the first {@link read}. `warn` gets the one report of an I/O error. */
  constructor(
    readonly path: string,
    private readonly source: BlobSource,
    private readonly warn: (message: string) => void,
  ) {}

  /**
   * read returns full level-0 tile or full bundle `idx` of the tree published at `size` from the
   * copy, or undefined when the copy does not hold it (yet): the caller reads SQLite. It also
   * has the copy catch up with `size`, a turn at a time.
   */
  read(level: 0 | 'entries', idx: number, size: number): Uint8Array | undefined {
    if (this.stopped || this.closed) return undefined;
    if (this.fd === undefined && !this.open(size)) return undefined;
    this.want(size);
    if (idx >= this.claimed) return undefined;
    const n = level === 0 ? FULL_TILE : FULL_BUNDLE;
    const view = this.carve(n);
    try {
      const got = readSync(this.fd!, view, 0, n, HEADER_BYTES + idx * RECORD_BYTES + (level === 0 ? 0 : FULL_TILE));
      if (got !== n) throw new Error(`record ${idx} is cut short (${got} of ${n} bytes)`);
    } catch (e) {
      this.stop(e);
      return undefined;
    }
    return view;
  }

  /**
   * close stops filling, claims what is written (one fdatasync, so that the next start need not
   * copy it again) and releases the file; a sync in flight releases it when it returns. The last
   * header write happens here, before the caller releases the database's lock: a claim written
   * later could land over a file the next holder has already cut and is rewriting.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.claimTimer);
    if (this.fd !== undefined && !this.stopped && this.written > this.claimed) {
      try {
        fdatasyncSync(this.fd);
        this.claim(this.written);
      } catch {
        // Unclaimed records are only copied again at the next start.
      }
    }
    if (!this.syncing) this.release();
  }

  /** open reads and checks the header against the database (see the module comment); false: not usable. */
  private open(size: number): boolean {
    try {
      // Not through a symbolic link (as for the lock file): the copy is written where the database is.
      const fd = (this.fd = openSync(this.path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644));
      const length = fstatSync(fd).size;
      let count = 0;
      if (length >= HEADER_BYTES) {
        const header = Buffer.alloc(HEADER_BYTES);
        readSync(fd, header, 0, HEADER_BYTES, 0);
        const newest = newestSlot(header);
        if (newest !== undefined) ({ generation: this.generation, count } = newest);
      }
      const claimed = count;
      // Never more than the file holds, nor than the database has published (a restored backup).
      count = Math.min(count, Math.floor(Math.max(0, length - HEADER_BYTES) / RECORD_BYTES), Math.floor(size / TILE_WIDTH));
      if (count > 0 && !(this.matches(0, size) && this.matches(count - 1, size))) count = 0; // another log's copy
      if (length !== HEADER_BYTES + count * RECORD_BYTES) ftruncateSync(fd, HEADER_BYTES + count * RECORD_BYTES);
      if (count !== claimed || this.generation === 0) {
        // Durable before any record is written again: else a crash could leave the old claim
        // over records half rewritten.
        this.claim(count);
        fdatasyncSync(fd);
      }
      this.written = this.claimed = count;
      return true;
    } catch (e) {
      this.stop(e);
      return false;
    }
  }

  /** matches compares record `idx` of the file with the database's tile and bundle. */
  private matches(idx: number, size: number): boolean {
    const at = HEADER_BYTES + idx * RECORD_BYTES;
    const record = Buffer.alloc(RECORD_BYTES);
    if (readSync(this.fd!, record, 0, RECORD_BYTES, at) !== RECORD_BYTES) return false;
    const tile = this.source(0, idx, size, this.record, 0);
    const bundle = this.source('entries', idx, size, this.record, FULL_TILE);
    return tile === FULL_TILE && bundle === FULL_BUNDLE && record.equals(this.record);
  }

  /** want has the fill copy every full record of `size`. */
  private want(size: number): void {
    if (size > this.latestSize) this.latestSize = size;
    const full = Math.floor(size / TILE_WIDTH);
    if (full <= this.target) return;
    this.target = full;
    if (!this.filling && !this.syncing) {
      this.filling = true;
      setImmediate(() => this.fill());
    }
  }

  /**
   * fill copies up to RECORDS_PER_TURN records per turn. Every SYNC_EVERY bytes it waits for an
   * fdatasync (which also bounds the dirty pages it leaves to the kernel); once caught up, it
   * claims what it wrote CLAIM_DELAY_MS later, so that a log taking entries steadily pays one
   * fdatasync per delay, not one per new full tile.
   */
  private fill(): void {
    if (this.closed || this.stopped) return void (this.filling = false);
    try {
      if (this.written === this.claimed) this.checkSpace();
      const end = Math.min(this.target, this.written + RECORDS_PER_TURN);
      for (let idx = this.written; idx < end; idx++) {
        const tile = this.source(0, idx, this.latestSize, this.record, 0);
        const bundle = this.source('entries', idx, this.latestSize, this.record, FULL_TILE);
        if (tile !== FULL_TILE || bundle !== FULL_BUNDLE) throw new Error(`the database has no full tile and bundle ${idx} at size ${this.latestSize}`);
        const at = HEADER_BYTES + idx * RECORD_BYTES;
        if (writeSync(this.fd!, this.record, 0, RECORD_BYTES, at) !== RECORD_BYTES) throw new Error(`record ${idx} was written short`);
        this.written = idx + 1;
        this.unsynced += RECORD_BYTES;
      }
    } catch (e) {
      this.filling = false;
      return this.stop(e);
    }
    if (this.written < this.target) {
      if (this.unsynced >= SYNC_EVERY) return this.sync(() => this.fill());
      return void setImmediate(() => this.fill());
    }
    this.filling = false;
    this.claimTimer ??= setTimeout(() => {
      this.claimTimer = undefined;
      // A fill running again claims at its own end; a stopped copy has no file left to sync.
      if (!this.filling && !this.syncing && !this.stopped && !this.closed && this.written > this.claimed) this.sync();
    }, CLAIM_DELAY_MS).unref();
  }

  /** sync fdatasyncs the file, then claims the records written before it, then runs `then`. */
  private sync(then?: () => void): void {
    const count = this.written;
    this.syncing = true;
    this.unsynced = 0;
    fdatasync(this.fd!, (err) => {
      this.syncing = false;
      try {
        if (err) throw err;
        // Closed meanwhile: close() has claimed everything written, and the lock may be another's.
        if (!this.stopped && !this.closed) this.claim(count);
      } catch (e) {
        this.filling = false;
        this.stop(e);
      }
      if (this.closed || this.stopped) return this.release();
      if (then !== undefined) return then();
      // The published size moved on while this sync ran.
      if (this.written < this.target) {
        this.filling = true;
        setImmediate(() => this.fill());
      }
    });
  }

  /**
   * checkSpace stops the copy before it takes the database's room: it needs what it has left to
   * copy plus a reserve (RESERVE_FRACTION of the file system, at least RESERVE_MIN bytes) free.
   */
  private checkSpace(): void {
    const fs = statfsSync(this.path);
    const free = fs.bavail * fs.bsize;
    const needed = (this.target - this.written) * RECORD_BYTES + Math.max(RESERVE_MIN, fs.blocks * fs.bsize * RESERVE_FRACTION);
    if (free < needed) {
      throw new Error(`${Math.floor(free / 2 ** 20)} MiB free on its file system, and the copy would leave less than ${Math.ceil(Math.max(RESERVE_MIN, fs.blocks * fs.bsize * RESERVE_FRACTION) / 2 ** 20)} MiB for the database`);
    }
  }

  /** claim writes the next header generation: the first `count` records are durable. */
  private claim(count: number): void {
    this.generation++;
    const slot = Buffer.alloc(SLOT_BYTES);
    MAGIC.copy(slot, 0);
    slot.writeBigUInt64BE(BigInt(this.generation), 16);
    slot.writeBigUInt64BE(BigInt(count), 24);
    slot.writeUInt32BE(FULL_TILE, 32);
    slot.writeUInt32BE(FULL_BUNDLE, 36);
    slotCheck(slot).copy(slot, 40);
    writeSync(this.fd!, slot, 0, SLOT_BYTES, SLOTS[this.generation % 2]);
    this.claimed = count;
  }

  /** carve returns `n` bytes of the current slab (a new one when it is used up); slabs are never reused. */
  private carve(n: number): Uint8Array {
    if (this.used + n > SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.used = 0;
    }
    const view = new Uint8Array(this.slab.buffer, this.slab.byteOffset + this.used, n);
    this.used += n;
    return view;
  }

  /** stop gives up on the copy after an I/O error: reads go to SQLite from now on. */
  private stop(e: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.claimTimer);
    this.warn(`blob copy ${this.path} not used from now on (old tiles and bundles are read from the database): ${e instanceof Error ? e.message : String(e)}`);
    if (!this.syncing) this.release();
  }

  private release(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // nothing left to do with it
    }
  }
}

/**
 * claimedRecords reads the header of the copy at `path`: how many records its newest intact slot
 * claims are durable (0 for an empty or unreadable header). For tests and inspection.
 */
export function claimedRecords(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(HEADER_BYTES);
    readSync(fd, header, 0, HEADER_BYTES, 0);
    return newestSlot(header)?.count ?? 0;
  } finally {
    closeSync(fd);
  }
}

/** newestSlot is the intact header slot of the highest generation, if any. */
function newestSlot(header: Buffer): { generation: number; count: number } | undefined {
  let best: { generation: number; count: number } | undefined;
  for (const at of SLOTS) {
    const slot = parseSlot(header.subarray(at, at + SLOT_BYTES));
    if (slot !== undefined && slot.generation > (best?.generation ?? 0)) best = slot;
  }
  return best;
}

/** parseSlot reads one header slot: undefined when it is torn, empty or of another format. */
function parseSlot(slot: Buffer): { generation: number; count: number } | undefined {
  if (!slot.subarray(0, 16).equals(MAGIC) || !slot.subarray(40, 56).equals(slotCheck(slot))) return undefined;
  if (slot.readUInt32BE(32) !== FULL_TILE || slot.readUInt32BE(36) !== FULL_BUNDLE) return undefined;
  const generation = slot.readBigUInt64BE(16);
  const count = slot.readBigUInt64BE(24);
  if (generation > BigInt(Number.MAX_SAFE_INTEGER) || count > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { generation: Number(generation), count: Number(count) };
}

/** slotCheck is the first 16 bytes of SHA-256 over a slot's first 40 bytes. */
function slotCheck(slot: Buffer): Buffer {
  return createHash('sha256').update(slot.subarray(0, 40)).digest().subarray(0, 16);
}
