/**
 * The sequencer: the one place where the log grows (docs/storage.md). It pools submissions and, as soon
 * as the disk can take another sync (group commit; or every `batchIntervalMs` if set) or
 * `maxBatch` distinct identities wait, sequences a batch in ONE storage batch
 * (storage/backend.ts: one transaction — identities, entry bundles, hash tiles and the signed
 * checkpoint, stored by compare-and-swap on the previous checkpoint) and only after that
 * commit is durable tells anybody. The ordering in {@link Sequencer.sequence} is
 * the safety argument; its comments say what a crash between steps means. docs/storage.md has
 * the table.
 *
 * Group commit: the commit itself need not be durable (SQLite: synchronous = NORMAL); the
 * backend's `sync` (SQLite: the WAL fsync, storage/wal-sync.ts, in the thread pool) runs while
 * the main thread keeps serving HTTP and committing further batches. Up to MAX_SYNCS syncs overlap; each one, when it returns, makes
 * durable every batch committed before it started, and those are answered in commit order. The
 * published state (`edge`, `latest`) moves only when a sync has returned, so nothing readers or
 * submitters see is ever ahead of the disk.
 *
 * Dedupe: an identity already waiting — in the pool, or committed and waiting for its sync — is
 * not queued twice: the later submitter joins the first one's waiters and gets the same index
 * with `duplicate: true`. An identity already durable in the database is found when its batch is
 * sequenced: the batch looks every identity up inside its own write transaction (one snapshot
 * for the whole batch, not one read transaction per submission — measured: a separate SELECT per
 * single submission was 5% of the server's CPU), appends only the new ones, and answers the
 * stored ones with their existing entries and the latest durable checkpoint, which covers them.
 * Since pool and in-flight set are keyed by identity across batches, a stored identity found by a
 * batch is always durable, and no batch inserts an identity that is already stored (the primary
 * key would refuse it anyway, failing the batch).
 *
 * Batches never overlap: one is built and committed at a time (the backend's calls may be
 * async; with SQLite they are not, and a whole commit runs within one turn of the event loop).
 *
 * Failure: if anything in a batch throws (SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR,
 * SQLITE_BUSY, a signer fault, a bug), the transaction is rolled back, the in-memory right edge
 * is left as it was (a batch computes a new immutable RightEdge and swaps it in only after
 * COMMIT), every submitter of that batch gets RunproofError('UNAVAILABLE'), and the next batch
 * starts from the last committed state. If the fsync itself fails, the log cannot know what
 * reached the disk: every waiter gets UNAVAILABLE and the sequencer refuses all further writes
 * (UNAVAILABLE) until the process restarts and recovers from what is on disk. The same happens
 * when the backend fences a batch (FencedError: another sequencer moved the log).
 */
import { performance } from 'node:perf_hooks';
import { RunproofError } from '../src/errors.js';
import { formatCheckpoint, type Checkpoint } from '../src/note/checkpoint.js';
import { ENTRY_TYPE_RUN_DECLARED, decodeEntry, encodeEntry } from '../src/note/entry.js';
import type { Signer } from '../src/note/keys.js';
import { signNote } from '../src/note/note.js';
import { FencedError, type LogBackend, type MaybePromise, type SequencingBatch } from './storage/backend.js';
import type { RightEdge } from './storage/right-edge.js';

/** The answer to a submission: where the identity is in the log, and a checkpoint covering it. */
export interface Sequenced {
  /** The 32-byte identity digest. */
  identity: Uint8Array;
  /** Entry index. */
  index: number;
  /** Entry time, ms since the Unix epoch. */
  timestamp: number;
  /** The 41-byte entry (docs/specification.md §7). */
  entry: Uint8Array;
  /** True when the identity was logged before, or earlier in the same batch. */
  duplicate: boolean;
  /** A committed signed checkpoint (log signature only) whose size is > index. */
  checkpoint: string;
}

/** The latest committed checkpoint, signed and parsed. */
export interface Committed {
  signed: string;
  checkpoint: Checkpoint;
}

/** What the sequencer needs; `edge` and `latest` are the committed state it starts from. */
export interface SequencerOptions {
  backend: LogBackend;
  origin: string;
  signer: Signer;
  clock: () => number;
  batchIntervalMs: number;
  maxBatch: number;
  maxPending: number;
  edge: RightEdge;
  latest: Committed;
  /** Reads a committed entry by index (for identities already in the database). */
  readEntry: (index: number) => MaybePromise<Uint8Array>;
  /** Makes everything committed so far durable (the backend's sync, maybe wrapped by a test hook). */
  sync: () => Promise<void>;
  onCheckpoint?: ((signed: string, checkpoint: Checkpoint) => void) | undefined;
  onBatch?: ((entries: number, commitMs: number) => void) | undefined;
}

