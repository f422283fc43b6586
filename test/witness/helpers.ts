/**
 * Helpers for the witness and witness-client tests: a growing in-memory log tree built with
 * src/ only, signed checkpoints, and real witnesses on 127.0.0.1 over real SQLite files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../../src/encoding/utf8.js';
import { type Hash, leafHash, nodeHash } from '../../src/merkle/hash.js';
import { proveConsistency } from '../../src/merkle/proof.js';
import { type HashReader, type NodeId, treeRoot } from '../../src/merkle/tree.js';
import { formatCheckpoint } from '../../src/note/checkpoint.js';
import { encodeEntry } from '../../src/note/entry.js';
import { toVerifier, type NoteKey, type Signer } from '../../src/note/keys.js';
import { signNote } from '../../src/note/note.js';
import { witnessApp } from '../../witness/http.js';
import { listen } from '../../node-shared/serve.js';
import { openStateDb, type Db } from '../../node-shared/sqlite.js';
import { Witness, type WitnessOptions } from '../../witness/witness.js';
import { testSeed, testSigner, testWitness } from '../helpers/fixture-log.js';

export { testSeed, testSigner, testWitness };

/**
 * MemTree is a log tree that only grows. `salt` changes every entry's identity, so two trees
 * with different salts from some index on are two different histories.
 */
export class MemTree {
  private readonly leaves: Hash[] = [];
  private readonly entries: Uint8Array[] = [];
  private readonly memo = new Map<string, Hash>();

  constructor(private readonly salt = '') {}

  get size(): number {
    return this.leaves.length;
  }

  /** append adds `n` runproof entries (41 bytes, type 0x01, increasing times). */
  append(n: number): this {
    for (let k = 0; k < n; k++) {
      const i = this.leaves.length;
      const identity = sha256(utf8(`memtree ${this.salt} ${i}`));
      const entry = encodeEntry({ type: 0x01, timestamp: 1_760_000_000_000 + i, identity });
      this.entries.push(entry);
      this.leaves.push(leafHash(entry));
    }
    return this;
  }

  /** appendEntry adds one given entry (e.g. a repeated identity or an earlier time). */
  appendEntry(entry: Uint8Array): this {
    this.entries.push(entry);
    this.leaves.push(leafHash(entry));
    return this;
  }

  /** fork returns a copy of the first `at` entries whose later entries use another salt. */
  fork(at: number, salt: string): MemTree {
    const t = new MemTree(salt);
    t.leaves.push(...this.leaves.slice(0, at));
    t.entries.push(...this.entries.slice(0, at));
    return t;
  }

  /** entry returns the 41-byte entry at `index`. */
  entry(index: number): Uint8Array {
    const e = this.entries[index];
    if (e === undefined) throw new Error(`memtree: no entry ${index}`);
    return e;
  }

  private node(n: NodeId): Hash {
    if (n.level === 0) {
      const leaf = this.leaves[n.index];
      if (leaf === undefined) throw new Error(`memtree: no leaf ${n.index}`);
      return leaf;
    }
    const key = `${n.level}/${n.index}`;
    let h = this.memo.get(key);
    if (h === undefined) {
      h = nodeHash(this.node({ level: n.level - 1, index: 2 * n.index }), this.node({ level: n.level - 1, index: 2 * n.index + 1 }));
      this.memo.set(key, h);
    }
    return h;
  }

  readonly read: HashReader = (nodes) => nodes.map((n) => this.node(n));

  root(size = this.size): Hash {
    return treeRoot(size, this.read);
  }

  proof(oldSize: number, newSize: number): Hash[] {
    return proveConsistency(oldSize, newSize, this.read);
  }
}

/** signedCheckpoint returns the checkpoint of `tree` at `size`, signed by `signer` (origin = its name). */
export function signedCheckpoint(signer: Signer, tree: MemTree, size = tree.size): string {
  return signNote(formatCheckpoint({ origin: signer.name, size, root: tree.root(size), extensions: [] }), [signer]);
}

/** A temporary directory removed by `cleanup`. */
export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'runproof-witness-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A witness served on 127.0.0.1 with its state in `dbFile`. */
export interface RunningWitness {
  url: string;
  witness: Witness;
  signer: Signer;
  db: Db;
  close(): Promise<void>;
}

/** startWitness runs a witness for the given log signers, on a real port and a real SQLite file. */
export async function startWitness(opts: {
  dbFile: string;
  name?: string;
  /** The logs to witness: their signers or verifiers (origin = key name). */
  logs: NoteKey[];
  now?: () => number;
  maxBodyBytes?: number;
  testingOnlyStall?: WitnessOptions['testingOnlyStall'];
}): Promise<RunningWitness> {
  const signer = testWitness(opts.name ?? 'witness.example/w1');
  const db = openStateDb(opts.dbFile, 'witness');
  const logs = new Map(opts.logs.map((s) => [s.name, [toVerifier(s)]] as const));
  const witness = new Witness({ db, signer, logs, now: opts.now ?? (() => 1_700_000_000), testingOnlyStall: opts.testingOnlyStall });
  const server = await listen(witnessApp(witness, { maxBodyBytes: opts.maxBodyBytes }), '127.0.0.1', 0);
  return {
    url: server.url,
    witness,
    signer,
    db,
    close: async () => {
      await server.close();
      db.close();
    },
  };
}

/** addCheckpoint POSTs an add-checkpoint body and returns status, content type and body text. */
export async function addCheckpoint(url: string, body: string): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** requestBody writes an add-checkpoint body from an old size, a proof and a note. */
export function requestBody(oldSize: number, proof: Hash[], note: string): string {
  return `old ${oldSize}\n${proof.map((h) => Buffer.from(h).toString('base64') + '\n').join('')}\n${note}`;
}
