/**
 * Sequencer behaviour: duplicates (sequential, concurrent, across batches) get the first index
 * with `duplicate: true`; entry times never decrease even if the clock goes back; answers come
 * only with a committed checkpoint covering them; pushback and shutdown answer UNAVAILABLE.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/encoding/utf8.js';
import { parseCheckpoint } from '../../src/note/checkpoint.js';
import { decodeEntry } from '../../src/note/entry.js';
import { parseNote } from '../../src/note/note.js';
import type { Log } from '../../log-server/log.js';
import { onSqlite } from '../helpers/backends.js';
import { identity, openLog, tempDir } from './helpers.js';

const sizeOf = (signed: string) => parseCheckpoint(parseNote(signed).text).size;

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups) await c();
  cleanups = [];
});
async function fresh(extra: Parameters<typeof openLog>[1] = {}): Promise<Log> {
  const t = tempDir();
  const log = await openLog(t.db, extra);
  cleanups.push(async () => {
    await log.close();
    await t.cleanup();
  });
  return log;
}

describe('duplicates', () => {
  it('a sequential resubmission gets the same entry, duplicate: true, and a covering checkpoint', async () => {
    const log = await fresh();
    const first = await log.submit(identity(1));
    await log.submitMany([identity(2), identity(3)]);
    const again = await log.submit(identity(1));
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ index: first.index, timestamp: first.timestamp, duplicate: true });
    expect(equalBytes(again.entry, first.entry)).toBe(true);
    expect(sizeOf(again.checkpoint)).toBeGreaterThan(again.index);
    expect(log.size).toBe(3);
    expect(await log.lookup(identity(1))).toEqual({ index: first.index, entry: first.entry });
    expect(await log.lookup(identity(99))).toBeUndefined();
  });

  it('a batch mixing identities stored before a restart with new ones appends only the new ones', async () => {
    const t = tempDir();
    const first = await openLog(t.db);
    const old = await first.submitMany([identity(1, 'mix'), identity(2, 'mix')]);
    await first.close();
    let signed = 0;
    const log = await openLog(t.db, { onCheckpoint: () => signed++ });
    cleanups.push(async () => {
      await log.close();
      await t.cleanup();
    });
    // Looked up inside the batch's transaction (the stored rows), not in memory: a fresh process.
    const got = await log.submitMany([identity(3, 'mix'), identity(2, 'mix'), identity(4, 'mix'), identity(1, 'mix')]);
    expect(got.map((s) => [s.index, s.duplicate])).toEqual([[2, false], [1, true], [3, false], [0, true]]);
    expect(got[1]).toMatchObject({ timestamp: old[1]!.timestamp });
    expect(equalBytes(got[3]!.entry, old[0]!.entry)).toBe(true);
    for (const s of got) expect(sizeOf(s.checkpoint)).toBeGreaterThan(s.index);
    expect(log.size).toBe(4);
    expect(signed).toBe(1);
    // Only stored identities: nothing appended, no new checkpoint signed.
    const again = await log.submitMany([identity(1, 'mix'), identity(4, 'mix')]);
    expect(again.map((s) => [s.index, s.duplicate])).toEqual([[0, true], [3, true]]);
    expect(log.size).toBe(4);
    expect(signed).toBe(1);
  });

  it('the same identity many times in one batch is logged once; only the first is not a duplicate', async () => {
    const log = await fresh();
    const x = identity(7);
    const [a, b, many] = await Promise.all([log.submit(x), log.submit(identity(8)), log.submitMany([x, identity(9), x, x])]);
    expect(log.size).toBe(3);
    expect(a.duplicate).toBe(false);
    expect(b.duplicate).toBe(false);
    for (const s of [many[0]!, many[2]!, many[3]!]) expect(s).toMatchObject({ index: a.index, duplicate: true, timestamp: a.timestamp });
    expect(many[1]!.duplicate).toBe(false);
    expect(new Set([a.index, b.index, many[1]!.index])).toEqual(new Set([0, 1, 2]));
  });

  it('a duplicate waiting while its first copy is in an earlier batch still gets the first index', async () => {
    const log = await fresh({ maxBatch: 2 });
    const ids = [identity(1), identity(2), identity(3), identity(1), identity(4), identity(2)];
    const got = await log.submitMany(ids);
    expect(log.size).toBe(4);
    expect(got.map((s) => s.index)).toEqual([0, 1, 2, 0, 3, 1]);
    expect(got.map((s) => s.duplicate)).toEqual([false, false, false, true, false, true]);
    // maxBatch 2: the four distinct identities took two transactions.
    expect(await log.checkpointAt(2)).toBeDefined();
    expect(await log.checkpointAt(4)).toBeDefined();
  });
});

describe('entry times', () => {
  it('never decrease, even when the clock goes back', async () => {
    const ticks = [5_000, 9_000, 3_000, 9_500, 1_000, 12_000];
    let now = 0;
    const log = await fresh({ clock: () => now });
    const times: number[] = [];
    for (let n = 0; n < ticks.length; n++) {
      now = ticks[n]!;
      const s = await log.submit(identity(n, 'clock'));
      expect(decodeEntry(s.entry).timestamp).toBe(s.timestamp);
      times.push(s.timestamp);
    }
    expect(times).toEqual([5_000, 9_000, 9_000, 9_500, 9_500, 12_000]);
  });

  it('never decrease across a restart with a clock behind the log', async () => {
    const t = tempDir();
    const first = await openLog(t.db, { clock: () => 50_000 });
    expect((await first.submit(identity(1, 'restart-clock'))).timestamp).toBe(50_000);
    await first.close();
    const second = await openLog(t.db, { clock: () => 10_000 });
    expect((await second.submit(identity(2, 'restart-clock'))).timestamp).toBe(50_000);
    await second.close();
    await t.cleanup();
  });
});

describe('answers and pushback', () => {
  it('each answer carries a committed checkpoint whose size covers its index', async () => {
    const seen: number[] = [];
    const log = await fresh({ onCheckpoint: (_signed, cp) => void seen.push(cp.size) });
    const got = await Promise.all(Array.from({ length: 50 }, (_, n) => log.submit(identity(n, 'answers'))));
    for (const s of got) {
      const size = sizeOf(s.checkpoint);
      expect(size).toBeGreaterThan(s.index);
      expect(await log.checkpointAt(size)).toBe(s.checkpoint);
    }
    expect(seen.at(-1)).toBe(50);
    expect(log.latest().checkpoint.size).toBe(50);
  });

  it('rejects malformed identities with MALFORMED_REQUEST', async () => {
    const log = await fresh();
    await expect(log.submit(new Uint8Array(31))).rejects.toMatchObject({ code: 'MALFORMED_REQUEST' });
    await expect(log.submitMany([identity(1), new Uint8Array(33)])).rejects.toMatchObject({ code: 'MALFORMED_REQUEST' });
    expect(log.size).toBe(0);
  });

  it('pushes back with UNAVAILABLE beyond maxPending, and keeps working', async () => {
    const log = await fresh({ maxPending: 10, batchIntervalMs: 20 });
    const ok = log.submitMany(Array.from({ length: 8 }, (_, n) => identity(n, 'push')));
    await expect(log.submitMany([identity(100), identity(101), identity(102)])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await ok;
    expect((await log.submitMany([identity(100), identity(101)])).map((s) => s.index)).toEqual([8, 9]);
  });

  it('close sequences what is waiting, then refuses with UNAVAILABLE', async () => {
    const t = tempDir();
    const log = await openLog(t.db, { batchIntervalMs: 10_000 });
    const pending = log.submitMany([identity(1), identity(2)]);
    await log.close();
    expect((await pending).map((s) => s.index)).toEqual([0, 1]);
    await expect(log.submit(identity(3))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    const again = await openLog(t.db);
    expect(again.size).toBe(2);
    await again.close();
    await t.cleanup();
  });
});

describe('the commit point is the sync after COMMIT (SQLite: the WAL fsync)', () => {
  /** gate holds every sync until released; `reached` resolves when one is waiting. */
  function gate() {
    let release: (ok: boolean) => void = () => undefined;
    let reached: () => void = () => undefined;
    const waiting = new Promise<void>((r) => (reached = r));
    const onSync = async (fsync: () => Promise<void>) => {
      const ok = await new Promise<boolean>((r) => {
        release = r;
        reached();
      });
      if (!ok) throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
      await fsync();
    };
    return { onSync, waiting, release: (ok: boolean) => release(ok) };
  }

  it('a committed batch is neither answered nor published before its sync; a resubmission joins it', async () => {
    const t = tempDir();
    const g = gate();
    const log = await openLog(t.db, { onSync: g.onSync });
    const first = log.submit(identity(1, 'window'));
    let answered = false;
    void first.then(() => (answered = true));
    await g.waiting;
    // Committed, not yet synced: nothing of it is visible.
    expect(answered).toBe(false);
    expect(log.size).toBe(0);
    expect(await log.lookup(identity(1, 'window'))).toBeUndefined();
    expect(await log.checkpointAt(1)).toBeUndefined();
    expect(await log.readTile({ level: 0, index: 0, width: 1 })).toBeUndefined();
    const again = log.submit(identity(1, 'window'));
    g.release(true);
    const [a, b] = await Promise.all([first, again]);
    expect([a.index, a.duplicate, b.index, b.duplicate]).toEqual([0, false, 0, true]);
    expect(log.size).toBe(1);
    expect((await log.lookup(identity(1, 'window')))?.index).toBe(0);
    await log.close();
    await t.cleanup();
  });

  it('a failed sync answers UNAVAILABLE and refuses writes until a restart, which recovers a consistent log', async () => {
    const t = tempDir();
    const g = gate();
    const log = await openLog(t.db, { onSync: g.onSync });
    const first = log.submit(identity(1, 'eio'));
    await g.waiting;
    g.release(false);
    await expect(first).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(log.submit(identity(2, 'eio'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(log.size).toBe(0);
    await log.close();
    // The commit did reach SQLite (the fault was injected after it): a restart finds it, consistent.
    const again = await openLog(t.db);
    expect(again.size).toBe(1);
    const got = await again.submit(identity(1, 'eio'));
    expect([got.index, got.duplicate]).toEqual([0, true]);
    expect(sizeOf(got.checkpoint)).toBe(1);
    await again.close();
    await t.cleanup();
  });

  it('overlapping syncs: a later sync that returns first makes every earlier commit durable, answered in order', async () => {
    const t = tempDir();
    const held: { release: () => void }[] = [];
    let arrived: () => void = () => undefined;
    const onSync = async (fsync: () => Promise<void>) => {
      await new Promise<void>((r) => {
        held.push({ release: r });
        arrived();
      });
      await fsync();
    };
    const nextSync = () => new Promise<void>((r) => (arrived = r));
    const log = await openLog(t.db, { onSync });
    let first = nextSync();
    const x = log.submit(identity(1, 'overlap'));
    await first;
    first = nextSync();
    const y = log.submit(identity(2, 'overlap'));
    await first;
    expect(held.length).toBe(2);
    expect(log.size).toBe(0);
    held[1]!.release();
    const [a, b] = await Promise.all([x, y]);
    expect([a.index, b.index, log.size]).toEqual([0, 1, 2]);
    expect(sizeOf(a.checkpoint)).toBe(1);
    expect(sizeOf(b.checkpoint)).toBe(2);
    held[0]!.release();
    await log.close();
    await t.cleanup();
  });

  it('group commit waits a few more event-loop turns while submissions keep arriving, at most three; then a lone one commits at once', async () => {
    const t = tempDir();
    const batches: number[] = [];
    const log = await openLog(t.db, { batchIntervalMs: undefined, onBatch: (n) => batches.push(n) });
    const turn = () => new Promise<void>((r) => setImmediate(r));
    const answers: Promise<unknown>[] = [];
    // Two submissions per turn for eight turns: a busy loop, as under many connections.
    for (let i = 0; i < 8; i++) {
      answers.push(log.submit(identity(2 * i, 'turns')), log.submit(identity(2 * i + 1, 'turns')));
      await turn();
    }
    await Promise.all(answers);
    // The first batch took its own turn's two and three more turns' worth, then committed.
    expect(batches[0]).toBe(8);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(16);
    batches.length = 0;
    await log.submit(identity(99, 'turns')); // alone: no turn brings more, so nothing waits
    expect(batches).toEqual([1]);
    await log.close();
    await t.cleanup();
  });

  it('group commit (the default): a lone submission commits at once; what arrives while both syncs run goes in one batch when one returns', async () => {
    const t = tempDir();
    const held: (() => void)[] = [];
    let arrived: () => void = () => undefined;
    const onSync = async (fsync: () => Promise<void>) => {
      await new Promise<void>((r) => {
        held.push(r);
        arrived();
      });
      await fsync();
    };
    const nextSync = () => new Promise<void>((r) => (arrived = r));
    const batches: number[] = [];
    // openLog's helper sets a 1 ms interval; group commit is the production default (undefined).
    const log = await openLog(t.db, { onSync, batchIntervalMs: undefined, onBatch: (n) => batches.push(n) });
    let sync = nextSync();
    const a = log.submit(identity(1, 'group'));
    await sync; // committed and syncing without any timer
    sync = nextSync();
    const b = log.submit(identity(2, 'group'));
    await sync;
    // Both sync slots are taken: these pool, however long the disk takes.
    const rest = log.submitMany([identity(3, 'group'), identity(4, 'group'), identity(5, 'group')]);
    await new Promise((r) => setTimeout(r, 30));
    expect(held.length).toBe(2);
    // Not even committed yet (a timer-driven sequencer would have committed them by now).
    if (onSqlite) {
      const reader = new Database(t.db, { readonly: true });
      expect(reader.prepare('SELECT count(*) AS n FROM identities').get()).toEqual({ n: 2 });
      reader.close();
    }
    sync = nextSync();
    held[0]!();
    await sync; // the first sync returned: the pool is committed as one batch, with a third sync
    held[1]!();
    held[2]!();
    const [x, y, more] = await Promise.all([a, b, rest]);
    expect([x.index, y.index, ...more.map((m) => m.index)]).toEqual([0, 1, 2, 3, 4]);
    expect(batches).toEqual([1, 1, 3]);
    await log.close();
    await t.cleanup();
  });
});
