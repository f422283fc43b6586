/**
 * How submissions reach the sequencer when several instances share one PostgreSQL log
 * (docs/storage.md, "Submissions on the other instances"): through the database, not over HTTP between
 * instances. An instance that does not sequence inserts the identities into `pending` and
 * sends NOTIFY runproof_pending ({@link Forwarder}); the sequencing instance reads them, logs
 * them through its ordinary sequencer and deletes the rows once that batch is committed
 * ({@link Drainer}). The forwarding instance answers when the identity is in `identities` below
 * the size of the stored head it read first — committed, durable and covered by a signed
 * checkpoint in PostgreSQL, whichever instance sequenced it.
 *
 * Why the database: no instance needs to know or reach another's address (they may sit behind
 * a load balancer in different networks), a queued identity survives the death of any instance
 * (the next sequencer logs it), and the answer is read from committed rows, so the promise "a
 * receipt only after a durable commit" holds by construction. The cost is one INSERT and one
 * DELETE per forwarded identity, batched.
 */
import type pg from 'pg';
import { RunproofError } from '../../../src/errors.js';
import type { StoredCheckpoint } from '../backend.js';
import type { PostgresBackend } from './backend.js';

/** What a forwarded identity resolves to: its index and a stored checkpoint that covers it. */
export interface Forwarded {
  index: number;
  head: StoredCheckpoint;
}

interface Waiting {
  digest: Uint8Array;
  since: number;
  waiters: { resolve: (f: Forwarded) => void; reject: (e: unknown) => void }[];
}

const key = (d: Uint8Array) => Buffer.from(d.buffer, d.byteOffset, d.length).toString('latin1');

/** Forwarder queues identities for the sequencing instance and waits for them; see the module comment. */
export class Forwarder {
  private readonly waiting = new Map<string, Waiting>();
  /** Identities not yet inserted into `pending` (or whose insert failed). */
  private readonly unsent = new Map<string, Uint8Array>();
  private flushing: Promise<void> | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  private readonly timer: NodeJS.Timeout;
  private readonly unwatch: () => void;

  constructor(
    private readonly backend: PostgresBackend,
    /** Longest wait for a sequencer, ms; then UNAVAILABLE (the identity may still be logged later). */
    private readonly timeoutMs = 30_000,
  ) {
    this.unwatch = backend.watch(() => this.check(), 500);
    // Retries failed inserts and expires old waits.
    this.timer = setInterval(() => {
      this.expire();
      if (this.unsent.size > 0) this.flush();
    }, 500);
  }

  /** forward queues `digests` and resolves each once it is committed under a stored checkpoint. */
  forward(digests: readonly Uint8Array[]): Promise<Forwarded>[] {
    const out = digests.map(
      (digest) =>
        new Promise<Forwarded>((resolve, reject) => {
          const k = key(digest);
          let w = this.waiting.get(k);
          if (w === undefined) {
            w = { digest: digest.slice(), since: Date.now(), waiters: [] };
            this.waiting.set(k, w);
            this.unsent.set(k, w.digest);
          }
          w.waiters.push({ resolve, reject });
        }),
    );
    this.flush();
    return out;
  }

  /** size is how many identities are waiting. */
  get size(): number {
    return this.waiting.size;
  }

  /** close fails whatever still waits with UNAVAILABLE. */
  close(): void {
    clearInterval(this.timer);
    this.unwatch();
    const err = new RunproofError('UNAVAILABLE', 'the log instance is shutting down; retry (the identity may already be logged)');
    for (const w of this.waiting.values()) for (const x of w.waiters) x.reject(err);
    this.waiting.clear();
    this.unsent.clear();
  }

  /** flush inserts the unsent identities into `pending` and wakes the sequencer; one statement. */
  private flush(): void {
    if (this.flushing !== undefined || this.unsent.size === 0) return;
    const batch = [...this.unsent.entries()];
    this.unsent.clear();
    this.flushing = this.backend.pool
      .query("WITH q AS (INSERT INTO pending (digest) SELECT unnest($1::bytea[]) ON CONFLICT DO NOTHING) SELECT pg_notify('runproof_pending', '')", [batch.map(([, d]) => Buffer.from(d))])
      .then(
        () => this.check(),
        () => {
          for (const [k, d] of batch) if (this.waiting.has(k)) this.unsent.set(k, d);
        },
      )
      .finally(() => {
        this.flushing = undefined;
        if (this.unsent.size > 0) setImmediate(() => this.flush());
      });
  }

