/**
 * Configuration of `runproof-log serve` (docs/log-server.md, "Options"): every option is a flag and a `RUNPROOF_*`
 * environment variable; a flag wins over the variable, the variable over the default. The table
 * {@link SERVE_OPTIONS} drives both the parser and the `--help` text, so they cannot drift apart.
 */
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDecimal } from '../src/encoding/decimal.js';
import { fromHex } from '../src/encoding/hex.js';
import { isRunproofError } from '../src/errors.js';
import { parseVerifierKey, SIG_COSIGNATURE_V1 } from '../src/note/keys.js';
import { parseListen } from '../node-shared/listen-address.js';
import { UsageError } from '../node-shared/usage-error.js';
import type { GuardedRead } from './http/context.js';

/** ConfigError is a bad flag, variable or file setting; the CLI prints it and exits 2. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A witness the log asks for cosignatures (c2sp.org/tlog-witness). */
export interface WitnessConfig {
  /** The witness's key name (equal to the name in its verifier key). */
  name: string;
  /** The witness's verifier key (cosignature/v1, type 0x04). */
  vkey: string;
  /** The witness's submission prefix URL; the log POSTs `<url>/add-checkpoint`. */
  url: string;
}

/** The settings of a running log server. */
export interface ServeConfig {
  /** SQLite database file, or a `postgres://` / `postgresql://` URL (storage/postgres/url.ts). */
  dbPath: string;
  /** Sequencer lease of the PostgreSQL backend, ms: how long a dead or stalled sequencer blocks the others. */
  leaseMs: number;
  /**
   * Test only (`RUNPROOF_TEST_FENCE`, no flag): `db` trusts the lease until the database says
   * otherwise, so only the database fence protects the log; `none` removes that fence too, to
   * show the fork it prevents (test/storage-postgres/failover.test.ts). Unset in production.
   */
  testFence: 'db' | 'none' | undefined;
  /** Private key file (Go note signer format, mode 0600). */
  keyPath: string;
  /** Checkpoint origin (= key name); undefined means "the existing key's name, else the default". */
  origin: string | undefined;
  /** Create a new database for an existing key (never implicit: that could fork the log). */
  init: boolean;
  /** Address to listen on. */
  host: string;
  /** Port to listen on (0 = any free port). */
  port: number;
  /** Largest request body, bytes. */
  maxBodyBytes: number;
  /** Most items in one batch request. */
  maxBatchItems: number;
  /** Worker threads that read large batch bodies (0 = read them on the main thread). */
  batchWorkers: number;
  /** Entries per second per client address (0 = unlimited); a batch of n items counts n. */
  ratePerSecond: number;
  /** Reads that also need the token and count against the rate (default none). */
  guardedReads: GuardedRead[];
  /** Longest wait for a request's headers, ms. */
  headerTimeoutMs: number;
  /** Longest wait for a whole request (headers and body), ms. */
  requestTimeoutMs: number;
  /** Most connections open at once; more are answered 503 and closed. */
  maxConnections: number;
  /** Request-body bytes held at once across all requests in flight; more are answered 503. */
  maxInflightBodyBytes: number;
  /** SHA-256 digests of accepted bearer tokens (empty = submissions need no token). */
  tokenDigests: Uint8Array[];
  /** Witnesses to ask for cosignatures. */
  witnesses: WitnessConfig[];
  /** Cosignatures `?wait=cosigned` waits for. */
  witnessQuorum: number;
  /** Longest wait for a witness, ms. */
  witnessTimeoutMs: number;
  /** SQLite: keep the flat copy of full tiles and bundles that old reads are served from (storage/blob-copy.ts). */
  blobCopy: boolean;
  /** Publish the read API as static files into this directory (log-server/publish/). */
  publishDir: string | undefined;
  /** Publish the read API into this S3 bucket and prefix. */
  publishS3: S3Location | undefined;
  /** Endpoint URL of an S3-compatible store (default: AWS). */
  publishS3Endpoint: string | undefined;
}

/** Default checkpoint origin for a log started without `--origin` and without a key. */
export const DEFAULT_ORIGIN = 'runproof.local/log';

interface OptionSpec {
  flag: string;
  env: string;
  arg: string;
  help: string;
  multiple?: boolean;
  boolean?: boolean;
}

/** Default batch worker threads: one per core beyond the main thread's, at most 4. */
const DEFAULT_BATCH_WORKERS = Math.min(4, Math.max(0, availableParallelism() - 1));

