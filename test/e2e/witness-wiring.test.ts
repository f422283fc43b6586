/**
 * The log's witness wiring, end to end with real processes: a built `runproof witness` cosigns
 * the built log's checkpoints; `?wait=cosigned` answers with a receipt whose checkpoint carries
 * the witness cosignature, and `GET /checkpoint` publishes it. Also covers `--init` (a new log
 * for a key made beforehand).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { newSignerKey, parseSignerKey, parseVerifierKey, verifierKey, SIG_COSIGNATURE_V1 } from '../../src/note/keys.js';
import { parseTlogProof } from '../../src/note/tlog-proof.js';
import { REPO_ROOT, startLogProcess, type LogProcess } from '../helpers/log-process.js';

const ORIGIN = 'witnessed.runproof.local/log';
const WITNESS = 'witness.runproof.local/w1';

let dir: string;
let witness: ChildProcess;
let log: LogProcess;
let logVkey: string;
let witnessVkey: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runproof-witnessed-'));
  const logKey = newSignerKey(ORIGIN, new Uint8Array(32).fill(21));
  logVkey = verifierKey(parseSignerKey(logKey));
  writeFileSync(join(dir, 'log.key'), logKey + '\n', { mode: 0o600 });
  const wKey = newSignerKey(WITNESS, new Uint8Array(32).fill(22), SIG_COSIGNATURE_V1);
  witnessVkey = verifierKey(parseSignerKey(wKey));
  writeFileSync(join(dir, 'witness.key'), wKey + '\n', { mode: 0o600 });

  witness = spawn(
    process.execPath,
    [join(REPO_ROOT, 'dist', 'verifier', 'cli.js'), 'witness', '--key', join(dir, 'witness.key'), '--db', join(dir, 'witness.db'), '--log', `${ORIGIN}=${logVkey}`, '--listen', '127.0.0.1:0', '--json'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const witnessUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    witness.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"url":"([^"]+)"/.exec(out);
      if (m) resolve(m[1]!);
    });
    witness.once('exit', (code) => reject(new Error(`witness exited ${code}`)));
  });
  log = await startLogProcess({
    dataDir: dir,
    args: ['--init', '--witness', `${WITNESS}=${witnessVkey}@${witnessUrl}`, '--witness-quorum', '1', '--witness-timeout', '20000'],
  });
});

afterAll(async () => {
  await log?.stop();
  witness?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('witness cosignatures (built log + built witness)', () => {
  it('created a database for the pre-made key only because of --init, with the key name as origin', () => {
    expect(log.origin).toBe(ORIGIN);
    expect(log.vkey).toBe(logVkey);
    expect(log.stdout()).toMatch(/^created database/m);
    expect(log.stdout()).not.toMatch(/^created key/m);
  });

  it('?wait=cosigned answers with a receipt whose checkpoint the witness cosigned', async () => {
    const res = await fetch(`${log.url}/v1/identities?wait=cosigned`, {
      method: 'POST',
      body: JSON.stringify({ identity: `sha256:${'cd'.repeat(32)}` }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const { receipt } = (await res.json()) as { receipt: string };
    const opened = openCheckpoint(parseTlogProof(receipt).checkpoint, parseVerifierKey(logVkey), [parseVerifierKey(witnessVkey)]);
    expect(opened.cosignatures.map((c) => c.name)).toEqual([WITNESS]);
  });

  it('publishes the cosignature at /checkpoint', async () => {
    const signed = await (await fetch(`${log.url}/checkpoint`)).text();
    const opened = openCheckpoint(signed, parseVerifierKey(logVkey), [parseVerifierKey(witnessVkey)]);
    expect(opened.checkpoint.size).toBe(1);
    expect(opened.cosignatures.map((c) => c.name)).toEqual([WITNESS]);
  });
});
