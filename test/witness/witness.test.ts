/**
 * The tlog-witness server over real loopback HTTP and a real SQLite file: every status code of
 * add-checkpoint, the compare-and-swap under concurrent requests, restart, a log that tries to
 * get a rewritten history cosigned, and the monitoring read.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/encoding/hex.js';
import { utf8 } from '../../src/encoding/utf8.js';
import { sha256, EMPTY_ROOT } from '../../src/merkle/hash.js';
import { formatCheckpoint, openCheckpoint, parseCheckpoint } from '../../src/note/checkpoint.js';
import { cosignatureTimestamp } from '../../src/note/cosignature.js';
import { newSignerKey, parseSignerKey, toVerifier } from '../../src/note/keys.js';
import { parseNote, signNote } from '../../src/note/note.js';
import { WitnessStore } from '../../witness/store.js';
import { MemTree, addCheckpoint, requestBody, signedCheckpoint, startWitness, tempDir, testSigner, type RunningWitness } from './helpers.js';

const NOW = 1_800_000_123;
const logA = testSigner('log.example/a');
const logB = testSigner('log.example/b');

let tmp: ReturnType<typeof tempDir>;
let w: RunningWitness;
let tree: MemTree;

beforeEach(async () => {
  tmp = tempDir();
  w = await startWitness({ dbFile: join(tmp.dir, 'witness.db'), logs: [logA, logB], now: () => NOW });
  tree = new MemTree('a').append(20);
});

afterEach(async () => {
  await w.close();
  tmp.cleanup();
});

/** Cosigns tree size `size` of log A starting from `old` (with a proof) and expects 200. */
async function cosign(size: number, old: number): Promise<string> {
  const note = signedCheckpoint(logA, tree, size);
  const res = await addCheckpoint(w.url, requestBody(old, old === 0 ? [] : tree.proof(old, size), note));
  expect(res.status, res.text).toBe(200);
  return res.text;
}

function storedSize(origin = logA.name): number {
  return new WitnessStore(w.db, []).get(origin)!.size;
}

describe('add-checkpoint: 200', () => {
  it('cosigns a first checkpoint (old 0) with a cosignature/v1 at the witness clock', async () => {
    const note = signedCheckpoint(logA, tree, 5);
    const res = await addCheckpoint(w.url, requestBody(0, [], note));
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^\u2014 witness\.example\/w1 [A-Za-z0-9+/]+=*\n$/);
    const opened = openCheckpoint(note + res.text, toVerifier(logA), [toVerifier(w.signer)]);
    expect(opened.cosignatures).toEqual([{ name: w.signer.name, keyId: w.signer.keyId, timestamp: NOW }]);
    expect(storedSize()).toBe(5);
  });

  it('cosigns a consistent extension with a proof from the last cosigned size, and the same checkpoint again', async () => {
    await cosign(5, 0);
    await cosign(13, 5);
    await cosign(13, 13);
    expect(storedSize()).toBe(13);
  });

  it('cosigns the empty tree (size 0, empty-tree root)', async () => {
    const note = signNote(formatCheckpoint({ origin: logA.name, size: 0, root: EMPTY_ROOT, extensions: [] }), [logA]);
    expect((await addCheckpoint(w.url, requestBody(0, [], note))).status).toBe(200);
  });

  it('ignores signatures by unknown keys next to the log signature', async () => {
    const stranger = testSigner('someone.example/else');
    const text = parseNote(signedCheckpoint(logA, tree, 5)).text;
    const note = signNote(text, [stranger, logA]);
    expect((await addCheckpoint(w.url, requestBody(0, [], note))).status).toBe(200);
  });
});

