/**
 * tlog-tiles conformance of the built server at the second tile boundary (65535, 65536, 65537
 * entries, where a level-1 tile fills and level 2 appears), over real HTTP, checked by the
 * independent recomputation in ../log-http/tlog-check.ts. The log is filled quickly through the
 * batch endpoint with bare identities and `?receipts=false` (receipts are covered elsewhere).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTlog, getterFor } from '../log-http/tlog-check.js';
import { startLogProcess, type LogProcess } from '../helpers/log-process.js';

let p: LogProcess;
let size = 0;

/** fill grows the log to `target` entries with batches of up to 4096 identities. */
async function fill(target: number): Promise<void> {
  const pending: Promise<void>[] = [];
  while (size < target) {
    const n = Math.min(4096, target - size);
    const items: string[] = [];
    for (let i = 0; i < n; i++) items.push(`{"identity":"sha256:${'e2e0' + (size + i).toString(16).padStart(60, '0')}"}`);
    size += n;
    pending.push(
      fetch(`${p.url}/v1/batch?receipts=false`, { method: 'POST', body: `{"items":[${items.join(',')}]}`, headers: { 'content-type': 'application/json' } }).then(async (res) => {
        expect(res.status).toBe(200);
        const { results } = (await res.json()) as { results: { index?: number; receipt?: string }[] };
        expect(results.every((r) => typeof r.index === 'number' && r.receipt === undefined)).toBe(true);
      }),
    );
    if (pending.length >= 2) await pending.shift();
  }
  await Promise.all(pending);
}

beforeAll(async () => {
  p = await startLogProcess({ args: ['--max-batch-items', '4096'] });
});
afterAll(async () => {
  await p.stop();
  p.cleanup();
});

describe('tlog-tiles at the level-1/level-2 boundary (built server, real HTTP)', () => {
  const get = getterFor((path) => fetch(`${p.url}${path}`));
  for (const target of [65535, 65536, 65537]) {
    it(`serves checkpoint, tiles and bundles exactly at size ${target}`, async () => {
      await fill(target);
      await checkTlog(get, p.vkey, target);
    });
  }
});
