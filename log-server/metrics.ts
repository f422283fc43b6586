/**
 * Prometheus metrics of the log server (docs/log-server.md, "Metrics"), on a registry of
 * its own so that several servers (or tests) in one process do not share counters.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** LogMetrics holds the server's metrics and the hooks that feed them. */
export class LogMetrics {
  /** The registry `GET /metrics` renders. */
  readonly registry = new Registry();
  private readonly appended: Counter;
  private readonly batchSize: Histogram;
  private readonly commitSeconds: Histogram;
  private readonly submitSeconds: Histogram;
  private readonly rejections: Counter<'code'>;
  private readonly submissions: Counter<'kind'>;

  /** `treeSize` is read at scrape time; `defaults` adds the process metrics of prom-client. */
  constructor(treeSize: () => number, opts: { defaults?: boolean } = {}) {
    const registers = [this.registry];
    new Gauge({
      name: 'runproof_log_tree_size',
      help: 'Entries in the log (size of the latest committed checkpoint).',
      registers,
      collect() {
        this.set(treeSize());
      },
    });
    this.appended = new Counter({ name: 'runproof_log_entries_appended_total', help: 'Entries appended by this process.', registers });
    this.submissions = new Counter({ name: 'runproof_log_submissions_total', help: 'Accepted submissions, new or duplicate.', labelNames: ['kind'], registers });
    this.batchSize = new Histogram({
      name: 'runproof_log_batch_entries',
      help: 'Entries per sequencer commit.',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
      registers,
    });
    this.commitSeconds = new Histogram({
      name: 'runproof_log_commit_seconds',
      help: 'Time to write, sign and commit one sequencer batch.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.submitSeconds = new Histogram({
      name: 'runproof_log_submission_seconds',
      help: 'Time from a submission arriving to its receipt being ready.',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.rejections = new Counter({ name: 'runproof_log_rejections_total', help: 'Requests answered with an error, by error code.', labelNames: ['code'], registers });
    if (opts.defaults === true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * coordinate adds the metrics of an instance sharing its store with others (PostgreSQL): a
   * leader gauge (1 while this instance sequences) and a counter of lease changes it saw.
   */
  coordinate(c: { readonly leading: boolean; readonly leaseChanges: number }): void {
    const registers = [this.registry];
    new Gauge({
      name: 'runproof_log_leader',
      help: '1 while this instance holds the sequencer lease, else 0.',
      registers,
      collect() {
        this.set(c.leading ? 1 : 0);
      },
    });
    let seen = 0;
    new Counter({
      name: 'runproof_log_lease_changes_total',
      help: 'Times this instance gained or lost the sequencer lease.',
      registers,
      collect() {
        this.inc(c.leaseChanges - seen);
        seen = c.leaseChanges;
      },
    });
  }

  /** onBatch is the Log's `onBatch` hook: one sequencer commit of `entries` entries. */
  onBatch(entries: number, commitMs: number): void {
    this.appended.inc(entries);
    this.batchSize.observe(entries);
    this.commitSeconds.observe(commitMs / 1000);
  }

  /** submitted records a submission answered after `seconds`. */
  submitted(duplicate: boolean, seconds: number): void {
    this.submissions.inc({ kind: duplicate ? 'duplicate' : 'new' });
    this.submitSeconds.observe(seconds);
  }

  /** rejected records a request answered with an error code. */
  rejected(code: string): void {
    this.rejections.inc({ code });
  }
}
