/** The record of a bench-built log (bench/lib/build-log.ts) and how to tell whether it can be reused. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './procs.js';

/** What DIR/bench.json records. */
export interface BuiltLog {
  entries: number;
  schema: string;
  origin: string;
  vkey: string;
  buildSeconds: number;
  entriesPerSecond: number;
}

/** The bench logs' origin (= key name). */
export const BENCH_ORIGIN = 'bench.runproof.local/log';

/** schemaKey hashes the migration files, so a log built by an older schema is rebuilt. */
export function schemaKey(): string {
  const dir = join(REPO, 'migrations');
  const h = createHash('sha256');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()) h.update(f).update(readFileSync(join(dir, f)));
  return h.digest('hex').slice(0, 16);
}

/** readBuilt returns DIR's record if it holds a usable log of `entries`. */
export function readBuilt(dir: string, entries: number): BuiltLog | undefined {
  const f = join(dir, 'bench.json');
  if (!existsSync(f)) return undefined;
  const b = JSON.parse(readFileSync(f, 'utf8')) as BuiltLog;
  return b.entries === entries && b.schema === schemaKey() ? b : undefined;
}

