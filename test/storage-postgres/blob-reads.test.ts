/**
 * The blob cache over an asynchronous backend (log-server/blob-cache.ts): computations that miss
 * the same stored blob at once (the receipts of one batch's answers) wait for ONE read of it, and
 * a read that failed is not remembered as in flight — the next miss reads again.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSignerKey, parseSignerKey, verifierKey } from '../../src/note/keys.js';
import { BlobCache, BlobMiss } from '../../log-server/blob-cache.js';
import { Log } from '../../log-server/log.js';
import type { LogBackend } from '../../log-server/storage/backend.js';
import { openPostgresBackend, postgresBackend, type PostgresBackend } from '../../log-server/storage/postgres/backend.js';
import { RightEdge } from '../../log-server/storage/right-edge.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

const ORIGIN = 'pg.test.example/log';
const signer = parseSignerKey(newSignerKey(ORIGIN, new Uint8Array(32).fill(9)));
const SIZE = 300; // one full level-0 tile and bundle, and a partial one

let server: TestPostgres;
let backend: PostgresBackend;
let edge: RightEdge;

beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase();
  const log = await Log.open({ backend: postgresBackend({ url }), origin: ORIGIN, signer, create: true });
  await log.submitMany(Array.from({ length: SIZE }, (_, i) => new Uint8Array(createHash('sha256').update(`b:${i}`).digest())));
  await log.close();
  backend = await openPostgresBackend({ url, create: false, vkey: verifierKey(signer) });
  // The cache asks its edge for the size only, for blobs left of the right edge.
  edge = RightEdge.empty().append(Array.from({ length: SIZE }, (_, i) => new Uint8Array(41).fill(i % 251)), 0).next;
}, 60_000);
afterAll(async () => {
  await backend?.close();
  await server?.stop();
});

/** counting wraps the real backend's readBlob and counts its calls. */
function counting(): { backend: LogBackend; reads: () => number } {
  let n = 0;
  const b = { readBlob: (level: number | 'entries', idx: number) => (n++, backend.readBlob(level, idx)) } as unknown as LogBackend;
  return { backend: b, reads: () => n };
}

/** misses calls `blob` `times` times and returns the BlobMiss each threw. */
function misses(cache: BlobCache, level: number | 'entries', idx: number, times: number): BlobMiss[] {
  const out: BlobMiss[] = [];
  for (let i = 0; i < times; i++) {
    try {
      cache.blob(level, idx);
    } catch (e) {
      if (!(e instanceof BlobMiss)) throw e;
      out.push(e);
    }
  }
  return out;
}

describe('blob cache on PostgreSQL', () => {
  it('reads a blob missed by many computations at once once, then serves it from memory', async () => {
    const c = counting();
    const cache = new BlobCache(c.backend, () => edge);
    for (const level of [0, 'entries'] as const) {
      const got = misses(cache, level, 0, 50);
      expect(got).toHaveLength(50);
      expect(new Set(got.map((m) => m.loaded)).size).toBe(1);
      await got[0]!.loaded;
      expect(cache.blob(level, 0)).toEqual(await backend.readBlob(level, 0));
    }
    expect(c.reads()).toBe(2);
  });

  it('reads again after a failed read', async () => {
    const c = counting();
    const cache = new BlobCache(c.backend, () => edge);
    await server.stopServer();
    try {
      const [first] = misses(cache, 0, 0, 1);
      await expect(first!.loaded).rejects.toThrow();
    } finally {
      await server.startServer();
    }
    const [again] = misses(cache, 0, 0, 1);
    await again!.loaded;
    expect(c.reads()).toBe(2);
    expect(cache.blob(0, 0)).toHaveLength(8192);
  });
});
