/**
 * A {@link BundleHasher} on a worker thread (node:worker_threads), for the `runproof audit`
 * command: the leaf and tile hashing of full bundles — about half the CPU of a full audit — runs
 * beside the main thread's downloading and entry checks. Node-only, so not part of the library
 * entry. Bundles and their tiles are copied to the worker (≈ 19 KiB a pair), answers come back
 * in order.
 */
import { Worker } from 'node:worker_threads';
import type { BundleHasher } from './audit.js';

/** What the worker runs: hashFullBundle (./hasher.js) for each pair of a batch, answering in order. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.hasher).then(({ hashFullBundle }) => {
  parentPort.on('message', (batch) => {
    const hashes = [];
    for (let i = 0; i < batch.length; i += 2) hashes.push(hashFullBundle(batch[i], batch[i + 1]) ?? null);
    parentPort.postMessage(hashes);
  });
});
`;

/**
 * compact returns bytes that own their whole ArrayBuffer: posting a view copies the entire
 * buffer behind it, and the HTTP reader's bodies are views into socket buffers of up to 64 KiB.
 */
function compact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/** A BundleHasher backed by one worker thread; `close` it when done (it keeps the process alive). */
export interface WorkerHasher extends BundleHasher {
  close(): Promise<void>;
}

/**
 * workerHasher starts the worker thread. Requests made in one turn of the event loop go to the
 * worker as one message, and come back as one: each message wakes the other thread, which on a
 * busy machine costs more than the copy (measured: postMessage per bundle was ≈ 12% of the main
 * thread's profile at load 6).
 */
export function workerHasher(): WorkerHasher {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { hasher: new URL('./hasher.js', import.meta.url).href } });
  const waiting: { resolve: (h: Uint8Array | undefined) => void; reject: (e: unknown) => void }[] = [];
  let batch: Uint8Array[] = [];
  let failed: unknown;
  worker.on('message', (hashes: (Uint8Array | null)[]) => {
    for (const hash of hashes) waiting.shift()?.resolve(hash ?? undefined);
  });
  const fail = (e: unknown) => {
    failed ??= e;
    for (const w of waiting.splice(0)) w.reject(e);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`audit hash worker exited (${code})`)));
  const flush = () => {
    const items = batch;
    batch = [];
    if (failed === undefined) worker.postMessage(items);
  };
  return {
    hashBundle(bundle, leaves) {
      if (failed !== undefined) return Promise.reject(failed);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (batch.length === 0) setImmediate(flush);
        batch.push(compact(bundle), compact(leaves));
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
