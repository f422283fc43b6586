/**
 * `runproof-log serve` settings: flags win over RUNPROOF_* variables, which win over defaults;
 * witnesses, token hashes and addresses are parsed strictly; the key file is refused when group
 * or others can access it, and created 0600.
 */
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseServeConfig, parseWitness, SERVE_HELP, SERVE_OPTIONS, type ServeConfig } from '../../log-server/config.js';
import { createKeyFile, readKeyFile } from '../../log-server/keyfile.js';
import { newSignerKey, verifierKey, parseSignerKey, SIG_COSIGNATURE_V1 } from '../../src/note/keys.js';

const cfg = (args: string[], env: Record<string, string> = {}) => parseServeConfig(args, env) as ServeConfig;
const witnessKey = verifierKey(parseSignerKey(newSignerKey('witness.example/w1', new Uint8Array(32).fill(7), SIG_COSIGNATURE_V1)));

describe('parseServeConfig', () => {
  it('has the documented defaults', () => {
    expect(cfg([])).toEqual({
      dbPath: join('./data', 'log.db'),
      keyPath: join('./data', 'log.key'),
      origin: undefined,
      init: false,
      leaseMs: 3000,
      testFence: undefined,
      host: '127.0.0.1',
      port: 8080,
      maxBodyBytes: 1048576,
      maxBatchItems: 1000,
      // One batch worker per core beyond the main thread's, at most 4.
      batchWorkers: Math.min(4, Math.max(0, availableParallelism() - 1)),
      ratePerSecond: 0,
      tokenDigests: [],
      guardedReads: [],
      headerTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      maxConnections: 1024,
      maxInflightBodyBytes: 64 * 1024 * 1024,
      witnesses: [],
      witnessQuorum: 0,
      witnessTimeoutMs: 5000,
      blobCopy: true,
    });
  });

  it('reads every option from RUNPROOF_* and lets a flag win', () => {
    const env = {
      RUNPROOF_DATA: '/srv/log',
      RUNPROOF_ORIGIN: 'log.example.com/a',
      RUNPROOF_LISTEN: '[::1]:9000',
      RUNPROOF_MAX_BODY: '4096',
      RUNPROOF_MAX_BATCH_ITEMS: '50',
      RUNPROOF_BATCH_WORKERS: '0',
      RUNPROOF_RATE: '20/s',
      RUNPROOF_TOKEN_HASH: `sha256:${'ab'.repeat(32)} sha256:${'cd'.repeat(32)}`,
      RUNPROOF_WITNESS: `witness.example/w1=${witnessKey}@http://127.0.0.1:7380/`,
      RUNPROOF_WITNESS_TIMEOUT: '1500',
      RUNPROOF_INIT: '1',
      RUNPROOF_NO_BLOB_COPY: '1',
    };
    const c = cfg([], env);
    expect(c).toMatchObject({ dbPath: join('/srv/log', 'log.db'), keyPath: join('/srv/log', 'log.key'), origin: 'log.example.com/a', host: '::1', port: 9000 });
    expect(c).toMatchObject({ maxBodyBytes: 4096, maxBatchItems: 50, batchWorkers: 0, ratePerSecond: 20, witnessQuorum: 1, witnessTimeoutMs: 1500, init: true, blobCopy: false });
    expect(c.tokenDigests.length).toBe(2);
    expect(c.witnesses).toEqual([{ name: 'witness.example/w1', vkey: witnessKey, url: 'http://127.0.0.1:7380' }]);
    const f = cfg(['--origin', 'other/b', '--listen', '127.0.0.1:0', '--max-body', '2048', '--db', '/x/y.db', '--token-hash', `sha256:${'ef'.repeat(32)}`, '--witness-quorum', '0'], env);
    expect(f).toMatchObject({ origin: 'other/b', port: 0, maxBodyBytes: 2048, dbPath: '/x/y.db', keyPath: join('/srv/log', 'log.key'), witnessQuorum: 0 });
    expect(f.tokenDigests.length).toBe(1);
    expect(cfg(['--no-blob-copy']).blobCopy).toBe(false);
  });

  it('refuses bad values with a ConfigError', () => {
    const bad: [string[], Record<string, string>][] = [
      [['--listen', '127.0.0.1'], {}],
      [['--listen', '127.0.0.1:65536'], {}],
      [['--listen', '127.0.0.1:080'], {}],
      [['--max-body', '1e6'], {}],
      [['--max-body', '10'], {}],
      [['--max-batch-items', '0'], {}],
      [['--batch-workers', '-1'], {}],
      [['--batch-workers', '65'], {}],
      [['--rate', '-1'], {}],
      [['--token-hash', 'abc'], {}],
      [['--token-hash', `sha256:${'AB'.repeat(32)}`], {}],
      [['--witness-quorum', '1'], {}],
      [['--unknown'], {}],
      [['positional'], {}],
      [[], { RUNPROOF_INIT: 'yes' }],
      [[], { RUNPROOF_MAX_BODY: 'big' }],
    ];
    for (const [args, env] of bad) expect(() => parseServeConfig(args, env), args.join(' ') + JSON.stringify(env)).toThrow(ConfigError);
  });

  it('parses witnesses strictly', () => {
    expect(() => parseWitness(`w=${witnessKey}@http://x`)).toThrow(ConfigError); // name differs from the key's
    expect(() => parseWitness(`witness.example/w1=${witnessKey}`)).toThrow(ConfigError); // no URL
    expect(() => parseWitness(`witness.example/w1=${witnessKey}@ftp://x`)).toThrow(ConfigError);
    const logKey = verifierKey(parseSignerKey(newSignerKey('witness.example/w1', new Uint8Array(32).fill(7))));
    expect(() => parseWitness(`witness.example/w1=${logKey}@http://x`)).toThrow(ConfigError); // not a cosignature key
    expect(() => cfg(['--witness', `witness.example/w1=${witnessKey}@http://a`, '--witness', `witness.example/w1=${witnessKey}@http://b`])).toThrow(ConfigError);
  });

  it('documents every option and its variable in --help', () => {
    expect(parseServeConfig(['--help'], {})).toBe('help');
    for (const o of SERVE_OPTIONS) {
      expect(SERVE_HELP).toContain(`--${o.flag}`);
      expect(SERVE_HELP).toContain(o.env);
    }
  });
});

