/**
 * --publish-s3 against the npm `s3rver` fake S3 (loopback HTTP, files in a temp directory), with
 * the same publishing core as the directory target. s3rver does NOT enforce conditional writes:
 * it ignores `If-None-Match: *` and overwrites, so the "object exists" (412) path of the S3
 * target is not exercised here; a real S3 store (or MinIO) enforces it.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entriesPath, tilePath, tilesForSize } from '../../src/merkle/tiles.js';
import { runLogCli, startLogProcess, type LogProcess } from '../helpers/log-process.js';
import { runproof } from '../helpers/runproof-cli.js';
import { caughtUp, submitAll } from './helpers.js';

// s3rver ships CommonJS without types.
const S3rver = createRequire(import.meta.url)('s3rver') as new (opts: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};

const BUCKET = 'runproof-test';
const AWS_ENV = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
let root: string;
let s3: InstanceType<typeof S3rver>;
let endpoint: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'runproof-publish-s3-'));
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: join(root, 's3'), configureBuckets: [{ name: BUCKET, configs: [] }] });
  endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
});
afterAll(async () => {
  await s3?.close();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

function start(dataDir: string | undefined, prefix: string): Promise<LogProcess> {
  return startLogProcess({
    ...(dataDir !== undefined ? { dataDir } : {}),
    args: ['--publish-s3', `s3://${BUCKET}/${prefix}`, '--publish-s3-endpoint', endpoint],
    env: AWS_ENV,
  });
}

describe('publishing to an S3-compatible store (s3rver)', () => {
  it('publishes every tile, bundle and the checkpoint with their headers; the bucket audits; a restart continues', async () => {
    const dataDir = mkdtempSync(join(root, 'log-'));
    let log = await start(dataDir, 'logs/one');
    try {
      await submitAll(log.url, 's3-first', 300);
      await caughtUp(log.url);
      const base = `${endpoint}/${BUCKET}/logs/one`;
      const cp = await fetch(`${base}/checkpoint`);
      expect(cp.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(cp.headers.get('cache-control')).toBe('no-cache');
      expect(await cp.text()).toBe(await (await fetch(`${log.url}/checkpoint`)).text());
      const paths = tilesForSize(300).flatMap((t) => (t.level === 0 ? [tilePath(t), entriesPath(t.index, t.width)] : [tilePath(t)]));
      for (const path of paths) {
        const res = await fetch(`${base}/${path}`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/octet-stream');
        expect(res.headers.get('cache-control')).toBe('public, max-age=604800, immutable');
        const theirs = await (await fetch(`${log.url}/${path}`, { headers: { 'Accept-Encoding': 'identity' } })).arrayBuffer();
        expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(theirs)), path).toBe(true);
      }
      expect(await log.stop()).toBe(0);

      log = await start(dataDir, 'logs/one');
      await submitAll(log.url, 's3-second', 20);
      await caughtUp(log.url);
      const audit = await runproof(['audit', '--log', base, '--vkey', log.vkey, '--json']);
      expect(audit.code, audit.stderr).toBe(0);
      expect(JSON.parse(audit.stdout)).toMatchObject({ size: 320 });
    } finally {
      await log.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('runproof-log publish --s3 exports an existing log', async () => {
    const log = await startLogProcess({});
    await submitAll(log.url, 's3-export', 40);
    expect(await log.stop()).toBe(0);
    const r = await runLogCli(['publish', '--db', log.dbPath, '--s3', `s3://${BUCKET}/export`, '--s3-endpoint', endpoint], { env: AWS_ENV });
    log.cleanup();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^tree size: 40$/m);
    const audit = await runproof(['audit', '--log', `${endpoint}/${BUCKET}/export`, '--vkey', log.vkey, '--json']);
    expect(audit.code, audit.stderr).toBe(0);
  });

  it('a missing bucket or a malformed URL stops the start-up with exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--publish-s3', 's3://no-such-bucket/x', '--publish-s3-endpoint', endpoint], /bucket no-such-bucket does not exist/],
      [['--publish-s3', 's3://Bad_Bucket/x', '--publish-s3-endpoint', endpoint], /not a valid bucket name/],
      [['--publish-s3', 'https://bucket/x'], /want s3:\/\/BUCKET\/PREFIX/],
      [['--publish-s3', 's3://bucket/a//b'], /bad prefix/],
      [['--publish-s3', 's3://bucket/x', '--publish-s3-endpoint', 'ftp://host'], /must be http\(s\)/],
    ];
    for (const [args, message] of cases) {
      const data = join(root, `data-${Math.random().toString(36).slice(2)}`);
      const r = await runLogCli(['serve', '--data', data, '--listen', '127.0.0.1:0', ...args], { env: AWS_ENV });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