/** Every option of `runproof-log serve`, in `--help` order. */
export const SERVE_OPTIONS: readonly OptionSpec[] = [
  { flag: 'data', env: 'RUNPROOF_DATA', arg: 'DIR', help: 'data directory for the default --db and --key (default ./data)' },
  { flag: 'db', env: 'RUNPROOF_DB', arg: 'FILE|URL', help: 'SQLite database file (default DIR/log.db), or postgres://USER@HOST:PORT/DB for PostgreSQL, shared by several instances' },
  { flag: 'key', env: 'RUNPROOF_KEY', arg: 'FILE', help: 'private key, Go note signer format, mode 0600 (default DIR/log.key)' },
  { flag: 'origin', env: 'RUNPROOF_ORIGIN', arg: 'NAME', help: `checkpoint origin = key name (default: the key's name, else ${DEFAULT_ORIGIN})` },
  { flag: 'init', env: 'RUNPROOF_INIT', arg: '', boolean: true, help: 'allow creating a new database for an existing key (PostgreSQL: create the schema; never resets a log)' },
  { flag: 'lease-ms', env: 'RUNPROOF_LEASE_MS', arg: 'MS', help: 'PostgreSQL: sequencer lease; another instance takes over this long after the sequencer dies or stalls (default 3000)' },
  { flag: 'listen', env: 'RUNPROOF_LISTEN', arg: 'HOST:PORT', help: 'address to listen on (default 127.0.0.1:8080; port 0 = any free port)' },
  { flag: 'max-body', env: 'RUNPROOF_MAX_BODY', arg: 'BYTES', help: 'largest request body (default 1048576)' },
  { flag: 'max-batch-items', env: 'RUNPROOF_MAX_BATCH_ITEMS', arg: 'N', help: 'most items in one batch request (default 1000)' },
  { flag: 'batch-workers', env: 'RUNPROOF_BATCH_WORKERS', arg: 'N', help: 'threads that parse and hash large batch bodies (default: cores − 1, at most 4; 0 = main thread)' },
  { flag: 'rate', env: 'RUNPROOF_RATE', arg: 'N[/s]', help: 'entries per second per client address, a batch of n counts n (default 0 = unlimited)' },
  { flag: 'guard', env: 'RUNPROOF_GUARD', arg: 'lookups,metrics', help: 'reads that also need the token and count against --rate (default none: open)' },
  { flag: 'header-timeout', env: 'RUNPROOF_HEADER_TIMEOUT', arg: 'SECONDS', help: 'longest wait for request headers (default 10)' },
  { flag: 'body-timeout', env: 'RUNPROOF_BODY_TIMEOUT', arg: 'SECONDS', help: 'longest wait for a whole request, body included (default 30)' },
  { flag: 'max-connections', env: 'RUNPROOF_MAX_CONNECTIONS', arg: 'N', help: 'connections open at once; more get 503 (default 1024)' },
  { flag: 'max-inflight-body', env: 'RUNPROOF_MAX_INFLIGHT_BODY', arg: 'BYTES', help: 'request-body bytes held across all requests in flight; more get 503 (default 67108864)' },
  { flag: 'token-hash', env: 'RUNPROOF_TOKEN_HASH', arg: 'sha256:HEX', multiple: true, help: 'require a bearer token with this SHA-256 for submissions (repeatable; env: space-separated)' },
  { flag: 'witness', env: 'RUNPROOF_WITNESS', arg: 'NAME=VKEY@URL', multiple: true, help: 'ask this witness to cosign checkpoints (repeatable; env: space-separated)' },
  { flag: 'witness-quorum', env: 'RUNPROOF_WITNESS_QUORUM', arg: 'K', help: 'cosignatures that ?wait=cosigned waits for (default: all witnesses)' },
  { flag: 'witness-timeout', env: 'RUNPROOF_WITNESS_TIMEOUT', arg: 'MS', help: 'longest wait for a witness (default 5000)' },
  { flag: 'no-blob-copy', env: 'RUNPROOF_NO_BLOB_COPY', arg: '', boolean: true, help: 'SQLite: serve old tiles and bundles from the database only, without their flat copy DB-blobs beside the database (≈ 75 bytes of disk per entry)' },
  { flag: 'publish-dir', env: 'RUNPROOF_PUBLISH_DIR', arg: 'DIR', help: 'also publish checkpoint, tiles and bundles as static files into DIR' },
  { flag: 'publish-s3', env: 'RUNPROOF_PUBLISH_S3', arg: 's3://BUCKET/PREFIX', help: 'also publish them into this S3 bucket (AWS_* variables for credentials)' },
  { flag: 'publish-s3-endpoint', env: 'RUNPROOF_PUBLISH_S3_ENDPOINT', arg: 'URL', help: 'endpoint of an S3-compatible store (default: AWS)' },
];

