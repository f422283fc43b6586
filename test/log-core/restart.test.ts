/**
 * Restart without replay: a reopened log has the same size, root and latest checkpoint, keeps
 * appending correctly, and still serves the partial tiles of every size it ever published.
 * Opening refuses a missing database, a wrong origin or key, a second writer, and tiles that
 * no longer reproduce the latest checkpoint (corruption).
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/encoding/utf8.js';
import { treeRoot } from '../../src/merkle/tree.js';
import { tileReader, tilesForSize } from '../../src/merkle/tiles.js';
import { verifyConsistency } from '../../src/merkle/proof.js';
import { parseCheckpoint } from '../../src/note/checkpoint.js';
import { newSignerKey, parseSignerKey } from '../../src/note/keys.js';
import { parseNote } from '../../src/note/note.js';
import { Log, type Sequenced } from '../../log-server/log.js';
import { onSqlite, testBackend } from '../helpers/backends.js';
import { ORIGIN, identity, openLog, oracleLeaf, oracleMth, oracleTile, signer, tempDir } from './helpers.js';

const rootOf = (signed: string) => parseCheckpoint(parseNote(signed).text).root;

describe('restart', () => {
  it('restores size, root and latest checkpoint, continues appending, and serves every earlier partial tile', async () => {
    const t = tempDir();
    const got: Sequenced[] = [];
    const sizes: number[] = [0];
    const grow = async (log: Log, n: number) => {
      got.push(...(await log.submitMany(Array.from({ length: n }, (_, j) => identity(got.length + j, 'restart')))));
      sizes.push(log.size);
    };
    let log = await openLog(t.db);
    for (const n of [1, 6, 250, 1]) await grow(log, n);
    const before = log.latest();
    await log.close();

    log = await openLog(t.db, { create: false });
    expect(log.size).toBe(258);
    expect(log.latest()).toEqual(before);
    for (const n of [300, 1, 9000]) await grow(log, n);
    await log.close();
    log = await openLog(t.db, { create: false });
    await grow(log, 3);
    expect(log.size).toBe(9562);

    const leaves = got.map((s) => oracleLeaf(s.entry));
    for (const size of sizes) {
      const signed = (await log.checkpointAt(size))!;
      expect(equalBytes(rootOf(signed), oracleMth(leaves, 0, size)), `root at ${size}`).toBe(true);
      // A client of size `size` reads exactly the tiles of that size, partial ones as `.p/W`.
      const tiles = new Map<string, Uint8Array>();
      for (const tile of tilesForSize(size)) tiles.set(JSON.stringify(tile), (await log.readTile(tile))!);
      expect(equalBytes(treeRoot(size, tileReader(size, (tile) => tiles.get(JSON.stringify(tile))!)), rootOf(signed))).toBe(true);
      for (const tile of tilesForSize(size).filter((x) => x.width < 256)) {
        expect(equalBytes(tiles.get(JSON.stringify(tile))!, oracleTile(leaves, tile.level, tile.index, tile.width)), `${JSON.stringify(tile)} of ${size}`).toBe(true);
      }
      verifyConsistency(size, log.size, rootOf(signed), rootOf(log.latest().signed), await log.consistencyProof(size, log.size));
    }
    await log.close();
    await t.cleanup();
  });
});

describe('opening', () => {
  it('refuses a missing database without create (NOT_FOUND), and creates nothing', async () => {
    const t = tempDir();
    await expect(Log.open({ backend: testBackend().factory(t.db), origin: ORIGIN, signer })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(Log.open({ backend: testBackend().factory(t.db), origin: ORIGIN, signer })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await t.cleanup();
  });

  it.runIf(onSqlite)('refuses a second writer in the same process with CONFLICT, and allows it after close', async () => {
    const t = tempDir();
    const log = await openLog(t.db);
    await expect(openLog(t.db)).rejects.toMatchObject({ code: 'CONFLICT' });
    await log.submit(identity(1));
    await log.close();
    const again = await openLog(t.db);
    expect(again.size).toBe(1);
    await again.close();
    await t.cleanup();
  });

  it('refuses a key whose name is not the origin, another origin, or another key (ORIGIN_MISMATCH, UNKNOWN_KEY)', async () => {
    const t = tempDir();
    await (await openLog(t.db)).close();
    await expect(Log.open({ backend: testBackend().factory(t.db), origin: 'other.example/log', signer })).rejects.toMatchObject({ code: 'ORIGIN_MISMATCH' });
    const other = parseSignerKey(newSignerKey('other.example/log', new Uint8Array(32).fill(1)));
    await expect(Log.open({ backend: testBackend().factory(t.db), origin: 'other.example/log', signer: other })).rejects.toMatchObject({ code: 'ORIGIN_MISMATCH' });
    const sameNameOtherKey = parseSignerKey(newSignerKey(ORIGIN, new Uint8Array(32).fill(2)));
    await expect(Log.open({ backend: testBackend().factory(t.db), origin: ORIGIN, signer: sameNameOtherKey })).rejects.toMatchObject({ code: 'UNKNOWN_KEY' });
    // Each refusal released the lock.
    await (await openLog(t.db)).close();
    await t.cleanup();
  });

  it.runIf(onSqlite)('refuses to start when the stored tiles do not give the latest checkpoint root (INCONSISTENT_LOG)', async () => {
    const t = tempDir();
    const log = await openLog(t.db);
    await log.submitMany(Array.from({ length: 300 }, (_, j) => identity(j, 'corrupt')));
    await log.close();
    const db = new Database(t.db);
    const row = db.prepare('SELECT hashes FROM tiles WHERE level = 0 AND idx = 1').get() as { hashes: Buffer };
    row.hashes[0] = (row.hashes[0]! + 1) % 256;
    db.prepare('UPDATE tiles SET hashes = ? WHERE level = 0 AND idx = 1').run(row.hashes);
    db.close();
    await expect(openLog(t.db)).rejects.toMatchObject({ code: 'INCONSISTENT_LOG' });
    const db2 = new Database(t.db);
    db2.prepare('UPDATE tiles SET hashes = substr(hashes, 1, 64) WHERE level = 0 AND idx = 1').run();
    db2.close();
    await expect(openLog(t.db)).rejects.toMatchObject({ code: 'INCONSISTENT_LOG' });
    await t.cleanup();
  });

  it.runIf(onSqlite)('applies migrations once, recording the schema version', async () => {
    const t = tempDir();
    await (await openLog(t.db)).close();
    await (await openLog(t.db)).close();
    const db = new Database(t.db, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    await t.cleanup();
  });

  it.runIf(onSqlite)('refuses a database written by a newer schema (CONFLICT)', async () => {
    const t = tempDir();
    await (await openLog(t.db)).close();
    const db = new Database(t.db);
    db.pragma('user_version = 99');
    db.close();
    await expect(openLog(t.db)).rejects.toMatchObject({ code: 'CONFLICT' });
    await t.cleanup();
  });
});
