/**
 * Builds (or reuses) a log of N entries for the read, lookup, audit, verify and size benchmarks:
 *
 *   node dist/bench/lib/build-log.js DIR N [MAX_SECONDS]
 *
 * Entry i carries identity SHA-256("runproof-bench:" + i), so any process can name logged
 * entries. The log is written through the real log core (log-server/log.ts: sequencer,
 * tiles, bundles, checkpoints, synchronous=FULL) in batches of 4,096, exactly as the server
 * writes it, then closed; DIR then holds log.db and log.key for `runproof-log serve --data DIR`.
 * DIR/bench.json records what was built; a DIR that already has a complete log of N entries and
 * the same schema (migrations) is reused. With MAX_SECONDS the build stops when the time is up
 * (bench.json then says complete: false) and the next build resumes where it stopped.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyFile, readKeyFile } from '../../log-server/keyfile.js';
import { Log } from '../../log-server/log.js';
import { sqliteBackend } from '../../log-server/storage/sqlite.js';
import { verifierKey } from '../../src/note/keys.js';
import { benchIdentity } from './bodies.js';
import { BENCH_ORIGIN, readBuilt, schemaKey, type BuiltLog } from './built.js';

async function build(dir: string, target: number, maxSeconds: number): Promise<BuiltLog> {
  const dbPath = join(dir, 'log.db');
  const keyPath = join(dir, 'log.key');
  const before = readBuilt(dir, target);
  // Resume a log of this target left by an earlier build (its time budget ran out, or it was
  // stopped): the log core restarts from its last commit, and entry i is always benchIdentity(i).
  const resume = existsSync(dbPath) && existsSync(keyPath) && (before !== undefined || !existsSync(join(dir, 'bench.json')));
  if (!resume) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const signer = resume ? readKeyFile(keyPath) : createKeyFile(keyPath, BENCH_ORIGIN);
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const log = await Log.open({ backend: sqliteBackend(dbPath), origin: BENCH_ORIGIN, signer, create: !resume, maxBatch: 4096, batchIntervalMs: 1, maxPending: 100_000 });
  const first = log.size;
  const chunk = 4096 * 8;
  let lastReport = started;
  for (let i = first; i < target && performance.now() < deadline; i += chunk) {
    const n = Math.min(chunk, target - i);
    const ids: Uint8Array[] = new Array(n);
    for (let k = 0; k < n; k++) ids[k] = benchIdentity(i + k);
    await log.submitMany(ids);
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      process.stderr.write(`build-log: ${i + n}/${target} entries, ${Math.round((i + n - first) / ((lastReport - started) / 1000))}/s\n`);
    }
  }
  const entries = log.size;
  await log.close();
  const seconds = (performance.now() - started) / 1000;
  const built: BuiltLog = {
    target,
    entries,
    complete: entries === target,
    schema: schemaKey(),
    origin: BENCH_ORIGIN,
    vkey: verifierKey(signer),
    buildSeconds: (before?.buildSeconds ?? 0) + seconds,
    entriesPerSecond: (entries - first) / Math.max(seconds, 1e-3),
  };
  writeFileSync(join(dir, 'bench.json'), JSON.stringify(built, null, 2) + '\n');
  return built;
}

async function main(): Promise<void> {
  const [dir, n, budget] = process.argv.slice(2);
  const target = Number(n);
  const maxSeconds = budget === undefined ? Infinity : Number(budget);
  if (dir === undefined || !Number.isSafeInteger(target) || target < 1 || !(maxSeconds > 0)) throw new Error('usage: build-log.js DIR N [MAX_SECONDS]');
  const known = readBuilt(dir, target);
  const built = known?.complete ? known : await build(dir, target, maxSeconds);
  process.stdout.write(JSON.stringify(built) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`build-log: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
