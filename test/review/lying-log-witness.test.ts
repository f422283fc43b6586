/**
 * Review: a log trying to get a checkpoint cosigned by `runproof witness` that it should not.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { formatCheckpoint } from '../../src/note/checkpoint.js';
import { toVerifier } from '../../src/note/keys.js';
import { signNote } from '../../src/note/note.js';
import { openStateDb } from '../../node-shared/sqlite.js';
import { Witness } from '../../witness/witness.js';
import { formatAddCheckpoint } from '../../src/note/tlog-witness.js';
import { MAX_REJECTED_PER_ORIGIN, WitnessStore } from '../../witness/store.js';
import { MemTree, tempDir, testSigner, testWitness } from '../witness/helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function witnessFor(logs: Map<string, ReturnType<typeof toVerifier>[]>, file: string): Witness {
  return new Witness({ db: openStateDb(join(tmp.dir, file), 'witness'), signer: testWitness('witness.example/review'), logs, now: () => 1_800_000_000 });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
}

describe('witness: trusted log keys', () => {
  it('refuses a log key whose name is not the origin it is configured for', () => {
    // Otherwise the key of log B cosigns checkpoints that claim to be log A's.
    const other = testSigner('b.example/log');
    expect(() => witnessFor(new Map([['a.example/log', [toVerifier(other)]]]), 'mismatch.db')).toThrow(expect.objectContaining({ code: 'MALFORMED_KEY' }));
  });

  it('never cosigns a fork: same size other root, smaller size, or a proof against another old root', async () => {
    const log = testSigner('a.example/log');
    const w = witnessFor(new Map([[log.name, [toVerifier(log)]]]), 'fork.db');
    const tree = new MemTree('main').append(10);
    const fork = tree.fork(6, 'fork');
    fork.append(4);
    const sign = (t: MemTree, size: number) => signNote(formatCheckpoint({ origin: log.name, size, root: t.root(size), extensions: [] }), [log]);
    expect(await codeOf(w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: sign(tree, 8) })))).toBe('OK');
    // Same size, another root.
    expect(await codeOf(w.addCheckpoint(formatAddCheckpoint({ oldSize: 8, proof: [], note: sign(fork, 8) })))).toBe('PROOF_FAILED');
    // Smaller size, claiming the old size is the smaller one.
    expect(await codeOf(w.addCheckpoint(formatAddCheckpoint({ oldSize: 6, proof: tree.proof(6, 7), note: sign(tree, 7) })))).toBe('CONFLICT');
    // Smaller size with the right old size.
    expect(await codeOf(w.addCheckpoint(formatAddCheckpoint({ oldSize: 8, proof: [], note: sign(tree, 7) })))).toBe('MALFORMED_REQUEST');
    // A larger fork with the consistency proof of the fork (from the fork's size-8 root, not ours).
    expect(await codeOf(w.addCheckpoint(formatAddCheckpoint({ oldSize: 8, proof: fork.proof(8, 10), note: sign(fork, 10) })))).toBe('PROOF_FAILED');
    // The honest continuation still works.
    expect(await codeOf(w.addCheckpoint(formatAddCheckpoint({ oldSize: 8, proof: tree.proof(8, 10), note: sign(tree, 10) })))).toBe('OK');
  });
});

describe('witness: evidence of rejected requests', () => {
  it('keeps a bounded number per origin, so a log cannot fill the disk with bad requests', async () => {
    const log = testSigner('c.example/log');
    const db = openStateDb(join(tmp.dir, 'flood.db'), 'witness');
    const w = new Witness({ db, signer: testWitness('witness.example/review'), logs: new Map([[log.name, [toVerifier(log)]]]), now: () => 1_800_000_000 });
    const tree = new MemTree('main').append(4);
    const sign = (t: MemTree, size: number) => signNote(formatCheckpoint({ origin: log.name, size, root: t.root(size), extensions: [] }), [log]);
    expect(await codeOf(w.addCheckpoint(formatAddCheckpoint({ oldSize: 0, proof: [], note: sign(tree, 4) })))).toBe('OK');
    const forkNote = sign(tree.fork(2, 'fork').append(2), 4);
    for (let i = 0; i < MAX_REJECTED_PER_ORIGIN + 20; i++) {
      expect(await codeOf(w.addCheckpoint(formatAddCheckpoint({ oldSize: 4, proof: [], note: forkNote })))).toBe('PROOF_FAILED');
    }
    expect(new WitnessStore(db, []).rejectedCount(log.name)).toBe(MAX_REJECTED_PER_ORIGIN);
    db.close();
  });
});
