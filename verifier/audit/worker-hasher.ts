/**
 * A {@link BundleHasher} on worker threads (node:worker_threads), for the `runproof audit`
 * command: the leaf and tile hashing of full bundles — about half the CPU of a full audit — runs
 * beside the main thread's downloading and entry checks, split over one or more workers (each
 * full bundle is an aligned subtree of 256 leaves, hashed on its own; the audit combines the
 * subtree hashes on the main thread). Node-only, so not part of the library entry.
 *
 * Each worker reads its bundles from slots of memory it shares with the main thread
 * (a SharedArrayBuffer): the main thread copies a bundle and its level-0 tile into a free slot
 * (≈ 19 KiB, one memcpy) and queues the slot's number; the worker writes the 32-byte tile hash
 * back into the slot. Before, the bytes went over postMessage, one message per turn of the
 * event loop: ≈ 14% of the main thread's profile of a 1M-entry audit went to postMessage,
 * mostly per message, not per byte. The slots bound the memory (32 per worker, ≈ 0.6 MiB):
 * requests beyond them wait in a queue for a free slot.
 */
import { Worker } from 'node:worker_threads';
import type { BundleHasher } from './audit.js';
import { FAST_ENTRY_SIZE } from './hasher.js';

/** The bytes of a full bundle the workers hash: 256 records of a 2-byte length and a 41-byte entry. */
const BUNDLE_BYTES = 256 * (2 + FAST_ENTRY_SIZE);
/** The bytes of a full level-0 tile. */
const LEAVES_BYTES = 256 * 32;
/** A slot: the bundle, its tile, the answer (32 bytes of hash, then one byte: 1 = hashed, 0 = not a match). */
const SLOT_BYTES = BUNDLE_BYTES + LEAVES_BYTES + 40;
/** Slots per worker: enough to keep a worker busy between two turns of the main thread. */
const SLOTS_PER_WORKER = 32;

/** Words of a lane's control array: requests posted, requests answered, closing (1). */
const POSTED = 0;
const ANSWERED = 1;
const CLOSING = 2;
/** The control words, then the queue of slot numbers in the order posted. */
const CONTROL_WORDS = 3;

/**
 * What each worker runs: it sleeps on the POSTED word until a slot number is queued, runs
 * hashFullBundle (./hasher.js) on that slot's bundle and tile, writes the answer into the slot,
 * counts it in ANSWERED and wakes the main thread if it waits there.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, control, bundleBytes, leavesBytes, slotBytes, slots, period } = workerData;
const ctrl = new Int32Array(control);
import(workerData.hasher).then(({ hashFullBundle }) => {
  for (let taken = 0; ; taken = (taken + 1) % period) {
    for (;;) {
      if (Atomics.load(ctrl, ${CLOSING}) === 1) return;
      if (Atomics.load(ctrl, ${POSTED}) !== taken) break;
      Atomics.wait(ctrl, ${POSTED}, taken);
    }
    const s = ctrl[${CONTROL_WORDS} + (taken % slots)];
    const base = s * slotBytes;
    const bundle = new Uint8Array(memory, base, bundleBytes);
    const leaves = new Uint8Array(memory, base + bundleBytes, leavesBytes);
    const answer = new Uint8Array(memory, base + bundleBytes + leavesBytes, 33);
    const hash = hashFullBundle(bundle, leaves);
    if (hash === undefined) answer[32] = 0;
    else {
      answer.set(hash);
      answer[32] = 1;
    }
    Atomics.add(ctrl, ${ANSWERED}, 1);
    Atomics.notify(ctrl, ${ANSWERED});
  }
});
`;

/** A BundleHasher backed by worker threads; `close` it when done (it keeps the process alive). */
export interface WorkerHasher extends BundleHasher {
  close(): Promise<void>;
}

/** One request waiting for its answer. */
interface Pending {
  bundle: Uint8Array;
  leaves: Uint8Array;
  resolve: (h: Uint8Array | undefined) => void;
  reject: (e: unknown) => void;
}

/** One worker with its shared slots. */
interface Lane {
  worker: Worker;
  memory: Uint8Array;
  ctrl: Int32Array;
  free: number[];
  /** The requests in the worker's queue, oldest first, with their slots. */
  queued: { slot: number; p: Pending }[];
  /** Requests posted to and answers taken from this worker (counts modulo COUNTER_PERIOD). */
  posted: number;
  answered: number;
  /** Whether an Atomics.waitAsync on ANSWERED is pending. */
  watching: boolean;
}

/** Atomics.waitAsync (ES2024, in Node ≥ 16), which the project's TypeScript lib does not declare yet. */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/** The counters wrap at this (a multiple of the slot count, within an Int32). */
const COUNTER_PERIOD = 2 ** 30;

