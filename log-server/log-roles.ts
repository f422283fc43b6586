/**
 * Roles of a log instance whose store is shared by several instances (storage/backend.ts
 * `Coordination`; PostgreSQL): the instance holding the lease sequences — its own submissions
 * and those the others queued — and every other instance follows. A follower forwards
 * submissions through the store and answers once they are committed under a stored checkpoint;
 * its published state (what `/checkpoint`, tiles and proofs serve) moves forward as the stored
 * head grows, never back. docs/storage.md, "PostgreSQL: one log, several instances".
 *
 * Sequencers come and go: each time this instance becomes the sequencer, or finds its sequencer
 * fenced (another instance moved the log, or a batch whose outcome was unknown did commit), it
 * restores the stored state and starts a fresh {@link Sequencer} on it. Submissions a fenced
 * sequencer could not log are forwarded instead of failed.
 */
import { RunproofError } from '../src/errors.js';
import { decodeEntry } from '../src/note/entry.js';
import type { Committed, Sequenced, Sequencer } from './sequencer.js';
import { FencedError, type Coordination, type LogBackend, type MaybePromise, type StoredCheckpoint } from './storage/backend.js';
import type { RightEdge } from './storage/right-edge.js';

/** What {@link Roles} needs from the log it runs in. */
export interface RoleHost {
  /** The current sequencer (its `edge` and `latest` are the published state). */
  seq(): Sequencer;
  /** Replaces the sequencer (the old one is left to finish or fail on its own). */
  setSeq(s: Sequencer): void;
  /** Reads and checks the stored state (log-open.ts `restore`). */
  restore(): Promise<{ latest: Committed; edge: RightEdge }>;
  /** A new sequencer starting from a restored state. */
  makeSeq(edge: RightEdge, latest: Committed): Sequencer;
  /** A published entry by index. */
  entryAt(index: number): MaybePromise<Uint8Array>;
}

/** fenced tells whether a sequencer's error means "another sequencer moved the log". */
function fenced(e: unknown): boolean {
  return e instanceof FencedError || (e instanceof RunproofError && e.cause instanceof FencedError);
}

