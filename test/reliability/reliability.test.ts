/**
 * The short reliability suite (issue #6); `npm run soak` runs the long one (bench/soak.ts) with
 * the same checks at scale. Needs the build (dist/) for the crash loop and hostile clients,
 * which run the real `runproof-log serve` process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../log-server/http/app.js';
import { clockBackwards } from '../../bench/reliability/clock.js';
import { hostileClients } from '../../bench/reliability/connections.js';
import { crashLoop } from '../../bench/reliability/crash-loop.js';
import { fuzzHttp, fuzzParsers } from '../../bench/reliability/fuzz.js';
import { startInProcess } from '../../bench/reliability/in-process.js';
import { storageFault } from '../../bench/reliability/storage.js';
import { startLog } from '../../bench/lib/procs.js';

/** A small seeded generator, so a failing crash schedule can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) % 2 ** 32;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('crash loop', () => {
  it('SIGKILL at random moments under load loses no acknowledged entry; receipts extend to the new checkpoint; audit passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runproof-crash-'));
    try {
      const seed = Date.now() % 100_000;
      const r = await crashLoop({ dataDir: dir, cycles: 3, workers: 4, minRunMs: 200, maxRunMs: 1200, auditEachCycle: false, random: mulberry32(seed) });
      expect(r.problems, `seed ${seed}`).toEqual([]);
      expect(r.lost).toBe(0);
      expect(r.cycles).toBe(3);
      expect(r.acknowledged).toBeGreaterThan(0);
      expect(r.finalSize).toBeGreaterThanOrEqual(r.acknowledged);
      expect(r.audits).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('storage faults over HTTP', () => {
  for (const fault of ['full', 'read-only'] as const) {
    it(`${fault}: 503 UNAVAILABLE with Retry-After, nothing written, reads still served, recovery`, async () => {
      const r = await storageFault(fault, 300);
      expect(r.refused).toEqual({ status: 503, code: 'UNAVAILABLE', retryAfter: '1' });
      expect(r.changed).toBe(false);
      expect(r.servedDuring).toBe(true);
      expect(r.recovered).toBe(true);
    });
  }
});

describe('clock', () => {
  it('entry times never decrease when the clock jumps back, nor across a restart a day behind', async () => {
    const r = await clockBackwards();
    expect(r.decreases).toEqual([]);
    // The clock really did go back (else this test could not fail).
    expect(r.clocks.some((c, i) => i > 0 && c < r.clocks[i - 1]!)).toBe(true);
    expect(r.times.some((t, i) => t > r.clocks[i]!)).toBe(true);
  });
});

describe('hostile input', () => {
  it('every parser throws only RunproofErrors on mutated and random input (small fuzz)', () => {
    const results = fuzzParsers(150);
    expect(results.filter((r) => r.failure !== undefined).map((r) => `${r.target}: ${r.failure}`)).toEqual([]);
    // Mutations of valid examples reach past the first check (signatures, proofs, schema), so
    // many distinct error codes come back, not just "syntax".
    const codes = new Set(results.flatMap((r) => Object.keys(r.codes)));
    expect(codes.size).toBeGreaterThanOrEqual(12);
  });

  it('the log app answers generated requests with 2xx or a typed 4xx, never a 500', async () => {
    const s = await startInProcess();
    try {
      const r = await fuzzHttp(createApp({ log: s.log, logError: () => undefined }), 300);
      expect(r.failure).toBeUndefined();
      expect(r.accepted).toBeGreaterThan(0);
    } finally {
      await s.cleanup();
    }
  });

  it('idle connections, slowloris clients and an oversized header do not stop service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runproof-hostile-'));
    const log = await startLog(dir);
    try {
      const r = await hostileClients(log.url, { idle: 300, slowloris: 5, requests: 10 });
      expect(r.oversized).toMatch(/^HTTP\/1\.1 431|^closed$/);
      expect(r.ok).toBe(r.served);
      expect(r.idleOpen).toBe(300);
    } finally {
      await log.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
