/**
 * The built `runproof-log serve` over real loopback HTTP with real SQLite files: first start,
 * many concurrent submitters, restart, a SIGKILL in the middle of a load, a second server on the
 * same database, an unsafe key file. Receipts and checkpoints are checked with the core only.
 */
import { createHash } from 'node:crypto';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fromBase64 } from '../../src/encoding/base64.js';
import { verifyConsistency } from '../../src/merkle/proof.js';
import { openCheckpoint, type Checkpoint } from '../../src/note/checkpoint.js';
import { parseVerifierKey } from '../../src/note/keys.js';
import { ReceiptVerifier } from '../../src/receipt/verify.js';
import { runLogCli, startLogProcess, type LogProcess } from '../helpers/log-process.js';

const EXAMPLE = readFileSync(new URL('../vectors/declarations/example-2-declaration.json', import.meta.url)).toString();

/** A valid, distinct declaration for submitter `w`, number `i`. */
function declaration(w: number, i: number): string {
  const d = JSON.parse(EXAMPLE) as Record<string, unknown>;
  d['salt'] = `w${String(w).padStart(4, '0')}-i${String(i).padStart(16, '0')}`;
  return JSON.stringify(d);
}

interface Answer {
  identity: string;
  index: number;
  timestamp: number;
  duplicate: boolean;
  receipt: string;
}

async function submit(url: string, body: string): Promise<Answer> {
  const res = await fetch(`${url}/v1/declarations`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as Answer;
}

async function checkpoint(p: LogProcess): Promise<{ signed: string; cp: Checkpoint }> {
  const signed = await (await fetch(`${p.url}/checkpoint`)).text();
  return { signed, cp: openCheckpoint(signed, parseVerifierKey(p.vkey)).checkpoint };
}

async function consistencyProof(url: string, m: number, n: number): Promise<Uint8Array[]> {
  const res = await fetch(`${url}/v1/proofs/consistency?old=${m}&new=${n}`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return text === '' ? [] : text.slice(0, -1).split('\n').map((l) => fromBase64(l, 32));
}

const running: LogProcess[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    await p.kill();
    p.cleanup();
  }
});

async function start(opts: Parameters<typeof startLogProcess>[0] = {}): Promise<LogProcess> {
  const p = await startLogProcess(opts);
  running.push(p);
  return p;
}

