/**
 * The sequencer lease: which of several `runproof-log serve` instances on one PostgreSQL
 * database sequences (docs/storage.md, "Lease and fencing"). One row, `sequencer_lease`, holds
 * the holder, an epoch that grows by one at each change of holder, and an expiry on the
 * database's clock. The holder renews it every `ttlMs / 3`; any other instance takes it once
 * it has expired (a dead, stopped or cut-off holder), which bumps the epoch.
 *
 * The lease only decides who *tries* to sequence. Safety does not depend on it: every batch
 * commits through `runproof_commit_batch`, which checks the epoch under a share lock on the
 * lease row and compare-and-swaps the previous checkpoint (migrations/postgres/0001_log.sql).
 * An old holder that wakes up after a pause still believing it leads is refused there.
 */
import type pg from 'pg';

/** What a {@link SequencerLease} reports. */
export interface LeaseEvents {
  /** Called when this instance becomes the sequencer (`epoch` set) or stops being it (undefined). */
  changed(epoch: number | undefined): void;
  /** Called with a message when a renewal or takeover attempt fails (database unreachable, …). */
  warn?(message: string): void;
}

/** SequencerLease takes and keeps the lease in the background; see the module comment. */
export class SequencerLease {
  private current: number | undefined;
  /** Local time (ms) by which the lease must be renewed, else it is given up locally. */
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** Lease changes this process saw (taken or lost), for the metrics. */
  changes = 0;

  constructor(
    private readonly pool: pg.Pool,
    /** This instance's name in the lease row (host, pid and a random part). */
    readonly holder: string,
    /** How long a lease lasts without renewal, ms. */
    readonly ttlMs: number,
    private readonly events: LeaseEvents,
    private readonly now: () => number = () => performance.now(),
    /**
     * Test only: true keeps believing in the lease until a commit is refused ({@link lost}), as
     * a sequencer paused between its last check and its commit would.
     */
    private readonly trusting = false,
  ) {}

  /** lost is called when the database refused a batch of this epoch: the lease is gone. */
  lost(epoch: number): void {
    if (this.current === epoch) this.set(undefined);
  }

  /** epoch is this instance's lease epoch while it is the sequencer, else undefined. */
  get epoch(): number | undefined {
    if (this.current !== undefined && this.now() > this.validUntil) this.set(undefined);
    return this.current;
  }

  /** start makes a first attempt at once, then keeps trying or renewing every `ttlMs / 3`. */
  async start(): Promise<void> {
    await this.tick();
    this.schedule();
  }

  /** tick renews the lease if held, else tries to take it. Never throws. */
  async tick(): Promise<void> {
    if (this.running !== undefined) return this.running;
    this.running = (async () => {
      const asked = this.now();
      try {
        const epoch = this.current === undefined ? await this.take() : await this.renew(this.current);
        if (this.stopped) return;
        // Count the lease from when we asked, not from when the answer came: the database's
        // expiry started no earlier than that.
        if (epoch !== undefined) this.validUntil = asked + this.ttlMs;
        if (epoch !== undefined || !this.trusting) this.set(epoch);
      } catch (e) {
        this.events.warn?.(`sequencer lease: ${e instanceof Error ? e.message : String(e)}`);
        void this.epoch; // gives the lease up locally once it has run out
      }
    })().finally(() => (this.running = undefined));
    return this.running;
  }

  /** stop ends the background work and, if held, releases the lease so another instance takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
    const epoch = this.current;
    this.set(undefined);
    if (epoch !== undefined) {
      await this.pool
        .query("UPDATE sequencer_lease SET expires_at = '-infinity' WHERE id = 1 AND epoch = $1 AND holder = $2", [epoch, this.holder])
        .catch(() => undefined);
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().then(() => this.schedule()), Math.max(50, Math.floor(this.ttlMs / 3)));
  }

  /** take bumps the epoch and takes the lease if it has expired; the new epoch, or undefined. */
  private async take(): Promise<number | undefined> {
    const r = await this.pool.query<{ epoch: string }>(
      `UPDATE sequencer_lease SET epoch = epoch + 1, holder = $1, expires_at = clock_timestamp() + $2 * interval '1 millisecond'
        WHERE id = 1 AND expires_at <= clock_timestamp() RETURNING epoch::text`,
      [this.holder, this.ttlMs],
    );
    return r.rowCount === 1 ? Number(r.rows[0]!.epoch) : undefined;
  }

  /** renew extends the lease of `epoch` if it is still ours; undefined if it was taken. */
  private async renew(epoch: number): Promise<number | undefined> {
    const r = await this.pool.query(
      `UPDATE sequencer_lease SET expires_at = clock_timestamp() + $3 * interval '1 millisecond'
        WHERE id = 1 AND epoch = $1 AND holder = $2`,
      [epoch, this.holder, this.ttlMs],
    );
    return r.rowCount === 1 ? epoch : undefined;
  }

  private set(epoch: number | undefined): void {
    if (epoch === this.current) return;
    this.current = epoch;
    this.changes++;
    this.events.changed(epoch);
  }
}