interface Waiter {
  resolve: (s: Sequenced) => void;
  reject: (e: unknown) => void;
}

/** One distinct identity in the pool; the first waiter is the original submitter. */
interface Pending {
  identity: Uint8Array;
  waiters: Waiter[];
}

/** A committed batch waiting for its sync. */
interface Unsynced {
  seq: number;
  batch: Pending[];
  keys: string[];
  entries: Uint8Array[];
  time: number;
  first: number;
  edge: RightEdge;
  latest: Committed;
  started: number;
}

/** Sequencer pools submissions and commits them in batches; see the module comment. */
export class Sequencer {
  private readonly o: SequencerOptions;
  /** The durable (published) state. */
  private edgeState: RightEdge;
  private latestState: Committed;
  /** The committed state, maybe not yet synced; the next batch builds on it. */
  private tipEdge: RightEdge;
  private tipLatest: Committed;
  /** The running commit of the pool, if any (batches never overlap). */
  private committing: Promise<void> | undefined;
  /** Distinct identities waiting, in arrival order (Map keeps insertion order), keyed by latin1 string. */
  private readonly pool = new Map<string, Pending>();
  /** Identities committed but not yet synced, by the same key. */
  private readonly inflight = new Map<string, Pending>();
  /** Committed batches the running sync (or the next one) must cover, oldest first. */
  private readonly unsynced: Unsynced[] = [];
  /** Batches committed so far; a batch's `seq` is the count before it. */
  private committed = 0;
  /** Batches [0, requested) are covered by a sync that has started. */
  private requested = 0;
  private readonly syncs = new Set<Promise<void>>();
  private waiting = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  /** Turns the scheduled group commit has already waited for a growing pool (commitSoon). */
  private extraTurns = 0;
  private closed = false;
  /** Set when a sync failed: what is on disk is unknown until a restart recovers it. */
  private broken: RunproofError | undefined;

  constructor(opts: SequencerOptions) {
    this.o = opts;
    this.edgeState = opts.edge;
    this.latestState = opts.latest;
    this.tipEdge = opts.edge;
    this.tipLatest = opts.latest;
  }

  /** edge is the durable right edge. */
  get edge(): RightEdge {
    return this.edgeState;
  }

  /** latest is the latest durable checkpoint. */
  get latest(): Committed {
    return this.latestState;
  }

  /**
   * submitAll queues identities (already validated as 32-byte arrays) and resolves each after
   * the durable COMMIT that covers it (for identities stored before: after their batch looked
   * them up).
   * @throws RunproofError UNAVAILABLE when closed, broken, or when the pool would exceed maxPending
   */
  submitAll(identities: readonly Uint8Array[]): Promise<Sequenced>[] {
    if (this.broken !== undefined) throw this.broken;
    if (this.closed) throw new RunproofError('UNAVAILABLE', 'the log is shutting down');
    if (this.waiting + identities.length > this.o.maxPending) {
      throw new RunproofError('UNAVAILABLE', `the log is busy: ${this.waiting} submissions waiting (limit ${this.o.maxPending}); retry later`);
    }
    const out = identities.map(
      (identity) =>
        new Promise<Sequenced>((resolve, reject) => {
          const key = Buffer.from(identity.buffer, identity.byteOffset, identity.length).toString('latin1');
          const p = this.inflight.get(key) ?? this.pool.get(key);
          if (p === undefined) this.pool.set(key, { identity: identity.slice(), waiters: [{ resolve, reject }] });
          else p.waiters.push({ resolve, reject });
          this.waiting++;
        }),
    );
    this.schedule();
    return out;
  }

