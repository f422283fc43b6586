/**
 * The log's witness client (log-server/witness-client.ts) against real witnesses on loopback:
 * cosignatures gathered and verified, a dead or hanging witness never holding up the caller or
 * the other witness, size learning through 409, and unverifiable cosignatures dropped.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunproofError } from '../../src/errors.js';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { newSignerKey, parseSignerKey, toVerifier, verifierKey, SIG_COSIGNATURE_V1 } from '../../src/note/keys.js';
import { parseNote } from '../../src/note/note.js';
import { WitnessPool } from '../../log-server/witness-client.js';
import { MemTree, addCheckpoint, requestBody, signedCheckpoint, startWitness, tempDir, testSigner, type RunningWitness } from './helpers.js';

const log = testSigner('log.example/pool');

let tmp: ReturnType<typeof tempDir>;
let w1: RunningWitness;
let w2: RunningWitness;
let tree: MemTree;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  tmp = tempDir();
  w1 = await startWitness({ dbFile: join(tmp.dir, 'w1.db'), name: 'witness.example/w1', logs: [log] });
  w2 = await startWitness({ dbFile: join(tmp.dir, 'w2.db'), name: 'witness.example/w2', logs: [log] });
  tree = new MemTree('pool').append(40);
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await w1.close();
  await w2.close();
  tmp.cleanup();
});

function endpoint(w: RunningWitness) {
  return { name: w.signer.name, vkey: verifierKey(w.signer), url: w.url };
}

function pool(witnesses: { name: string; vkey: string; url: string }[], opts: { timeoutMs?: number; proofs?: [number, number][] } = {}): WitnessPool {
  const p = new WitnessPool({
    origin: log.name,
    witnesses,
    timeoutMs: opts.timeoutMs ?? 5000,
    consistencyProof: (m, n) => {
      opts.proofs?.push([m, n]);
      return tree.proof(m, n);
    },
  });
  cleanups.push(() => p.close());
  return p;
}

/** A server that accepts requests and never answers them (a hung witness). */
async function hangingServer(): Promise<{ url: string; requests: () => number }> {
  let count = 0;
  const server: Server = createServer(() => {
    count++;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => count };
}

/** A URL on which nothing listens any more (a dead witness). */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await new Promise<void>((r) => server.close(() => r()));
  return url;
}

function cosigners(note: string): string[] {
  return openCheckpoint(note, toVerifier(log), [toVerifier(w1.signer), toVerifier(w2.signer)]).cosignatures.map((c) => c.name).sort();
}