/**
 * workerHasher starts `workers` worker threads (default 1). A bundle goes to the worker with the
 * most free slots. The threads signal each other through the shared control words
 * (Atomics.wait / notify / waitAsync), not with messages: a message per bundle cost the main
 * thread more than the copy of the bundle. A bundle that is not exactly 256 entries of 41 bytes
 * is answered undefined at once (the audit then checks it itself).
 */
export function workerHasher(workers = 1): WorkerHasher {
  const hasher = new URL('./hasher.js', import.meta.url).href;
  const waiting: Pending[] = [];
  let failed: unknown;
  const lanes: Lane[] = [];
  const fail = (e: unknown) => {
    failed ??= e;
    for (const lane of lanes) for (const q of lane.queued.splice(0)) q.p.reject(e);
    for (const p of waiting.splice(0)) p.reject(e);
  };
  /** collect resolves the requests a worker has answered, refills its slots and watches again. */
  const collect = (lane: Lane) => {
    lane.watching = false;
    if (failed !== undefined) return;
    const answered = Atomics.load(lane.ctrl, ANSWERED);
    while (lane.answered !== answered) {
      const { slot, p } = lane.queued.shift()!;
      const at = slot * SLOT_BYTES + BUNDLE_BYTES + LEAVES_BYTES;
      const hash = lane.memory[at + 32] === 1 ? lane.memory.slice(at, at + 32) : undefined;
      lane.free.push(slot);
      lane.answered = (lane.answered + 1) % COUNTER_PERIOD;
      p.resolve(hash);
    }
    while (waiting.length > 0 && place(waiting[0]!)) waiting.shift();
    watch(lane);
  };
  const watch = (lane: Lane) => {
    if (lane.watching || lane.queued.length === 0) return;
    lane.watching = true;
    const w = waitAsync(lane.ctrl, ANSWERED, lane.answered);
    if (w.async) void w.value.then(() => collect(lane));
    else queueMicrotask(() => collect(lane));
  };
  /** place puts a request in a free slot of the least busy worker; false if every slot is taken. */
  const place = (p: Pending): boolean => {
    let lane: Lane | undefined;
    for (const l of lanes) if (l.free.length > 0 && (lane === undefined || l.free.length > lane.free.length)) lane = l;
    if (lane === undefined) return false;
    const slot = lane.free.pop()!;
    lane.memory.set(p.bundle, slot * SLOT_BYTES);
    lane.memory.set(p.leaves, slot * SLOT_BYTES + BUNDLE_BYTES);
    lane.queued.push({ slot, p });
    lane.ctrl[CONTROL_WORDS + (lane.posted % SLOTS_PER_WORKER)] = slot;
    lane.posted = (lane.posted + 1) % COUNTER_PERIOD;
    Atomics.store(lane.ctrl, POSTED, lane.posted);
    Atomics.notify(lane.ctrl, POSTED);
    watch(lane);
    return true;
  };
  for (let i = 0; i < Math.max(1, workers); i++) {
    const memory = new SharedArrayBuffer(SLOTS_PER_WORKER * SLOT_BYTES);
    const control = new SharedArrayBuffer(4 * (CONTROL_WORDS + SLOTS_PER_WORKER));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { hasher, memory, control, bundleBytes: BUNDLE_BYTES, leavesBytes: LEAVES_BYTES, slotBytes: SLOT_BYTES, slots: SLOTS_PER_WORKER, period: COUNTER_PERIOD },
    });
    const lane: Lane = { worker, memory: new Uint8Array(memory), ctrl: new Int32Array(control), free: [], queued: [], posted: 0, answered: 0, watching: false };
    for (let s = SLOTS_PER_WORKER - 1; s >= 0; s--) lane.free.push(s);
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`audit hash worker exited (${code})`)));
    lanes.push(lane);
  }
  return {
    hashBundle(bundle, leaves) {
      if (failed !== undefined) return Promise.reject(failed);
      // Only exact full bundles are worth the copy; hashFullBundle would refuse any other.
      if (bundle.length !== BUNDLE_BYTES || leaves.length !== LEAVES_BYTES) return Promise.resolve(undefined);
      return new Promise((resolve, reject) => {
        const p: Pending = { bundle, leaves, resolve, reject };
        if (waiting.length > 0 || !place(p)) waiting.push(p);
      });
    },
    async close() {
      failed ??= new Error('audit hash workers closed');
      for (const lane of lanes) {
        // Wake a worker sleeping on POSTED (it then returns) and a pending waitAsync.
        Atomics.store(lane.ctrl, CLOSING, 1);
        Atomics.notify(lane.ctrl, POSTED);
        Atomics.notify(lane.ctrl, ANSWERED);
      }
      await Promise.all(lanes.map((l) => l.worker.terminate()));
    },
  };
}
