/**
 * Running the load generator (bench/load/worker.ts) as a child process and reading its figures.
 * The generator never shares a process with the server it measures.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './procs.js';

/** What the load generator sends. */
export interface LoadConfig {
  /** `http://127.0.0.1:<port>` (nothing else is accepted). */
  url: string;
  kind: 'declaration' | 'declaration-compact' | 'identity' | 'identity-batch' | 'declaration-batch' | 'paths' | 'lookup';
  /** Request path (POST target, GET path, or the lookup prefix ending in `/`). */
  path: string;
  /** GET paths to rotate through (kind `paths`). */
  paths?: string[];
  /** Items per batch body. */
  items?: number;
  /** Bench-log identities 0..lookupCount-1 to look up (kind `lookup`). */
  lookupCount?: number;
  connections: number;
  durationSec: number;
  /** Upper bound on requests (per run). */
  maxRequests: number;
  /** A discarded run first, seconds (0 = none). */
  warmupSec?: number;
  /** Keep this many 200 bodies for the harness to check. */
  sampleBodies?: number;
}

/** The generator's figures for the measured run. */
export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** 2xx answers per second. */
  perSecond: number;
  latencyMs: { p50: number; p99: number; max: number; mean: number };
  statusCodes: Record<string, number>;
  samples: string[];
  /**
   * CPU seconds (user + system, from /proc/<pid>/stat) the process `cpuOf` spent from the start
   * of the measured run until the generator exited, when runLoad was given one.
   */
  serverCpuSec?: number;
  /** CPU seconds of `alsoCpu` (e.g. a database's server processes) over the same span, when runLoad was given one. */
  otherCpuSec?: number;
}

/** The line the generator prints when the warm-up is over and the measured run begins. */
export const MEASURING = 'measuring';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/** cpuPerAnswer is the server's CPU time per 2xx answer over the measured run, µs. */
export function cpuPerAnswer(r: LoadResult): number {
  if (r.serverCpuSec === undefined || r.ok === 0) throw new Error('bench: no server CPU figure for this load');
  return (r.serverCpuSec * 1e6) / r.ok;
}

/** cpuSeconds reads a process's user + system CPU time from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may itself hold spaces and parentheses): state is
  // field 3, utime field 14, stime field 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / USER_HZ;
}

/** clean returns a load's result, or throws naming `what` if any answer was not 2xx or failed. */
export function clean(r: LoadResult, what: string): LoadResult {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statusCodes)})`);
  return r;
}

const WORKER = join(REPO, 'dist', 'bench', 'load', 'worker.js');

/**
 * runLoad starts the generator, waits for it (killed after the bounds plus 60 s) and returns its
 * figures; with `cpuOf` (the server's pid) also the server's CPU time over the measured run, and
 * with `alsoCpu` (a reading of CPU seconds) the growth of that reading over the same span;
 * `window` is told when the measured run starts and when the generator has exited.
 */
export function runLoad(cfg: LoadConfig, opts: { cpuOf?: number; alsoCpu?: () => number; window?: { start(): void; end(): void } } = {}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let cpuAtStart: number | undefined;
    let otherAtStart: number | undefined;
    let measuring = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!measuring && out.includes(`${MEASURING}\n`)) {
        measuring = true;
        if (opts.cpuOf !== undefined) cpuAtStart = cpuSeconds(opts.cpuOf);
        if (opts.alsoCpu !== undefined) otherAtStart = opts.alsoCpu();
        opts.window?.start();
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const limit = (cfg.durationSec + (cfg.warmupSec ?? 0) + 60) * 1000;
    const timer = setTimeout(() => child.kill('SIGKILL'), limit);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (measuring) opts.window?.end();
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`load generator exited ${code}: ${err.slice(-2000)}`));
      const result = JSON.parse(line) as LoadResult;
      if (opts.cpuOf !== undefined && cpuAtStart !== undefined) result.serverCpuSec = cpuSeconds(opts.cpuOf) - cpuAtStart;
      if (opts.alsoCpu !== undefined && otherAtStart !== undefined) result.otherCpuSec = opts.alsoCpu() - otherAtStart;
      resolve(result);
    });
  });
}
