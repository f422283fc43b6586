/**
 * Shared fixtures for the log-core tests: temp stores on this run's backend
 * (../helpers/backends.ts), a deterministic log key, identities,
 * an independent RFC 6962 Merkle oracle, and a transpiled copy of log-server/ for child
 * processes (plain node, no vitest, no build step).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import ts from 'typescript';
import { Log, type LogOptions } from '../../log-server/log.js';
import type { SqliteBackendOptions } from '../../log-server/storage/sqlite.js';
import { testBackend } from '../helpers/backends.js';
import { newSignerKey, parseSignerKey, type Signer } from '../../src/note/keys.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ORIGIN = 'log-core.test.example/log';
/** The test log key in Go note signer format. */
export const SIGNER_KEY = newSignerKey(ORIGIN, new Uint8Array(32).fill(0x42));
export const signer: Signer = parseSignerKey(SIGNER_KEY);

/**
 * tempDir makes a fresh directory and names a fresh store for it on this run's backend (`db`: a
 * file path, or a database URL); `cleanup` removes both.
 */
export function tempDir(): { dir: string; db: string; cleanup: () => Promise<void> } {
  const dir = mkdtempSync(join(tmpdir(), 'runproof-log-core-'));
  const backend = testBackend();
  const db = backend.store(dir);
  return {
    dir,
    db,
    cleanup: async () => {
      try {
        await backend.drop?.(db);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Options of {@link openLog}: the log's, and the SQLite backend's own (ignored by other backends). */
export type OpenLogOptions = Partial<Omit<LogOptions, 'backend'>> & SqliteBackendOptions;

/** openLog opens (creating) the log stored at `db` on this run's backend, with the test key and a fast tick. */
export function openLog(db: string, extra: OpenLogOptions = {}): Promise<Log> {
  const { onDatabase, blobCopy, warn, ...rest } = extra;
  const backend = testBackend().factory(db, { ...(onDatabase ? { onDatabase } : {}), ...(blobCopy !== undefined ? { blobCopy } : {}), ...(warn ? { warn } : {}) });
  return Log.open({ backend, origin: ORIGIN, signer, create: true, batchIntervalMs: 1, ...rest });
}

/** identity returns a deterministic 32-byte digest for `n` (distinct for distinct n). */
export function identity(n: number, salt = ''): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`${salt}:${n}`).digest());
}

// --- An independent RFC 6962 §2.1 oracle (node:crypto, recursive MTH), not src/merkle. ---

const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
/** oracleLeaf = SHA-256(0x00 ‖ entry). */
export const oracleLeaf = (entry: Uint8Array) => sha(Uint8Array.of(0), entry);

// Perfect subtrees of 256+ leaves never change as a log grows, so they are remembered per
// leaf array (keeps the oracle linear when asked about many sizes of one log).
const memo = new WeakMap<readonly Uint8Array[], Map<string, Uint8Array>>();

/** oracleMth is MTH(D[lo:hi]) over leaf hashes, straight from RFC 6962 §2.1. */
export function oracleMth(leaves: readonly Uint8Array[], lo = 0, hi = leaves.length): Uint8Array {
  const n = hi - lo;
  if (n === 0) return sha();
  if (n === 1) return leaves[lo]!;
  const perfect = n >= 256 && Number.isInteger(Math.log2(n));
  let m = memo.get(leaves);
  if (m === undefined) memo.set(leaves, (m = new Map()));
  const key = `${lo}:${hi}`;
  if (perfect && m.has(key)) return m.get(key)!;
  let k = 1;
  while (k * 2 < n) k *= 2;
  const h = sha(Uint8Array.of(1), oracleMth(leaves, lo, lo + k), oracleMth(leaves, lo + k, hi));
  if (perfect) m.set(key, h);
  return h;
}

/** oracleTile returns tile (level, index, width) of a tree of the given leaf hashes. */
export function oracleTile(leaves: readonly Uint8Array[], level: number, index: number, width: number): Uint8Array {
  const span = 256 ** level;
  const out = new Uint8Array(width * 32);
  for (let i = 0; i < width; i++) {
    const lo = (index * 256 + i) * span;
    out.set(oracleMth(leaves, lo, lo + span), i * 32);
  }
  return out;
}

// --- Child processes: transpile log-server/log.ts and everything it imports to plain JS. ---

/**
 * buildChildRuntime transpiles log-server/log.ts, its SQLite backend, src/note/keys.ts and their relative imports
 * into a directory under node_modules/.cache (so bare imports resolve to the repo's
 * node_modules) and copies migrations/. Returns that directory.
 */
export function buildChildRuntime(): string {
  const cache = join(REPO, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const out = mkdtempSync(join(cache, 'runproof-log-core-'));
  const todo = [join(REPO, 'log-server', 'log.ts'), join(REPO, 'log-server', 'storage', 'sqlite.ts'), join(REPO, 'src', 'note', 'keys.ts')];
  const done = new Set<string>();
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/from\s+'(\.{1,2}\/[^']+)\.js'/g)) todo.push(resolve(dirname(file), `${m[1]}.ts`));
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const target = join(out, relative(REPO, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  mkdirSync(join(out, 'migrations'));
  for (const f of readdirSync(join(REPO, 'migrations')).filter((n) => n.endsWith('.sql'))) copyFileSync(join(REPO, 'migrations', f), join(out, 'migrations', f));
  return out;
}
