/**
 * `runproof submit` (built, spawned) against the built log server over real HTTP: it writes a
 * receipt that the core verifies, sends bare identities, refuses bad declarations locally
 * (exit 2, nothing stored) and exits 3 when the log cannot be reached.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declarationIdentity } from '../../src/declaration/identity.js';
import { verifyReceipt } from '../../src/receipt/verify.js';
import { newSignerKey, parseSignerKey, verifierKey } from '../../src/note/keys.js';
import { REPO_ROOT, startLogProcess, type LogProcess } from '../helpers/log-process.js';
import { runproof } from '../helpers/runproof-cli.js';

const DECLARATION = join(REPO_ROOT, 'test', 'vectors', 'declarations', 'example-2-declaration.json');

let log: LogProcess;
let dir: string;
beforeAll(async () => {
  log = await startLogProcess();
  dir = mkdtempSync(join(tmpdir(), 'runproof-submit-'));
});
afterAll(async () => {
  await log.stop();
  log.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('runproof submit (built CLI, real log)', () => {
  it('submits a declaration, verifies the receipt with --vkey and writes it', async () => {
    const out = join(dir, 'run.tlog-proof');
    const r = await runproof(['submit', DECLARATION, '--log', log.url, '--vkey', log.vkey, '-o', out], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^OK: receipt verified/m);
    const identity = declarationIdentity(readFileSync(DECLARATION)).identity;
    const v = verifyReceipt({ receipt: readFileSync(out, 'utf8'), declaration: readFileSync(DECLARATION), trust: { vkey: log.vkey } });
    expect(v).toMatchObject({ identity, index: 0 });
  });

  it('submits a bare identity with --json and a default receipt file name', async () => {
    const id = `sha256:${'ab'.repeat(32)}`;
    const r = await runproof(['submit', '--identity', id, '--log', log.url, '--vkey', log.vkey, '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { identity: string; index: number; receipt: string; verified: boolean; duplicate: boolean };
    expect(result).toMatchObject({ identity: id, verified: true, duplicate: false, receipt: `sha256-${'ab'.repeat(32)}.tlog-proof` });
    verifyReceipt({ receipt: readFileSync(join(dir, result.receipt), 'utf8'), identity: id, trust: { vkey: log.vkey } });
  });

  it('refuses a bad declaration locally with exit 2, and the log stores nothing', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"schema":"run-declaration/v1","schema":"x"}');
    const before = await (await fetch(`${log.url}/checkpoint`)).text();
    const r = await runproof(['submit', bad, '--log', log.url], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/JSON_DUPLICATE_KEY/);
    expect(await (await fetch(`${log.url}/checkpoint`)).text()).toBe(before);
  });

  it('exits 1 and writes nothing when the receipt does not verify under the given key', async () => {
    const otherKey = verifierKey(parseSignerKey(newSignerKey(log.origin, new Uint8Array(32).fill(9))));
    const out = join(dir, 'x.tlog-proof');
    const r = await runproof(['submit', DECLARATION, '--log', log.url, '--vkey', otherKey, '-o', out], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NO_VERIFIED_SIGNATURE|UNKNOWN_KEY|INVALID_SIGNATURE/);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 3 when the log cannot be reached', async () => {
    const r = await runproof(['submit', DECLARATION, '--log', 'http://127.0.0.1:9'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/UNREACHABLE/);
  });
});
