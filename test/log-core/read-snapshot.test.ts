/**
 * The read-only snapshot old tiles and bundles are read through on SQLite
 * (log-server/storage/read-snapshot.ts): shared by consecutive reads across event-loop turns,
 * renewed when the published size moves, and ended after MAX_SNAPSHOT_MS or at close — which
 * is what lets a WAL checkpoint restart the WAL. Real log, real SQLite files.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Log } from '../../log-server/log.js';
import { MAX_SNAPSHOT_MS, ReadSnapshot } from '../../log-server/storage/read-snapshot.js';
import { onSqlite } from '../helpers/backends.js';
import { identity, openLog, tempDir } from './helpers.js';

const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** same compares bytes without vitest's element-wise deep equality (slow enough on 8 KiB to outlast a snapshot). */
const same = (a: Uint8Array | undefined, b: Uint8Array | undefined) => a !== undefined && b !== undefined && a.length > 0 && Buffer.compare(a, b) === 0;

describe.runIf(onSqlite)('the read snapshot of old tiles and bundles', () => {
  let t: ReturnType<typeof tempDir>;
  let log: Log;
  let other: Database.Database;

  beforeAll(async () => {
    t = tempDir();
    log = await openLog(t.db, { maxBatch: 4096 });
    await log.submitMany(Array.from({ length: 3 * 256 + 5 }, (_, i) => identity(i, 'snap')));
    other = new Database(t.db, { timeout: 0 }); // a checkpoint that meets a reader reports busy at once
  }, 60_000);
  afterAll(async () => {
    other.close();
    await log.close();
    await t.cleanup();
  });

  /** checkpointRestarts tells whether a TRUNCATE checkpoint could empty the WAL now (no reader holds it). */
  const checkpointRestarts = () => (other.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]!.busy === 0;

  it('serves the stored bytes across turns and holds the WAL until it ends', async () => {
    const snap = new ReadSnapshot(t.db, 600_000); // here only close() ends it
    try {
      // A commit leaves WAL frames no checkpoint has copied yet: a snapshot begun now reads them.
      await log.submitMany(Array.from({ length: 256 }, (_, i) => identity(1_000 + i, 'snap')));
      const size = log.size;
      for (let i = 0; i < 4; i++) {
        expect(same(snap.read(0, i, size), await log.readTile({ level: 0, index: i, width: 256 })), `tile 0/${i}`).toBe(true);
        expect(same(snap.read('entries', i, size), await log.readEntries(i, 256)), `bundle ${i}`).toBe(true);
        await turn();
      }
      // Still open after those turns: a checkpoint cannot restart the WAL under it.
      expect(checkpointRestarts()).toBe(false);
    } finally {
      snap.close();
    }
    expect(checkpointRestarts()).toBe(true);
  });

  it('copies the same bytes into a buffer (readInto), only where they fit, and says which blobs it lacks', async () => {
    const snap = new ReadSnapshot(t.db);
    try {
      const size = log.size;
      const into = Buffer.alloc(8192 + 11_008 + 7).fill(0xee);
      for (let i = 0; i < 3; i++) {
        const tile = (await log.readTile({ level: 0, index: i, width: 256 }))!;
        const bundle = (await log.readEntries(i, 256))!;
        expect(snap.readInto(0, i, size, into, 3)).toBe(tile.length);
        expect(same(into.subarray(3, 3 + tile.length), tile), `tile 0/${i}`).toBe(true);
        expect(snap.readInto('entries', i, size, into, 3 + tile.length)).toBe(bundle.length);
        expect(same(into.subarray(3 + tile.length, 3 + tile.length + bundle.length), bundle), `bundle ${i}`).toBe(true);
      }
      expect(into.subarray(0, 3).every((b) => b === 0xee), 'nothing before the offset').toBe(true);
      // A blob that does not fit is not written, and its length still says so.
      const before = Buffer.from(into);
      expect(snap.readInto('entries', 0, size, into, into.length - 100)).toBe(11_008);
      expect(into.equals(before)).toBe(true);
      // A level-0 tile far past the tree is not stored.
      expect(snap.readInto(0, 1_000_000, size, into, 0)).toBeUndefined();
    } finally {
      snap.close();
    }
  });

  it('ends a snapshot after MAX_SNAPSHOT_MS, and renews it when the size moves', async () => {
    const snap = new ReadSnapshot(t.db);
    try {
      await log.submitMany(Array.from({ length: 5 }, (_, i) => identity(5_000 + i, 'snap')));
      expect(snap.read(0, 0, log.size)).toBeDefined();
      // Its timer (due before this sleep's) ends it.
      await sleep(MAX_SNAPSHOT_MS * 3);
      expect(checkpointRestarts()).toBe(true);

      // A tile that fills after a snapshot began is read at the new size, from a new snapshot.
      const before = log.size;
      expect(snap.read(0, 0, before)).toBeDefined();
      await log.submitMany(Array.from({ length: 256 }, (_, i) => identity(10_000 + i, 'snap')));
      const full = Math.floor(log.size / 256) - 1;
      expect(full * 256 + 256 > before, 'a tile filled meanwhile').toBe(true);
      expect(same(snap.read(0, full, log.size), await log.readTile({ level: 0, index: full, width: 256 })), `tile 0/${full}`).toBe(true);
    } finally {
      snap.close();
    }
  });
});
