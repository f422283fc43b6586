/**
 * The monitor's persistent state (migrations/monitor/): per log, the accepted checkpoint and the
 * running state of the entry checks, the identities seen, trust, and alerts.
 */
import { RunproofError } from '../src/errors.js';
import { concatBytes } from '../src/encoding/utf8.js';
import { HASH_SIZE, type Hash } from '../src/merkle/hash.js';
import type { Db } from '../node-shared/sqlite.js';

/** What the monitor knows about one log. */
export interface LogState {
  origin: string;
  vkey: string;
  url: string;
  /** Size of the accepted checkpoint (0 before the first). */
  size: number;
  /** The accepted signed checkpoint, or null before the first. */
  checkpoint: string | null;
  /** Right-edge hashes of the accepted tree (RFC 6962 perfect subtrees, left to right). */
  rightEdge: Hash[];
  /** Time (ms) of the last entry checked. */
  lastEntryTime: number;
  /** Why the log is untrusted, or null while it is trusted. */
  untrusted: { at: number; reason: string; evidence: string | null } | null;
}

interface Row {
  origin: string;
  vkey: string;
  url: string;
  size: number;
  checkpoint: string | null;
  right_edge: Uint8Array;
  last_entry_time: number;
  untrusted_at: number | null;
  untrusted_reason: string | null;
  evidence: string | null;
}

/** The result of accepting a new checkpoint. */
export interface Accepted {
  size: number;
  root: Hash;
  checkpoint: string;
  rightEdge: Hash[];
  lastEntryTime: number;
}

/** MonitorStore reads and updates the monitor's state database. */
export class MonitorStore {
  constructor(private readonly db: Db) {}

  /**
   * addLog registers a followed log (idempotent). A log already known with a different key is
   * refused: changing a log's key is a new trust decision, not a restart.
   * @throws RunproofError CONFLICT
   */
  addLog(origin: string, vkey: string, url: string): void {
    const row = this.db.prepare('SELECT vkey FROM log WHERE origin = ?').get(origin) as { vkey: string } | undefined;
    if (row === undefined) {
      this.db.prepare('INSERT INTO log (origin, vkey, url) VALUES (?, ?, ?)').run(origin, vkey, url);
    } else if (row.vkey !== vkey) {
      throw new RunproofError('CONFLICT', `the state file already follows ${origin} with key ${row.vkey}; use a new state file for a new key`);
    } else {
      this.db.prepare('UPDATE log SET url = ? WHERE origin = ?').run(url, origin);
    }
  }

  /** get returns the state of a log, or undefined. */
  get(origin: string): LogState | undefined {
    const r = this.db.prepare('SELECT * FROM log WHERE origin = ?').get(origin) as Row | undefined;
    if (r === undefined) return undefined;
    const edge: Hash[] = [];
    for (let o = 0; o < r.right_edge.length; o += HASH_SIZE) edge.push(new Uint8Array(r.right_edge.subarray(o, o + HASH_SIZE)));
    return {
      origin: r.origin,
      vkey: r.vkey,
      url: r.url,
      size: r.size,
      checkpoint: r.checkpoint,
      rightEdge: edge,
      lastEntryTime: r.last_entry_time,
      untrusted: r.untrusted_at === null ? null : { at: r.untrusted_at, reason: r.untrusted_reason ?? '', evidence: r.evidence },
    };
  }

  /** indexOfIdentity returns the index at which an identity was seen in a log, or undefined. */
  indexOfIdentity(origin: string, digest: Uint8Array): number | undefined {
    const r = this.db.prepare('SELECT idx FROM identity WHERE origin = ? AND digest = ?').get(origin, digest) as { idx: number } | undefined;
    return r?.idx;
  }

  /**
   * catchUp runs `work` inside one write transaction that the checked identities go into as
   * they stream in (`record`), and commits it with the accepted checkpoint only if `work`
   * returns one; if `work` returns undefined or throws, nothing of it stays. The transaction
   * spans the downloads (awaits): the monitor is this file's only writer, and SQLite keeps the
   * uncommitted rows on disk, not in memory.
   */
  async catchUp<T>(
    origin: string,
    fromSize: number,
    work: (ids: { seenAt(d: Uint8Array): number | undefined; record(d: Uint8Array, index: number): void }) => Promise<{ accept?: Accepted; result: T }>,
    nowMs: () => number,
  ): Promise<T> {
    const ins = this.db.prepare('INSERT INTO identity (origin, digest, idx) VALUES (?, ?, ?)');
    this.db.exec('BEGIN IMMEDIATE');
    let committed = false;
    try {
      const out = await work({ seenAt: (d) => this.indexOfIdentity(origin, d), record: (d, index) => ins.run(origin, d, index) });
      if (out.accept !== undefined) {
        const a = out.accept;
        const info = this.db
          .prepare('UPDATE log SET size = ?, root = ?, checkpoint = ?, right_edge = ?, last_entry_time = ?, accepted_at = ? WHERE origin = ? AND size = ? AND untrusted_at IS NULL')
          .run(a.size, a.root, a.checkpoint, concatBytes(...a.rightEdge), a.lastEntryTime, nowMs(), origin, fromSize);
        if (info.changes !== 1) throw new Error(`monitor: state of ${origin} changed underneath (another monitor on the same file?)`);
        this.db.exec('COMMIT');
        committed = true;
      }
      return out.result;
    } finally {
      if (!committed && this.db.inTransaction) this.db.exec('ROLLBACK');
    }
  }

  /** markUntrusted records that a log is not to be trusted any more, with the evidence location. */
  markUntrusted(origin: string, nowMs: number, kind: string, reason: string, evidence: string | null): void {
    this.db.transaction(() => {
      this.db
        .prepare('UPDATE log SET untrusted_at = ?, untrusted_reason = ?, evidence = ? WHERE origin = ? AND untrusted_at IS NULL')
        .run(nowMs, reason, evidence, origin);
      this.db.prepare('INSERT INTO alert (origin, at, kind, message, evidence) VALUES (?, ?, ?, ?, ?)').run(origin, nowMs, kind, reason, evidence);
    })();
  }
}
