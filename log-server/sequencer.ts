/**
 * The sequencer: the one place where the log grows (design §6). It pools submissions and, every
 * `batchIntervalMs` or as soon as `maxBatch` distinct identities wait, sequences a batch in ONE
 * SQLite transaction — identities, entry bundles, hash tiles and the signed checkpoint — and
 * only after COMMIT tells anybody. The ordering in {@link Sequencer.sequence} is the safety
 * argument; its comments say what a crash between steps means. docs/storage.md has the table.
 *
 * Dedupe: an identity already in the database is answered at once, with the latest checkpoint
 * (which covers it). An identity already waiting in the pool is not queued twice: the later
 * submitter joins the first one's waiters and gets the same index with `duplicate: true`.
 * Since the pool is keyed by identity across batches, no batch can insert an identity that is
 * already stored (the primary key would refuse it anyway, failing the batch).
 *
 * Failure: if anything in a batch throws (SQLITE_FULL, SQLITE_READONLY, SQLITE_IOERR,
 * SQLITE_BUSY, a signer fault, a bug), the transaction is rolled back, the in-memory right edge
 * is left as it was (a batch computes a new immutable RightEdge and swaps it in only after
 * COMMIT), every submitter of that batch gets RunproofError('UNAVAILABLE'), and the next batch
 * starts from the last committed state.
 */
import { performance } from 'node:perf_hooks';
import { RunproofError } from '../src/errors.js';
import { formatCheckpoint, type Checkpoint } from '../src/note/checkpoint.js';
import { ENTRY_TYPE_RUN_DECLARED, decodeEntry, encodeEntry } from '../src/note/entry.js';
import type { Signer } from '../src/note/keys.js';
import { signNote } from '../src/note/note.js';
import { RightEdge } from './storage/right-edge.js';
import type { Store } from './storage/store.js';

/** The answer to a submission: where the identity is in the log, and a checkpoint covering it. */
export interface Sequenced {
  /** The 32-byte identity digest. */
  identity: Uint8Array;
  /** Entry index. */
  index: number;
  /** Entry time, ms since the Unix epoch. */
  timestamp: number;
  /** The 41-byte entry (design §4). */
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
  store: Store;
  origin: string;
  signer: Signer;
  clock: () => number;
  batchIntervalMs: number;
  maxBatch: number;
  maxPending: number;
  edge: RightEdge;
  latest: Committed;
  /** Reads a committed entry by index (for identities already in the database). */
  readEntry: (index: number) => Uint8Array;
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

/** Sequencer pools submissions and commits them in batches; see the module comment. */
export class Sequencer {
  private readonly o: SequencerOptions;
  private edgeState: RightEdge;
  private latestState: Committed;
  /** Distinct identities waiting, in arrival order (Map keeps insertion order), keyed by latin1 string. */
  private readonly pool = new Map<string, Pending>();
  private waiting = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(opts: SequencerOptions) {
    this.o = opts;
    this.edgeState = opts.edge;
    this.latestState = opts.latest;
  }

  /** edge is the committed right edge. */
  get edge(): RightEdge {
    return this.edgeState;
  }

  /** latest is the latest committed checkpoint. */
  get latest(): Committed {
    return this.latestState;
  }

  /**
   * submitAll queues identities (already validated as 32-byte arrays) and resolves each after
   * the COMMIT that covers it; stored identities resolve at once.
   * @throws RunproofError UNAVAILABLE when closed or when the pool would exceed maxPending
   */
  submitAll(identities: readonly Uint8Array[]): Promise<Sequenced>[] {
    if (this.closed) throw new RunproofError('UNAVAILABLE', 'the log is shutting down');
    if (this.waiting + identities.length > this.o.maxPending) {
      throw new RunproofError('UNAVAILABLE', `the log is busy: ${this.waiting} submissions waiting (limit ${this.o.maxPending}); retry later`);
    }
    // One read transaction for all the lookups: outside a transaction every SELECT on a WAL
    // database opens and closes its own read snapshot, which costs more than the lookup.
    const { store } = this.o;
    let stored: (number | undefined)[];
    try {
      stored = identities.length === 1 ? [store.identityIndex(identities[0]!)] : store.db.transaction(() => identities.map((d) => store.identityIndex(d)))();
    } catch (cause) {
      throw unavailable(cause);
    }
    const out = identities.map((identity, i) => {
      const index = stored[i];
      if (index !== undefined) return Promise.resolve(this.answer(identity, index, this.o.readEntry(index), true, this.latestState.signed));
      const key = Buffer.from(identity.buffer, identity.byteOffset, identity.length).toString('latin1');
      return new Promise<Sequenced>((resolve, reject) => {
        const p = this.pool.get(key);
        if (p === undefined) this.pool.set(key, { identity: identity.slice(), waiters: [{ resolve, reject }] });
        else p.waiters.push({ resolve, reject });
        this.waiting++;
      });
    });
    this.schedule();
    return out;
  }

