/**
 * Process-level guarantees, with real child processes (plain node on a transpiled copy of
 * log-server/): a second writer process is refused while the first runs; a SIGKILLed writer
 * leaves no stale lock; and a writer killed at a random moment under load loses nothing it
 * acknowledged — after restart every acknowledged identity is at its index and the new latest
 * checkpoint is consistent with every checkpoint it published before dying.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from '../../src/encoding/hex.js';
import { verifyConsistency } from '../../src/merkle/proof.js';
import { parseCheckpoint } from '../../src/note/checkpoint.js';
import { parseNote } from '../../src/note/note.js';
import { onSqlite } from '../helpers/backends.js';
import { REPO, SIGNER_KEY, buildChildRuntime, openLog, tempDir } from './helpers.js';

const CHILD = join(REPO, 'test', 'log-core', 'log-child.mjs');
let runtime: string;
beforeAll(() => {
  runtime = buildChildRuntime();
});
afterAll(() => {
  if (runtime !== undefined) rmSync(runtime, { recursive: true, force: true });
});

interface Child {
  proc: ChildProcess;
  lines: string[];
  /** Resolves when a line satisfying `pred` has arrived. */
  waitFor(pred: (line: string) => boolean): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startChild(db: string, mode: 'hold' | 'load'): Child {
  const proc = spawn(process.execPath, [CHILD, runtime, db, mode], {
    env: { ...process.env, LOG_CORE_SIGNER_KEY: SIGNER_KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const waiters: { pred: (l: string) => boolean; resolve: () => void }[] = [];
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!; // a line cut by SIGKILL is never counted
    for (const line of parts) {
      lines.push(line);
      for (const w of waiters.filter((x) => x.pred(line))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    lines,
    exited,
    waitFor: (pred) =>
      new Promise<void>((resolve, reject) => {
        if (lines.some(pred)) return resolve();
        waiters.push({ pred, resolve });
        void exited.then((e) => reject(new Error(`child exited (${e.code ?? e.signal}) before the expected line; stderr: ${stderr}; stdout: ${lines.join(' | ')}`)));
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The child processes run the SQLite backend: these are its lock and crash tests.
describe.runIf(onSqlite)('single writer across processes', () => {
  it('refuses a second process with CONFLICT, and a SIGKILLed holder leaves no stale lock', async () => {
    const t = tempDir();
    const first = startChild(t.db, 'hold');
    await first.waitFor((l) => l === 'ready');
    const second = startChild(t.db, 'hold');
    expect(await second.exited).toEqual({ code: 3, signal: null });
    expect(second.lines[0]).toMatch(/^error CONFLICT .*log\.db/);
    await expect(openLog(t.db)).rejects.toMatchObject({ code: 'CONFLICT' });

    first.proc.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const log = await openLog(t.db, { create: false });
    expect(log.size).toBe(0);
    await log.close();
    await t.cleanup();
  }, 30_000);
});

describe.runIf(onSqlite)('crash safety', () => {
  it('a writer SIGKILLed under load loses no acknowledged entry and stays consistent with what it published', async () => {
    const t = tempDir();
    const acked = new Map<string, number>();
    for (let cycle = 0; cycle < 4; cycle++) {
      const child = startChild(t.db, 'load');
      await child.waitFor((l) => l.startsWith('ack '));
      await sleep(Math.floor(Math.random() * 300));
      child.proc.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');

      const published: string[] = [];
      for (const line of child.lines) {
        const [kind, a, b] = line.split(' ');
        if (kind === 'ack') acked.set(b!, Number(a));
        else if (kind === 'cp') published.push(JSON.parse(line.slice(3)) as string);
      }
      expect(published.length).toBeGreaterThan(0);

      const log = await openLog(t.db, { create: false });
      const missing: [string, number][] = [];
      for (const [hex, index] of acked) if ((await log.lookup(fromHex(hex, 32)))?.index !== index) missing.push([hex, index]);
      expect(missing, `cycle ${cycle}: acknowledged entries lost or moved`).toEqual([]);
      const latest = log.latest().checkpoint;
      for (const signed of published) {
        const cp = parseCheckpoint(parseNote(signed).text);
        expect(await log.checkpointAt(cp.size)).toBe(signed);
        verifyConsistency(cp.size, latest.size, cp.root, latest.root, await log.consistencyProof(cp.size, latest.size));
      }
      await log.close();
    }
    expect(acked.size).toBeGreaterThan(0);
    await t.cleanup();
  }, 60_000);
});
