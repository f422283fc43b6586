/**
 * The PostgreSQL backend against a real server: batches commit through the fenced
 * `runproof_commit_batch`, the lease moves between two instances, and a sequencer that lost its
 * lease (or builds on a stale checkpoint) writes nothing. The last case turns the fence off and
 * shows the fork it prevents. Bad databases are refused with a clear error, unchanged.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRunproofError } from '../../src/errors.js';
import { formatCheckpoint } from '../../src/note/checkpoint.js';
import { ENTRY_TYPE_RUN_DECLARED, encodeEntry } from '../../src/note/entry.js';
import { newSignerKey, parseSignerKey, verifierKey } from '../../src/note/keys.js';
import { signNote } from '../../src/note/note.js';
import { FencedError, type BatchWrite, type StoredCheckpoint } from '../../log-server/storage/backend.js';
import { openPostgresBackend, type PostgresBackend } from '../../log-server/storage/postgres/backend.js';
import { postgresMigrations } from '../../log-server/storage/postgres/migrate.js';
import { RightEdge } from '../../log-server/storage/right-edge.js';
import { startPostgres, freePort, type TestPostgres } from '../helpers/postgres.js';

const ORIGIN = 'pg.test.example/log';
const signer = parseSignerKey(newSignerKey(ORIGIN, new Uint8Array(32).fill(7)));
const VKEY = verifierKey(signer);
const digest = (n: number, salt = '') => new Uint8Array(createHash('sha256').update(`${salt}:${n}`).digest());

/** batch builds the write that appends `digests` to `edge` (what the sequencer would commit). */
function batch(edge: RightEdge, digests: Uint8Array[], time = 1_700_000_000_000): { next: RightEdge; write: BatchWrite } {
  const entries = digests.map((identity) => encodeEntry({ type: ENTRY_TYPE_RUN_DECLARED, timestamp: time, identity }));
  const { next, writes } = edge.append(entries, time);
  const note = signNote(formatCheckpoint({ origin: ORIGIN, size: next.size, root: next.root(), extensions: [] }), [signer]);
  return { next, write: { first: edge.size, digests, blobs: writes, checkpoint: { size: next.size, note } } };
}

async function genesis(b: PostgresBackend): Promise<StoredCheckpoint> {
  const note = signNote(formatCheckpoint({ origin: ORIGIN, size: 0, root: RightEdge.empty().root(), extensions: [] }), [signer]);
  await b.initialise({ origin: ORIGIN, createdMs: 1, checkpoint: { size: 0, note } });
  return { size: 0, note };
}

async function commit(b: PostgresBackend, previous: StoredCheckpoint, w: BatchWrite): Promise<void> {
  const tx = b.begin(previous);
  await tx.commit(w);
}

async function expectCode(p: Promise<unknown>, code: string): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(isRunproofError(e) ? e.code : e).toBe(code);
  return (e as Error).message;
}