  /**
   * check reads the stored head, then which waiting identities are stored below its size, and
   * answers them with that head. Reading the head first matters: an identity found at or above
   * it was committed later and waits for the next head.
   */
  private check(): void {
    if (this.checking !== undefined) {
      this.again = true;
      return;
    }
    if (this.waiting.size === 0) return;
    this.checking = (async () => {
      try {
        const head = await this.backend.latestCheckpoint();
        if (head === undefined) return;
        const items = [...this.waiting.values()];
        const found = await this.backend.indexesOf(items.map((w) => w.digest));
        items.forEach((w, i) => {
          const index = found[i];
          if (index === undefined || index >= head.size) return;
          this.waiting.delete(key(w.digest));
          this.unsent.delete(key(w.digest));
          for (const x of w.waiters) x.resolve({ index, head });
        });
      } catch {
        /* the database is unreachable for now: the next notification or poll retries */
      }
    })().finally(() => {
      this.checking = undefined;
      if (this.again) {
        this.again = false;
        this.check();
      }
    });
  }

  private expire(): void {
    const now = Date.now();
    for (const [k, w] of this.waiting) {
      if (now - w.since < this.timeoutMs) continue;
      this.waiting.delete(k);
      this.unsent.delete(k);
      const err = new RunproofError('UNAVAILABLE', `no log instance sequenced the identity within ${this.timeoutMs} ms; retry (it may still be logged)`);
      for (const x of w.waiters) x.reject(err);
    }
  }
}

/**
 * Drainer runs on the sequencing instance: it reads queued identities (woken by NOTIFY
 * runproof_pending, and every `pollMs` in case a notification was lost), hands them to
 * `sequence` (the log's own submission path, which resolves after the durable commit), and
 * then deletes their rows. A crash in between leaves the rows; the next sequencer finds the
 * identities already logged and only deletes them.
 *
 * Reading does not wait for the previous hand-over's commit and DELETE: up to
 * {@link MAX_HANDOVERS} sets are with the sequencer at once (the next read skips their rows), so
 * identities queued during a commit join the very next batch instead of waiting a whole
 * read–commit–delete cycle (with two instances that cycle was most of a forwarded
 * submission's latency).
 */
export class Drainer {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Rows handed to the sequencer and not yet deleted (latin1 keys), skipped by the next read. */
  private readonly handedOver = new Map<string, Buffer>();
  private handovers = 0;
  /** Set when a read stopped because MAX_HANDOVERS were out; the next completion reads again. */
  private full = false;
  private readonly timer: NodeJS.Timeout;
  private readonly unlisten: () => void;

  constructor(
    private readonly pool: pg.Pool,
    listen: (fn: () => void) => () => void,
    private readonly sequence: (digests: Uint8Array[]) => Promise<unknown>,
    private readonly maxBatch = 4096,
    pollMs = 1000,
  ) {
    this.unlisten = listen(() => this.drain());
    this.timer = setInterval(() => this.drain(), pollMs);
    this.drain();
  }

  /** stop ends draining (rows still queued stay for the next sequencer). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.unlisten();
  }

  private drain(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        for (;;) {
          if (this.handovers >= MAX_HANDOVERS) {
            this.full = true;
            return;
          }
          const r = await this.pool.query<{ digest: Buffer }>('SELECT digest FROM pending WHERE NOT (digest = ANY($2::bytea[])) ORDER BY queued_at LIMIT $1', [
            this.maxBatch,
            [...this.handedOver.values()],
          ]);
          if (r.rows.length === 0 || this.stopped) return;
          this.handOver(r.rows.map((row) => row.digest));
          if (r.rows.length < this.maxBatch) return;
        }
      } catch {
        /* an unreachable database: the rows stay, the next wake-up retries */
      }
    })().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.drain();
      }
    });
  }

  /** handOver sequences `rows` and deletes them once committed; a failure leaves them queued. */
  private handOver(rows: Buffer[]): void {
    const keys = rows.map((d) => d.toString('latin1'));
    rows.forEach((d, i) => this.handedOver.set(keys[i]!, d));
    this.handovers++;
    void this.sequence(rows.map((d) => new Uint8Array(d.buffer, d.byteOffset, d.length)))
      .then(() => this.pool.query('DELETE FROM pending WHERE digest = ANY($1::bytea[])', [rows]))
      .catch(() => {
        /* a failed batch (or DELETE): the rows stay and are read again by the next wake-up */
      })
      .finally(() => {
        for (const k of keys) this.handedOver.delete(k);
        this.handovers--;
        if (this.full) {
          this.full = false;
          this.drain();
        }
      });
  }
}

/** How many sets of queued identities may be with the sequencer at once (see {@link Drainer}). */
const MAX_HANDOVERS = 2;
