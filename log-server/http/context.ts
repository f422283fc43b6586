/**
 * What the HTTP layer is given: the log, the witness pool's cosignatures, the limits and the
 * metrics. Routes read these; they never open databases or keys themselves.
 */
import { isRunproofError } from '../../src/errors.js';
import type { Log, MaybePromise } from '../log.js';
import type { LogMetrics } from '../metrics.js';
import type { PublishStatus } from '../publish/publisher.js';
import type { LogDescription } from './routes/explorer.js';
import { BodyBudget } from './middleware/body-budget.js';
import type { BatchWorkers } from './batch-workers.js';

/** Default cap on request-body bytes held across all requests in flight. */
export const DEFAULT_INFLIGHT_BODY_BYTES = 64 * 1024 * 1024;

/** The part of the witness pool the routes use (log-server/witness-client.ts `WitnessPool`). */
export interface Cosignatures {
  /** The signed checkpoint plus the cosignature lines gathered for it so far. */
  withCosignatures(signedCheckpoint: string): string;
  /** Resolves with the checkpoint carrying at least `quorum` cosignatures, or what it has after `timeoutMs`. */
  waitForQuorum(signedCheckpoint: string, quorum: number, timeoutMs: number): Promise<string>;
}

/** Options of {@link createApp} (see `./app.ts`). */
export interface AppOptions {
  log: Log;
  /** Witness cosignatures; absent when the log has no witnesses. */
  cosignatures?: Cosignatures;
  /** Cosignatures `?wait=cosigned` waits for (default 0: do not wait). */
  witnessQuorum?: number;
  /** Longest `?wait=cosigned` wait, ms (default 5000). */
  witnessTimeoutMs?: number;
  /** Largest request body, bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most items in one batch (default 1000). */
  maxBatchItems?: number;
  /** Entries per second per client address (0 or absent: unlimited). */
  ratePerSecond?: number;
  /** Request-body bytes held at once across all requests in flight (default 64 MiB). */
  maxInflightBodyBytes?: number;
  /**
   * Reads that also need the bearer token (when tokens are configured) and count against the
   * rate: `lookups` (`GET /v1/identities/<hex>`, which builds a receipt) and `metrics`. Default none.
   */
  guardedReads?: readonly GuardedRead[];
  /** SHA-256 digests of accepted bearer tokens (empty or absent: no token needed). */
  tokenDigests?: Uint8Array[];
  metrics?: LogMetrics;
  /** The static publication targets' state, shown in `/healthz` (absent: nothing is published). */
  publishStatus?: () => PublishStatus[];
  /** Clock for the rate limiter, ms (default Date.now). */
  now?: () => number;
  /** While this returns false every request is refused with 503 (the server is stopping). */
  accepting?: () => boolean;
  /** What `GET /v1/log` answers (the log's key and witnesses); absent: 404. */
  about?: LogDescription;
  /** The built explorer's directory (default: `dist/explorer`). */
  explorerDir?: string;
  /** Worker threads that read large batch bodies (./batch-workers.ts); absent: batches are read inline. */
  batchWorkers?: BatchWorkers;
  /** Where unexpected errors (bugs) are reported (default: stderr). */
  logError?: (e: unknown) => void;
}

/**
 * What `?wait=cosigned` got: the checkpoint with whatever cosignatures arrived, and the quorum
 * outcome. A quorum not met is not an error of the submission: the entry is durably logged.
 */
export interface CosignedWait {
  checkpoint: string;
  /** `required` cosignatures were asked for; `met` tells whether the checkpoint carries them. */
  quorum: { required: number; met: boolean };
}

/** A read endpoint that can be put behind the submission guards (`--guard`). */
export type GuardedRead = 'lookups' | 'metrics';

/** The resolved settings the routes read. */
export interface AppSettings {
  log: Log;
  /** The tlog-proof receipt of entry `index` against a signed checkpoint (`Log.receipt`). */
  receipt: (index: number, signedCheckpoint: string, entry?: Uint8Array) => MaybePromise<string>;
  cosign: (signedCheckpoint: string) => string;
  /** The checkpoint with the cosignatures gathered within the witness timeout, and whether they meet the quorum. */
  waitCosigned: (signedCheckpoint: string) => Promise<CosignedWait>;
  maxBodyBytes: number;
  maxBatchItems: number;
  /** Worker threads for large batch bodies, if any. */
  batchWorkers: BatchWorkers | undefined;
  /** The shared budget of request-body bytes in flight. */
  bodyBudget: BodyBudget;
  metrics: LogMetrics | undefined;
  publishStatus: (() => PublishStatus[]) | undefined;
}

/** resolveSettings fills in defaults. */
export function resolveSettings(o: AppOptions): AppSettings {
  const pool = o.cosignatures;
  const quorum = o.witnessQuorum ?? 0;
  const timeout = o.witnessTimeoutMs ?? 5000;
  return {
    log: o.log,
    receipt: (index, signed, entry) => o.log.receipt(index, signed, entry),
    cosign: pool ? (s) => pool.withCosignatures(s) : (s) => s,
    waitCosigned: async (s) => {
      if (pool === undefined || quorum === 0) return { checkpoint: pool ? pool.withCosignatures(s) : s, quorum: { required: quorum, met: true } };
      try {
        return { checkpoint: await pool.waitForQuorum(s, quorum, timeout), quorum: { required: quorum, met: true } };
      } catch (e) {
        // The entry is committed whatever the witnesses do: answer with what arrived, and say so.
        if (!isRunproofError(e, 'QUORUM_NOT_MET')) throw e;
        return { checkpoint: pool.withCosignatures(s), quorum: { required: quorum, met: false } };
      }
    },
    maxBodyBytes: o.maxBodyBytes ?? 1048576,
    maxBatchItems: o.maxBatchItems ?? 1000,
    batchWorkers: o.batchWorkers,
    bodyBudget: new BodyBudget(o.maxInflightBodyBytes ?? DEFAULT_INFLIGHT_BODY_BYTES),
    metrics: o.metrics,
    publishStatus: o.publishStatus,
  };
}