/** SERVE_HELP is the `runproof-log serve --help` text. */
export const SERVE_HELP = [
  'usage: runproof-log serve [options]',
  '',
  'Runs the log: sequences submissions into a C2SP tlog-tiles Merkle log stored in SQLite and',
  'serves it over HTTP. On first start (no key, no database) it creates both and prints the',
  'verifier key. Each option can also be set with the environment variable shown; a flag wins.',
  '',
  'With --db postgres://…, any number of instances started with the same URL and key file form',
  'one log: one of them sequences (a lease in the database), the others forward submissions',
  'through the database and answer once they are committed; all of them serve reads. The first',
  'start needs --init (creates the schema). docs/storage.md, "PostgreSQL".',
  '',
  'options:',
  ...SERVE_OPTIONS.map((o) => {
    const left = `  --${o.flag}${o.arg ? ' ' + o.arg : ''}`;
    return `${left.padEnd(36)} ${o.help}\n${''.padEnd(37)} [${o.env}]`;
  }),
  '  -h, --help                         this text',
].join('\n');

/** Largest sane value for byte and count limits. */
const MAX_LIMIT = 2 ** 31;

function num(text: string, what: string, min: number, max: number): number {
  let n: number;
  try {
    n = parseDecimal(text, what, max);
  } catch (e) {
    if (isRunproofError(e)) throw new ConfigError(`${what}: ${JSON.stringify(text)} is not a whole number in ${min}..${max}`);
    throw e;
  }
  if (n < min) throw new ConfigError(`${what}: must be at least ${min}`);
  return n;
}

/** listenAddress is {@link parseListen} with its fault as a configuration error. */
function listenAddress(text: string): { host: string; port: number } {
  try {
    return parseListen(text);
  } catch (e) {
    if (e instanceof UsageError) throw new ConfigError(e.message);
    throw e;
  }
}

/** parseTokenHash reads `sha256:<64 lowercase hex>` (the SHA-256 of a bearer token). */
export function parseTokenHash(text: string): Uint8Array {
  const m = /^sha256:([0-9a-f]{64})$/.exec(text);
  if (m === null) throw new ConfigError(`--token-hash: want sha256:<64 lowercase hex>, got ${JSON.stringify(text.slice(0, 80))}`);
  return fromHex(m[1]!, 32);
}