describe('PostgreSQL backend: fenced batches and the sequencer lease', () => {
  let server: TestPostgres;
  const open: PostgresBackend[] = [];
  const backend = async (url: string, extra: { create?: boolean; fenced?: boolean } = {}) => {
    const b = await openPostgresBackend({ url, create: extra.create ?? true, vkey: VKEY, ...(extra.fenced === undefined ? {} : { fenced: extra.fenced }) });
    open.push(b);
    return b;
  };
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    for (const b of open) await b.close();
    await server?.stop();
  });

  it('commits batches, reads them back, and moves the lease only when its holder lets go', async () => {
    const url = await server.createDatabase();
    const a = await backend(url);
    const b = await backend(url, { create: false });
    let prev = await genesis(a);
    const changes: string[] = [];
    const la = await a.startLease('a', 3000, (e) => changes.push(`a:${e}`));
    const lb = await b.startLease('b', 3000, (e) => changes.push(`b:${e}`));
    expect(la.epoch).toBe(1);
    expect(lb.epoch).toBeUndefined();
    const one = batch(RightEdge.empty(), [digest(1), digest(2), digest(3)]);
    await commit(a, prev, one.write);
    prev = one.write.checkpoint;
    expect(await b.latestCheckpoint()).toEqual(prev);
    expect(await b.indexesOf([digest(2), digest(9)])).toEqual([1, undefined]);
    expect(await b.readBlob('entries', 0)).toEqual(one.next.bundleTail());
    expect(await b.readBlob(0, 0)).toEqual(one.next.partialTile(0));
    expect(await b.readBundleSlice(0, 43 + 2, 41)).toEqual(encodeEntry({ type: ENTRY_TYPE_RUN_DECLARED, timestamp: 1_700_000_000_000, identity: digest(2) }));
    expect(await b.checkpointAt(3)).toBe(prev.note);
    // a keeps renewing (every second; the machine may be slow, so the lease is long): b never gets it.
    await new Promise((r) => setTimeout(r, 1000));
    expect(lb.epoch).toBeUndefined();
    expect(la.epoch).toBe(1);
    // a stops (gracefully): b takes over at its next attempt, with a new epoch.
    await la.stop();
    await lb.tick();
    expect(lb.epoch).toBe(2);
    expect(changes).toEqual(['a:1', 'a:undefined', 'b:2']);
  });

  it('refuses a batch from a sequencer whose lease was taken over, and one built on a stale checkpoint', async () => {
    const url = await server.createDatabase();
    const a = await backend(url);
    const b = await backend(url, { create: false });
    const g = await genesis(a);
    // Manual ticks only (no timers): a "pauses" by not renewing.
    a.lease = new (await import('../../log-server/storage/postgres/lease.js')).SequencerLease(a.pool, 'a', 300, { changed: () => undefined }, () => 0);
    await a.lease.tick();
    expect(a.lease.epoch).toBe(1);
    const b1 = await b.startLease('b', 3000, () => undefined);
    expect(b1.epoch).toBeUndefined();
    await new Promise((r) => setTimeout(r, 400)); // a's lease expires in the database
    await b1.tick();
    expect(b1.epoch).toBe(2);
    // a still believes it holds epoch 1 (its local clock is frozen at 0): the database says no.
    const stale = batch(RightEdge.empty(), [digest(1, 'a')]);
    await expect(commit(a, g, stale.write)).rejects.toBeInstanceOf(FencedError);
    // b sequences; a batch built on genesis again (stale previous) is refused even with b's epoch.
    const good = batch(RightEdge.empty(), [digest(1, 'b'), digest(2, 'b')]);
    await commit(b, g, good.write);
    await expect(commit(b, g, batch(RightEdge.empty(), [digest(3, 'b')]).write)).rejects.toBeInstanceOf(FencedError);
    expect(await b.latestCheckpoint()).toEqual(good.write.checkpoint);
    expect(await b.indexesOf([digest(1, 'a'), digest(3, 'b')])).toEqual([undefined, undefined]);
    const n = (await server.query<{ n: string }>('SELECT count(*)::text AS n FROM checkpoints', [], url.split('/').pop()))[0]!.n;
    expect(n).toBe('2');
  });

  it('without the fence, the paused old sequencer forks the log (what the fence prevents)', async () => {
    const url = await server.createDatabase();
    const a = await backend(url, { fenced: false });
    const b = await backend(url, { create: false, fenced: false });
    const g = await genesis(a);
    // b sequences one entry while a is "paused"; a wakes up and commits 3 entries on genesis.
    const fromB = batch(RightEdge.empty(), [digest(1, 'b')]);
    await commit(b, g, fromB.write);
    const fromA = batch(RightEdge.empty(), [digest(1, 'a'), digest(2, 'a'), digest(3, 'a')]);
    await commit(a, g, fromA.write);
    // The entry b acknowledged at index 0 is gone from the bundle that the log now serves.
    const bundle = await b.readBlob('entries', 0);
    expect(bundle).toEqual(fromA.next.bundleTail());
    expect(bundle).not.toEqual(fromB.next.bundleTail().subarray(0, bundle!.length));
    expect((await b.latestCheckpoint())!.size).toBe(3);
    // Two identities at index 0: the log's history was rewritten.
    expect(await b.indexesOf([digest(1, 'b'), digest(1, 'a')])).toEqual([0, 0]);
  });

  it('refuses bad databases with a clear error and writes nothing', async () => {
    // No runproof schema and no --init: NOT_FOUND, and the database stays empty.
    const empty = await server.createDatabase();
    const msg = await expectCode(openPostgresBackend({ url: empty, create: false, vkey: VKEY }), 'NOT_FOUND');
    expect(msg).toMatch(/no runproof log.*--init/);
    const tables = await server.query('SELECT tablename FROM pg_tables WHERE schemaname = $1', ['public'], empty.split('/').pop());
    expect(tables).toEqual([]);
    // Another log's database (another key).
    const url = await server.createDatabase();
    await genesis(await backend(url));
    const other = verifierKey(parseSignerKey(newSignerKey(ORIGIN, new Uint8Array(32).fill(8))));
    expect(await expectCode(openPostgresBackend({ url, create: true, vkey: other }), 'UNKNOWN_KEY')).toContain(VKEY);
    // A schema from a newer runproof.
    const newer = await server.createDatabase();
    await genesis(await backend(newer));
    await server.query('UPDATE runproof_schema SET version = $1', [postgresMigrations().length + 1], newer.split('/').pop());
    expect(await expectCode(openPostgresBackend({ url: newer, create: true, vkey: VKEY }), 'CONFLICT')).toMatch(/newer runproof/);
    // A database that does not exist; a port where nothing listens.
    expect(await expectCode(openPostgresBackend({ url: `postgres://postgres@127.0.0.1:${server.port}/nope`, create: true, vkey: VKEY }), 'NOT_FOUND')).toMatch(/does not exist/);
    const port = await freePort();
    expect(await expectCode(openPostgresBackend({ url: `postgres://postgres@127.0.0.1:${port}/x`, create: true, vkey: VKEY }), 'UNAVAILABLE')).toMatch(/cannot reach.*ECONNREFUSED/);
  });
});
