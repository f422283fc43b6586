/**
 * Several instances, one PostgreSQL log: the {@link Coordination} the log core uses when its
 * backend is shared (../backend.ts). It combines the sequencer lease (./lease.ts) with the
 * database queue between instances (./forward.ts). docs/storage.md, "PostgreSQL: one log, several instances", has the
 * whole picture and what a failover looks like.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Coordination, StoredCheckpoint } from '../backend.js';
import type { PostgresBackend } from './backend.js';
import { Drainer, Forwarder } from './forward.js';

/** Options of {@link PostgresCoordination}. */
export interface CoordinationOptions {
  /** How long a lease lasts without renewal, ms (default 3000): the longest a dead sequencer blocks. */
  leaseMs?: number;
  /** Longest wait of a forwarded submission for a sequencer, ms (default 30 000). */
  forwardTimeoutMs?: number;
  /** Where lease warnings go (default: stderr). */
  warn?: (message: string) => void;
  /**
   * Test only: true makes the instance trust its lease until the database refuses a commit (no
   * local expiry, a failed renewal ignored), as if it were paused between its last check and its
   * commit, so that only the database fence protects the log. Default false.
   */
  trusting?: boolean;
}

/** PostgresCoordination is the multi-instance side of a {@link PostgresBackend}; see the module comment. */
export class PostgresCoordination implements Coordination {
  /** This instance's name in the lease row. */
  readonly holder = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly forwarder: Forwarder;
  private readonly leaseMs: number;
  private readonly warn: (message: string) => void;
  private readonly trusting: boolean;

  constructor(
    private readonly backend: PostgresBackend,
    opts: CoordinationOptions = {},
  ) {
    this.leaseMs = opts.leaseMs ?? 3000;
    this.warn = opts.warn ?? ((m) => process.stderr.write(`runproof-log: ${m}\n`));
    this.trusting = opts.trusting ?? false;
    this.forwarder = new Forwarder(backend, opts.forwardTimeoutMs ?? 30_000);
  }

  get leading(): boolean {
    return this.backend.lease?.epoch !== undefined;
  }

  get leaseChanges(): number {
    return this.backend.lease?.changes ?? 0;
  }

  async start(changed: (leading: boolean) => void): Promise<void> {
    await this.backend.startLease(this.holder, this.leaseMs, (epoch) => changed(epoch !== undefined), this.warn, this.trusting);
  }

  forward(digests: readonly Uint8Array[]): Promise<{ index: number; head: StoredCheckpoint }>[] {
    return this.forwarder.forward(digests);
  }

  drain(sequence: (digests: Uint8Array[]) => Promise<unknown>): () => void {
    const d = new Drainer(this.backend.pool, (fn) => this.backend.listen('runproof_pending', fn), sequence);
    return () => d.stop();
  }

  close(): void {
    this.forwarder.close();
  }
}
