/**
 * The verifier against the real log server (`node dist/log-server/cli.js serve`, a child process
 * with its own SQLite file): receipts it issues verify with `runproof verify`, the whole log
 * audits clean, and a checkpoint saved before more submissions is consistent with the later one.
 * Needs `npx tsc -p tsconfig.json` first.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { LogClient } from '../../verifier/log-client.js';
import { audit } from '../../verifier/audit/audit.js';
import { startLogProcess, type LogProcess } from '../helpers/log-process.js';
import { runproof } from '../helpers/runproof-cli.js';


const identity = (i: number) => `sha256:${Buffer.from(sha256(new TextEncoder().encode(`real-log ${i}`))).toString('hex')}`;

async function submitBatch(url: string, from: number, to: number): Promise<{ identity: string; index: number; receipt: string }[]> {
  const items = [];
  for (let i = from; i < to; i++) items.push({ identity: identity(i) });
  const res = await fetch(`${url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { results: { identity: string; index: number; receipt: string }[] };
  return body.results;
}

let log: LogProcess;
let dir: string;
beforeAll(async () => {
  log = await startLogProcess();
  dir = mkdtempSync(join(tmpdir(), 'runproof-real-'));
});
afterAll(async () => {
  await log.stop();
  log.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('verifier against runproof-log', () => {
  it('verifies its receipts, audits it, and holds it to an old checkpoint', async () => {
    const first = await submitBatch(log.url, 0, 300);
    const old = join(dir, 'old-checkpoint');
    writeFileSync(old, await new LogClient(log.url).checkpoint());
    await submitBatch(log.url, 300, 700);

    const receipt = join(dir, 'r.tlog-proof');
    writeFileSync(receipt, first[123]!.receipt);
    const v = await runproof(['verify', '--receipt', receipt, '--identity', identity(123), '--vkey', log.vkey, '--json']);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, identity: identity(123), index: first[123]!.index });

    const report = await audit(new LogClient(log.url), { trust: { vkey: log.vkey } });
    expect(report.size).toBe(700);

    const c = await runproof(['consistency', '--log', log.url, '--vkey', log.vkey, '--old', old]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain('is a prefix of tree 700');

    const a = await runproof(['audit', '--log', log.url, '--vkey', log.vkey, '--json']);
    expect(a.code).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ ok: true, size: 700 });
  });
});
