/**
 * Issue #11, finding 2: a monitor's first catch-up streams the log with bounded memory. The
 * built `runproof monitor --once` (needs `npx tsc -p tsconfig.json`) follows a 131,072-entry
 * log in a Node process whose JavaScript heap is capped at 64 MB: keeping every entry and
 * identity of the round in memory (~2.6 KB per entry before the fix) cannot fit, streaming can.
 * The heap cap makes this a pass/fail check, not a timing or RSS measurement.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildFixtureLog } from '../helpers/fixture-log.js';
import { VERIFIER_CLI } from '../helpers/runproof-cli.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=64', VERIFIER_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: out.slice(-2000) }));
  });
}

describe('monitor catch-up memory', () => {
  it('follows a 131,072-entry log from scratch under a 64 MB heap, and records every identity', async () => {
    const log = buildFixtureLog({ size: 131_072, origin: 'fixture.example/catch-up' });
    const served = await log.listen();
    cleanups.push(() => served.close());
    const dir = mkdtempSync(join(tmpdir(), 'runproof-catch-up-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const r = await run(['monitor', '--once', '--log', served.url, '--vkey', log.vkey, '--state', join(dir, 'm.db'), '--evidence-dir', join(dir, 'ev')]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('accepted fixture.example/catch-up 0 -> 131072');
    // A second round on the same state file sees every identity (a repeat would be an alert).
    const again = await run(['monitor', '--once', '--log', served.url, '--vkey', log.vkey, '--state', join(dir, 'm.db'), '--evidence-dir', join(dir, 'ev')]);
    expect(again.code, again.out).toBe(0);
  }, 240_000);
});
