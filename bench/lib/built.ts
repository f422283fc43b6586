/** The record of a bench-built log (bench/lib/build-log.ts) and how to tell whether it can be reused. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './procs.js';

/** What DIR/bench.json records. */
export interface BuiltLog {
  /** Entries wanted. */
  target: number;
  /** Entries the log holds (below target when a build's time budget ran out; a later build resumes). */
  entries: number;
  complete: boolean;
  schema: string;
  origin: string;
  vkey: string;
  /** Seconds spent building, over all (resumed) builds. */
  buildSeconds: number;
  /** Build rate of the last build session. */
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

/** readBuilt returns DIR's record if it holds a log built towards `target` entries with this schema (complete or not). */
export function readBuilt(dir: string, target: number): BuiltLog | undefined {
  const f = join(dir, 'bench.json');
  if (!existsSync(f)) return undefined;
  const b = JSON.parse(readFileSync(f, 'utf8')) as Partial<BuiltLog>;
  return b.target === target && b.schema === schemaKey() ? (b as BuiltLog) : undefined;
}

