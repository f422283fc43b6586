/**
 * The batch worker thread (started by ./batch-workers.ts): reads batch bodies with
 * ./batch-items.ts and answers each job with its items, or with the error that refused the body.
 */
import { parentPort } from 'node:worker_threads';
import { RunproofError } from '../../src/errors.js';
import { bareMessage, readBatch, type BatchLimits } from './batch-items.js';
import type { WorkerAnswer } from './batch-workers.js';

/** A job: a body to read under `limits`, answered with the same `id`. */
interface Job {
  id: number;
  body: Uint8Array;
  limits: BatchLimits;
}

parentPort!.on('message', (job: Job) => {
  let answer: WorkerAnswer;
  try {
    const items = readBatch(job.body, job.limits);
    answer = { id: job.id, items };
    // The digests go back without a copy.
    parentPort!.postMessage(answer, [items.digests.buffer as ArrayBuffer]);
    return;
  } catch (e) {
    answer =
      e instanceof RunproofError
        ? { id: job.id, refused: { code: e.code, message: bareMessage(e), ...(e.path !== undefined ? { path: e.path } : {}), ...(e.evidence !== undefined ? { evidence: e.evidence } : {}) } }
        : { id: job.id, failed: e instanceof Error ? e.message : String(e) };
  }
  parentPort!.postMessage(answer);
});
