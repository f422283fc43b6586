/**
 * Start the BUILT log server (`node dist/log-server/cli.js serve`) as a child process on a free
 * 127.0.0.1 port with a temporary data directory, wait until it listens, and stop it.
 *
 * Needs `npx tsc -p tsconfig.json` (or `npm run build`) first; throws a clear error otherwise.
 *
 * @example
 * const log = await startLogProcess();                 // fresh key + database in a temp dir
 * const res = await fetch(`${log.url}/checkpoint`);    // log.vkey verifies it
 * await log.stop();                                    // SIGTERM, waits for exit 0
 * const again = await startLogProcess({ dataDir: log.dataDir });   // same log, restarted
 * await again.stop();
 * log.cleanup();                                       // removes the temp dir
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built `runproof-log` entry point. */
export const LOG_CLI = join(REPO_ROOT, 'dist', 'log-server', 'cli.js');

/** Options of {@link startLogProcess}. */
export interface LogProcessOptions {
  /** Data directory (`--data`); default: a new temp dir (removed by `cleanup()`). */
  dataDir?: string;
  /** Extra `serve` flags, e.g. `['--rate', '5', '--max-batch-items', '4096']`. */
  args?: string[];
  /** Extra environment variables (on top of the parent's, minus any RUNPROOF_*). */
  env?: Record<string, string>;
  /** How long to wait for `listening:`, ms (default 20 000). */
  timeoutMs?: number;
}

/** A running (or stopped) log server child process. */
export interface LogProcess {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  origin: string;
  /** The log's verifier key, as printed at start-up. */
  vkey: string;
  dataDir: string;
  dbPath: string;
  keyPath: string;
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** SIGTERM (graceful) and wait; resolves with the exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
  /** SIGKILL and wait (a crash). */
  kill(): Promise<void>;
  /** Remove the temp data dir if this helper made it (stop or kill first). */
  cleanup(): void;
}

/** Result of {@link runLogCli}: a `runproof-log` run to completion. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('RUNPROOF_')) env[k] = v;
  return { ...env, ...extra };
}

function assertBuilt(): void {
  if (!existsSync(LOG_CLI)) throw new Error(`${LOG_CLI} is missing: run "npx tsc -p tsconfig.json" (npm run build) first`);
}

/**
 * runLogCli runs `runproof-log <args>` to completion (for start-up failures: bad key mode, a
 * locked database, --help). A server that starts is killed after `timeoutMs` (default 20 s).
 */
export function runLogCli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  assertBuilt();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [LOG_CLI, ...args], { env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** startLogProcess starts `runproof-log serve --listen 127.0.0.1:0` and waits for it to listen. */
export async function startLogProcess(opts: LogProcessOptions = {}): Promise<LogProcess> {
  assertBuilt();
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'runproof-log-'));
  const args = [LOG_CLI, 'serve', '--data', dataDir, '--listen', '127.0.0.1:0', ...(opts.args ?? [])];
  const child = spawn(process.execPath, args, { env: childEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const field = (name: string) => new RegExp(`^${name}: (.+)$`, 'm').exec(out)?.[1];
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`runproof-log did not start within ${opts.timeoutMs ?? 20_000} ms\n${out}\n${err}`));
    }, opts.timeoutMs ?? 20_000);
    const check = () => {
      if (field('listening') !== undefined) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        ok();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`runproof-log exited with ${code} before listening\n${out}\n${err}`));
    });
  });

  let done: Promise<number | null> | undefined;
  return {
    url: field('listening')!,
    origin: field('origin')!,
    vkey: field('verifier key')!,
    dataDir,
    dbPath: join(dataDir, 'log.db'),
    keyPath: join(dataDir, 'log.key'),
    child,
    stdout: () => out,
    stderr: () => err,
    stop() {
      if (done === undefined) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        done = exited;
      }
      return done;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      done ??= exited;
      await done;
    },
    cleanup() {
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
