/**
 * Storage faults: a full database (PRAGMA max_page_count) or a read-only connection makes the
 * batch fail with UNAVAILABLE and writes nothing (size, tiles, checkpoints, identities all
 * unchanged); once the fault is gone the same log keeps working and stays consistent.
 */
import { mkdirSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { equalBytes } from '../../src/encoding/utf8.js';
import { verifyConsistency } from '../../src/merkle/proof.js';
import { tilesForSize } from '../../src/merkle/tiles.js';
import type { Signer } from '../../src/note/keys.js';
import { Log, type Sequenced } from '../../log-server/log.js';
import { acquireWriterLock } from '../../log-server/storage/lock.js';
import { onSqlite, testBackend } from '../helpers/backends.js';
import { ORIGIN, identity, openLog, oracleLeaf, oracleMth, signer, tempDir } from './helpers.js';

/** snapshot records everything a failed batch must not change. */
async function snapshot(log: Log) {
  const size = log.size;
  return {
    size,
    latest: log.latest().signed,
    tiles: await Promise.all(tilesForSize(size).map((t) => log.readTile(t))),
    next: await log.readTile({ level: 0, index: Math.floor(size / 256), width: (size % 256) + 1 }),
    nextCheckpoint: await log.checkpointAt(size + 1),
  };
}

async function withFault(name: string, inject: (db: Database.Database) => void, clear: (db: Database.Database) => void): Promise<void> {
  const t = tempDir();
  let db: Database.Database | undefined;
  const log = await openLog(t.db, { onDatabase: (d) => (db = d) });
  const got: Sequenced[] = await log.submitMany(Array.from({ length: 300 }, (_, j) => identity(j, name)));
  const before = await snapshot(log);

  inject(db!);
  const batch = Array.from({ length: 2000 }, (_, j) => identity(1000 + j, name));
  await expect(log.submitMany(batch)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  expect(await snapshot(log)).toEqual(before);
  expect(await log.lookup(batch[0]!)).toBeUndefined();
  // Reads and already-logged identities still work during the fault.
  expect((await log.submit(identity(7, name))).index).toBe(7);
  // Even in the same failing batch as a new identity: the stored one is answered from the index.
  const [old, fresh] = await Promise.allSettled([log.submit(identity(8, name)), log.submitMany(batch)]);
  expect(old).toMatchObject({ status: 'fulfilled', value: { index: 8, duplicate: true } });
  expect(fresh).toMatchObject({ status: 'rejected', reason: { code: 'UNAVAILABLE' } });
  expect(await snapshot(log)).toEqual(before);

  clear(db!);
  got.push(...(await log.submitMany(batch)));
  expect(log.size).toBe(2300);
  got.forEach((s, i) => expect(s.index).toBe(i));
  const leaves = got.map((s) => oracleLeaf(s.entry));
  expect(equalBytes(log.latest().checkpoint.root, oracleMth(leaves))).toBe(true);
  verifyConsistency(300, 2300, oracleMth(leaves, 0, 300), log.latest().checkpoint.root, await log.consistencyProof(300, 2300));
  await log.close();

  const again = await openLog(t.db, { create: false });
  expect(again.size).toBe(2300);
  await again.close();
  await t.cleanup();
}

describe('storage faults', () => {
  it.runIf(onSqlite)('a full database (max_page_count) rejects the batch with UNAVAILABLE and writes nothing', async () => {
    await withFault(
      'full',
      (db) => db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`),
      (db) => db.pragma('max_page_count = 1073741823'),
    );
  });

  it.runIf(onSqlite)('a read-only database rejects the batch with UNAVAILABLE and writes nothing', async () => {
    await withFault(
      'readonly',
      (db) => db.pragma('query_only = ON'),
      (db) => db.pragma('query_only = OFF'),
    );
  });

  it('a signer that fails before COMMIT rejects the batch with UNAVAILABLE and writes nothing', async () => {
    const t = tempDir();
    let broken = false;
    const flaky: Signer = { ...signer, sign: (msg) => {
      if (broken) throw new Error('HSM unreachable');
      return signer.sign(msg);
    } };
    const log = await Log.open({ backend: testBackend().factory(t.db), origin: ORIGIN, signer: flaky, create: true, batchIntervalMs: 1 });
    await log.submitMany([identity(1, 'sign'), identity(2, 'sign')]);
    const before = await snapshot(log);
    broken = true;
    await expect(log.submit(identity(3, 'sign'))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await snapshot(log)).toEqual(before);
    expect(await log.lookup(identity(3, 'sign'))).toBeUndefined();
    broken = false;
    expect((await log.submit(identity(3, 'sign'))).index).toBe(2);
    await log.close();
    await t.cleanup();
  });

  it('a throwing onCheckpoint hook does not undo or block committed batches', async () => {
    const t = tempDir();
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const log = await openLog(t.db, { onCheckpoint: () => {
      throw new Error('witness pool bug');
    } });
    expect((await log.submit(identity(1, 'hook'))).index).toBe(0);
    expect((await log.submit(identity(2, 'hook'))).index).toBe(1);
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
    await log.close();
    await t.cleanup();
  });

  it.runIf(onSqlite)('a database file that cannot be opened for writing is UNAVAILABLE at open', async () => {
    const t = tempDir();
    // A directory where the database file should be: SQLite cannot open it (SQLITE_CANTOPEN).
    mkdirSync(t.db);
    await expect(openLog(t.db)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    // The failed open released its lock.
    acquireWriterLock(t.db).release();
    await t.cleanup();
  });
});