describe('add-checkpoint: errors', () => {
  it('404 for an unknown origin', async () => {
    const other = testSigner('log.example/unknown');
    const res = await addCheckpoint(w.url, requestBody(0, [], signedCheckpoint(other, tree, 5)));
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).error.code).toBe('NOT_FOUND');
  });

  it('403 when no trusted key signed it (an impostor key of the same name)', async () => {
    const impostor = parseSignerKey(newSignerKey(logA.name, sha256(utf8('impostor'))));
    const res = await addCheckpoint(w.url, requestBody(0, [], signedCheckpoint(impostor, tree, 5)));
    expect(res.status).toBe(403);
    expect(storedSize()).toBe(0);
  });

  it('403 when the trusted key\'s signature does not verify', async () => {
    const good = signedCheckpoint(logA, tree, 5);
    const other = signedCheckpoint(logA, tree, 6);
    // log A's signature of size 6 under the text of size 5
    const forged = parseNote(good).text + '\n' + other.slice(other.lastIndexOf('\n\n') + 2);
    const res = await addCheckpoint(w.url, requestBody(0, [], forged));
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).error.code).toBe('INVALID_SIGNATURE');
  });

  it('400 for malformed bodies and for an old size above the checkpoint size', async () => {
    const note = signedCheckpoint(logA, tree, 5);
    const bodies = [
      `old 0\n${note}`, // no empty line before the checkpoint
      `old 00\n\n${note}`, // non-canonical decimal
      `old -1\n\n${note}`,
      `old 0 \n\n${note}`,
      `old 0\nnot-base64\n\n${note}`,
      `old 0\n${Buffer.alloc(31).toString('base64')}\n\n${note}`, // 31-byte hash
      `old 0\n\n${note.replace('\u2014', '-')}`, // not a signed note
      `old 0\n\n${signNote('log.example/a\nfive\nxx\n', [logA])}`, // not a checkpoint
      `old 0\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(64)}\n${note}`, // 64 proof lines
      requestBody(6, [], note), // old > size
    ];
    for (const body of bodies) {
      const res = await addCheckpoint(w.url, body);
      expect(res.status, body.slice(0, 60)).toBe(400);
    }
    expect(storedSize()).toBe(0);
  });

  it('409 with text/x.tlog.size and the latest cosigned size when the old size is stale', async () => {
    await cosign(8, 0);
    for (const old of [0, 5, 9]) {
      const size = 12;
      const res = await addCheckpoint(w.url, requestBody(old, old === 0 ? [] : tree.proof(old, size), signedCheckpoint(logA, tree, size)));
      expect(res.status).toBe(409);
      expect(res.type).toBe('text/x.tlog.size');
      expect(res.text).toBe('8\n');
    }
  });

  it('422 for a consistency proof that does not verify, and keeps the request as evidence', async () => {
    await cosign(5, 0);
    const proof = tree.proof(5, 13);
    proof[1] = sha256(proof[1]!);
    const res = await addCheckpoint(w.url, requestBody(5, proof, signedCheckpoint(logA, tree, 13)));
    expect(res.status).toBe(422);
    expect(storedSize()).toBe(5);
    expect(new WitnessStore(w.db, []).rejectedCount(logA.name)).toBe(1);
  });

  it('422 for old size 0 with a non-empty proof', async () => {
    const res = await addCheckpoint(w.url, requestBody(0, [tree.root(1)], signedCheckpoint(logA, tree, 5)));
    expect(res.status).toBe(422);
  });

  it('422 for the same size with a different root (current spec text; v1.0.0 said 409)', async () => {
    await cosign(7, 0);
    const forked = tree.fork(6, 'evil').append(1);
    const res = await addCheckpoint(w.url, requestBody(7, [], signedCheckpoint(logA, forked, 7)));
    expect(res.status).toBe(422);
    expect(res.type).not.toBe('text/x.tlog.size');
  });

  it('422 for a size-0 checkpoint whose root is not the empty-tree root', async () => {
    const note = signNote(formatCheckpoint({ origin: logA.name, size: 0, root: sha256(utf8('x')), extensions: [] }), [logA]);
    expect((await addCheckpoint(w.url, requestBody(0, [], note))).status).toBe(422);
  });

  it('413 for a body over the limit', async () => {
    const res = await addCheckpoint(w.url, 'old 0\n\n' + 'x'.repeat(70 * 1024));
    expect(res.status).toBe(413);
  });
});

describe('a log that rewrites history', () => {
  it('cannot get the rewritten tree cosigned: every size and proof is refused', async () => {
    await cosign(10, 0);
    const evil = tree.fork(4, 'rewritten').append(16); // same first 4 entries, different 5th on
    for (const size of [10, 12, 20]) {
      // The best the log can do: a proof from its rewritten tree for the size the witness holds.
      const res = await addCheckpoint(w.url, requestBody(10, size === 10 ? [] : evil.proof(10, size), signedCheckpoint(logA, evil, size)));
      expect(res.status, `size ${size}`).toBe(422);
    }
    // Pretending the witness holds nothing does not work either.
    expect((await addCheckpoint(w.url, requestBody(0, [], signedCheckpoint(logA, evil, 20)))).status).toBe(409);
    expect(storedSize()).toBe(10);
    // The honest continuation is still accepted.
    await cosign(20, 10);
  });
});