describe('runproof-log serve (built, real HTTP)', () => {
  it('creates a 0600 key and the database on first start and prints the verifier key', async () => {
    const p = await start();
    expect(p.stdout()).toMatch(/^created key .*log\.key/m);
    expect(p.stdout()).toMatch(/^created database .*log\.db/m);
    expect(p.origin).toBe('runproof.local/log');
    expect(statSync(p.keyPath).mode % 0o1000).toBe(0o600);
    const { cp } = await checkpoint(p); // verifies under the printed key
    expect(cp.size).toBe(0);
    expect(await (await fetch(`${p.url}/healthz`)).json()).toEqual({ status: 'ok', size: 0 });
  });

  it('serves 50 concurrent submitters; every receipt verifies; duplicates share one index', async () => {
    const p = await start();
    const writers = 50;
    const each = 4;
    const answers = await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const out: { body: string; a: Answer }[] = [];
        for (let i = 0; i < each; i++) {
          const body = declaration(w, i);
          out.push({ body, a: await submit(p.url, body) });
        }
        return out;
      }),
    );
    const flat = answers.flat();
    expect(new Set(flat.map((x) => x.a.index)).size).toBe(writers * each);
    const verifier = new ReceiptVerifier({ vkey: p.vkey }); // checks each distinct checkpoint once
    for (const { body, a } of flat) {
      const v = verifier.verify({ receipt: a.receipt, declaration: body });
      expect(v.index).toBe(a.index);
    }
    // the same declaration from 50 clients at once: one entry
    const same = await Promise.all(Array.from({ length: writers }, () => submit(p.url, declaration(9999, 0))));
    expect(new Set(same.map((a) => a.index)).size).toBe(1);
    expect(same.filter((a) => !a.duplicate).length).toBe(1);
    // and again, sequentially
    expect(await submit(p.url, declaration(0, 0))).toMatchObject({ index: flat[0]!.a.index, duplicate: true });
    expect((await checkpoint(p)).cp.size).toBe(writers * each + 1);
  });

  it('survives a restart: same tree, old entries found, consistent growth', async () => {
    const p = await start();
    const before = await Promise.all([0, 1, 2, 3, 4].map((i) => submit(p.url, declaration(1, i))));
    const cp1 = await checkpoint(p);
    expect(await p.stop()).toBe(0);
    const q = await start({ dataDir: p.dataDir });
    expect(q.stdout()).not.toMatch(/^created/m);
    expect(q.vkey).toBe(p.vkey);
    expect((await checkpoint(q)).signed).toBe(cp1.signed);
    const res = await fetch(`${q.url}/v1/identities/${before[2]!.identity.slice(7)}`);
    expect(((await res.json()) as Answer).index).toBe(before[2]!.index);
    await submit(q.url, declaration(1, 99));
    const cp2 = await checkpoint(q);
    verifyConsistency(cp1.cp.size, cp2.cp.size, cp1.cp.root, cp2.cp.root, await consistencyProof(q.url, cp1.cp.size, cp2.cp.size));
  });

  it('loses no acknowledged entry when SIGKILLed mid-load, and stays consistent with every published checkpoint', async () => {
    const p = await start();
    const acked: { body: string; a: Answer }[] = [];
    const seen: Checkpoint[] = [];
    let stop = false;
    const writers = Array.from({ length: 20 }, async (_, w) => {
      for (let i = 0; !stop && i < 10_000; i++) {
        const body = declaration(100 + w, i);
        try {
          acked.push({ body, a: await submit(p.url, body) });
        } catch {
          return; // the server died under us: this one was never acknowledged
        }
      }
    });
    const watcher = (async () => {
      while (!stop) {
        try {
          seen.push((await checkpoint(p)).cp);
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    while (acked.length < 200) await new Promise((r) => setTimeout(r, 10));
    await p.kill(); // SIGKILL while 20 writers are busy
    stop = true;
    await Promise.all([...writers, watcher]);
    const ackedAtKill = acked.length;

    const q = await start({ dataDir: p.dataDir });
    const now = await checkpoint(q);
    expect(now.cp.size).toBeGreaterThanOrEqual(Math.max(...acked.map((x) => x.a.index)) + 1);
    for (const { a } of acked.slice(0, ackedAtKill)) {
      const res = await fetch(`${q.url}/v1/identities/${a.identity.slice(7)}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as Answer).index).toBe(a.index);
    }
    // every receipt given out before the kill still verifies, and every checkpoint anyone saw
    // (in receipts or at /checkpoint) is a prefix of the tree after the restart
    const published = new Map<number, Uint8Array>();
    for (const cp of seen) published.set(cp.size, cp.root);
    const verifier = new ReceiptVerifier({ vkey: q.vkey });
    for (const { body, a } of acked) {
      const v = verifier.verify({ receipt: a.receipt, declaration: body });
      const root = fromBase64(v.root, 32);
      const other = published.get(v.treeSize);
      if (other !== undefined) expect(other).toEqual(root); // one root per size, ever
      published.set(v.treeSize, root);
    }
    expect(published.size).toBeGreaterThan(1);
    for (const [size, root] of published) {
      if (size === 0) continue;
      verifyConsistency(size, now.cp.size, root, now.cp.root, await consistencyProof(q.url, size, now.cp.size));
    }
  });

  it('enforces --rate per client address and RUNPROOF_TOKEN_HASH tokens over real HTTP', async () => {
    const token = 'e2e-token-1';
    const p = await start({ args: ['--rate', '1/s'], env: { RUNPROOF_TOKEN_HASH: `sha256:${createHash('sha256').update(token).digest('hex')}` } });
    const post = (auth?: string) =>
      fetch(`${p.url}/v1/identities`, {
        method: 'POST',
        body: JSON.stringify({ identity: `sha256:${'fe'.repeat(32)}` }),
        headers: { 'content-type': 'application/json', ...(auth !== undefined ? { authorization: auth } : {}) },
      });
    expect((await post()).status).toBe(401);
    expect((await post('Bearer nope')).status).toBe(403);
    expect((await post(`Bearer ${token}`)).status).toBe(200);
    // a burst right after: the bucket (1 token, 1 per second) refuses at least some of them
    const burst = await Promise.all([1, 2, 3, 4, 5].map(() => post(`Bearer ${token}`)));
    const limited = burst.find((r) => r.status === 429)!;
    expect(limited).toBeDefined();
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${p.url}/checkpoint`)).status).toBe(200);
    expect((await checkpoint(p)).cp.size).toBe(1); // the same identity each time: one entry
  });

  it('refuses a second server on the same database', async () => {
    const p = await start();
    const second = await runLogCli(['serve', '--data', p.dataDir, '--listen', '127.0.0.1:0'], { timeoutMs: 15_000 });
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/CONFLICT/);
    expect((await fetch(`${p.url}/healthz`)).status).toBe(200); // the first one is unharmed
  });

  it('refuses a key file readable by group or others (exit 2)', async () => {
    const p = await start();
    expect(await p.stop()).toBe(0);
    chmodSync(p.keyPath, 0o644);
    const r = await runLogCli(['serve', '--data', p.dataDir, '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/chmod 600/);
  });
});
