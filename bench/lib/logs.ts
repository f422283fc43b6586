/** Bench logs on disk: a fresh empty one per scenario, or the cached N-entry log (built once). */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readBuilt, type BuiltLog } from './built.js';
import { BIN, runNode } from './procs.js';
import type { BenchContext } from './context.js';

/** freshDir returns an empty directory `data/bench/<name>`. */
export function freshDir(ctx: BenchContext, name: string): string {
  const dir = join(ctx.dataDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * builtLog returns the directory of the cached `entries`-entry bench log, building it first
 * (in a child process, bench/lib/build-log.ts) if it is missing, incomplete or from an older
 * schema. With a budget the build may stop short; the record then says how many entries it has.
 */
export async function builtLog(ctx: BenchContext, entries: number, budgetSeconds?: number): Promise<{ dir: string; built: BuiltLog }> {
  const dir = join(ctx.dataDir, `log-${entries}`);
  let built = readBuilt(dir, entries);
  if (built === undefined || !built.complete) {
    ctx.say(`building a ${entries.toLocaleString('en-US')}-entry log in ${dir}${budgetSeconds !== undefined ? ` for at most ${budgetSeconds} s` : ''} (kept for later runs, which resume it)…`);
    const r = await runNode([BIN.buildLog, dir, String(entries), ...(budgetSeconds !== undefined ? [String(budgetSeconds)] : [])], 4 * 3600_000);
    if (r.code !== 0) throw new Error(`build-log failed: ${r.stderr.slice(-2000)}`);
    built = readBuilt(dir, entries);
    if (built === undefined) throw new Error('build-log wrote no record');
    if (!built.complete && budgetSeconds === undefined) throw new Error('build-log stopped early');
    ctx.say(`${built.entries.toLocaleString('en-US')} entries after ${built.buildSeconds.toFixed(0)} s of building (${Math.round(built.entriesPerSecond)} entries/s)`);
  }
  return { dir, built };
}