describe('compare-and-swap', () => {
  it('a request stalled after its checks cannot roll back a newer state (the spec\'s race)', async () => {
    await w.close();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let stalled!: () => void;
    const reached = new Promise<void>((r) => (stalled = r));
    w = await startWitness({
      dbFile: join(tmp.dir, 'witness.db'),
      logs: [logA],
      now: () => NOW,
      testingOnlyStall: async ({ size }) => {
        if (size === 8) {
          stalled();
          await gate;
        }
      },
    });
    await cosign(5, 0);
    // Request A (5 → 8) passes its checks and stalls; request B (5 → 15) completes.
    const a = addCheckpoint(w.url, requestBody(5, tree.proof(5, 8), signedCheckpoint(logA, tree, 8)));
    await reached;
    await cosign(15, 5);
    release();
    const resA = await a;
    expect(resA.status).toBe(409);
    expect(resA.text).toBe('15\n');
    expect(storedSize()).toBe(15);
  });

  it('many concurrent clients with increasing sizes: the state ends at the max and never goes back', async () => {
    await w.close();
    // Every request yields between its checks and its compare-and-swap, so requests interleave.
    w = await startWitness({
      dbFile: join(tmp.dir, 'witness.db'),
      logs: [logA],
      now: () => NOW,
      testingOnlyStall: () => new Promise((r) => setTimeout(r, Math.floor(Math.random() * 60))),
    });
    await cosign(1, 0);
    const sizes = Array.from({ length: 12 }, (_, i) => 2 + i);
    const cosigned: number[] = [];
    // Each client retries on 409 with the size it learns, as a log would, until the witness is at
    // or beyond its target.
    const client = async (target: number) => {
      let old = 1;
      for (let attempt = 0; attempt < 40; attempt++) {
        const res = await addCheckpoint(w.url, requestBody(old, tree.proof(old, target), signedCheckpoint(logA, tree, target)));
        if (res.status === 200) {
          cosigned.push(target);
          return;
        }
        expect(res.status).toBe(409);
        old = Number(res.text.trim());
        if (old >= target) return;
      }
      throw new Error(`client ${target} did not finish`);
    };
    await Promise.all(sizes.map(client));
    expect(storedSize()).toBe(Math.max(...sizes));
    expect(cosigned).toContain(Math.max(...sizes));
    // The 200s form an increasing sequence in the order they were answered: no rollback.
    for (let i = 1; i < cosigned.length; i++) expect(cosigned[i]!).toBeGreaterThan(cosigned[i - 1]!);
  });
});

describe('restart and the monitoring read', () => {
  it('keeps its state across a restart', async () => {
    await cosign(9, 0);
    await w.close();
    w = await startWitness({ dbFile: join(tmp.dir, 'witness.db'), logs: [logA, logB], now: () => NOW + 60 });
    const res = await addCheckpoint(w.url, requestBody(0, [], signedCheckpoint(logA, tree, 12)));
    expect(res.status).toBe(409);
    expect(res.text).toBe('9\n');
    await cosign(12, 9);
  });

  it('GET /<hex sha256(origin)>/checkpoint serves the latest cosigned checkpoint; 404 before and for unknown origins', async () => {
    const path = (origin: string) => `${w.url}/${toHex(sha256(utf8(origin)))}/checkpoint`;
    expect((await fetch(path(logA.name))).status).toBe(404); // configured, never cosigned
    expect((await fetch(path('log.example/nope'))).status).toBe(404);
    expect((await fetch(`${w.url}/ABC/checkpoint`)).status).toBe(404);
    await cosign(6, 0);
    await cosign(11, 6);
    const res = await fetch(path(logA.name));
    expect(res.status).toBe(200);
    const note = await res.text();
    const opened = openCheckpoint(note, toVerifier(logA), [toVerifier(w.signer)]);
    expect(opened.checkpoint.size).toBe(11);
    expect(opened.cosignatures.map((c) => c.name)).toEqual([w.signer.name]);
    expect(cosignatureTimestamp(parseNote(note).signatures.find((s) => s.name === w.signer.name)!.signature)).toBe(NOW);
    expect(parseCheckpoint(opened.text).root).toEqual(tree.root(11));
  });
});
