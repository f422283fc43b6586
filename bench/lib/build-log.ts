/**
 * Builds (or reuses) a log of N entries for the read, lookup, audit, verify and size benchmarks:
 *
 *   node dist/bench/lib/build-log.js DIR N
 *
 * Entry i carries identity SHA-256("runproof-bench:" + i), so any process can name logged
 * entries. The log is written through the real log core (log-server/log.ts: sequencer,
 * tiles, bundles, checkpoints, synchronous=FULL) in batches of 4,096, exactly as the server
 * writes it, then closed; DIR then holds log.db and log.key for `runproof-log serve --data DIR`.
 * DIR/bench.json records what was built; a DIR that already has it for N entries and the same
 * schema (migrations) is reused.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyFile } from '../../log-server/keyfile.js';
import { Log } from '../../log-server/log.js';
import { verifierKey } from '../../src/note/keys.js';
import { benchIdentity } from './bodies.js';
import { BENCH_ORIGIN, readBuilt, schemaKey, type BuiltLog } from './built.js';

async function build(dir: string, entries: number): Promise<BuiltLog> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const signer = createKeyFile(join(dir, 'log.key'), BENCH_ORIGIN);
  const started = performance.now();
  const log = Log.open({ dbPath: join(dir, 'log.db'), origin: BENCH_ORIGIN, signer, create: true, maxBatch: 4096, batchIntervalMs: 1, maxPending: 100_000 });
  const chunk = 4096 * 8;
  let lastReport = started;
  for (let i = 0; i < entries; i += chunk) {
    const n = Math.min(chunk, entries - i);
    const ids: Uint8Array[] = new Array(n);
    for (let k = 0; k < n; k++) ids[k] = benchIdentity(i + k);
    await log.submitMany(ids);
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      process.stderr.write(`build-log: ${i + n}/${entries} entries, ${Math.round((i + n) / ((lastReport - started) / 1000))}/s\n`);
    }
  }
  if (log.size !== entries) throw new Error(`build-log: log has ${log.size} entries, want ${entries}`);
  await log.close();
  const buildSeconds = (performance.now() - started) / 1000;
  const built: BuiltLog = { entries, schema: schemaKey(), origin: BENCH_ORIGIN, vkey: verifierKey(signer), buildSeconds, entriesPerSecond: entries / buildSeconds };
  writeFileSync(join(dir, 'bench.json'), JSON.stringify(built, null, 2) + '\n');
  return built;
}

async function main(): Promise<void> {
  const [dir, n] = process.argv.slice(2);
  const entries = Number(n);
  if (dir === undefined || !Number.isSafeInteger(entries) || entries < 1) throw new Error('usage: build-log.js DIR N');
  const built = readBuilt(dir, entries) ?? (await build(dir, entries));
  process.stdout.write(JSON.stringify(built) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`build-log: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
