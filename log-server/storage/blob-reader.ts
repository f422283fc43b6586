/**
 * Reading old tiles and bundles of a SQLite log off the main thread, for serving them whole
 * (`GET /tile/0/…`, `GET /tile/entries/…`). better-sqlite3 is synchronous: an old level-0 tile
 * or bundle read on the main thread cost 16–30 µs (a read transaction, an fstat, two locks and
 * two or three preads), about as much as the whole HTTP answer around it, so random tile reads
 * ran at half the rate of hot ones. Here a worker thread with its own read-only connection does
 * those reads, a batch at a time: the reads asked for in one turn of the event loop go to the
 * worker as one message, run in one read transaction (its snapshot is fresh for every batch, so
 * it sees every commit made before the batch, the published ones included), and come back as one
 * message. The main thread only posts and receives.
 *
 * Correctness does not depend on the worker: callers ask only for blobs the published right
 * edge says are full (immutable), check the length that comes back, and fall back to the main
 * connection if the worker fails or is closed.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * What the worker runs (CommonJS, no project modules, so it runs the same from dist/ and from the
 * TypeScript sources under vitest). A message is a flat array `[level, idx, level, idx, …]`
 * (level −1: the entry bundle); the answer is the blobs in order (null: no such row), their
 * buffers transferred, or `{ error }`. Transferring them, instead of copying them into one
 * buffer, leaves no garbage in the worker: blobs are external memory, which a young-generation
 * collection does not count, so the worker's copies piled up (+50 MB RSS after 100,000 reads)
 * until V8's external-memory limit forced a full collection.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
db.pragma('cache_size = -2048');
const tile = db.prepare('SELECT hashes FROM tiles WHERE level = ? AND idx = ?').pluck();
const bundle = db.prepare('SELECT entries FROM bundles WHERE idx = ?').pluck();
const begin = db.prepare('BEGIN');
const commit = db.prepare('COMMIT');
parentPort.on('message', (keys) => {
  if (keys === 'close') {
    db.close();
    return void parentPort.close();
  }
  try {
    const blobs = [];
    begin.run();
    try {
      for (let i = 0; i < keys.length; i += 2) {
        let b = keys[i] < 0 ? bundle.get(keys[i + 1]) : tile.get(keys[i], keys[i + 1]);
        // Each blob is moved, not copied: better-sqlite3 gives every blob its own buffer.
        if (b !== undefined && (b.byteOffset !== 0 || b.buffer.byteLength !== b.length)) b = new Uint8Array(b);
        blobs.push(b === undefined ? null : b);
      }
    } finally {
      commit.run();
    }
    parentPort.postMessage(blobs, blobs.filter((b) => b !== null).map((b) => b.buffer));
  } catch (e) {
    parentPort.postMessage({ error: String((e && e.message) || e) });
  }
});
`;

interface Waiter {
  resolve: (b: Uint8Array | undefined) => void;
  reject: (e: Error) => void;
}

/** BlobReader reads stored tiles and bundles of one SQLite log database on a worker thread. */
export class BlobReader {
  private readonly worker: Worker;
  /** Reads asked for in this turn of the event loop: keys (as posted) and their waiters. */
  private keys: number[] = [];
  private waiting: Waiter[] = [];
  /** Batches posted and not answered yet, oldest first (the worker answers in order). */
  private readonly sent: Waiter[][] = [];
  private failed: Error | undefined;
  private closed = false;
  private exited = false;

  /**
   * Starts the worker on the database at `dbPath` (which must exist). `here` reads a blob on the
   * main thread's connection: a turn of the event loop that asks for a single blob uses it,
   * since a round trip to the worker costs the main thread about as much as the read itself
   * (measured: ≈ 20 µs either way, but ≈ 55 µs of CPU in all against 20), and the worker only
   * pays off when a busy server batches several reads.
   */
  constructor(
    dbPath: string,
    private readonly here: (level: number | 'entries', idx: number) => Uint8Array | undefined,
  ) {
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path: dbPath, sqlite: createRequire(import.meta.url).resolve('better-sqlite3') },
      // Its heap holds only the blobs of the batch at hand; a small young generation collects
      // better-sqlite3's copies of them soon (they are external memory, counted in RSS).
      resourceLimits: { maxYoungGenerationSizeMb: 2 },
    });
    this.worker.unref();
    this.worker.on('message', (m: (Uint8Array | null)[] | { error: string }) => this.answered(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.fail(new Error(`blob reader: the worker exited (${code})`));
    });
  }

  /** read returns the stored hash tile (`level` ≥ 0) or entry bundle (`'entries'`) `idx`; undefined if absent. */
  read(level: number | 'entries', idx: number): Promise<Uint8Array | undefined> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => this.flush());
      this.keys.push(level === 'entries' ? -1 : level, idx);
      this.waiting.push({ resolve, reject });
    });
  }

  /** close closes the worker's connection and stops it; reads not answered yet are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('blob reader: closed'));
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('close');
    // A worker that does not exit promptly (stuck in a read) is stopped; its connection then
    // closes with the thread.
    const timer = setTimeout(() => void this.worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }

  private flush(): void {
    const keys = this.keys;
    const waiting = this.waiting;
    this.keys = [];
    this.waiting = [];
    if (this.failed !== undefined) return waiting.forEach((w) => w.reject(this.failed!));
    if (waiting.length === 1) {
      try {
        waiting[0]!.resolve(this.here(keys[0] === -1 ? 'entries' : keys[0]!, keys[1]!));
      } catch (e) {
        waiting[0]!.reject(e as Error);
      }
      return;
    }
    this.sent.push(waiting);
    this.worker.postMessage(keys);
  }

  private answered(m: (Uint8Array | null)[] | { error: string }): void {
    const waiting = this.sent.shift();
    if (waiting === undefined) return;
    if (!Array.isArray(m)) return waiting.forEach((w) => w.reject(new Error(`blob reader: ${m.error}`)));
    waiting.forEach((w, i) => w.resolve(m[i] ?? undefined));
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const batch of this.sent.splice(0)) batch.forEach((w) => w.reject(this.failed!));
  }
}
