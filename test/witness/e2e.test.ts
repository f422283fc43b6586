/**
 * End to end with the real log server (spawned from dist/, needs `npx tsc -p tsconfig.json`):
 * a log configured with two runproof witnesses publishes checkpoints carrying both
 * cosignatures; its receipts verify under a 2-of-2 tlog-policy and fail under a policy that
 * requires a witness it never asked; with a witness dead, submissions still succeed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from '../../src/encoding/hex.js';
import { utf8 } from '../../src/encoding/utf8.js';
import { RunproofError } from '../../src/errors.js';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { newSignerKey, parseSignerKey, toVerifier, verifierKey, SIG_COSIGNATURE_V1 } from '../../src/note/keys.js';
import { parsePolicy } from '../../src/note/policy.js';
import { verifyReceipt } from '../../src/receipt/verify.js';
import { startLogProcess, type LogProcess } from '../helpers/log-process.js';
import { startWitness, testSeed, testSigner, type RunningWitness } from './helpers.js';

const logKey = testSigner('e2e.example/log');

let dataDir: string;
let w1: RunningWitness;
let w2: RunningWitness;
let log: LogProcess;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'runproof-e2e-witness-'));
  writeFileSync(join(dataDir, 'log.key'), newSignerKey(logKey.name, testSeed(`${logKey.name}/1`)) + '\n', { mode: 0o600 });
  w1 = await startWitness({ dbFile: join(dataDir, 'w1.db'), name: 'witness.example/w1', logs: [logKey], now: () => Math.floor(Date.now() / 1000) });
  w2 = await startWitness({ dbFile: join(dataDir, 'w2.db'), name: 'witness.example/w2', logs: [logKey], now: () => Math.floor(Date.now() / 1000) });
  const flag = (w: RunningWitness) => ['--witness', `${w.signer.name}=${verifierKey(w.signer)}@${w.url}`];
  log = await startLogProcess({ dataDir, args: ['--init', ...flag(w1), ...flag(w2), '--witness-timeout', '3000'] });
});

afterAll(async () => {
  await log?.stop();
  await w1?.close();
  await w2?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function submit(n: number, wait: boolean): Promise<{ status: number; receipt: string; identity: string }> {
  const identity = `sha256:${toHex(sha256(utf8(`e2e witness run ${n}`)))}`;
  const res = await fetch(`${log.url}/v1/identities${wait ? '?wait=cosigned' : ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ identity }),
  });
  const body = (await res.json()) as { receipt?: string };
  return { status: res.status, receipt: body.receipt ?? '', identity };
}

function policy(extra = ''): string {
  return [
    `log ${verifierKey(logKey)}`,
    `witness w1 ${verifierKey(w1.signer)}`,
    `witness w2 ${verifierKey(w2.signer)}`,
    extra,
    extra === '' ? 'group both all w1 w2' : 'group all3 all w1 w2 w3',
    extra === '' ? 'quorum both' : 'quorum all3',
    '',
  ].join('\n');
}

describe('a log with two runproof witnesses', () => {
  it('publishes checkpoints with both cosignatures; receipts verify 2-of-2 and fail under a policy needing an unknown witness', async () => {
    expect(log.origin).toBe(logKey.name);
    const first = await submit(1, true);
    expect(first.status).toBe(200);
    const verdict = verifyReceipt({ receipt: first.receipt, identity: first.identity, trust: { policy: parsePolicy(policy()) } });
    expect(verdict.witnesses.map((w) => w.name).sort()).toEqual(['w1', 'w2']);

    const w3 = parseSignerKey(newSignerKey('witness.example/w3', testSeed('w3'), SIG_COSIGNATURE_V1));
    let err: unknown;
    try {
      verifyReceipt({ receipt: first.receipt, identity: first.identity, trust: { policy: parsePolicy(policy(`witness w3 ${verifierKey(w3)}`)) } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunproofError);
    expect((err as RunproofError).code).toBe('QUORUM_NOT_MET');

    // GET /checkpoint carries both cosignatures too, and each witness's monitoring read agrees.
    const cp = await (await fetch(`${log.url}/checkpoint`)).text();
    const opened = openCheckpoint(cp, toVerifier(logKey), [toVerifier(w1.signer), toVerifier(w2.signer)]);
    expect(opened.cosignatures.map((c) => c.name).sort()).toEqual(['witness.example/w1', 'witness.example/w2']);
    const fromWitness = await (await fetch(`${w1.url}/${toHex(sha256(utf8(logKey.name)))}/checkpoint`)).text();
    expect(openCheckpoint(fromWitness, toVerifier(logKey), [toVerifier(w1.signer)]).checkpoint.size).toBe(opened.checkpoint.size);
  });

  it('keeps accepting submissions with a witness dead, and the live witness keeps cosigning', async () => {
    await w2.close();
    for (let n = 100; n < 105; n++) expect((await submit(n, false)).status).toBe(200);
    const last = await submit(105, false);
    expect(last.status).toBe(200);
    // The live witness cosigns the newest checkpoint in the background.
    let cosigners: string[] = [];
    for (let i = 0; i < 100 && !cosigners.includes('witness.example/w1'); i++) {
      const cp = await (await fetch(`${log.url}/checkpoint`)).text();
      const opened = openCheckpoint(cp, toVerifier(logKey), [toVerifier(w1.signer), toVerifier(w2.signer)]);
      cosigners = opened.checkpoint.size >= 7 ? opened.cosignatures.map((c) => c.name) : [];
      if (!cosigners.includes('witness.example/w1')) await new Promise((r) => setTimeout(r, 50));
    }
    expect(cosigners).toEqual(['witness.example/w1']);
  });
});
