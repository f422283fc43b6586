/**
 * Batch workers: threads (node:worker_threads) that read large `POST /v1/batch` bodies — strict
 * parse, and for each declaration the schema, RFC 8785 canonical form and SHA-256 (≈ 60–80 µs of
 * CPU per ≈ 1.3 KB declaration) — so the main thread, which sequences, builds receipts and
 * serves HTTP, can use a second core. The main thread still decides everything else (rate,
 * sequencing, answers); what a worker returns is exactly what ./batch-items.ts returns inline,
 * and a test holds the two to byte-identical answers.
 *
 * Bounded: at most `maxQueued` bodies wait per worker; beyond that (and for bodies below
 * `minBytes`, where the hop costs more than it saves) the caller reads the body itself. A worker
 * that dies is replaced, and the bodies it held are read on the main thread.
 */
import { Worker } from 'node:worker_threads';
import { RunproofError } from '../../src/errors.js';
import { readBatch, type BatchItems, type BatchLimits } from './batch-items.js';

/** A worker's answer to one job. */
export type WorkerAnswer =
  | { id: number; items: BatchItems }
  | { id: number; refused: { code: RunproofError['code']; message: string; path?: string; evidence?: Record<string, unknown> } }
  | { id: number; failed: string };

/** Options of {@link BatchWorkers}. */
export interface BatchWorkerOptions {
  /** Worker threads (≥ 1). */
  threads: number;
  /** Bodies smaller than this are read inline (default {@link MIN_WORKER_BYTES}). */
  minBytes?: number;
  /** Bodies waiting per worker before further ones are read inline (default 4). */
  maxQueued?: number;
  /** The worker module (default: ./batch-worker.js beside this file; tests pass the built one). */
  module?: URL;
}

/**
 * Smallest body sent to a worker. Reading costs about the same per byte for declarations and for
 * identities (≈ 50–60 ns, ≈ 75 µs per 1.3 KB declaration), and the hop costs the main thread
 * ≈ 25–50 µs (copying the body out, the digests and errors back; measured on 2 loaded cores).
 * From 8 KiB on the hop saves at least twice what it costs; below, the body is read inline.
 */
export const MIN_WORKER_BYTES = 8 * 1024;

/** Workers replaced after dying, at most, before batches are read on the main thread only. */
const MAX_RESTARTS = 5;

interface Pending {
  body: Uint8Array;
  limits: BatchLimits;
  resolve: (items: BatchItems) => void;
  reject: (e: unknown) => void;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Pending>;
}

/** BatchWorkers reads batch bodies on worker threads; see the module comment. */
export class BatchWorkers {
  private readonly threads: Thread[] = [];
  private readonly minBytes: number;
  private readonly maxQueued: number;
  private readonly module: URL;
  private nextId = 0;
  private restarts = 0;
  private closed = false;

  constructor(opts: BatchWorkerOptions) {
    if (!Number.isSafeInteger(opts.threads) || opts.threads < 1) throw new Error(`batch workers: threads ${opts.threads}`);
    this.minBytes = opts.minBytes ?? MIN_WORKER_BYTES;
    this.maxQueued = opts.maxQueued ?? 4;
    this.module = opts.module ?? new URL('./batch-worker.js', import.meta.url);
    this.count = opts.threads;
  }

  /**
   * The threads start with the first body worth a hop, not with the server: each holds its own
   * V8 heap (measured: 102 MB → 88 MB RSS for the 10M-entry log's idle server), which a log that never
   * receives large batches should not pay for.
   */
  private readonly count: number;

  /**
   * read has a worker read the batch as ./batch-items.ts `readBatch` would (rejecting with the
   * same RunproofError), or returns undefined when the caller should read it itself: the body is
   * small, every worker has `maxQueued` bodies waiting, or the workers are closed.
   */
  read(body: Uint8Array, limits: BatchLimits): Promise<BatchItems> | undefined {
    if (this.closed || body.length < this.minBytes) return undefined;
    while (this.threads.length < this.count) this.threads.push(this.start());
    let t = this.threads[0]!;
    for (const u of this.threads) if (u.jobs.size < t.jobs.size) t = u;
    if (t.jobs.size >= this.maxQueued) return undefined;
    const id = this.nextId++;
    return new Promise<BatchItems>((resolve, reject) => {
      t.jobs.set(id, { body, limits, resolve, reject });
      // A copy goes to the worker (the body stays here in case the worker dies).
      t.worker.postMessage({ id, body, limits });
    });
  }

  /** close stops the workers; bodies they still held are read on this thread. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }

  private start(): Thread {
    const worker = new Worker(this.module);
    const t: Thread = { worker, jobs: new Map() };
    worker.unref();
    worker.on('message', (a: WorkerAnswer) => {
      const job = t.jobs.get(a.id);
      if (job === undefined) return;
      t.jobs.delete(a.id);
      if ('items' in a) job.resolve(a.items);
      else if ('refused' in a) {
        const { code, message, path, evidence } = a.refused;
        job.reject(new RunproofError(code, message, { ...(path !== undefined ? { path } : {}), ...(evidence !== undefined ? { evidence } : {}) }));
      } else job.reject(new Error(`batch worker: ${a.failed}`));
    });
    const lost = () => {
      // Whatever it held is read here; a live replacement takes new work.
      const i = this.threads.indexOf(t);
      if (i >= 0 && !this.closed) {
        // A worker that keeps dying (e.g. its module cannot load) is not restarted for ever.
        if (++this.restarts > MAX_RESTARTS) {
          process.emitWarning('runproof-log: batch workers keep failing; reading batches on the main thread');
          this.closed = true;
        } else this.threads[i] = this.start();
      }
      for (const job of t.jobs.values()) {
        try {
          job.resolve(readBatch(job.body, job.limits));
        } catch (e) {
          job.reject(e);
        }
      }
      t.jobs.clear();
    };
    worker.on('error', (e) => {
      process.emitWarning(`runproof-log: a batch worker failed: ${String(e)}`);
    });
    worker.on('exit', lost);
    return t;
  }
}
