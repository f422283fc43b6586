/**
 * A {@link BundleHasher} on a worker thread (node:worker_threads), for the `runproof audit`
 * command: the leaf and tile hashing of full bundles — about half the CPU of a full audit — runs
 * beside the main thread's downloading and entry checks. Node-only, so not part of the library
 * entry. Bundles are copied to the worker (≈ 19 KiB each), answers come back in order.
 */
import { Worker } from 'node:worker_threads';
import type { BundleHasher } from './audit.js';

/** What the worker runs: hashFullBundle (./hasher.js) for each message, answering in order. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.hasher).then(({ hashFullBundle }) => {
  parentPort.on('message', (m) => {
    const hash = hashFullBundle(m.bundle, m.leaves);
    parentPort.postMessage(hash === undefined ? null : hash);
  });
});
`;

/** A BundleHasher backed by one worker thread; `close` it when done (it keeps the process alive). */
export interface WorkerHasher extends BundleHasher {
  close(): Promise<void>;
}

/** workerHasher starts the worker thread. */
export function workerHasher(): WorkerHasher {
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { hasher: new URL('./hasher.js', import.meta.url).href } });
  const waiting: { resolve: (h: Uint8Array | undefined) => void; reject: (e: unknown) => void }[] = [];
  let failed: unknown;
  worker.on('message', (hash: Uint8Array | null) => waiting.shift()?.resolve(hash ?? undefined));
  const fail = (e: unknown) => {
    failed ??= e;
    for (const w of waiting.splice(0)) w.reject(e);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`audit hash worker exited (${code})`)));
  return {
    hashBundle(bundle, leaves) {
      if (failed !== undefined) return Promise.reject(failed);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        worker.postMessage({ bundle, leaves });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
