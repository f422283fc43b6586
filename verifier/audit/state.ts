/**
 * Resumable audit progress. The audit verifies full entry bundles left to right; what it must
 * remember to continue later is small and append-only: how many full bundles are done, the last
 * entry time, every identity seen so far, and the hash of each full level-0 tile (the tree nodes
 * at level 8, from which every higher tile and the root are recomputed).
 *
 * Only data the audit computed itself from entries is kept, never a hash the log served. It is
 * saved as bundles are checked, before the final root comparison, so it is not signed: a run may
 * have been interrupted while the log served entries no checkpoint signs, or the log (same origin
 * and key) may have replaced that history since. A resumed audit therefore uses the progress only
 * once a consistency proof from the log's tiles leads from the root of the saved tile hashes to
 * the signed root (resume-check.ts); otherwise it discards it, audits from the start and says so
 * in its report (AuditReport.progressDiscarded), never blaming the log for unsigned data. Then
 * the final root comparison covers the saved prefix too: a resumed audit proves what a fresh one does.
 * The proof covers the tile hashes, not the identities or the last time: a repeat or a time going
 * back that they alone show is reported proven: false (fault-evidence.ts), not as the log's.
 */

/** Audit progress after `bundles` full bundles of the log `origin`. */
export interface AuditProgress {
  origin: string;
  /** Full entry bundles verified: entries [0, bundles·256). */
  bundles: number;
  /** Time (ms) of the last of those entries; 0 if none. */
  lastTime: number;
  /** The identities of those entries, 32 bytes each, in log order. */
  identities: Uint8Array;
  /** The Merkle hash of each of those bundles' level-0 tiles, 32 bytes each. */
  tileHashes: Uint8Array;
}

/** Where an audit keeps its progress (a directory for the CLI; anything for library callers). */
export interface AuditStateStore {
  /** load returns the saved progress for `origin`, or undefined to start from the beginning. */
  load(origin: string): Promise<AuditProgress | undefined>;
  /**
   * save records that bundles [from, progress.bundles) are verified; `identities` and
   * `tileHashes` hold only the new part (from·256 … and from …).
   */
  save(from: number, progress: AuditProgress): Promise<void>;
}
