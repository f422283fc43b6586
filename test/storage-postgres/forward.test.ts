/**
 * Submissions on an instance that does not sequence travel through PostgreSQL (`pending`,
 * NOTIFY runproof_pending) to the instance that does, and are answered only once committed
 * below a stored head. The sequencing side here is the backend's real commit path driven by a
 * minimal sequencer (build the batch on the stored head, commit it fenced), so the test needs
 * nothing but the backend and a real server. Queued rows outlive the sequencer that should have
 * logged them.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../../src/note/checkpoint.js';
import { ENTRY_TYPE_RUN_DECLARED, encodeEntry } from '../../src/note/entry.js';
import { newSignerKey, parseSignerKey, verifierKey } from '../../src/note/keys.js';
import { signNote } from '../../src/note/note.js';
import type { StoredCheckpoint } from '../../log-server/storage/backend.js';
import { openPostgresBackend, type PostgresBackend } from '../../log-server/storage/postgres/backend.js';
import { Drainer, Forwarder } from '../../log-server/storage/postgres/forward.js';
import { RightEdge } from '../../log-server/storage/right-edge.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { dbName } from './cluster.js';

const ORIGIN = 'pg.test.example/log';
const signer = parseSignerKey(newSignerKey(ORIGIN, new Uint8Array(32).fill(7)));
const VKEY = verifierKey(signer);
const digest = (n: number) => new Uint8Array(createHash('sha256').update(`f:${n}`).digest());

/** MiniSequencer appends what it is given on top of the stored head, one fenced batch per call. */
class MiniSequencer {
  private edge = RightEdge.empty();
  private head: StoredCheckpoint;
  batches = 0;
  constructor(
    private readonly b: PostgresBackend,
    genesis: StoredCheckpoint,
  ) {
    this.head = genesis;
  }
  private tail: Promise<void> = Promise.resolve();
  /** sequence logs `digests` after every earlier call (the drainer may hand over two sets at once). */
  sequence(digests: Uint8Array[]): Promise<void> {
    const run = this.tail.then(() => this.once(digests));
    this.tail = run.catch(() => undefined);
    return run;
  }
  private async once(digests: Uint8Array[]): Promise<void> {
    const stored = await this.b.indexesOf(digests);
    const fresh = digests.filter((_, i) => stored[i] === undefined);
    if (fresh.length === 0) return;
    const entries = fresh.map((identity) => encodeEntry({ type: ENTRY_TYPE_RUN_DECLARED, timestamp: 1, identity }));
    const { next, writes } = this.edge.append(entries, 1);
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: next.size, root: next.root(), extensions: [] }), [signer]);
    await this.b.begin(this.head).commit({ first: this.edge.size, digests: fresh, blobs: writes, checkpoint: { size: next.size, note } });
    this.edge = next;
    this.head = { size: next.size, note };
    this.batches++;
  }
}

