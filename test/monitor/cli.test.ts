/**
 * `runproof witness` and `runproof monitor` as built (spawned from dist/, needs
 * `npx tsc -p tsconfig.json` first): start-up, key permissions, `--once` exit codes, and
 * split-view evidence that an independent `runproof consistency --proof …` confirms.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { parseVerifierKey, toVerifier, verifierKey } from '../../src/note/keys.js';
import { runproof, VERIFIER_CLI as CLI } from '../helpers/runproof-cli.js';
import { MemTree, requestBody, tempDir, testSigner } from '../witness/helpers.js';
import { GrowingLog } from './growing-log.js';

const logKey = testSigner('log.example/cli');
const vkey = verifierKey(logKey);

let tmp: ReturnType<typeof tempDir>;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npx tsc -p tsconfig.json" first`);
});

beforeEach(() => {
  tmp = tempDir();
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  tmp.cleanup();
});

async function serve(log: GrowingLog): Promise<GrowingLog> {
  await log.listen();
  cleanups.push(() => log.close());
  return log;
}

describe('runproof witness', () => {
  /** Starts the witness process and resolves with its URL once it listens. */
  async function startWitnessProcess(keyFile: string): Promise<{ url: string; child: ChildProcess; exit: Promise<number | null> }> {
    const child = spawn(process.execPath, [CLI, 'witness', '--listen', '127.0.0.1:0', '--key', keyFile, '--db', join(tmp.dir, 'w.db'), '--log', `${logKey.name}=${vkey}`, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exit;
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
      });
      void exit.then((c) => reject(new Error(`witness exited ${c}`)));
    });
    return { url, child, exit };
  }

  it('serves add-checkpoint with a key from runproof keygen --witness, stops cleanly on SIGTERM, and refuses a key readable by others', async () => {
    const keyFile = join(tmp.dir, 'witness.key');
    const made = await runproof(['keygen', '--witness', '--name', 'witness.example/cli', '--out', keyFile]);
    expect(made.code, made.stderr).toBe(0);
    const witnessKey = parseVerifierKey(made.stdout.trim());
    const w = await startWitnessProcess(keyFile);
    const tree = new MemTree('cli').append(12);
    const log = new GrowingLog(logKey, tree);
    const res = await fetch(`${w.url}/add-checkpoint`, { method: 'POST', body: requestBody(0, [], log.publish()) });
    expect(res.status).toBe(200);
    const cosigned = openCheckpoint(log.current + (await res.text()), toVerifier(logKey), [witnessKey]);
    expect(cosigned.cosignatures.map((c) => c.name)).toEqual(['witness.example/cli']);
    w.child.kill('SIGTERM');
    expect(await w.exit).toBe(0);

    chmodSync(keyFile, 0o644);
    const refused = await runproof(['witness', '--listen', '127.0.0.1:0', '--key', keyFile, '--db', join(tmp.dir, 'w.db'), '--log', `${logKey.name}=${vkey}`]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/FORBIDDEN/);
  });
});

describe('runproof monitor --once', () => {
  it('exit 0 for an honest log; the confirm command passes on consistent checkpoints', async () => {
    const log = await serve(new GrowingLog(logKey, new MemTree('honest').append(300)));
    const first = log.publish(100);
    log.publish();
    const state = join(tmp.dir, 'm.db');
    const ok = await runproof(['monitor', '--once', '--log', log.url, '--vkey', vkey, '--state', state, '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('"event":"accepted"');
    // The same confirm command the monitor writes into evidence, on two consistent checkpoints.
    writeFileSync(join(tmp.dir, 'old.checkpoint'), first);
    writeFileSync(join(tmp.dir, 'new.checkpoint'), log.current);
    writeFileSync(join(tmp.dir, 'proof'), log.tree.proof(100, 300).map((h) => Buffer.from(h).toString('base64') + '\n').join(''));
    const confirm = await runproof(['consistency', '--vkey', vkey, '--proof', join(tmp.dir, 'proof'), '--old', join(tmp.dir, 'old.checkpoint'), '--new', join(tmp.dir, 'new.checkpoint')]);
    expect(confirm.code, confirm.stderr).toBe(0);
  });

  it('exit 1 on a split view found through a peer monitor process, with evidence that an independent runproof consistency --proof confirms (exit 1)', async () => {
    const base = new MemTree('shared').append(150);
    const one = await serve(new GrowingLog(logKey, base.fork(150, 'one').append(100)));
    const two = await serve(new GrowingLog(logKey, base.fork(150, 'two').append(100)));
    one.publish();
    two.publish();
    // A long-running peer monitor process that is shown branch two and serves its view.
    const child = spawn(
      process.execPath,
      [CLI, 'monitor', '--log', two.url, '--vkey', vkey, '--state', join(tmp.dir, 'peer.db'), '--listen', '127.0.0.1:0', '--interval', '200ms', '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    const peerUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('"event":"listening"'));
        if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
      });
      void exited.then((c) => reject(new Error(`peer monitor exited ${c}`)));
    });
    const peer = { url: peerUrl };
    for (let i = 0; i < 200; i++) {
      const status = (await (await fetch(`${peerUrl}/status`)).json()) as { logs: { size: number }[] };
      if (status.logs[0]?.size === 250) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    const evidenceDir = join(tmp.dir, 'evidence');
    const state = join(tmp.dir, 'm.db');
    const r = await runproof(['monitor', '--once', '--log', one.url, '--vkey', vkey, '--state', state, '--peer', peer.url, '--evidence-dir', evidenceDir]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^ALERT split-view log\.example\/cli/m);
    const dirs = readdirSync(evidenceDir);
    expect(dirs).toHaveLength(1);
    const doc = JSON.parse(readFileSync(join(evidenceDir, dirs[0]!, 'evidence.json'), 'utf8')) as { confirm: string };
    const args = doc.confirm.split(' ').map((a) => a.replace(/^'(.*)'$/, '$1'));
    expect(args.slice(0, 2)).toEqual(['runproof', 'consistency']);
    const confirm = await runproof(args.slice(1));
    expect(confirm.code, confirm.stderr).toBe(1);
    expect(confirm.stderr).toMatch(/INCONSISTENT_LOG/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
