/**
 * The flat copy of full tiles and bundles old reads are served from on SQLite
 * (log-server/storage/blob-copy.ts): it serves exactly the database's bytes, follows the
 * published size, and after a crash, a torn header, a restored database or another log's file it
 * claims only records it can vouch for. An I/O error stops it without failing a read. Real log,
 * real files.
 */
import { appendFileSync, copyFileSync, existsSync, openSync, closeSync, readSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Log } from '../../log-server/log.js';
import { BlobCopy, claimedRecords, HEADER_BYTES, RECORD_BYTES, type BlobSource } from '../../log-server/storage/blob-copy.js';
import { onSqlite } from '../helpers/backends.js';
import { identity, openLog, tempDir } from './helpers.js';

const turn = () => new Promise((r) => setImmediate(r));
const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) => a !== undefined && b !== undefined && a.length > 0 && Buffer.compare(a, b) === 0;

/** into copies a blob into a source's buffer as BlobSource does: only where it fits; its length, or undefined for none. */
function into(blob: Uint8Array | undefined, buffer: Buffer, offset: number): number | undefined {
  if (blob === undefined) return undefined;
  if (offset + blob.length <= buffer.length) buffer.set(blob, offset);
  return blob.length;
}

/** sourceOf reads a log's stored tiles and bundles (synchronous on SQLite), counting the reads. */
function sourceOf(log: Log): BlobSource & { reads: number } {
  const f = ((level: 0 | 'entries', idx: number, _size: number, buffer: Buffer, offset: number) => {
    f.reads++;
    const r = level === 0 ? log.readTile({ level: 0, index: idx, width: 256 }) : log.readEntries(idx, 256);
    if (r instanceof Promise) throw new Error('expected a synchronous read');
    return into(r, buffer, offset);
  }) as unknown as BlobSource & { reads: number };
  f.reads = 0;
  return f;
}

