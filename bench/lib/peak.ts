/**
 * Peak resident memory of a child run: `node <args>` polled through /proc (Linux) until it exits,
 * keeping the largest VmHWM seen (the kernel's own high-water mark, so short peaks between polls
 * count too).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** runNodePeak runs `node <args>` and returns its exit code, output tail (stdout and stderr), whole stdout and peak RSS in bytes. */
export function runNodePeak(args: string[], timeoutMs: number): Promise<{ code: number | null; out: string; stdout: string; peakBytes: number; ms: number }> {
  const started = performance.now();
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stdout = '';
    let peak = 0;
    const keep = (d: Buffer) => (out = (out + d.toString()).slice(-4000));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      keep(d);
    });
    child.stderr.on('data', keep);
    const poll = setInterval(() => {
      try {
        const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // exited between polls
      }
    }, 50);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      ok({ code, out, stdout, peakBytes: peak, ms: performance.now() - started });
    });
  });
}
