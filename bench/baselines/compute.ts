/**
 * In-process baselines: the least work the machine must do for a figure, with the same
 * libraries the project uses.
 *   - raw better-sqlite3 inserts of identity rows (WAL, synchronous=FULL) in transactions of a
 *     given size — the floor under batch submission;
 *   - the RFC 6962 Merkle root of N 41-byte leaves with the project's SHA-256 (@noble/hashes),
 *     one core — the floor under an audit;
 *   - Ed25519 verifications with @noble/ed25519 (the library the project uses) — the floor under
 *     receipt verification with distinct checkpoints.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { leafHash, nodeHash } from '../../src/merkle/hash.js';
import { ed25519PublicKey, ed25519Sign, ed25519Verify } from '../../src/note/ed25519.js';

/**
 * sqliteInsertRate inserts random 32-byte digests with their index into a WITHOUT ROWID table
 * (the shape of the log's identity index) in transactions of `batch` rows for `seconds`;
 * returns rows per second.
 */
export function sqliteInsertRate(path: string, batch: number, seconds: number): number {
  for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('cache_size = -65536');
    db.exec('CREATE TABLE identities (digest BLOB PRIMARY KEY, idx INTEGER NOT NULL) STRICT, WITHOUT ROWID');
    const insert = db.prepare<[Buffer, number]>('INSERT INTO identities (digest, idx) VALUES (?, ?)');
    const txn = db.transaction((rows: Buffer[], first: number) => {
      for (let i = 0; i < rows.length; i++) insert.run(rows[i]!, first + i);
    });
    let n = 0;
    let busy = 0;
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      const raw = randomBytes(32 * batch); // made outside the timed part
      const rows = Array.from({ length: batch }, (_, i) => raw.subarray(32 * i, 32 * i + 32));
      const t = performance.now();
      txn(rows, n);
      busy += performance.now() - t;
      n += batch;
    }
    return n / (busy / 1000);
  } finally {
    db.close();
    for (const f of [path, `${path}-wal`, `${path}-shm`]) rmSync(f, { force: true });
  }
}

/**
 * merkleRootRate computes the Merkle tree hash of `n` random 41-byte leaves (leaf hashes and
 * every interior node) on one core; returns leaves per second.
 */
export function merkleRootRate(n: number): number {
  const raw = randomBytes(41 * n);
  const t = performance.now();
  let level: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) level[i] = leafHash(raw.subarray(41 * i, 41 * i + 41));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    if (level.length % 2 === 1) next.push(level[level.length - 1]!); // RFC 6962: the odd node is promoted
    level = next;
  }
  return n / ((performance.now() - t) / 1000);
}

/** ed25519VerifyRate verifies one checkpoint-sized signature repeatedly for `seconds`; returns verifications per second. */
export function ed25519VerifyRate(seconds: number): number {
  const seed = randomBytes(32);
  const pub = ed25519PublicKey(seed);
  const msg = new TextEncoder().encode('bench.runproof.local/log\n1000000\n' + randomBytes(32).toString('base64') + '\n');
  const sig = ed25519Sign(seed, msg);
  let n = 0;
  const t = performance.now();
  const end = t + seconds * 1000;
  while (performance.now() < end) {
    if (!ed25519Verify(pub, msg, sig)) throw new Error('ed25519 baseline: verification failed');
    n++;
  }
  return n / ((performance.now() - t) / 1000);
}
