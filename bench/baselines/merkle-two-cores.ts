/**
 * The RFC 6962 root of N leaves on two cores: the two subtrees of the RFC 6962 split (the left
 * one of k leaves, k the largest power of two below N) hashed at the same time on two worker
 * threads with the audit's in-place SHA-256, as {@link merkleRootRate} does on one; joining
 * them is one more node hash. The floor under an audit that uses both cores of this machine
 * (a second reference beside the one-core baseline: `runproof audit` hashes on two workers).
 */
import { Worker } from 'node:worker_threads';

/** Each worker makes its leaves, says ready, and on "go" answers the seconds its root took. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.compute).then(({ merkleRootSeconds }) => {
  const { randomBytes } = require('node:crypto');
  const raw = randomBytes(41 * workerData.n);
  parentPort.once('message', () => parentPort.postMessage(merkleRootSeconds(raw, workerData.n)));
  parentPort.postMessage('ready');
});
`;

/** merkleRootRateTwoCores returns leaves per second for the root of `n` leaves hashed on two threads. */
export async function merkleRootRateTwoCores(n: number): Promise<number> {
  let k = 1;
  while (2 * k < n) k *= 2;
  const halves = n > 1 ? [k, n - k] : [n];
  const compute = new URL('./compute.js', import.meta.url).href;
  const workers = halves.map((count) => new Worker(WORKER_SOURCE, { eval: true, workerData: { compute, n: count } }));
  try {
    const next = (w: Worker) =>
      new Promise<unknown>((resolve, reject) => {
        w.once('message', resolve);
        w.once('error', reject);
      });
    await Promise.all(workers.map(next)); // both have their leaves
    const done = workers.map(next);
    for (const w of workers) w.postMessage('go');
    const seconds = (await Promise.all(done)) as number[];
    return n / Math.max(...seconds);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
