/**
 * Saved audit progress is used only once the log proves it is the start of the tree it signs now
 * (verifier/audit/resume-check.ts). Progress from another history of the same log (same origin
 * and key), or from an interrupted run that was served bundles no checkpoint signed, must not
 * turn into a fault of the log now audited: it is discarded, the audit starts over and says so.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRunproofError } from '../../src/errors.js';
import { HASH_SIZE } from '../../src/merkle/hash.js';
import { appendLeaves, rootFromHashes } from '../../src/merkle/tree.js';
import { ENTRY_IDENTITY_OFFSET, ENTRY_SIZE } from '../../src/note/entry.js';
import { LogClient } from '../../verifier/log-client.js';
import { audit, type AuditReport } from '../../verifier/audit/audit.js';
import { prefixRoot } from '../../verifier/audit/resume-check.js';
import { dirStateStore } from '../../verifier/audit/state-dir.js';
import { served, type FixtureOptions } from '../helpers/fixture-log.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runproof-resume-check-'));
  dirs.push(dir);
  return dir;
}

/** The saved bundle count in `dir`. */
function savedBundles(dir: string): number {
  return (JSON.parse(readFileSync(join(dir, 'progress.json'), 'utf8')) as { bundles: number }).bundles;
}

/** Audits the fixture log `opts` with the state in `dir`: the report, or the RunproofError. */
async function auditWith(dir: string, opts: FixtureOptions, fetchFn?: typeof fetch): Promise<AuditReport | Error> {
  return served(opts, async (url, log) => {
    try {
      return await audit(new LogClient(url, fetchFn !== undefined ? { fetch: fetchFn } : {}), { trust: { vkey: log.vkey }, state: dirStateStore(dir), saveEvery: 2 });
    } catch (e) {
      if (isRunproofError(e)) return e;
      throw e;
    }
  });
}

/** Saves the progress of an honest audit of `opts` (3000 entries by default: 11 full bundles). */
async function savedFrom(opts: FixtureOptions = { size: 3_000 }): Promise<string> {
  const dir = stateDir();
  const r = await auditWith(dir, opts);
  expect(r).toMatchObject({ size: opts.size });
  return dir;
}

describe('prefixRoot', () => {
  it('is the RFC 6962 root of the level-8 nodes, as the core computes it, for 1 … 300 nodes', () => {
    const hashes = new Uint8Array(randomBytes(300 * HASH_SIZE));
    for (let count = 1; count <= 300; count++) {
      const nodes = Array.from({ length: count }, (_, i) => hashes.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
      const want = rootFromHashes(count, appendLeaves([], 0, nodes).rightEdge);
      expect(Buffer.from(prefixRoot(hashes, count)).toString('hex'), `count ${count}`).toBe(Buffer.from(want).toString('hex'));
    }
  });

  it('is the root of the first count·256 entries of a fixture log', async () => {
    for (const count of [1, 2, 3, 7, 11]) {
      const dir = await savedFrom({ size: count * 256 + 5 });
      const tiles = new Uint8Array(readFileSync(join(dir, 'tiles.bin')));
      const root = await served({ size: count * 256 }, async (_url, log) => log.root());
      expect(Buffer.from(prefixRoot(tiles, count)).equals(Buffer.from(root))).toBe(true);
    }
  });
});

describe('audit resumed over the same history', () => {
  it('resumes over a longer honest log (partial tiles in the proof) and passes', async () => {
    const dir = await savedFrom();
    const r = await auditWith(dir, { size: 5_000 });
    expect(r).toMatchObject({ size: 5_000, resumedFrom: 11 * 256, bundlesFetched: 20 - 11 });
    expect(r).not.toHaveProperty('progressDiscarded');
  });

  it('resumes over the very tree it saved (equal sizes: no proof, equal roots)', async () => {
    const dir = await savedFrom({ size: 4 * 256 });
    const r = await auditWith(dir, { size: 4 * 256 });
    expect(r).toMatchObject({ size: 4 * 256, resumedFrom: 4 * 256, bundlesFetched: 0 });
    expect(r).not.toHaveProperty('progressDiscarded');
  });

  it('resumes from a power-of-two prefix', async () => {
    const dir = await savedFrom({ size: 4 * 256 });
    const r = await auditWith(dir, { size: 2_000 });
    expect(r).toMatchObject({ size: 2_000, resumedFrom: 4 * 256 });
    expect(r).not.toHaveProperty('progressDiscarded');
  });
});

describe('audit with progress from another history of the same log', () => {
  it('does not report a repeat of a saved identity the log now holds only once', async () => {
    // Log A has identity X at index 5; log B (same origin and key) has another identity at 5 and
    // X at 4000, after the saved prefix: resuming would take X at 5 from A's progress.
    const x = await served({ size: 10 }, async (_url, log) => log.entry(5).slice(ENTRY_IDENTITY_OFFSET, ENTRY_SIZE));
    const dir = await savedFrom();
    const b: FixtureOptions = { size: 5_000, rewriteAt: 5, identities: { 4_000: x } };
    const r = await auditWith(dir, b);
    expect(r).toMatchObject({ size: 5_000, resumedFrom: 0, bundlesFetched: 20 });
    expect((r as AuditReport).progressDiscarded).toMatch(/first 2816 entries are not a prefix of the signed tree of size 5000/);
    // The store started over with B: the next audit of B resumes from B's own progress.
    expect(savedBundles(dir)).toBe(19);
    const again = await auditWith(dir, b);
    expect(again).toMatchObject({ resumedFrom: 19 * 256 });
    expect(again).not.toHaveProperty('progressDiscarded');
  });

  it('does not report a time going backwards against the saved last time', async () => {
    const dir = await savedFrom({ size: 3_000, startTime: 1_770_000_000_000 });
    const r = await auditWith(dir, { size: 5_000 });
    expect(r).toMatchObject({ size: 5_000, resumedFrom: 0 });
    expect((r as AuditReport).progressDiscarded).toBeDefined();
  });

  it("reports the new log's own fault, found from the start (here inside the discarded prefix)", async () => {
    const dir = await savedFrom();
    const e = await auditWith(dir, { size: 5_000, rewriteAt: 5, faults: { duplicate: [100, 2_000] } });
    expect(e).toMatchObject({ code: 'AUDIT_FAILED', evidence: { index: 2_000, earlier: 100 } });
  });

  it('discards progress an interrupted run saved from bundles no checkpoint signed', async () => {
    // The run saves its 11 bundles, then fails at the root: the log served a history it did not sign.
    const dir = stateDir();
    const first = await auditWith(dir, { size: 3_000, startTime: 1_770_000_000_000, faults: { rootMismatch: true } });
    expect(first).toMatchObject({ code: 'AUDIT_FAILED' });
    expect(savedBundles(dir)).toBe(11);
    const r = await auditWith(dir, { size: 5_000 });
    expect(r).toMatchObject({ size: 5_000, resumedFrom: 0 });
    expect((r as AuditReport).progressDiscarded).toBeDefined();
  });
});

/**
 * A fetch that answers the hash tiles requested before the first entry bundle with `answer`,
 * passing everything else on: the resume check's proof reads come first, the audit's later.
 */
function refusingProofTiles(answer: (res: Response) => Response | Promise<Response>): typeof fetch {
  let bundles = false;
  return async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.includes('/tile/entries/')) bundles = true;
    const res = await fetch(input, init);
    if (bundles || !/\/tile\/[0-9]+\//.test(url)) return res;
    return answer(res);
  };
}