describe('WitnessPool', () => {
  it('gathers verified cosignatures from two witnesses, checkpoint after checkpoint, with proofs from the sizes they hold', async () => {
    const proofs: [number, number][] = [];
    const p = pool([endpoint(w1), endpoint(w2)], { proofs });
    for (const size of [5, 13, 13, 40]) {
      const cp = signedCheckpoint(log, tree, size);
      p.onCheckpoint(cp);
      const note = await p.waitForQuorum(cp, 2, 10_000);
      expect(cosigners(note)).toEqual(['witness.example/w1', 'witness.example/w2']);
      expect(p.withCosignatures(cp)).toBe(note);
      expect(parseNote(note).text).toBe(parseNote(cp).text);
    }
    expect(proofs).toContainEqual([5, 13]);
    expect(proofs).toContainEqual([13, 40]);
    // Each witness now holds 40.
    for (const w of [w1, w2]) {
      const res = await addCheckpoint(w.url, requestBody(0, [], signedCheckpoint(log, tree, 40)));
      expect(res.text).toBe('40\n');
    }
  });

  it('learns a witness\'s size from 409 and then sends a proof from it', async () => {
    // w1 already cosigned size 8 for this log (e.g. before the log server restarted).
    expect((await addCheckpoint(w1.url, requestBody(0, [], signedCheckpoint(log, tree, 8)))).status).toBe(200);
    const proofs: [number, number][] = [];
    const p = pool([endpoint(w1)], { proofs });
    const cp = signedCheckpoint(log, tree, 21);
    p.onCheckpoint(cp);
    expect(cosigners(await p.waitForQuorum(cp, 1, 10_000))).toEqual(['witness.example/w1']);
    expect(proofs).toEqual([[8, 21]]);
  });

  it('a hung and a dead witness neither block onCheckpoint nor keep the other witness\'s cosignature from arriving', async () => {
    const hung = await hangingServer();
    const dead = await deadUrl();
    const hungKey = parseSignerKey(newSignerKey('witness.example/hung', new Uint8Array(32).fill(7), SIG_COSIGNATURE_V1));
    const deadKey = parseSignerKey(newSignerKey('witness.example/dead', new Uint8Array(32).fill(9), SIG_COSIGNATURE_V1));
    const p = pool(
      [
        { name: hungKey.name, vkey: verifierKey(hungKey), url: hung.url },
        { name: deadKey.name, vkey: verifierKey(deadKey), url: dead },
        endpoint(w1),
      ],
      { timeoutMs: 60_000 },
    );
    const cp = signedCheckpoint(log, tree, 9);
    // onCheckpoint is synchronous and returns before any witness answered.
    expect(p.onCheckpoint(cp)).toBeUndefined();
    expect(parseNote(p.withCosignatures(cp)).signatures).toHaveLength(1);
    const note = await p.waitForQuorum(cp, 1, 20_000);
    expect(cosigners(note)).toEqual(['witness.example/w1']);
    // The hung witness still holds its request (the timeout is a minute): it did not delay w1.
    expect(hung.requests()).toBe(1);
    // A newer checkpoint reaches w1 while the hung request is still open.
    const cp2 = signedCheckpoint(log, tree, 12);
    p.onCheckpoint(cp2);
    expect(cosigners(await p.waitForQuorum(cp2, 1, 20_000))).toEqual(['witness.example/w1']);
    expect(hung.requests()).toBe(1);
  });

  it('times out a hung witness and retries it after a backoff', async () => {
    const hung = await hangingServer();
    const hungKey = parseSignerKey(newSignerKey('witness.example/hung', new Uint8Array(32).fill(7), SIG_COSIGNATURE_V1));
    const p = pool([{ name: hungKey.name, vkey: verifierKey(hungKey), url: hung.url }], { timeoutMs: 100 });
    p.onCheckpoint(signedCheckpoint(log, tree, 3));
    for (let i = 0; i < 200 && hung.requests() < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(hung.requests()).toBeGreaterThanOrEqual(2);
  });

  it('keeps no cosignature that fails to verify under the configured key, and waitForQuorum then fails with QUORUM_NOT_MET', async () => {
    const wrongKey = parseSignerKey(newSignerKey(w1.signer.name, new Uint8Array(32).fill(1), SIG_COSIGNATURE_V1));
    const p = pool([{ name: wrongKey.name, vkey: verifierKey(wrongKey), url: w1.url }, endpoint(w2)]);
    const cp = signedCheckpoint(log, tree, 6);
    p.onCheckpoint(cp);
    const err = await p.waitForQuorum(cp, 2, 1500).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunproofError);
    expect((err as RunproofError).code).toBe('QUORUM_NOT_MET');
    expect(cosigners(p.withCosignatures(cp))).toEqual(['witness.example/w2']);
  });

  it('coalesces: checkpoints arriving while a request is in flight collapse into the newest', async () => {
    await w1.close();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const seen: number[] = [];
    w1 = await startWitness({
      dbFile: join(tmp.dir, 'w1b.db'),
      name: 'witness.example/w1',
      logs: [log],
      testingOnlyStall: async ({ size }) => {
        seen.push(size);
        if (size === 2) await gate;
      },
    });
    const p = pool([endpoint(w1)]);
    p.onCheckpoint(signedCheckpoint(log, tree, 2));
    for (let i = 0; i < 200 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    for (const size of [3, 4, 5, 6, 7]) p.onCheckpoint(signedCheckpoint(log, tree, size));
    release();
    const cp7 = signedCheckpoint(log, tree, 7);
    expect(cosigners(await p.waitForQuorum(cp7, 1, 10_000))).toEqual(['witness.example/w1']);
    expect(seen).toEqual([2, 7]);
  });

  it('never sends a checkpoint older than the latest one it was given', async () => {
    const p = pool([endpoint(w1)]);
    const cp10 = signedCheckpoint(log, tree, 10);
    const cp5 = signedCheckpoint(log, tree, 5);
    p.onCheckpoint(cp10);
    p.onCheckpoint(cp5);
    await p.waitForQuorum(cp10, 1, 10_000);
    expect(parseNote(p.withCosignatures(cp5)).signatures).toHaveLength(1);
    expect((await addCheckpoint(w1.url, requestBody(0, [], cp10))).text).toBe('10\n');
  });

  it('ignores checkpoints of another origin and garbage, and refuses a misconfigured key', () => {
    const p = pool([endpoint(w1)]);
    const other = testSigner('log.example/other');
    const lines: string[] = [];
    const q = new WitnessPool({ origin: log.name, witnesses: [], timeoutMs: 100, consistencyProof: () => [], log: (m) => lines.push(m) });
    q.onCheckpoint(signedCheckpoint(other, tree, 3));
    q.onCheckpoint('not a note');
    expect(lines).toHaveLength(2);
    q.close();
    expect(p.withCosignatures('garbage')).toBe('garbage');
    expect(() => new WitnessPool({ origin: log.name, witnesses: [{ name: 'x', vkey: verifierKey(log), url: w1.url }], timeoutMs: 1, consistencyProof: () => [] })).toThrow(RunproofError);
    expect(
      () => new WitnessPool({ origin: log.name, witnesses: [{ name: 'other.name', vkey: verifierKey(w1.signer), url: w1.url }], timeoutMs: 1, consistencyProof: () => [] }),
    ).toThrow(RunproofError);
  });
});