  /** close stops accepting submissions and sequences everything still waiting, synchronously. */
  close(): void {
    this.closed = true;
    this.cancel();
    while (this.pool.size > 0) this.flush();
  }

  private schedule(): void {
    if (this.pool.size === 0 || this.immediate !== undefined) return;
    if (this.pool.size >= this.o.maxBatch) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.flush();
      });
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.o.batchIntervalMs);
    }
  }

  private cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  /** flush takes up to maxBatch distinct identities from the pool, sequences them and answers. */
  private flush(): void {
    const batch: Pending[] = [];
    for (const [key, p] of this.pool) {
      if (batch.length === this.o.maxBatch) break;
      this.pool.delete(key);
      batch.push(p);
    }
    for (const p of batch) this.waiting -= p.waiters.length;
    if (batch.length > 0) this.sequenceAndAnswer(batch);
    if (!this.closed) this.schedule();
  }

  private sequenceAndAnswer(batch: Pending[]): void {
    const started = performance.now();
    let result: { entries: Uint8Array[]; time: number; first: number };
    try {
      result = this.sequence(batch);
    } catch (cause) {
      const err = unavailable(cause);
      for (const p of batch) for (const w of p.waiters) w.reject(err);
      return;
    }
    const commitMs = performance.now() - started;
    // Step 6 — answer. Everything below happens after COMMIT: a crash from here on loses only
    // the answers; the entries are durable and a retry returns them as duplicates.
    const { signed } = this.latestState;
    batch.forEach((p, i) => {
      p.waiters.forEach((w, j) => w.resolve(this.answer(p.identity, result.first + i, result.entries[i]!, j > 0, signed, result.time)));
    });
    this.hook(() => this.o.onCheckpoint?.(signed, this.latestState.checkpoint));
    this.hook(() => this.o.onBatch?.(batch.length, commitMs));
  }

  /**
   * sequence appends one batch and commits it. The steps, and what a crash between them means:
   *
   * 1. stamp and build the entries, 2. extend the right edge (leaf hashes, new tile and bundle
   *    blobs), 3. compute the root and sign the checkpoint — all in memory. A crash here loses
   *    the batch; nobody was answered, nothing was written, and the signature never left the
   *    process (the next batch after restart signs a checkpoint for whatever it commits).
   * 4. BEGIN; insert identities, write the bundle and tile blobs, insert the checkpoint. A crash
   *    or error here: SQLite discards the uncommitted transaction (WAL frames without a commit
   *    record are ignored at recovery; an error rolls back). Same as above: nothing happened.
   * 5. COMMIT with synchronous=FULL: when it returns, entries, tiles and checkpoint are on disk
   *    together. This is the commit point. Only now does the in-memory state move forward.
   */
  private sequence(batch: readonly Pending[]): { entries: Uint8Array[]; time: number; first: number } {
    const before = this.edgeState;
    // Step 1: one time for the whole batch, never below the latest entry's (design §4: entry
    // times never decrease, even if the clock goes back).
    const now = Math.floor(this.o.clock());
    if (!Number.isSafeInteger(now)) throw new Error(`sequencer: clock returned ${now}`);
    const time = Math.max(now, before.lastTime);
    const entries = batch.map((p) => encodeEntry({ type: ENTRY_TYPE_RUN_DECLARED, timestamp: time, identity: p.identity }));
    // Step 2.
    const { next, writes } = before.append(entries, time);
    // Step 3 (c2sp.org/tlog-checkpoint, signed-note): no extension lines.
    const checkpoint: Checkpoint = { origin: this.o.origin, size: next.size, root: next.root(), extensions: [] };
    const signed = signNote(formatCheckpoint(checkpoint), [this.o.signer]);
    // Steps 4–5: one transaction; better-sqlite3 rolls back if the function or COMMIT throws.
    const { store } = this.o;
    store.db.transaction(() => {
      batch.forEach((p, i) => store.putIdentity(p.identity, before.size + i));
      for (const w of writes) {
        if (w.level === 'entries') store.putBundle(w.idx, w.data);
        else store.putTile(w.level, w.idx, w.data);
      }
      store.putCheckpoint(next.size, signed);
    })();
    // Committed: move the in-memory state forward.
    this.edgeState = next;
    this.latestState = { signed, checkpoint };
    return { entries, time, first: before.size };
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

/** unavailable maps a failed batch to the error its submitters get (storage faults → 503). */
function unavailable(cause: unknown): RunproofError {
  const code = (cause as { code?: unknown } | null)?.code;
  const what = typeof code === 'string' ? code : cause instanceof Error ? cause.message : String(cause);
  return new RunproofError('UNAVAILABLE', `the log storage failed (${what}); nothing was written, retry later`, { cause });
}
