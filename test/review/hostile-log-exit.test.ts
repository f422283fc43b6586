/**
 * Issue #11, finding 8: what a log sends never gives exit 2 ("bad usage or input", which is
 * for the user's own flags and files). An answer that arrives but fails a check is a failed
 * verification (exit 1); no usable answer is exit 3 (verifier/exit.ts, docs/verifier.md). Each
 * case runs the built `runproof` against a hostile log over loopback HTTP.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtureLog } from '../helpers/fixture-log.js';
import { hostileLog, type HostileAnswer } from '../helpers/hostile-log.js';
import { runproof } from '../helpers/runproof-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'runproof-hostile-exit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const log = buildFixtureLog({ size: 1000, history: [100] });

/** Runs `runproof consistency --log` against the honest log behind `lie`. */
async function consistencyAgainst(lie: (path: string, upstream: Uint8Array | undefined) => HostileAnswer | undefined) {
  const honest = await log.listen();
  const hostile = await hostileLog(honest.url, (r) => lie(r.path, r.upstream));
  try {
    const old = join(dir, 'old-checkpoint');
    writeFileSync(old, log.historyCheckpoints[0]!);
    return await runproof(['consistency', '--log', hostile.url, '--vkey', log.vkey, '--old', old]);
  } finally {
    await hostile.close();
    await honest.close();
  }
}

const checkpointOnly = (body: HostileAnswer) => (path: string) => (path === '/checkpoint' ? body : undefined);

describe.concurrent('a hostile log answer is exit 1 (failed verification), never 2', () => {
  it('a checkpoint over 1 MB (TOO_LARGE)', async () => {
    const r = await consistencyAgainst(checkpointOnly({ body: 'x'.repeat(1_100_000) }));
    expect([r.code, r.reason]).toEqual([1, expect.stringMatching(/^runproof: TOO_LARGE: /)]);
  });

  it('a checkpoint that is a compression bomb (TOO_LARGE)', async () => {
    const bomb = gzipSync(new Uint8Array(50_000_000));
    const r = await consistencyAgainst(checkpointOnly({ headers: { 'content-encoding': 'gzip' }, body: bomb }));
    expect([r.code, r.reason]).toEqual([1, expect.stringMatching(/^runproof: TOO_LARGE: /)]);
  });

  it('a checkpoint that is not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from(log.checkpoint.slice(0, 5)), Buffer.from([0xff]), Buffer.from(log.checkpoint.slice(5))]);
    const r = await consistencyAgainst(checkpointOnly({ body: bytes }));
    expect([r.code, r.reason]).toEqual([1, expect.stringMatching(/^runproof: MALFORMED_/)]);
  });

  it('a checkpoint with CRLF line ends', async () => {
    const r = await consistencyAgainst(checkpointOnly({ body: log.checkpoint.replace(/\n/g, '\r\n') }));
    expect([r.code, r.reason]).toEqual([1, expect.stringMatching(/^runproof: MALFORMED_/)]);
  });

  it('a checkpoint with over 100 signatures', async () => {
    const extra = Array.from({ length: 101 }, (_, i) => {
      const sig = Buffer.alloc(68);
      sig.writeUInt32BE(i + 1);
      return `\u2014 other${i}.example ${sig.toString('base64')}\n`;
    }).join('');
    const r = await consistencyAgainst(checkpointOnly({ body: log.checkpoint + extra }));
    expect([r.code, r.reason]).toEqual([1, expect.stringMatching(/^runproof: MALFORMED_/)]);
  });

  it('a short hash tile under consistency', async () => {
    const r = await consistencyAgainst((path, upstream) =>
      path.startsWith('/tile/') && !path.startsWith('/tile/entries/') && upstream !== undefined && upstream.length > 32 ? { body: upstream.subarray(0, upstream.length - 32) } : undefined,
    );
    expect(r.code).toBe(1);
    expect(r.reason).not.toMatch(/INCONSISTENT_LOG/);
  });
});

describe.concurrent('a hostile submission answer is exit 1, never 2', () => {
  const identity = `sha256:${'ab'.repeat(32)}`;
  const submitAgainst = async (answer: HostileAnswer) => {
    const hostile = await hostileLog(undefined, (r) => (r.method === 'POST' ? answer : undefined));
    try {
      return await runproof(['submit', '--identity', identity, '--log', hostile.url]);
    } finally {
      await hostile.close();
    }
  };

  it('an answer that is not JSON', async () => {
    const r = await submitAgainst({ headers: { 'content-type': 'application/json' }, body: '<html>not json</html>' });
    expect([r.code, r.reason]).toEqual([1, expect.stringMatching(/^runproof: MALFORMED_REQUEST: .*not strict JSON/)]);
  });

  it('an answer over the size limit', async () => {
    const r = await submitAgainst({ headers: { 'content-type': 'application/json' }, body: `{"pad":"${'x'.repeat(2_000_000)}"}` });
    expect([r.code, r.reason]).toEqual([1, expect.stringMatching(/^runproof: TOO_LARGE: /)]);
  });

  it('a 413 for the submitter\'s own body stays exit 2 (the user\'s input)', async () => {
    const r = await submitAgainst({ status: 413, headers: { 'content-type': 'application/json' }, body: '{"error":{"code":"TOO_LARGE","message":"body too large"}}' });
    expect([r.code, r.reason]).toEqual([2, expect.stringMatching(/^runproof: TOO_LARGE: /)]);
  });
});
