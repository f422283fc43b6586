/**
 * Child processes of the bench: the built `runproof-log serve`, the baseline servers and the
 * `runproof` CLI. Each server listens on 127.0.0.1 port 0 and prints `listening: <url>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** repoRoot walks up from this file (bench/lib/ in the sources, dist/bench/lib/ when built) to package.json. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = resolve(dir, '..');
    if (up === dir) throw new Error('bench: cannot find the repository root');
    dir = up;
  }
  return dir;
}

/** The repository root. */
export const REPO = repoRoot();
/** Built entry points. */
export const BIN = {
  log: join(REPO, 'dist', 'log-server', 'cli.js'),
  runproof: join(REPO, 'dist', 'verifier', 'cli.js'),
  baseline: join(REPO, 'dist', 'bench', 'baselines', 'servers.js'),
  buildLog: join(REPO, 'dist', 'bench', 'lib', 'build-log.js'),
};

/** A server child process. */
export interface Served {
  url: string;
  child: ChildProcess;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** Milliseconds from spawn to the `listening:` line. */
  startMs: number;
  /** Resident set size now, bytes (from /proc). */
  rss(): number;
  stop(): Promise<void>;
}

/** startServer spawns `node <args>` and waits (≤ timeoutMs) for a `listening: <url>` line. */
export function startServer(args: string[], opts: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<Served> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${args.join(' ')} did not start: ${out}${err}`));
    }, opts.timeoutMs ?? 60_000);
    const check = () => {
      const m = /^listening: (\S+)$/m.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      const startMs = performance.now() - started;
      ok({
        url: m[1]!,
        child,
        stdout: () => out,
        startMs,
        rss: () => rssOf(child.pid!),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
          await exited;
          clearTimeout(t);
        },
      });
    };
    child.stdout!.on('data', check);
    void exited.then(() => {
      clearTimeout(timer);
      fail(new Error(`${args.join(' ')} exited before listening: ${out}${err}`));
    });
  });
}

/** rssOf reads VmRSS of a process, bytes. */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** startLog runs `runproof-log serve --data dir --listen 127.0.0.1:0 …extra`. */
export function startLog(dataDir: string, extra: string[] = []): Promise<Served & { vkey: string }> {
  return startServer([BIN.log, 'serve', '--data', dataDir, '--listen', '127.0.0.1:0', ...extra]).then((s) => ({
    ...s,
    vkey: /^verifier key: (\S+)$/m.exec(s.stdout())![1]!,
  }));
}

/** startBaseline runs a baseline server (`hono`, or `http` answering `bytes`, default 8192). */
export function startBaseline(kind: 'hono' | 'http', bytes?: number): Promise<Served> {
  return startServer([BIN.baseline, kind, ...(bytes === undefined ? [] : [String(bytes)])]);
}

/** runNode runs `node <args>` to completion and returns its exit code and output. */
export function runNode(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      ok({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}
