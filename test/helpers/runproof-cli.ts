/**
 * Run the BUILT `runproof` CLI (`node dist/verifier/cli.js …`) to completion, capturing its
 * output. Needs `npx tsc -p tsconfig.json` first.
 *
 * @example
 * const r = await runproof(['verify', '--receipt', file, '--identity', id, '--vkey', vkey]);
 * expect(r.code).toBe(0);
 * expect(r.reason).toMatch(/^runproof: PROOF_FAILED:/);   // on failure: the last stderr line
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './log-process.js';

/** The built `runproof` entry point. */
export const VERIFIER_CLI = join(REPO_ROOT, 'dist', 'verifier', 'cli.js');

/** How a `runproof` run ended. */
export interface CliRun {
  /** The exit code (null if killed by a signal, e.g. after the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last line of standard error (`runproof: <CODE>: <reason>` on failure). */
  reason: string;
}

/** runproof runs the built CLI with `args` in `cwd`; it is killed after `timeoutMs` (default 60 s). */
export function runproof(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VERIFIER_CLI, ...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, reason: stderr.trimEnd().split('\n').pop() ?? '' });
    });
  });
}
