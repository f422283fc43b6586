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

/** The largest blob: a full entry bundle (256 × 43 bytes); a full hash tile is 8,192. */
const SLOT = 11008;
/** Spare buffers kept for reuse: enough for the batches of a busy server (≈ 10 reads a turn at 32 connections; ≈ 0.7 MB). */
const POOL = 64;
/** The worker collects its garbage after copying this many bytes (see WORKER_SOURCE). */
const COLLECT_BYTES = 1 << 20;

/**
 * What the worker runs (CommonJS, no project modules, so it runs the same from dist/ and from the
 * TypeScript sources under vitest). A message is `{ keys, bufs }`: a flat array
 * `[level, idx, level, idx, …]` (level −1: the entry bundle) and one transferred buffer of
 * {@link SLOT} bytes per read; the answer is the same buffers, filled, and each blob's length
 * (−1: no such row), or `{ error }`.
 *
 * Memory: blobs are external memory, which V8 frees only when it collects their (tiny) wrappers,
 * and a young-generation collection is not triggered by external memory. Left alone, the
 * worker's better-sqlite3 copies piled up to V8's external-memory limit (+50 MB RSS after
 * 100,000 reads); transferred to the main thread, they waited there for its collector and held
 * ≈ 19 MB of the worker's malloc arena at 10M entries. So the blobs are copied into buffers the
 * main thread lends and takes back (recycle), and the worker runs a minor collection of its own
 * small heap every {@link COLLECT_BYTES}.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
require('node:v8').setFlagsFromString('--expose-gc');
const gc = require('node:vm').runInNewContext('gc');
const Database = require(workerData.sqlite);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
db.pragma('cache_size = -1024');
const tile = db.prepare('SELECT hashes FROM tiles WHERE level = ? AND idx = ?').pluck();
const bundle = db.prepare('SELECT entries FROM bundles WHERE idx = ?').pluck();
const begin = db.prepare('BEGIN');
const commit = db.prepare('COMMIT');
let copied = 0;
parentPort.on('message', (m) => {
  if (m === 'close') {
    db.close();
    return void parentPort.close();
  }
  const { keys, bufs } = m;
  const lengths = new Int32Array(bufs.length);
  try {
    begin.run();
    try {
      for (let i = 0; i < bufs.length; i++) {
        const b = keys[2 * i] < 0 ? bundle.get(keys[2 * i + 1]) : tile.get(keys[2 * i], keys[2 * i + 1]);
        if (b === undefined || b.length > bufs[i].byteLength) {
          lengths[i] = -1;
          continue;
        }
        new Uint8Array(bufs[i]).set(b);
        lengths[i] = b.length;
        copied += b.length;
      }
    } finally {
      commit.run();
    }
  } catch (e) {
    return void parentPort.postMessage({ error: String((e && e.message) || e), bufs }, bufs);
  }
  parentPort.postMessage({ bufs, lengths }, bufs);
  if (copied >= ${COLLECT_BYTES}) {
    copied = 0;
    gc({ type: 'minor' });
  }
});
`;

/** The worker's answer to a batch: its buffers back, filled, and the blobs' lengths (−1: none). */
type Answer = { bufs: ArrayBuffer[]; lengths: Int32Array } | { bufs: ArrayBuffer[]; error: string };

interface Waiter {
  resolve: (b: Uint8Array | undefined) => void;
  reject: (e: Error) => void;
}

/** BlobReader reads stored tiles and bundles of one SQLite log database on a worker thread. */
export class BlobReader {
  private worker: Worker | undefined;
  /** Reads asked for in this turn of the event loop: keys (as posted) and their waiters. */
  private keys: number[] = [];
  private waiting: Waiter[] = [];
  /** Batches posted and not answered yet, oldest first (the worker answers in order). */
  private readonly sent: Waiter[][] = [];
  private failed: Error | undefined;
  private closed = false;
  /** Buffers back from the fast path, to lend again; and which ones are lent out now. */
  private readonly pool: ArrayBuffer[] = [];
  private readonly lent = new WeakSet<ArrayBuffer>();
  private exited = false;

  /**
   * Reads the database at `dbPath` (which must exist; the worker starts with the first batch). `here` reads a blob on the
   * main thread's connection: a turn of the event loop that asks for a single blob uses it,
   * since a round trip to the worker costs the main thread about as much as the read itself
   * (measured: ≈ 20 µs either way, but ≈ 55 µs of CPU in all against 20), and the worker only
   * pays off when a busy server batches several reads.
   */
  constructor(
    private readonly dbPath: string,
    private readonly here: (level: number | 'entries', idx: number) => Uint8Array | undefined,
  ) {}

  /**
   * started starts the worker when the first batch needs it: a log whose old tiles nobody reads
   * in bulk never pays for its thread (≈ 8 MB RSS at 10M entries).
   */
  private started(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path: this.dbPath, sqlite: createRequire(import.meta.url).resolve('better-sqlite3') },
      // Its heap holds only the batch at hand: a small young generation keeps its collections short.
      resourceLimits: { maxYoungGenerationSizeMb: 1 },
    });
    worker.unref();
    worker.on('message', (m: Answer) => this.answered(m));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => {
      this.exited = true;
      this.fail(new Error(`blob reader: the worker exited (${code})`));
    });
    return (this.worker = worker);
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

  /**
   * recycle takes back the buffer behind bytes {@link read} returned, once nobody uses them
   * (the fast path calls it when the answer has been handed to the socket). Anything else is
   * ignored; bytes never recycled are simply collected.
   */
  recycle(bytes: Uint8Array): void {
    const buf = bytes.buffer as ArrayBuffer;
    if (this.lent.delete(buf) && this.pool.length < POOL) this.pool.push(buf);
  }

  /** close closes the worker's connection and stops it; reads not answered yet are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('blob reader: closed'));
    const worker = this.worker;
    if (worker === undefined || this.exited) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    // A worker that does not exit promptly (stuck in a read) is stopped; its connection then
    // closes with the thread.
    const timer = setTimeout(() => void worker.terminate(), 2000);
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
    const bufs = waiting.map(() => this.pool.pop() ?? new ArrayBuffer(SLOT));
    this.sent.push(waiting);
    this.started().postMessage({ keys, bufs }, bufs);
  }

  private answered(m: Answer): void {
    const waiting = this.sent.shift();
    if (waiting === undefined) return;
    if ('error' in m) {
      this.pool.push(...m.bufs.slice(0, POOL - this.pool.length));
      return waiting.forEach((w) => w.reject(new Error(`blob reader: ${m.error}`)));
    }
    waiting.forEach((w, i) => {
      const n = m.lengths[i]!;
      const buf = m.bufs[i]!;
      if (n < 0) {
        if (this.pool.length < POOL) this.pool.push(buf);
        return w.resolve(undefined);
      }
      this.lent.add(buf);
      w.resolve(new Uint8Array(buf, 0, n));
    });
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const batch of this.sent.splice(0)) batch.forEach((w) => w.reject(this.failed!));
  }
}