describe('forwarding submissions through PostgreSQL', () => {
  let server: TestPostgres;
  const open: PostgresBackend[] = [];
  const backend = async (url: string) => {
    const b = await openPostgresBackend({ url, create: true, vkey: VKEY });
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

  it('a follower answers only after the sequencer committed, with a stored head covering the entry', async () => {
    const url = await server.createDatabase();
    const leader = await backend(url);
    const follower = await backend(url);
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: 0, root: RightEdge.empty().root(), extensions: [] }), [signer]);
    await leader.initialise({ origin: ORIGIN, createdMs: 1, checkpoint: { size: 0, note } });
    await leader.startLease('leader', 2000, () => undefined);
    const seq = new MiniSequencer(leader, { size: 0, note });
    const forwarder = new Forwarder(follower, 20_000);
    // Nobody drains yet: the identities wait in `pending`.
    const answers = forwarder.forward([digest(1), digest(2), digest(3)]);
    let answered = 0;
    answers.forEach((p) => void p.then(() => answered++));
    await new Promise((r) => setTimeout(r, 700));
    expect(answered).toBe(0);
    const n = (await server.query<{ n: string }>('SELECT count(*)::text AS n FROM pending', [], dbName(url)))[0]!.n;
    expect(n).toBe('3');
    // The sequencer starts draining: all three are logged and answered, and the rows are gone.
    const drainer = new Drainer(leader.pool, (fn) => leader.listen('runproof_pending', fn), (d) => seq.sequence(d));
    const got = await Promise.all(answers);
    expect(got.map((g) => g.index).sort()).toEqual([0, 1, 2]);
    for (const g of got) expect(g.head.size).toBeGreaterThan(g.index);
    expect((await follower.latestCheckpoint())!.size).toBe(3);
    // More, while draining runs: woken by NOTIFY, not by the 1 s poll alone.
    const started = Date.now();
    const more = await Promise.all(forwarder.forward(Array.from({ length: 50 }, (_, i) => digest(100 + i))));
    expect(new Set(more.map((m) => m.index)).size).toBe(50);
    expect(Math.min(...more.map((m) => m.index))).toBe(3);
    console.log(`50 forwarded identities answered in ${Date.now() - started} ms, ${seq.batches} batches so far`);
    await new Promise((r) => setTimeout(r, 300));
    expect(await server.query('SELECT 1 FROM pending', [], dbName(url))).toEqual([]);
    drainer.stop();
    forwarder.close();
  });

  it('the drainer reads again while a hand-over commits, never hands the same rows twice, and holds at most two', async () => {
    const url = await server.createDatabase();
    const b = await backend(url);
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: 0, root: RightEdge.empty().root(), extensions: [] }), [signer]);
    await b.initialise({ origin: ORIGIN, createdMs: 1, checkpoint: { size: 0, note } });
    const queue = (ns: number[]) =>
      b.pool.query("WITH q AS (INSERT INTO pending (digest) SELECT unnest($1::bytea[])) SELECT pg_notify('runproof_pending', '')", [ns.map((n) => Buffer.from(digest(n)))]);
    const calls: number[][] = [];
    const gates: (() => void)[] = [];
    const names = new Map(Array.from({ length: 10 }, (_, n) => [Buffer.from(digest(n)).toString('hex'), n]));
    // A sequencer that "commits" only when the test opens its gate.
    const drainer = new Drainer(b.pool, (fn) => b.listen('runproof_pending', fn), (d) => {
      calls.push(d.map((x) => names.get(Buffer.from(x).toString('hex'))!).sort());
      return new Promise<void>((r) => gates.push(r));
    });
    const until = async (what: string, ok: () => boolean) => {
      for (const end = Date.now() + 10_000; !ok(); await new Promise((r) => setTimeout(r, 20))) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    };
    await queue([1, 2, 3]);
    await until('the first hand-over', () => calls.length === 1);
    await queue([4, 5]);
    await until('a second hand-over while the first commits', () => calls.length === 2);
    expect(calls).toEqual([[1, 2, 3], [4, 5]]);
    await queue([6]);
    await new Promise((r) => setTimeout(r, 1300)); // a notification and a poll: still two out
    expect(calls.length).toBe(2);
    gates[0]!(); // the first commits: its rows are deleted, and the queued one goes out
    await until('the third hand-over', () => calls.length === 3);
    expect(calls[2]).toEqual([6]);
    gates[1]!();
    gates[2]!();
    for (const end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
      if ((await server.query('SELECT 1 FROM pending', [], dbName(url))).length === 0) break;
    }
    expect(await server.query('SELECT 1 FROM pending', [], dbName(url))).toEqual([]);
    expect(calls.length).toBe(3); // nothing was handed over twice
    drainer.stop();
  });

  it('a queued identity outlives the death of the sequencer that should have logged it', async () => {
    const url = await server.createDatabase();
    const a = await backend(url);
    const note = signNote(formatCheckpoint({ origin: ORIGIN, size: 0, root: RightEdge.empty().root(), extensions: [] }), [signer]);
    await a.initialise({ origin: ORIGIN, createdMs: 1, checkpoint: { size: 0, note } });
    const follower = await backend(url);
    const forwarder = new Forwarder(follower, 20_000);
    const waiting = forwarder.forward([digest(7)])[0]!;
    await new Promise((r) => setTimeout(r, 300));
    // The first would-be sequencer dies before draining (its connections close); a second one
    // takes the lease and finds the row.
    await a.close();
    const b = await backend(url);
    await b.startLease('b', 2000, () => undefined);
    const seq = new MiniSequencer(b, { size: 0, note });
    const drainer = new Drainer(b.pool, (fn) => b.listen('runproof_pending', fn), (d) => seq.sequence(d));
    expect((await waiting).index).toBe(0);
    drainer.stop();
    forwarder.close();
  });
});
