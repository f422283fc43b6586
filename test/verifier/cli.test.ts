/**
 * The built `runproof` CLI (node dist/verifier/cli.js) for verify, consistency, audit and inspect
 * against fixture logs on loopback: exit codes (0 ok, 1 failed, 2 bad input, 3 unreachable),
 * the reason as the last line of standard error, and the --json output.
 * Needs `npx tsc -p tsconfig.json` first.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/encoding/base64.js';
import { newSignerKey, parseVerifierKey, verifierKey } from '../../src/note/keys.js';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { LogClient } from '../../verifier/log-client.js';
import { proveConsistencyFromLog } from '../../verifier/consistency.js';
import { runproof, VERIFIER_CLI as CLI } from '../helpers/runproof-cli.js';
import { buildFixtureLog, served, testSeed, testSigner, testWitness, type FixtureOptions } from '../helpers/fixture-log.js';
import { hostileLog } from '../helpers/hostile-log.js';

let dir: string;
let n = 0;
function file(content: string): string {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, content);
  return path;
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npx tsc -p tsconfig.json' first`);
  dir = mkdtempSync(join(tmpdir(), 'runproof-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const idOf = (log: ReturnType<typeof buildFixtureLog>, i: number) => `sha256:${Buffer.from(log.entry(i).subarray(9)).toString('hex')}`;

describe.concurrent('runproof verify', () => {
  const w1 = testWitness('w1.example');
  const log = buildFixtureLog({ size: 50, witnesses: [w1], cosignTime: 1_760_000_500 });

  it('prints what was proven and exits 0; --json carries the verdict', async () => {
    const receipt = file(log.receipt(9));
    const r = await runproof(['verify', '--receipt', receipt, '--identity', idOf(log, 9), '--vkey', log.vkey]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(idOf(log, 9));
    expect(r.stdout).toContain('2025-10-09T08:53:20.009Z');
    expect(r.stdout).toContain('fixture.example/log, tree size 50');
    const j = await runproof(['verify', '--receipt', receipt, '--identity', idOf(log, 9), '--vkey', log.vkey, '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: true, index: 9, treeSize: 50, timestamp: 1_760_000_000_009 });
  });

  it('names witnesses under a policy, and fails with QUORUM_NOT_MET when they are missing', async () => {
    const receipt = file(log.receipt(3));
    const w2 = testWitness('w2.example');
    const policy = (q: string) => file(`log ${log.vkey}\nwitness A ${verifierKey(w1)}\nwitness B ${verifierKey(w2)}\n${q}\n`);
    const ok = await runproof(['verify', '--receipt', receipt, '--identity', idOf(log, 3), '--policy', policy('group G any A B\nquorum G')]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/witnesses\s+A at 2025-10-09T09:01:40\.000Z/);
    const bad = await runproof(['verify', '--receipt', receipt, '--identity', idOf(log, 3), '--policy', policy('group G all A B\nquorum G')]);
    expect(bad.code).toBe(1);
    expect(bad.reason).toMatch(/^runproof: QUORUM_NOT_MET: /);
    expect(bad.stderr).toContain('FAILED: step 5: witness quorum');
  });

  it('exits 1 with the failed step as the reason: wrong identity, wrong key, tampered proof', async () => {
    const receipt = file(log.receipt(9));
    const wrongId = await runproof(['verify', '--receipt', receipt, '--identity', idOf(log, 8), '--vkey', log.vkey]);
    expect([wrongId.code, wrongId.reason.split(':')[1]]).toEqual([1, ' ENTRY_MISMATCH']);
    const other = verifierKey(testSigner('other.example/log'));
    const wrongKey = await runproof(['verify', '--receipt', receipt, '--identity', idOf(log, 9), '--vkey', other]);
    expect([wrongKey.code, wrongKey.reason.split(':')[1]]).toEqual([1, ' ORIGIN_MISMATCH']);
    const malformedKey = await runproof(['verify', '--receipt', receipt, '--identity', idOf(log, 9), '--vkey', log.vkey.slice(0, -4)]);
    expect(malformedKey.code).toBe(2);
    const tampered = file(log.receipt(9).replace(/\nindex 9\n/, '\nindex 10\n'));
    const t = await runproof(['verify', '--receipt', tampered, '--identity', idOf(log, 9), '--vkey', log.vkey]);
    expect([t.code, t.reason.split(':')[1]]).toEqual([1, ' PROOF_FAILED']);
  });

  it('a checkpoint signed by another key of the same name exits 1', async () => {
    const impostorLog = buildFixtureLog({ size: 50, faults: { missingSignature: true } });
    const r = await runproof(['verify', '--receipt', file(impostorLog.receipt(9)), '--identity', idOf(log, 9), '--vkey', log.vkey]);
    expect([r.code, r.reason.split(':')[1]]).toEqual([1, ' NO_VERIFIED_SIGNATURE']);
  });

  it('malformed input and bad usage exit 2', async () => {
    const garbage = await runproof(['verify', '--receipt', file('not a receipt\n'), '--identity', idOf(log, 9), '--vkey', log.vkey]);
    expect([garbage.code, garbage.reason.split(':')[1]]).toEqual([2, ' MALFORMED_PROOF']);
    expect((await runproof(['verify', '--receipt', file(log.receipt(9)), '--vkey', log.vkey])).code).toBe(2);
    expect((await runproof(['verify', '--receipt', join(dir, 'missing'), '--identity', idOf(log, 9), '--vkey', log.vkey])).code).toBe(2);
    const help = await runproof(['verify', '--help']);
    expect([help.code, help.stdout.startsWith('usage: runproof verify')]).toEqual([0, true]);
  });
});

describe.concurrent('runproof consistency', () => {
  it('an append-only log is consistent with its old checkpoint, online and offline', async () => {
    await served({ size: 1000, history: [100] }, async (url, log) => {
      const old = file(log.historyCheckpoints[0]!);
      const online = await runproof(['consistency', '--log', url, '--vkey', log.vkey, '--old', old]);
      expect(online.code).toBe(0);
      expect(online.stdout).toContain('tree 100 is a prefix of tree 1000');
      // Offline with a saved proof.
      const vk = parseVerifierKey(log.vkey);
      const proof = await proveConsistencyFromLog(new LogClient(url), openCheckpoint(log.historyCheckpoints[0]!, vk), openCheckpoint(log.checkpoint, vk));
      const proofFile = file(proof.map((h) => toBase64(h) + '\n').join(''));
      const offline = await runproof(['consistency', '--proof', proofFile, '--vkey', log.vkey, '--old', old, '--new', file(log.checkpoint), '--json']);
      expect(offline.code).toBe(0);
      expect(JSON.parse(offline.stdout)).toMatchObject({ ok: true, old: { size: 100 }, new: { size: 1000 } });
      // A changed proof hash, or junk, is a failed proof (exit 1), not proof that the log lied.
      const bad = proof.map((h, i) => toBase64(i === 1 ? h.map((b) => b ^ 1) : h) + '\n').join('');
      const r = await runproof(['consistency', '--proof', file(bad), '--vkey', log.vkey, '--old', old, '--new', file(log.checkpoint)]);
      expect([r.code, r.reason.split(':')[1]]).toEqual([1, ' PROOF_FAILED']);
      const junk = `${toBase64(new Uint8Array(32).fill(7))}\n`;
      const j = await runproof(['consistency', '--proof', file(junk), '--vkey', log.vkey, '--old', old, '--new', file(log.checkpoint)]);
      expect([j.code, j.reason.split(':')[1]]).toEqual([1, ' PROOF_FAILED']);
    });
  });

  it('a rewritten history is INCONSISTENT_LOG with both checkpoints as evidence', async () => {
    await served({ size: 1000, history: [100], rewriteAt: 40 }, async (url, log) => {
      const r = await runproof(['consistency', '--log', url, '--vkey', log.vkey, '--old', file(log.historyCheckpoints[0]!), '--json']);
      expect([r.code, r.reason.split(':')[1]]).toEqual([1, ' INCONSISTENT_LOG']);
      const out = JSON.parse(r.stdout) as { evidence: { old: string; new: string; proof: string[] } };
      expect(out.evidence.old).toBe(log.historyCheckpoints[0]);
      expect(out.evidence.new).toBe(log.checkpoint);
      expect(out.evidence.proof.length).toBeGreaterThan(0);
    });
  });

  it('the same size with two roots is inconsistent', async () => {
    await served({ size: 100, history: [100], rewriteAt: 3 }, async (url, log) => {
      const r = await runproof(['consistency', '--log', url, '--vkey', log.vkey, '--old', file(log.historyCheckpoints[0]!)]);
      expect([r.code, r.reason.split(':')[1]]).toEqual([1, ' INCONSISTENT_LOG']);
      expect(r.stderr).toContain(log.checkpoint.trimEnd().split('\n')[0]!);
    });
  });

  it('an unreachable log exits 3; an old checkpoint not signed by the log exits 1', async () => {
    const log = buildFixtureLog({ size: 10 });
    const r = await runproof(['consistency', '--log', 'http://127.0.0.1:9', '--vkey', log.vkey, '--old', file(log.checkpoint)]);
    expect(r.code).toBe(3);
    const forged = buildFixtureLog({ size: 10, faults: { badSignature: true } });
    const f = await runproof(['consistency', '--log', 'http://127.0.0.1:9', '--vkey', log.vkey, '--old', file(forged.checkpoint)]);
    expect([f.code, f.reason.split(':')[1]]).toEqual([1, ' INVALID_SIGNATURE']);
  });
});

describe.concurrent('runproof audit', () => {
  it('an honest log exits 0 (gzip bundles, partial tiles gone); --json reports the size', async () => {
    await served({ size: 700, stored: 768, gzip: 'header', partials404: true }, async (url, log) => {
      const r = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, size: 700, origin: 'fixture.example/log' });
      const human = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--concurrency', '2']);
      expect(human.stdout).toContain('OK: audited all 700 entries');
      const single = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--json', '--single-thread', '--gzip']);
      expect(JSON.parse(single.stdout)).toMatchObject({ ok: true, size: 700, root: JSON.parse(r.stdout).root });
    });
  });

  // Every fault is caught by the library audit (audit.test.ts); here, that each kind exits 1 with its code last.
  const broken: [string, FixtureOptions['faults'] & object, string][] = [
    ['a changed entry', { entryChanged: 300 }, 'AUDIT_FAILED'],
    ['a root that does not match', { rootMismatch: true }, 'AUDIT_FAILED'],
    ['an identity logged twice', { duplicate: [5, 600] }, 'AUDIT_FAILED'],
    ['a bad log signature', { badSignature: true }, 'INVALID_SIGNATURE'],
    ['a wrong origin', { wrongOrigin: true }, 'ORIGIN_MISMATCH'],
  ];
  for (const [name, faults, code] of broken) {
    it(`${name}: exit 1, ${code} on the last line`, async () => {
      await served({ size: 700, faults }, async (url, log) => {
        const r = await runproof(['audit', '--log', url, '--vkey', log.vkey]);
        expect(r.code).toBe(1);
        expect(r.reason).toMatch(new RegExp(`^runproof: ${code}: `));
      });
    });
  }

  it('a repeat whose proof tiles are refused: exit 1, proven from the recomputed tree; unproven if a later bundle is missing too', async () => {
    const refuseUpper = ({ path }: { path: string }) => (/^\/tile\/[1-9]/.test(path) ? { status: 404, body: 'no\n' } : undefined);
    const cases: [FixtureOptions['faults'] & object, object][] = [
      [{ duplicate: [12, 300] }, { proven: true, proofsFrom: 'recomputed tree' }],
      [{ duplicate: [12, 300], missingBundle: 2 }, { proven: false }],
    ];
    for (const [faults, verdict] of cases) {
      await served({ size: 1_000, faults }, async (upstream, log) => {
        const front = await hostileLog(upstream, refuseUpper);
        try {
          const r = await runproof(['audit', '--log', front.url, '--vkey', log.vkey, '--json']);
          expect(r.code).toBe(1);
          expect(r.reason).toMatch(/^runproof: AUDIT_FAILED: entry 300: /);
          expect(JSON.parse(r.stdout)).toMatchObject({ code: 'AUDIT_FAILED', evidence: { index: 300, earlier: 12, ...verdict } });
        } finally {
          await front.close();
        }
      });
    }
  });

  it('a fault report names the entry, the values and the URL', async () => {
    await served({ size: 700, faults: { leafHashChanged: 400 } }, async (url, log) => {
      const r = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--json']);
      expect(r.code).toBe(1);
      const out = JSON.parse(r.stdout) as { code: string; evidence: Record<string, unknown> };
      expect(out.code).toBe('AUDIT_FAILED');
      expect(out.evidence).toMatchObject({ index: 400, tile: `${url}/tile/0/001` });
      expect(out.evidence.expected).not.toBe(out.evidence.found);
      // The same report when the main thread does the hashing.
      const single = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--json', '--single-thread']);
      expect(JSON.parse(single.stdout)).toEqual(out);
    });
  });

  it('the hash workers give the single-threaded report with more bundles in flight than their slots', async () => {
    // 20,000 entries: 78 full bundles, more than the workers' 2 × 32 slots at --concurrency 100.
    await served({ size: 20_000 }, async (url, log) => {
      const r = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--json', '--concurrency', '100']);
      const single = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--json', '--single-thread']);
      expect(r.code).toBe(0);
      const strip = (s: string) => ({ ...(JSON.parse(s) as object), seconds: 0, entriesPerSecond: 0 });
      expect(strip(r.stdout)).toEqual(strip(single.stdout));
    });
    await served({ size: 20_000, faults: { leafHashChanged: 17_000 } }, async (url, log) => {
      const r = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--json', '--concurrency', '100']);
      expect(r.code).toBe(1);
      const single = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--json', '--single-thread']);
      expect(JSON.parse(r.stdout)).toEqual(JSON.parse(single.stdout));
      expect(JSON.parse(r.stdout)).toMatchObject({ code: 'AUDIT_FAILED', evidence: { index: 17_000 } });
    });
  });

  it('--state resumes over the same history, and starts over (exit 0, saying why) over another', async () => {
    const state = mkdtempSync(join(dir, 'state-'));
    await served({ size: 700 }, async (url, log) => {
      expect((await runproof(['audit', '--log', url, '--vkey', log.vkey, '--state', state])).code).toBe(0);
    });
    await served({ size: 1_000 }, async (url, log) => {
      const r = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--state', state, '--json']);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out).toMatchObject({ ok: true, size: 1_000, resumedFrom: 512 });
      expect(out).not.toHaveProperty('progressDiscarded');
    });
    // The same origin and key, another history: the saved progress is not the start of this tree.
    await served({ size: 1_000, rewriteAt: 3 }, async (url, log) => {
      const human = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--state', state]);
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/resumed +no: saved progress discarded, audited from the start \(its first 768 entries/);
    });
    await served({ size: 1_100 }, async (url, log) => {
      const r = await runproof(['audit', '--log', url, '--vkey', log.vkey, '--state', state, '--json']);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, resumedFrom: 0, progressDiscarded: expect.stringMatching(/not a prefix/) as unknown });
    });
  });

  it('an unreachable log exits 3; bad usage exits 2', async () => {
    const log = buildFixtureLog({ size: 1 });
    expect((await runproof(['audit', '--log', 'http://127.0.0.1:9', '--vkey', log.vkey])).code).toBe(3);
    expect((await runproof(['audit', '--vkey', log.vkey])).code).toBe(2);
    expect((await runproof(['audit', '--log', 'http://127.0.0.1:9', '--vkey', log.vkey, '--concurrency', '0'])).code).toBe(2);
  });
});

describe.concurrent('runproof inspect', () => {
  const w1 = testWitness('w1.example');
  const log = buildFixtureLog({ size: 20, witnesses: [w1], cosignTime: 1_760_000_500 });

  it('recognises receipts, checkpoints, keys and policies', async () => {
    const receipt = await runproof(['inspect', file(log.receipt(4)), '--json']);
    expect(JSON.parse(receipt.stdout)).toMatchObject({ kind: 'receipt', index: 4, entry: { identity: idOf(log, 4) }, checkpoint: { size: 20 } });
    const cp = await runproof(['inspect', file(log.checkpoint)]);
    expect(cp.stdout).toContain('signed checkpoint');
    expect(cp.stdout).toContain('w1.example');
    expect(cp.stdout).toContain('cosignature/v1 at 2025-10-09T09:01:40.000Z');
    const vkey = await runproof(['inspect', file(log.vkey + '\n'), '--json']);
    expect(JSON.parse(vkey.stdout)).toMatchObject({ kind: 'verifier-key', name: 'fixture.example/log', type: 1 });
    const policy = await runproof(['inspect', file(`# mine\nlog ${log.vkey}\nwitness W ${verifierKey(w1)}\nquorum W\n`), '--json']);
    expect(JSON.parse(policy.stdout)).toMatchObject({ kind: 'policy', quorum: 'W' });
  });

  it('shows a signer key without its secret; rejects anything else with exit 2', async () => {
    const secret = newSignerKey('fixture.example/log', testSeed('fixture.example/log/1'));
    const r = await runproof(['inspect', file(secret + '\n')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(log.vkey);
    expect(r.stdout).not.toContain(secret.split('+').pop()!);
    const junk = await runproof(['inspect', file('hello world\n')]);
    expect(junk.code).toBe(2);
  });
});
