/**
 * In-process baselines: the least work the machine must do for a figure, with the same
 * libraries the project uses.
 *   - raw better-sqlite3 inserts of identity rows (WAL, synchronous=FULL) in transactions of a
 *     given size — the floor under batch submission;
 *   - the RFC 6962 Merkle root of N 41-byte leaves with the fastest SHA-256 available here (the
 *     audit's in-place JS SHA-256), one core — the floor under an audit;
 *   - Ed25519 verifications with @noble/ed25519 (the library the project uses) — the floor under
 *     receipt verification with distinct checkpoints;
 *   - the latency of appending a WAL-sized write and `fdatasync`ing it — the floor under every
 *     durable receipt (a receipt waits for the sync of its batch).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import Database from 'better-sqlite3';
import { hashFullBundle, leafHashAt, nodeHashAt } from '../../verifier/audit/hasher.js';
import { ed25519Accelerator, ed25519PublicKey, ed25519Sign, ed25519Verify, useEd25519Accelerator } from '../../src/note/ed25519.js';

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
 * merkleRootRate computes the Merkle tree hash (RFC 6962 §2.1) of `n` random 41-byte leaves —
 * leaf hashes and every interior node — on one core; returns leaves per second. It hashes the
 * way the audit does, with the fastest SHA-256 this process has for these inputs: each full tile
 * of 256 leaves with the audit's `hashFullBundle` (four messages at a time in WebAssembly SIMD
 * where the runtime has it, verifier/audit/sha256x4.ts; the in-place JS code otherwise —
 * node:crypto's one-shot hash measured ≈ 2× slower than even that for 42- and 65-byte messages,
 * its per-call overhead dominating), the rest with the in-place JS code, so no auditor on one
 * core with them could do less.
 */
export function merkleRootRate(n: number): number {
  return n / merkleRootSeconds(randomBytes(41 * n), n);
}

/**
 * merkleRootSeconds times {@link merkleRoot} of the `n` 41-byte leaves in `raw` as
 * {@link merkleRootRate} does (the bundles and tiles it compares with made before, outside the
 * timed part); seconds.
 */
export function merkleRootSeconds(raw: Uint8Array, n: number): number {
  const input = tiledLeaves(raw, n);
  const t = performance.now();
  merkleRoot(input, n);
  return (performance.now() - t) / 1000;
}

/** The leaves as the audit receives them: full bundles (records of a 2-byte length and the entry) and their level-0 tiles. */
interface TiledLeaves {
  raw: Uint8Array;
  bundles: Uint8Array[];
  tiles: Uint8Array[];
}

/** tiledLeaves lays out the full tiles of `raw` as bundles and level-0 tiles (untimed: the audit downloads these). */
export function tiledLeaves(raw: Uint8Array, n: number): TiledLeaves {
  const bundles: Uint8Array[] = [];
  const tiles: Uint8Array[] = [];
  for (let b = 0; 256 * (b + 1) <= n; b++) {
    const bundle = new Uint8Array(256 * 43);
    const tile = new Uint8Array(256 * 32);
    for (let k = 0; k < 256; k++) {
      bundle[43 * k + 1] = 41;
      bundle.set(raw.subarray(41 * (256 * b + k), 41 * (256 * b + k + 1)), 43 * k + 2);
      leafHashAt(raw, 41 * (256 * b + k), tile, 32 * k);
    }
    bundles.push(bundle);
    tiles.push(tile);
  }
  return { raw, bundles, tiles };
}

/**
 * merkleRoot returns the RFC 6962 tree hash of the `n` leaves: every leaf hash computed (and, in
 * the full tiles, compared with the tile as the audit does), every interior node hashed. Level by
 * level, pairing neighbours and promoting an odd last node, node i of level 8 is the tree hash of
 * leaves [256i, min(256i + 256, n)) — a full tile's root or the remainder's — and the levels above
 * are folded from those.
 */
export function merkleRoot(input: TiledLeaves, n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`merkle baseline: ${n} leaves`);
  const full = input.bundles.length;
  const level = new Uint8Array(32 * Math.ceil(n / 256));
  for (let b = 0; b < full; b++) {
    const root = hashFullBundle(input.bundles[b]!, input.tiles[b]!);
    if (root === undefined) throw new Error('merkle baseline: a full tile did not hash');
    level.set(root, 32 * b);
  }
  const rest = n - 256 * full;
  if (rest > 0) {
    const tail = new Uint8Array(32 * rest);
    for (let i = 0; i < rest; i++) leafHashAt(input.raw, 41 * (256 * full + i), tail, 32 * i);
    foldLevels(tail, rest);
    level.set(tail.subarray(0, 32), 32 * full);
  }
  foldLevels(level, Math.ceil(n / 256));
  return level.slice(0, 32);
}

/** foldLevels folds the `width` hashes at the start of `level` to their RFC 6962 tree hash, left in `level[0 … 32)`. */
function foldLevels(level: Uint8Array, width: number): void {
  for (; width > 1; width = Math.ceil(width / 2)) {
    for (let i = 0; 2 * i + 1 < width; i++) nodeHashAt(level, 64 * i, level, 32 * i);
    // RFC 6962: an odd last node is promoted to the next level unchanged.
    if (width % 2 === 1) level.copyWithin(32 * ((width - 1) / 2), 32 * (width - 1), 32 * width);
  }
}

/**
 * ed25519VerifyRate verifies one checkpoint-sized signature repeatedly for `seconds` with the pure
 * check (@noble/ed25519; an installed node:crypto accelerator is set aside meanwhile, as the
 * calibration's reference figure is noble's); returns verifications per second.
 */
export function ed25519VerifyRate(seconds: number): number {
  const installed = ed25519Accelerator();
  useEd25519Accelerator(undefined);
  try {
    return pureVerifyRate(seconds);
  } finally {
    useEd25519Accelerator(installed);
  }
}

function pureVerifyRate(seconds: number): number {
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

/** Latency of one durable append, ms: median and 99th percentile over `n` appends. */
export interface SyncLatency {
  p50: number;
  p99: number;
  n: number;
}

/**
 * fdatasyncLatency appends `bytes` to a fresh file at `path` and `fdatasync`s it, over and over
 * for `seconds` (at most 2,000 times), and returns the latency of append + sync — what the log's
 * WAL sync (log-server/storage/wal-sync.ts) pays per batch on this disk. The file keeps growing,
 * as a WAL does between checkpoints, so each sync also makes the new file size durable.
 */
export function fdatasyncLatency(path: string, bytes: number, seconds: number): SyncLatency {
  rmSync(path, { force: true });
  const fd = openSync(path, 'w');
  const block = randomBytes(bytes);
  const ms: number[] = [];
  try {
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end && ms.length < 2000) {
      const t = performance.now();
      writeSync(fd, block);
      fdatasyncSync(fd);
      ms.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
  return { p50: at(0.5), p99: at(0.99), n: ms.length };
}