/** settled waits until the copy has claimed `records` in its header (its fill and fsync are done). */
async function settled(path: string, records: number): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (existsSync(path) && claimedRecords(path) === records) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${path} never claimed ${records} records (claims ${claimedRecords(path)})`);
}

describe.runIf(onSqlite)('the blob copy of full tiles and bundles', () => {
  let t: ReturnType<typeof tempDir>;
  let log: Log;
  let other: Log;
  let otherT: ReturnType<typeof tempDir>;
  const FULL = 5;
  /** Full tiles of `log` now (one test grows it). */
  const full = () => Math.floor(log.size / 256);

  beforeAll(async () => {
    t = tempDir();
    otherT = tempDir();
    // The copy under test is made by hand here; the log's own one is left out.
    log = await openLog(t.db, { maxBatch: 4096, blobCopy: false });
    other = await openLog(otherT.db, { maxBatch: 4096, blobCopy: false });
    await log.submitMany(Array.from({ length: FULL * 256 + 3 }, (_, i) => identity(i, 'copy')));
    await other.submitMany(Array.from({ length: FULL * 256 + 3 }, (_, i) => identity(i, 'other log')));
  }, 60_000);
  afterAll(async () => {
    await log.close();
    await other.close();
    await t.cleanup();
    await otherT.cleanup();
  });

  /** filled returns a copy at `path` that holds every full record of `log` (claimed durable). */
  async function filled(path: string, warnings: string[] = []): Promise<BlobCopy> {
    const copy = new BlobCopy(path, sourceOf(log), (m) => warnings.push(m));
    copy.read(0, 0, log.size);
    await settled(path, full());
    return copy;
  }

  it('fills from the published tree and then serves exactly the stored bytes', async () => {
    const path = join(t.dir, 'fill-blobs');
    const warnings: string[] = [];
    const source = sourceOf(log);
    const copy = new BlobCopy(path, source, (m) => warnings.push(m));
    try {
      // Not filled yet: the caller reads the database; the fill starts on the next turn.
      expect(copy.read(0, 1, log.size)).toBeUndefined();
      await settled(path, full());
      expect(statSync(path).size).toBe(HEADER_BYTES + full() * RECORD_BYTES);
      const before = source.reads;
      for (let i = 0; i < full(); i++) {
        expect(same(copy.read(0, i, log.size), log.readTile({ level: 0, index: i, width: 256 }) as Uint8Array), `tile ${i}`).toBe(true);
        expect(same(copy.read('entries', i, log.size), log.readEntries(i, 256) as Uint8Array), `bundle ${i}`).toBe(true);
      }
      expect(source.reads, 'served from the file, not the database').toBe(before);
      // The partial tile is not the copy's.
      expect(copy.read(0, full(), log.size)).toBeUndefined();
      expect(warnings).toEqual([]);
    } finally {
      copy.close();
    }
  });

  it('serves a record only once it is synced and claimed; close claims what was written', async () => {
    const path = join(t.dir, 'claim-blobs');
    const copy = new BlobCopy(path, sourceOf(log), () => {});
    copy.read(0, 0, log.size);
    // Written within a few turns, claimed only CLAIM_DELAY_MS later: not served before.
    for (let i = 0; i < 200 && statSync(path).size < HEADER_BYTES + full() * RECORD_BYTES; i++) await turn();
    expect(statSync(path).size).toBe(HEADER_BYTES + full() * RECORD_BYTES);
    expect(claimedRecords(path)).toBe(0);
    expect(copy.read(0, 0, log.size), 'written, not yet claimed').toBeUndefined();
    copy.close();
    expect(claimedRecords(path), 'claimed at close').toBe(full());
    // Closed: never opened again, nothing served.
    const again = new BlobCopy(path, sourceOf(log), () => {});
    again.close();
    expect(again.read(0, 0, log.size)).toBeUndefined();
  });

  it('writes its last claim at close, not after: the next holder of the database may already be rewriting the file', async () => {
    // A source of 2,000 constant full records, so that a fill syncs (every 8 MiB) on its way.
    const tile = new Uint8Array(8192).fill(1);
    const bundle = new Uint8Array(RECORD_BYTES - 8192).fill(2);
    const src: BlobSource = (level, _idx, _size, buffer, offset) => into(level === 0 ? tile : bundle, buffer, offset);
    const size = 256 * 2_000;
    const path = join(t.dir, 'handover-blobs');
    const a = new BlobCopy(path, src, () => {});
    a.read(0, 0, size);
    // (Private state, read only to close at the one moment that matters: a sync in flight.)
    const inFlight = () => (a as unknown as { syncing: boolean; fd: number | undefined });
    while (!inFlight().syncing) await turn();
    a.close();
    const atClose = claimedRecords(path);
    expect(atClose, 'everything written is claimed by close() itself').toBeGreaterThan(0);
    // The next holder opens the file while the old sync is still running (at the size claimed,
    // so that only the old instance could still write the header).
    const b = new BlobCopy(path, src, () => {});
    expect(b.read(0, 0, atClose * 256)).toBeDefined();
    while (inFlight().fd !== undefined) await new Promise((r) => setTimeout(r, 1));
    expect(claimedRecords(path), "the old sync's return wrote no claim").toBe(atClose);
    b.close();
  });

  it('follows the published size as the log grows', async () => {
    const path = join(t.dir, 'grow-blobs');
    const copy = await filled(path);
    try {
      await log.submitMany(Array.from({ length: 256 }, (_, i) => identity(50_000 + i, 'copy')));
      copy.read(0, 0, log.size);
      await settled(path, full());
      expect(same(copy.read('entries', full() - 1, log.size), log.readEntries(full() - 1, 256) as Uint8Array)).toBe(true);
    } finally {
      copy.close();
    }
  });

  it('cuts a torn tail on open and serves the claimed records at once', async () => {
    const path = join(t.dir, 'torn-blobs');
    (await filled(path)).close();
    const claimed = claimedRecords(path);
    // Half a record written after the last claim, then a crash.
    appendFileSync(path, Buffer.alloc(RECORD_BYTES / 2, 0xee));
    const source = sourceOf(log);
    const copy = new BlobCopy(path, source, () => {});
    try {
      expect(same(copy.read(0, claimed - 1, log.size), log.readTile({ level: 0, index: claimed - 1, width: 256 }) as Uint8Array)).toBe(true);
      expect(statSync(path).size).toBe(HEADER_BYTES + claimed * RECORD_BYTES);
    } finally {
      copy.close();
    }
  });

  it('falls back to the older header slot when the newest is torn, and copies again from there', async () => {
    const path = join(t.dir, 'slot-blobs');
    (await filled(path)).close();
    // The newest slot claims every record; the older one (the empty copy's) none. Tear the newest.
    const fd = openSync(path, 'r+');
    try {
      for (const at of [0, 512]) {
        const slot = Buffer.alloc(56);
        readSync(fd, slot, 0, 56, at);
        if (slot.readBigUInt64BE(24) === BigInt(full())) writeSync(fd, Buffer.from([slot[30]! ^ 0xff]), 0, 1, at + 30);
      }
    } finally {
      closeSync(fd);
    }
    expect(claimedRecords(path)).toBe(0);
    const copy = new BlobCopy(path, sourceOf(log), () => {});
    try {
      expect(copy.read(0, 0, log.size), 'nothing claimed: read the database').toBeUndefined();
      expect(statSync(path).size).toBe(HEADER_BYTES);
      await settled(path, full());
      expect(same(copy.read(0, 2, log.size), log.readTile({ level: 0, index: 2, width: 256 }) as Uint8Array)).toBe(true);
    } finally {
      copy.close();
    }
  });

  it('claims no more than a restored, older database has published', async () => {
    const path = join(t.dir, 'restored-blobs');
    (await filled(path)).close();
    const copy = new BlobCopy(path, sourceOf(log), () => {});
    try {
      // The database says 3 full tiles: records 3 and 4 are not its, whatever the file holds.
      const size = 3 * 256 + 10;
      expect(copy.read(0, 3, size)).toBeUndefined();
      expect(claimedRecords(path)).toBe(3);
      expect(statSync(path).size).toBe(HEADER_BYTES + 3 * RECORD_BYTES);
      expect(same(copy.read(0, 2, size), log.readTile({ level: 0, index: 2, width: 256 }) as Uint8Array)).toBe(true);
    } finally {
      copy.close();
    }
  });

  it("drops another log's copy and serves only its own log's bytes", async () => {
    const path = join(t.dir, 'foreign-blobs');
    const theirs = new BlobCopy(join(otherT.dir, 'theirs-blobs'), sourceOf(other), () => {});
    theirs.read(0, 0, other.size);
    await settled(join(otherT.dir, 'theirs-blobs'), FULL);
    theirs.close();
    copyFileSync(join(otherT.dir, 'theirs-blobs'), path);
    const copy = new BlobCopy(path, sourceOf(log), () => {});
    try {
      expect(copy.read(0, 0, log.size)).toBeUndefined();
      expect(claimedRecords(path)).toBe(0);
      await settled(path, full());
      for (let i = 0; i < full(); i++) expect(same(copy.read('entries', i, log.size), log.readEntries(i, 256) as Uint8Array), `bundle ${i}`).toBe(true);
    } finally {
      copy.close();
    }
  });

  it('stops on an I/O error, says why once, and leaves every read to the database', async () => {
    const blocker = join(t.dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const warnings: string[] = [];
    const copy = new BlobCopy(join(blocker, 'blobs'), sourceOf(log), (m) => warnings.push(m));
    for (let i = 0; i < 3; i++) expect(copy.read(0, 0, log.size)).toBeUndefined();
    copy.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not-a-dir\/blobs not used from now on .*ENOTDIR/);

    // Not written through a symbolic link.
    const target = join(t.dir, 'elsewhere');
    symlinkSync(target, join(t.dir, 'linked-blobs'));
    const linked = new BlobCopy(join(t.dir, 'linked-blobs'), sourceOf(log), (m) => warnings.push(m));
    expect(linked.read(0, 0, log.size)).toBeUndefined();
    linked.close();
    expect(warnings.pop()).toMatch(/linked-blobs not used from now on .*ELOOP/);
    expect(existsSync(target)).toBe(false);

    // A database that lacks a record it published (never in a sound log) stops the fill too.
    const path = join(t.dir, 'lacking-blobs');
    const lacking = new BlobCopy(path, (level, idx, size, buffer, offset) => (idx === 2 ? undefined : sourceOf(log)(level, idx, size, buffer, offset)), (m) => warnings.push(m));
    lacking.read(0, 0, log.size);
    for (let i = 0; i < 50 && warnings.length < 2; i++) await turn();
    expect(warnings[1]).toMatch(/no full tile and bundle 2/);
    expect(lacking.read(0, 0, log.size), 'stopped: nothing served from it').toBeUndefined();
    lacking.close();

    // Stopped while its delayed claim is pending: the claim does not run (no file is left).
    const late = new BlobCopy(join(t.dir, 'late-blobs'), (level, idx, size, buffer, offset) => (idx >= full() ? undefined : sourceOf(log)(level, idx, size, buffer, offset)), (m) => warnings.push(m));
    late.read(0, 0, log.size);
    for (let i = 0; i < 200 && statSync(join(t.dir, 'late-blobs')).size < HEADER_BYTES + full() * RECORD_BYTES; i++) await turn();
    late.read(0, 0, log.size + 256); // a larger size: the next fill finds no record and stops
    for (let i = 0; i < 50 && warnings.length < 3; i++) await turn();
    expect(warnings[2]).toMatch(/late-blobs not used from now on/);
    await new Promise((r) => setTimeout(r, 1_200)); // past CLAIM_DELAY_MS
    expect(claimedRecords(join(t.dir, 'late-blobs'))).toBe(0);
    late.close();
  });
});
