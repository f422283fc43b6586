/**
 * A log started with --publish-dir, its directory served by nginx (the documented `location`
 * blocks): `runproof audit` checks the mirror end to end, receipts from the live log verify and
 * are consistent with the mirror's checkpoint, every file equals the log's answer for its path,
 * the headers are the documented ones, and `runproof-log publish` exports and repairs a mirror.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asyncTileReader } from '../../src/merkle/tiles.js';
import { consistencyProofFromHashes, consistencyProofNodes, verifyConsistency } from '../../src/merkle/proof.js';
import { openCheckpoint } from '../../src/note/checkpoint.js';
import { parseVerifierKey } from '../../src/note/keys.js';
import { ReceiptVerifier } from '../../src/receipt/verify.js';
import { parseTlogProof } from '../../src/note/tlog-proof.js';
import { runLogCli, startLogProcess, type LogProcess } from '../helpers/log-process.js';
import { runproof } from '../helpers/runproof-cli.js';
import { caughtUp, submitAll, type Answer } from './helpers.js';
import { expectSameAsLog, listFiles, mirrorSize } from './mirror.js';
import { startNginx, type StaticServer } from '../../bench/lib/static-servers.js';

let root: string;
let dir: string;
let log: LogProcess;
let nginx: StaticServer;
let answers: { body: string; answer: Answer }[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'runproof-publish-'));
  dir = join(root, 'mirror');
  log = await startLogProcess({ args: ['--publish-dir', dir] });
  answers = await submitAll(log.url, 'mirror', 700);
  await caughtUp(log.url);
  nginx = await startNginx(dir);
});

afterAll(async () => {
  await nginx?.stop();
  await log?.kill();
  log?.cleanup();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

describe('a static mirror under nginx', () => {
  it('audits end to end with runproof audit', async () => {
    const r = await runproof(['audit', '--log', nginx.url, '--vkey', log.vkey, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ size: 700 });
  });

  it('holds, at every path, the bytes the log serves there', async () => {
    expect(await expectSameAsLog(dir, log.url)).toBeGreaterThan(5);
    expect(mirrorSize(dir)).toBe(700);
  });

  it('serves the documented Content-Type and Cache-Control headers, and hides the temporary directory', async () => {
    const cp = await fetch(`${nginx.url}/checkpoint`);
    expect(cp.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(cp.headers.get('cache-control')).toBe('no-cache');
    expect(cp.headers.get('access-control-allow-origin')).toBe('*');
    for (const path of ['tile/0/000', 'tile/0/002.p/188', 'tile/entries/001', 'tile/1/000.p/2']) {
      const res = await fetch(`${nginx.url}/${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('cache-control')).toBe('public, max-age=604800, immutable');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
    expect((await fetch(`${nginx.url}/.runproof-tmp/`)).status).toBe(404);
  });

  it('receipts from the live log verify and are consistent with the mirror checkpoint', async () => {
    const vkey = parseVerifierKey(log.vkey);
    const mirror = openCheckpoint(await (await fetch(`${nginx.url}/checkpoint`)).text(), vkey).checkpoint;
    const readTile = asyncTileReader(mirror.size, async (t) => {
      const path = t.width === 256 ? `tile/${t.level}/${fmt(t.index)}` : `tile/${t.level}/${fmt(t.index)}.p/${t.width}`;
      return new Uint8Array(await (await fetch(`${nginx.url}/${path}`)).arrayBuffer());
    });
    const verifier = new ReceiptVerifier({ vkey: log.vkey });
    const seen = new Set<number>();
    for (const { body, answer } of answers) {
      verifier.verify({ receipt: answer.receipt, declaration: body });
      const cp = openCheckpoint(parseTlogProof(answer.receipt).checkpoint, vkey).checkpoint;
      if (seen.has(cp.size) || seen.size >= 25) continue;
      seen.add(cp.size);
      const proof = consistencyProofFromHashes(cp.size, mirror.size, await readTile(consistencyProofNodes(cp.size, mirror.size)));
      verifyConsistency(cp.size, mirror.size, cp.root, mirror.root, proof);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it('runproof-log publish refuses to run beside the serving log, then exports and repairs a mirror', async () => {
    const busy = await runLogCli(['publish', '--db', log.dbPath, '--to', join(root, 'export')]);
    expect(busy.code).toBe(2);
    expect(busy.stderr).toMatch(/CONFLICT/);
    expect(await log.stop()).toBe(0);
    // A graceful stop leaves the mirror at the log's size.
    expect(mirrorSize(dir)).toBe(700);

    const out = join(root, 'export');
    const first = await runLogCli(['publish', '--db', log.dbPath, '--to', out]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^tree size: 700$/m);
    const files = listFiles(out);
    // The export has the final files; the live mirror also keeps the partial tiles of earlier sizes.
    for (const f of files) expect(readFileSync(join(out, f)).equals(readFileSync(join(dir, f))), f).toBe(true);

    // Damage: one tile rewritten with other bytes, one bundle deleted, the checkpoint deleted.
    writeFileSync(join(out, 'tile/0/001'), Buffer.alloc(8192, 1));
    unlinkSync(join(out, 'tile/entries/000'));
    unlinkSync(join(out, 'checkpoint'));
    const again = await runLogCli(['publish', '--db', log.dbPath, '--to', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^files written: 3$/m);
    expect(again.stderr).toMatch(/tile\/0\/001 held other bytes than the log's; replaced/);
    for (const f of files) expect(readFileSync(join(out, f)).equals(readFileSync(join(dir, f))), f).toBe(true);
  });
});

function fmt(n: number): string {
  let out = String(n % 1000).padStart(3, '0');
  for (n = Math.floor(n / 1000); n > 0; n = Math.floor(n / 1000)) out = `x${String(n % 1000).padStart(3, '0')}/${out}`;
  return out;
}