const notFound = () => new Response('not found\n', { status: 404 });

describe('audit resumed against a log that does not serve the proof', () => {
  it('discards the progress when the proof tiles are missing (404) and audits from the start', async () => {
    const dir = await savedFrom();
    const r = await auditWith(dir, { size: 5_000 }, refusingProofTiles(notFound));
    expect(r).toMatchObject({ size: 5_000, resumedFrom: 0, bundlesFetched: 20 });
    expect((r as AuditReport).progressDiscarded).toMatch(/did not serve the consistency proof/);
  });

  it('discards the progress when the proof tiles hold wrong hashes, without blaming the log', async () => {
    const dir = await savedFrom();
    const garbled = async (res: Response) => new Response(new Uint8Array((await res.arrayBuffer()).byteLength).fill(7), { status: 200 });
    const r = await auditWith(dir, { size: 5_000 }, refusingProofTiles(garbled));
    expect(r).toMatchObject({ size: 5_000, resumedFrom: 0 });
    expect((r as AuditReport).progressDiscarded).toMatch(/could not be proven a prefix/);
  });

  it('is UNAVAILABLE, never a fault, when the log cannot serve a tile its checkpoint needs at all', async () => {
    const dir = await savedFrom();
    const always: typeof fetch = async (input, init) => (/\/tile\/1\/000/.test(String(input)) ? notFound() : fetch(input, init));
    const e = await auditWith(dir, { size: 5_000 }, always);
    expect(e).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('keeps the progress when the log is unavailable (503) for now', async () => {
    const dir = await savedFrom();
    const e = await auditWith(dir, { size: 5_000 }, refusingProofTiles(() => new Response('busy\n', { status: 503 })));
    expect(e).toMatchObject({ code: 'UNAVAILABLE' });
    expect(savedBundles(dir)).toBe(11);
    const r = await auditWith(dir, { size: 5_000 });
    expect(r).toMatchObject({ resumedFrom: 11 * 256 });
  });
});

describe('the state directory starting over', () => {
  it('leaves loadable progress when a save from 0 stops after emptying the files', async () => {
    const dir = await savedFrom();
    const store = dirStateStore(dir);
    const saved = (await store.load('fixture.example/log'))!;
    expect(saved.bundles).toBe(11);
    // An append that fails once the files are emptied, as a crash there would leave them.
    const broken = { ...saved, identities: 5 as unknown as Uint8Array };
    await expect(store.save(0, broken)).rejects.toThrow();
    const after = await store.load('fixture.example/log');
    expect(after).toMatchObject({ bundles: 0, lastTime: 0 });
    expect(after!.identities.length + after!.tileHashes.length).toBe(0);
  });
});