describe('key file', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('creates a 0600 Go-format signer key named after the origin, and reads it back', () => {
    dir = mkdtempSync(join(tmpdir(), 'runproof-key-'));
    const path = join(dir, 'sub', 'log.key');
    const signer = createKeyFile(path, 'log.example.com/x');
    expect(statSync(path).mode % 0o1000).toBe(0o600);
    expect(signer.name).toBe('log.example.com/x');
    expect(verifierKey(readKeyFile(path))).toBe(verifierKey(signer));
    expect(() => createKeyFile(path, 'log.example.com/x')).toThrow(); // never overwrites
  });

  it('refuses a key file that group or others can read or write', () => {
    dir = mkdtempSync(join(tmpdir(), 'runproof-key-'));
    const path = join(dir, 'log.key');
    createKeyFile(path, 'log.example.com/x');
    for (const mode of [0o644, 0o640, 0o604, 0o620, 0o602]) {
      chmodSync(path, mode);
      expect(() => readKeyFile(path), mode.toString(8)).toThrow(ConfigError);
    }
    chmodSync(path, 0o400);
    expect(readKeyFile(path).name).toBe('log.example.com/x');
  });

  it('refuses a witness key or garbage as the log key', () => {
    dir = mkdtempSync(join(tmpdir(), 'runproof-key-'));
    const path = join(dir, 'log.key');
    writeFileSync(path, newSignerKey('w', new Uint8Array(32).fill(3), SIG_COSIGNATURE_V1) + '\n', { mode: 0o600 });
    expect(() => readKeyFile(path)).toThrow(ConfigError);
    writeFileSync(path, 'PRIVATE+KEY+nonsense\n', { mode: 0o600 });
    expect(() => readKeyFile(path)).toThrow(ConfigError);
  });
});
