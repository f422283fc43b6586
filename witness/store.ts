/**
 * The witness's persistent state (migrations/witness/): per origin, the latest cosigned
 * checkpoint. Updates are a compare-and-swap on (origin, size, root), as c2sp.org/tlog-witness
 * requires: "checking the old size against the latest checkpoint and persisting the new
 * checkpoint must be performed atomically", or a slow request could roll the state back.
 */
import { EMPTY_ROOT, type Hash } from '../src/merkle/hash.js';
import type { Db } from '../node-shared/sqlite.js';

/** How many rejected requests are kept as evidence per origin (the earliest ones). */
export const MAX_REJECTED_PER_ORIGIN = 100;

/** The latest state of one origin. */
export interface OriginState {
  size: number;
  root: Hash;
  /** The cosigned checkpoint note, or null if this witness never cosigned the origin. */
  note: string | null;
}

interface Row {
  size: number;
  root: Uint8Array;
  note: string | null;
}

/** WitnessStore reads and compare-and-swaps the per-origin state. */
export class WitnessStore {
  private readonly db: Db;

  /** Creates the store and a "never cosigned" row (size 0, empty-tree root) for each origin. */
  constructor(db: Db, origins: readonly string[]) {
    this.db = db;
    const insert = db.prepare('INSERT OR IGNORE INTO checkpoint (origin, size, root, note) VALUES (?, 0, ?, NULL)');
    db.transaction(() => {
      for (const o of origins) insert.run(o, EMPTY_ROOT);
    })();
  }

  /** get returns the state of an origin, or undefined if it is not configured. */
  get(origin: string): OriginState | undefined {
    const row = this.db.prepare('SELECT size, root, note FROM checkpoint WHERE origin = ?').get(origin) as Row | undefined;
    if (row === undefined) return undefined;
    return { size: row.size, root: new Uint8Array(row.root), note: row.note };
  }

  /**
   * compareAndSwap stores `next` as the origin's state only if the stored state is still
   * exactly `expected` (size and root); it returns whether it did.
   */
  compareAndSwap(origin: string, expected: { size: number; root: Hash }, next: { size: number; root: Hash; note: string }, nowSeconds: number): boolean {
    const info = this.db
      .prepare('UPDATE checkpoint SET size = ?, root = ?, note = ?, updated_at = ? WHERE origin = ? AND size = ? AND root = ?')
      .run(next.size, next.root, next.note, nowSeconds, origin, expected.size, expected.root);
    return info.changes === 1;
  }

  /**
   * recordRejected keeps a validly signed request that failed the consistency checks, as
   * evidence — the first {@link MAX_REJECTED_PER_ORIGIN} per origin: the log can send such
   * requests without end, and must not be able to fill the witness's disk.
   */
  recordRejected(origin: string, nowSeconds: number, reason: string, body: string): void {
    this.db
      .prepare('INSERT INTO rejected (origin, received_at, reason, body) SELECT ?, ?, ?, ? WHERE (SELECT count(*) FROM rejected WHERE origin = ?) < ?')
      .run(origin, nowSeconds, reason, body, origin, MAX_REJECTED_PER_ORIGIN);
  }

  /** rejectedCount returns how many requests were kept as evidence for an origin. */
  rejectedCount(origin: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM rejected WHERE origin = ?').get(origin) as { n: number }).n;
  }
}