/** Roles switches a log between sequencing and following; see the module comment. */
export class Roles {
  private stopDrain: (() => void) | undefined;
  /** Set while this instance takes over sequencing (until its new sequencer is in place). */
  private switching: Promise<void> | undefined;
  private refreshing: Promise<void> | undefined;
  private unwatch: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly c: Coordination,
    private readonly backend: LogBackend,
    private readonly host: RoleHost,
  ) {}

  /** leading is true while this instance sequences. */
  get leading(): boolean {
    return this.c.leading;
  }

  /** start follows the stored head and competes for the lease (the first attempt is awaited). */
  async start(): Promise<void> {
    this.unwatch = this.backend.watch?.(() => {
      if (!this.c.leading) void this.refresh(false);
    });
    await this.c.start((leading) => this.changed(leading));
    await this.switching;
  }

  /**
   * submitAll logs identities here if this instance sequences, else forwards them; same promise either way.
   * @throws RunproofError UNAVAILABLE once closed
   */
  submitAll(identities: readonly Uint8Array[]): Promise<Sequenced>[] {
    // Closed, this instance no longer holds the lease nor drains the forwarding queue: a
    // forwarded submission would wait for ever. Refuse, as the sequencer does once closed.
    if (this.closed) throw new RunproofError('UNAVAILABLE', 'the log is shutting down');
    // While this instance is becoming the sequencer, its sequencer is about to be replaced by
    // one on the stored head: nothing may reach the old one (it would commit beside the new).
    const switching = this.switching;
    if (switching !== undefined) return identities.map((id) => switching.then(() => this.submitAll([id])[0]!));
    if (!this.c.leading) return this.forward(identities);
    let local: Promise<Sequenced>[];
    try {
      local = this.host.seq().submitAll(identities);
    } catch (e) {
      if (!fenced(e)) throw e;
      void this.recover();
      return this.forward(identities);
    }
    return local.map((p, i) =>
      p.catch((e: unknown) => {
        if (!fenced(e)) throw e;
        void this.recover();
        return this.forward([identities[i]!])[0]!;
      }),
    );
  }

  /** close stops draining and following (the log closes the sequencer and the store). */
  close(): void {
    this.closed = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.stopDrain?.();
    this.unwatch?.();
  }

  private changed(leading: boolean): void {
    if (this.closed) return;
    if (!leading) {
      this.stopDrain?.();
      this.stopDrain = undefined;
      // Follow from here: the head notifications this instance ignored while it led (and
      // whatever its successor has logged since) are only seen by reading the store.
      void this.refresh(false);
      return;
    }
    // A new sequencer on the stored head, read after the lease was taken: every batch of the
    // previous holder is in it (its commits hold a share lock the takeover waited for).
    const switching = this.refresh(true).then(() => {
      if (this.switching === switching) this.switching = undefined;
      if (this.closed || !this.c.leading || this.stopDrain !== undefined) return;
      this.stopDrain = this.c.drain((digests) => this.sequenceHere(digests));
    });
    this.switching = switching;
  }

  /** sequenceHere logs identities queued by other instances with this instance's sequencer. */
  private async sequenceHere(digests: Uint8Array[]): Promise<void> {
    try {
      await Promise.all(this.host.seq().submitAll(digests));
    } catch (e) {
      if (fenced(e)) void this.recover();
      throw e;
    }
  }

  /** recover replaces a fenced sequencer with one on the stored state, if this instance still leads. */
  private recover(): Promise<void> {
    return this.c.leading ? this.refresh(true) : Promise.resolve();
  }

  /**
   * refresh restores the stored state and, if it is ahead of the published one (or `fresh` asks
   * for a new sequencer and it is not behind), starts a sequencer on it. Never moves back.
   *
   * A call that arrives while a refresh runs is not merged into it: that refresh may have read
   * the store before the head that prompted the call was committed, and the watch never reports
   * the same head twice, so merging would leave a follower behind until the next batch (a lost
   * wakeup). Such calls share one more refresh, run after the current one.
   */
  private refresh(fresh: boolean): Promise<void> {
    if (this.refreshing !== undefined) {
      this.againFresh ||= fresh;
      this.again ??= this.refreshing.then(() => {
        const f = this.againFresh;
        this.again = undefined;
        this.againFresh = false;
        return this.refresh(f);
      });
      return this.again;
    }
    this.refreshing = (async () => {
      try {
        const { edge, latest } = await this.host.restore();
        const published = this.host.seq().edge.size;
        if (edge.size > published || (fresh && edge.size >= published)) this.host.setSeq(this.host.makeSeq(edge, latest));
        this.retryMs = RETRY_MIN_MS;
      } catch {
        // Unreachable store (a connection cut by a failover or a PostgreSQL restart): a
        // follower retries on its own, backing off, as the watch will not report this head again.
        this.retryLater();
      }
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private again: Promise<void> | undefined;
  private againFresh = false;
  private retryMs = RETRY_MIN_MS;
  private retry: ReturnType<typeof setTimeout> | undefined;

  private retryLater(): void {
    if (this.closed || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.closed) void this.refresh(this.c.leading);
    }, this.retryMs);
    this.retry.unref?.();
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }

  /** forward hands identities to the sequencing instance and answers like the sequencer would. */
  private forward(identities: readonly Uint8Array[]): Promise<Sequenced>[] {
    return this.c.forward(identities).map((p, i) => p.then((f) => this.answer(identities[i]!, f.index, f.head)));
  }

  private async answer(identity: Uint8Array, index: number, head: StoredCheckpoint): Promise<Sequenced> {
    // Publish at least `head` before answering, so the receipt and later reads here agree.
    for (let i = 0; this.host.seq().edge.size < head.size; i++) {
      if (i >= CATCH_UP_TRIES) throw new RunproofError('UNAVAILABLE', `the log instance could not catch up with checkpoint ${head.size}; retry`);
      // While sequencing, our own sequencer publishes it in a moment; if it does not, it was
      // fenced and is replaced.
      if (this.c.leading && i < 4) await sleep(20);
      else {
        await this.refresh(this.c.leading);
        // refresh swallows a failed store read (a connection cut by a failover or a PostgreSQL
        // restart), so without a pause the tries ran out within milliseconds and a logged entry
        // was answered 503. Back off instead: about 8 s in all before giving up.
        if (this.host.seq().edge.size < head.size) await sleep(Math.min(1000, 25 * 2 ** i));
      }
    }
    const entry = await this.host.entryAt(index);
    return { identity, index, timestamp: decodeEntry(entry).timestamp, entry, duplicate: false, checkpoint: head.note };
  }
}

/** Back-off of a refresh that could not read the store: from 100 ms, doubling, to 2 s. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

/** How many times an answer waits for this instance to publish the head its entry is under. */
const CATCH_UP_TRIES = 12;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