  /**
   * close stops accepting submissions, commits everything still waiting and resolves once all of
   * it is durable and answered.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.cancel();
    // Each turn empties the pool or waits for a sync, and nothing new arrives once closed.
    while ((this.pool.size > 0 || this.syncs.size > 0 || this.committing !== undefined) && this.broken === undefined) {
      if (this.committing !== undefined) await this.committing;
      else if (this.pool.size > 0) await this.commitPool();
      else await Promise.race(this.syncs);
    }
    if (this.committing !== undefined) await this.committing;
  }

  /**
   * schedule arranges the next commit of the pool. With `batchIntervalMs` 0 (the default) it is
   * group commit: commit at the end of this turn of the event loop (a few turns later while
   * submissions keep arriving: commitSoon) while fewer than MAX_SYNCS syncs run, otherwise as
   * soon as one returns, so batches grow as long as the disk or the main thread is busy and a
   * lone submission never waits for a timer. A positive interval instead waits that long
   * after the first pooled submission. A full pool commits at once either way.
   */
  private schedule(): void {
    if (this.pool.size === 0 || this.immediate !== undefined || this.committing !== undefined || this.closed) return;
    const group = this.o.batchIntervalMs === 0;
    if (this.pool.size >= this.o.maxBatch || (group && this.syncs.size < MAX_SYNCS)) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.extraTurns = 0;
      const seen = this.pool.size;
      this.immediate = setImmediate(() => this.commitSoon(seen));
    } else if (!group && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.commitPool();
      }, this.o.batchIntervalMs);
    }
  }

  /**
   * commitSoon commits the pool at the end of an event-loop turn (group commit), unless
   * submissions arrived during that turn (the pool grew past `seen`): then the loop is busy
   * reading requests, and the batch waits one more turn, at most MAX_EXTRA_TURNS times, so that
   * a main thread that is the bottleneck shares each batch's fixed cost (COMMIT, signature, sync
   * hand-off) among more entries. A lone submission still commits at the end of its turn: no
   * timer ever holds it. Durability is untouched: answers still wait for the sync.
   */
  private commitSoon(seen: number): void {
    this.immediate = undefined;
    if (this.pool.size > seen && this.pool.size < this.o.maxBatch && this.extraTurns < MAX_EXTRA_TURNS && !this.closed) {
      this.extraTurns++;
      const now = this.pool.size;
      this.immediate = setImmediate(() => this.commitSoon(now));
      return;
    }
    void this.commitPool();
  }

  private cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /**
   * commitPool commits everything pooled, in batches of at most maxBatch, and asks for a sync.
   * Never rejects; at most one runs at a time (`committing`).
   */
  private commitPool(): Promise<void> {
    if (this.committing !== undefined) return this.committing;
    this.cancel();
    const run = async () => {
      try {
        while (this.pool.size > 0 && this.broken === undefined) {
          const batch: Pending[] = [];
          const keys: string[] = [];
          for (const [key, p] of this.pool) {
            if (batch.length === this.o.maxBatch) break;
            this.pool.delete(key);
            batch.push(p);
            keys.push(key);
          }
          await this.commitBatch(batch, keys);
        }
        this.startSync();
      } finally {
        this.committing = undefined;
      }
      this.schedule(); // what arrived while an async backend was busy
    };
    this.committing = run();
    return this.committing;
  }

  /**
   * commitBatch sequences one batch and commits it (not yet durable), or fails its submitters.
   * Identities the batch found already stored are answered at once: they are durable.
   */
  private async commitBatch(pooled: Pending[], pooledKeys: string[]): Promise<void> {
    for (const p of pooled) this.waiting -= p.waiters.length;
    const started = performance.now();
    let sequenced: Awaited<ReturnType<Sequencer['sequence']>>;
    try {
      sequenced = await this.sequence(pooled);
    } catch (cause) {
      if (cause instanceof FencedError) {
        // Another sequencer moved the log: this one's state is stale, so it stops writing.
        this.fail(cause, pooled);
        return;
      }
      // Nothing was written. Identities stored before are still answered from the index, as a
      // read would answer them; only the new ones fail.
      const err = unavailable(cause);
      for (const p of pooled) {
        let index: number | undefined;
        try {
          index = await this.o.backend.identityIndex(p.identity);
        } catch {
          index = undefined;
        }
        if (index === undefined || index >= this.edgeState.size || !(await this.answerStored(p, index))) for (const w of p.waiters) w.reject(err);
      }
      return;
    }
    const { stored, appended } = sequenced;
    const batch: Pending[] = [];
    const keys: string[] = [];
    for (let i = 0; i < pooled.length; i++) {
      const p = pooled[i]!;
      const index = stored[i];
      if (index !== undefined) {
        if (!(await this.answerStored(p, index))) for (const w of p.waiters) w.reject(unavailable(new Error(`reading entry ${index} failed`)));
        continue;
      }
      batch.push(p);
      keys.push(pooledKeys[i]!);
    }
    if (appended === undefined) return;
    const u: Unsynced = { ...appended, seq: this.committed, batch, keys, started };
    this.committed++;
    this.tipEdge = u.edge;
    this.tipLatest = u.latest;
    keys.forEach((k, i) => this.inflight.set(k, batch[i]!));
    this.unsynced.push(u);
  }

  /**
   * answerStored resolves the submitters of an identity stored (durably) at `index` with its
   * existing entry and the latest durable checkpoint; false if the entry could not be read.
   */
  private async answerStored(p: Pending, index: number): Promise<boolean> {
    let answer: Sequenced;
    try {
      answer = this.answer(p.identity, index, await this.o.readEntry(index), true, this.latestState.signed);
    } catch {
      return false;
    }
    for (const w of p.waiters) w.resolve(answer);
    return true;
  }

  /**
   * startSync starts a sync covering every batch committed so far, unless one already covers
   * them or MAX_SYNCS are running (a finishing sync then starts the next). Syncs may overlap: a
   * sync that returns makes durable everything committed before it started, so its batches are
   * published and answered, in commit order.
   */
  private startSync(): void {
    if (this.requested === this.committed || this.syncs.size >= MAX_SYNCS || this.broken !== undefined) return;
    const upTo = this.committed;
    this.requested = upTo;
    const p: Promise<void> = this.o.sync().then(
      () => {
        this.syncs.delete(p);
        if (this.broken !== undefined) return;
        while (this.unsynced.length > 0 && this.unsynced[0]!.seq < upTo) this.answerBatch(this.unsynced.shift()!);
        this.startSync();
        this.schedule(); // group commit: what pooled while the disk was busy goes next
      },
      (cause: unknown) => {
        this.syncs.delete(p);
        if (this.broken === undefined) this.fail(cause);
      },
    );
    this.syncs.add(p);
  }

  /**
   * fail handles a failed sync or a fenced batch: what reached the disk (or who wrote it) is
   * unknown, so nothing more is published, every waiter (synced-for, pooled, or in the failed
   * batch `also`) gets UNAVAILABLE and the sequencer stops accepting.
   */
  private fail(cause: unknown, also: readonly Pending[] = []): void {
    const err = unavailable(cause);
    const what = cause instanceof FencedError ? 'was moved by another sequencer' : 'failed to sync';
    this.broken = new RunproofError('UNAVAILABLE', `the log storage ${what} (${err.message}); restart the log to recover`, { cause });
    this.cancel();
    for (const p of also) for (const w of p.waiters) w.reject(err);
    for (const u of this.unsynced.splice(0)) for (const p of u.batch) for (const w of p.waiters) w.reject(err);
    for (const p of this.pool.values()) for (const w of p.waiters) w.reject(err);
    this.pool.clear();
    this.inflight.clear();
    this.waiting = 0;
  }

  /** answerBatch publishes a durable batch's state and resolves its submitters. */
  private answerBatch(u: Unsynced): void {
    // Step 6 — answer. Everything below happens after the sync: a crash from here on loses only
    // the answers; the entries are durable and a retry returns them as duplicates.
    this.edgeState = u.edge;
    this.latestState = u.latest;
    for (const k of u.keys) this.inflight.delete(k);
    const { signed, checkpoint } = u.latest;
    u.batch.forEach((p, i) => {
      p.waiters.forEach((w, j) => w.resolve(this.answer(p.identity, u.first + i, u.entries[i]!, j > 0, signed, u.time)));
    });
    const commitMs = performance.now() - u.started;
    this.hook(() => this.o.onCheckpoint?.(signed, checkpoint));
    this.hook(() => this.o.onBatch?.(u.batch.length, commitMs));
  }

  /**
   * sequence appends one batch and commits it; `stored[i]` is the index of pooled identity i if
   * it was logged before (then it is not appended), and `appended` is undefined when nothing was
   * new. All of it is ONE storage batch (storage/backend.ts: BEGIN … COMMIT); the steps, and
   * what a crash between them means:
   *
   * 0. begin on top of the last committed checkpoint; look every identity up (one snapshot for
   *    the batch) and keep the new ones;
   * 1. stamp and build their entries, 2. extend the right edge (leaf hashes, new tile and bundle
   *    blobs), 3. compute the root and sign the checkpoint — in memory. A crash here loses the
   *    batch; nobody was answered, nothing was written, and the signature never left the
   *    process (the next batch after restart signs a checkpoint for whatever it commits).
   * 4. commit: insert identities, write the bundle and tile blobs, store the checkpoint if the
   *    latest stored one is still the one this batch was built on (the fence), COMMIT. A crash
   *    or error before COMMIT: the store discards the transaction (SQLite: WAL frames without a
   *    commit record are ignored at recovery; an error rolls back). Same as above.
   * 5. after COMMIT — in {@link startSync} — the backend's sync (SQLite: fsync of the WAL): when
   *    it returns, entries, tiles and checkpoint are on disk together. This is the commit point.
   *    A crash between COMMIT and the end of the sync may keep or lose the batch (as a crash
   *    just before or after a durable commit would); nobody was answered and nothing was
   *    published. Only after the sync does the published state move forward.
   */
  private async sequence(pooled: readonly Pending[]): Promise<{
    stored: (number | undefined)[];
    appended: { entries: Uint8Array[]; time: number; first: number; edge: RightEdge; latest: Committed } | undefined;
  }> {
    const before = this.tipEdge;
    const previous = { size: before.size, note: this.tipLatest.signed };
    const tx: SequencingBatch = await this.o.backend.begin(previous);
    try {
      // Step 0. Everything committed but not yet synced is in `inflight`, which submitAll checked
      // first, so a stored identity is durable; if not, this batch must not go on (rolled back).
      const durable = this.edgeState.size;
      const stored = await tx.lookup(pooled.map((p) => p.identity));
      for (const index of stored) {
        if (index !== undefined && index >= durable) throw new Error(`sequencer: identity at ${index} is stored but not in flight (durable size ${durable})`);
      }
      const fresh = pooled.filter((_, i) => stored[i] === undefined);
      if (fresh.length === 0) {
        await tx.rollback();
        return { stored, appended: undefined };
      }
      // Step 1: one time for the whole batch, never below the latest entry's (entry times never
      // decrease, even if the clock goes back).
      const now = Math.floor(this.o.clock());
      if (!Number.isSafeInteger(now)) throw new Error(`sequencer: clock returned ${now}`);
      const time = Math.max(now, before.lastTime);
      const entries = fresh.map((p) => encodeEntry({ type: ENTRY_TYPE_RUN_DECLARED, timestamp: time, identity: p.identity }));
      // Step 2.
      const { next, writes } = before.append(entries, time);
      // Step 3 (c2sp.org/tlog-checkpoint, signed-note): no extension lines.
      const checkpoint: Checkpoint = { origin: this.o.origin, size: next.size, root: next.root(), extensions: [] };
      const signed = signNote(formatCheckpoint(checkpoint), [this.o.signer]);
      // Step 4.
      await tx.commit({ first: before.size, digests: fresh.map((p) => p.identity), blobs: writes, checkpoint: { size: next.size, note: signed } });
      return { stored, appended: { entries, time, first: before.size, edge: next, latest: { signed, checkpoint } } };
    } catch (e) {
      try {
        await tx.rollback();
      } catch {
        // the batch's own error is the one to report
      }
      throw e;
    }
  }

  private answer(identity: Uint8Array, index: number, entry: Uint8Array, duplicate: boolean, checkpoint: string, time?: number): Sequenced {
    const timestamp = time ?? decodeEntry(entry).timestamp;
    return { identity, index, timestamp, entry, duplicate, checkpoint };
  }

  /** hook runs a caller's callback; its failure must not undo or block what was committed. */
  private hook(f: () => void): void {
    try {
      f();
    } catch (e) {
      process.emitWarning(`runproof-log: a log hook threw: ${String(e)}`);
    }
  }
}

/** Most WAL syncs running at once (libuv's thread pool has 4 threads by default). */
const MAX_SYNCS = 2;

/**
 * Most extra event-loop turns a group commit waits for a pool that keeps growing (see
 * commitSoon). Measured (docs/performance.md): 3 cut CPU per declaration to 0.56–0.99× at 32
 * connections and 0.79–0.91× at 128; 6 did no better.
 */
const MAX_EXTRA_TURNS = 3;

/** unavailable maps a failed batch to the error its submitters get (storage faults → 503). */
function unavailable(cause: unknown): RunproofError {
  const code = (cause as { code?: unknown } | null)?.code;
  const what = typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
  return new RunproofError('UNAVAILABLE', `the log storage failed (${what}); nothing was written, retry later`, { cause });
}