/** parseGuard reads `--guard`: a comma-separated subset of `lookups`, `metrics` (empty: none). */
export function parseGuard(text: string): GuardedRead[] {
  const out: GuardedRead[] = [];
  for (const part of text.split(',')) {
    const p = part.trim();
    if (p === '') continue;
    if (p !== 'lookups' && p !== 'metrics') throw new ConfigError(`--guard: want a comma-separated list of lookups, metrics; got ${JSON.stringify(p.slice(0, 40))}`);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

/**
 * parseWitness reads `NAME=VKEY@URL`: NAME must equal the name in VKEY, VKEY must be a
 * cosignature/v1 (type 0x04) verifier key, URL an http(s) URL.
 */
export function parseWitness(text: string): WitnessConfig {
  const eq = text.indexOf('=');
  const at = text.lastIndexOf('@http');
  if (eq <= 0 || at < eq) throw new ConfigError(`--witness: want NAME=VKEY@URL, got ${JSON.stringify(text.slice(0, 200))}`);
  const name = text.slice(0, eq);
  const vkey = text.slice(eq + 1, at);
  const url = text.slice(at + 1);
  let verifier;
  try {
    verifier = parseVerifierKey(vkey);
  } catch (e) {
    if (isRunproofError(e)) throw new ConfigError(`--witness ${name}: bad verifier key: ${e.message}`);
    throw e;
  }
  if (verifier.name !== name) throw new ConfigError(`--witness ${name}: the verifier key is named ${JSON.stringify(verifier.name)}`);
  if (verifier.type !== SIG_COSIGNATURE_V1) throw new ConfigError(`--witness ${name}: not a witness key (want type 0x04, cosignature/v1)`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`--witness ${name}: bad URL ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(`--witness ${name}: URL must be http(s)`);
  return { name, vkey, url: url.replace(/\/+$/, '') };
}

/**
 * parseServeConfig reads the flags of `runproof-log serve` and the `RUNPROOF_*` variables in `env`.
 * Returns `'help'` for `--help`.
 * @throws ConfigError for any bad value
 */
export function parseServeConfig(args: string[], env: Record<string, string | undefined>): ServeConfig | 'help' {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const o of SERVE_OPTIONS) options[o.flag] = o.boolean ? { type: 'boolean' } : { type: 'string', ...(o.multiple ? { multiple: true } : {}) };
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new ConfigError(e instanceof Error ? e.message : String(e));
  }
  if (values['help'] === true) return 'help';

  const one = (flag: string): string | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return v;
    const spec = SERVE_OPTIONS.find((o) => o.flag === flag)!;
    const e = env[spec.env];
    return e === undefined || e === '' ? undefined : e;
  };
  const many = (flag: string): string[] => {
    const v = values[flag];
    if (Array.isArray(v) && v.length > 0) return v.map(String);
    const spec = SERVE_OPTIONS.find((o) => o.flag === flag)!;
    return (env[spec.env] ?? '').split(/[\s]+/).filter((s) => s !== '');
  };
  const flagOn = (flag: string): boolean => {
    if (values[flag] === true) return true;
    const spec = SERVE_OPTIONS.find((o) => o.flag === flag)!;
    const e = env[spec.env];
    if (e === undefined || e === '' || e === '0' || e === 'false') return false;
    if (e === '1' || e === 'true') return true;
    throw new ConfigError(`${spec.env}: want 1/true or 0/false, got ${JSON.stringify(e)}`);
  };

  const data = one('data') ?? './data';
  const listen = listenAddress(one('listen') ?? '127.0.0.1:8080');
  const rateText = one('rate') ?? '0';
  const witnesses = many('witness').map(parseWitness);
  const names = new Set<string>();
  for (const w of witnesses) {
    if (names.has(w.name)) throw new ConfigError(`--witness ${w.name}: listed twice`);
    names.add(w.name);
  }
  const quorumText = one('witness-quorum');
  const witnessQuorum = quorumText === undefined ? witnesses.length : num(quorumText, '--witness-quorum', 0, witnesses.length);
  const origin = one('origin');
  const publishS3Text = one('publish-s3');
  const publishS3Endpoint = one('publish-s3-endpoint');
  if (publishS3Endpoint !== undefined) parseEndpoint(publishS3Endpoint);
  const headerTimeoutMs = num(one('header-timeout') ?? '10', '--header-timeout', 1, 3600) * 1000;
  const requestTimeoutMs = num(one('body-timeout') ?? '30', '--body-timeout', 1, 3600) * 1000;
  if (requestTimeoutMs < headerTimeoutMs) throw new ConfigError('--body-timeout must be at least --header-timeout (it bounds the whole request)');
  const maxBodyBytes = num(one('max-body') ?? '1048576', '--max-body', 1024, MAX_LIMIT);
  const maxInflightBodyBytes = num(one('max-inflight-body') ?? String(64 * 1024 * 1024), '--max-inflight-body', 1024, MAX_LIMIT);
  if (maxInflightBodyBytes < maxBodyBytes) throw new ConfigError('--max-inflight-body must be at least --max-body (else no full-size body could ever be read)');
  return {
    dbPath: one('db') ?? join(data, 'log.db'),
    keyPath: one('key') ?? join(data, 'log.key'),
    origin,
    init: flagOn('init'),
    leaseMs: num(one('lease-ms') ?? '3000', '--lease-ms', 300, 600_000),
    testFence: testFence(env['RUNPROOF_TEST_FENCE']),
    host: listen.host,
    port: listen.port,
    maxBodyBytes,
    maxBatchItems: num(one('max-batch-items') ?? '1000', '--max-batch-items', 1, 1_000_000),
    batchWorkers: num(one('batch-workers') ?? String(DEFAULT_BATCH_WORKERS), '--batch-workers', 0, 64),
    ratePerSecond: num(rateText.endsWith('/s') ? rateText.slice(0, -2) : rateText, '--rate', 0, 1_000_000),
    tokenDigests: many('token-hash').map(parseTokenHash),
    guardedReads: parseGuard(one('guard') ?? ''),
    headerTimeoutMs,
    requestTimeoutMs,
    maxConnections: num(one('max-connections') ?? '1024', '--max-connections', 1, 1_000_000),
    maxInflightBodyBytes,
    witnesses,
    witnessQuorum,
    witnessTimeoutMs: num(one('witness-timeout') ?? '5000', '--witness-timeout', 1, 600_000),
    blobCopy: !flagOn('no-blob-copy'),
    publishDir: one('publish-dir'),
    publishS3: publishS3Text === undefined ? undefined : parseS3Url(publishS3Text),
    publishS3Endpoint,
  };
}

/** A parsed `s3://BUCKET/PREFIX` URL. */
export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket root. */
  prefix: string;
}

/**
 * parseS3Url reads `s3://BUCKET[/PREFIX]`. BUCKET follows the S3 bucket naming rules (3–63 of
 * lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit); PREFIX
 * is slash-separated segments without empty, `.` or `..` parts.
 * @throws ConfigError
 */
export function parseS3Url(text: string): S3Location {
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(text);
  if (m === null) throw new ConfigError(`--publish-s3: want s3://BUCKET/PREFIX, got ${JSON.stringify(text.slice(0, 200))}`);
  const bucket = m[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket) || bucket.includes('..')) {
    throw new ConfigError(`--publish-s3: ${JSON.stringify(bucket)} is not a valid bucket name (3-63 lowercase letters, digits, dots, hyphens)`);
  }
  const prefix = (m[2] ?? '').replace(/\/+$/, '');
  if (prefix !== '' && prefix.split('/').some((p) => p === '' || p === '.' || p === '..' || /[\u0000-\u001f\u007f]/.test(p))) {
    throw new ConfigError(`--publish-s3: bad prefix ${JSON.stringify(prefix.slice(0, 200))} (empty, . or .. segments, or control characters)`);
  }
  return { bucket, prefix };
}

/** parseEndpoint checks an S3 endpoint is an http(s) URL. */
export function parseEndpoint(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`--publish-s3-endpoint: bad URL ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('--publish-s3-endpoint: URL must be http(s)');
  return url;
}

function testFence(v: string | undefined): 'db' | 'none' | undefined {
  if (v === undefined || v === '') return undefined;
  if (v === 'db' || v === 'none') return v;
  throw new ConfigError(`RUNPROOF_TEST_FENCE: want db or none (test only), got ${JSON.stringify(v)}`);
}

/** MIGRATE_HELP is the `runproof-log migrate --help` text. */
export const MIGRATE_HELP = [
  'usage: runproof-log migrate --from FILE --to URL [--key FILE]',
  '',
  'Copies the SQLite log FILE (stop its server first) into the empty PostgreSQL database URL',
  '(postgres://USER@HOST:PORT/DB; the schema is created), in one transaction that commits only',
  "if the tree rebuilt from the copied tiles has the root signed in the SQLite log's latest",
  'checkpoint. Prints both roots. A database that already holds a log is refused.',
  '',
  'options:',
  '  --from FILE    the SQLite log database',
  '  --to URL       the PostgreSQL database',
  "  --key FILE     the log's private key, to check the checkpoint signature (default: log.key next to FILE)",
  '  -h, --help     this text',
].join('\n');

/**
 * parseMigrateArgs reads the flags of `runproof-log migrate`; `'help'` for `--help`.
 * @throws ConfigError for a missing or bad flag
 */
export function parseMigrateArgs(args: string[]): { from: string; to: string; key: string } | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { from: { type: 'string' }, to: { type: 'string' }, key: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new ConfigError(e instanceof Error ? e.message : String(e));
  }
  if (values['help'] === true) return 'help';
  const from = values['from'];
  const to = values['to'];
  if (typeof from !== 'string' || from === '') throw new ConfigError('migrate: --from FILE is required (the SQLite log)');
  if (typeof to !== 'string' || !/^postgres(ql)?:\/\//i.test(to)) throw new ConfigError('migrate: --to must be a postgres:// or postgresql:// URL');
  const key = typeof values['key'] === 'string' ? values['key'] : join(dirname(from), 'log.key');
  return { from, to, key };
}
