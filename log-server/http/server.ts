/**
 * Starting and stopping a log server: key, database, witness pool, metrics and the HTTP listener
 * (`@hono/node-server`), with a graceful stop (nothing acknowledged is lost: docs/log-server.md, "Stopping").
 *
 * First start: with neither key nor database present, both are created. A database is never
 * created implicitly for an existing key (without `--init`), and a key never for an existing
 * database: a second tree signed by one key, or a tree without its key, is a fork or a dead log.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';
import { serve } from '@hono/node-server';
import { verifierKey } from '../../src/note/keys.js';
import { ConfigError, DEFAULT_ORIGIN, type ServeConfig } from '../config.js';
import { checkDataDir } from '../data-dir.js';
import { commitKeyFile, createKeyFile, pendingKeyPath, readKeyFile } from '../keyfile.js';
import { Log } from '../log.js';
import { sqliteBackend } from '../storage/sqlite.js';
import { postgresBackend } from '../storage/postgres/backend.js';
import { describeUrl, isPostgresUrl } from '../storage/postgres/url.js';
import { LogMetrics } from '../metrics.js';
import { makeTargets, openTargets, registerPublishMetrics, startPublishers, type Publisher } from '../publish/index.js';
import { WitnessPool } from '../witness-client.js';
import { createAppParts, type AppOptions } from './app.js';
import { BatchWorkers } from './batch-workers.js';
import { capConnections } from './connection-cap.js';
import { fastReads } from './fast-reads.js';
import { fastSubmit } from './fast-submit.js';
import { explorerFiles } from './routes/explorer.js';

/** A running log server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  url: string;
  origin: string;
  /** The log's verifier key (what clients and witnesses trust). */
  vkey: string;
  /** What this start created. */
  created: { key: boolean; db: boolean };
  log: Log;
  /** Stops accepting, answers requests in flight, flushes and closes the log. Idempotent. */
  close(): Promise<void>;
}

/** Longest wait for requests in flight during {@link RunningServer.close}, ms. */
const DRAIN_MS = 10_000;

/**
 * startLogServer opens (or on first start creates) the key and the log and starts listening.
 * @throws ConfigError for unusable settings; RunproofError CONFLICT if another server holds the database
 */
export async function startLogServer(cfg: ServeConfig, say: (line: string) => void = () => undefined): Promise<RunningServer> {
  const postgres = isPostgresUrl(cfg.dbPath);
  // Before anything is read or created: a directory others can write to could hold planted files.
  checkDataDir(dirname(cfg.keyPath), 'key');
  if (!postgres) checkDataDir(dirname(cfg.dbPath), 'database');
  const keyExists = existsSync(cfg.keyPath);
  // A PostgreSQL log is created only with --init (the schema's absence is checked there), and
  // every instance needs the one key: it is created only on that first, --init start.
  if (postgres && !existsSync(cfg.keyPath) && !cfg.init) {
    throw new ConfigError(`key file ${cfg.keyPath} does not exist; every instance of a PostgreSQL log needs the log's key (pass --init on the very first start to create key and log)`);
  }
  const dbExists = !postgres && existsSync(cfg.dbPath);
  // A first start writes the key under a temporary name and gives it its real name only once the
  // database is created: a crash in between leaves no key at its real name, and the next start
  // finishes the job with the same key (keyfile.ts, pendingKeyPath).
  const pendingKey = pendingKeyPath(cfg.keyPath);
  const resuming = !keyExists && existsSync(pendingKey);
  if (!postgres && !keyExists && dbExists && !resuming) {
    throw new ConfigError(`database ${cfg.dbPath} exists but key file ${cfg.keyPath} does not; the log cannot sign without its key`);
  }
  if (!postgres && keyExists && !dbExists && !cfg.init) {
    throw new ConfigError(
      `key ${cfg.keyPath} exists but database ${cfg.dbPath} does not. Starting a new tree with an existing key would fork the log ` +
        'if its old database is merely misplaced; restore the database, or pass --init to start a new log with this key',
    );
  }
  // The static targets are checked first: a bad --publish-dir stops the start before anything is created.
  const targets = makeTargets({ dir: cfg.publishDir, s3: cfg.publishS3, s3Endpoint: cfg.publishS3Endpoint });
  await openTargets(targets);
  const closeTargets = () => targets.forEach((t) => t.close());
  let signer;
  try {
    signer = keyExists ? readKeyFile(cfg.keyPath) : resuming ? readKeyFile(pendingKey) : createKeyFile(pendingKey, cfg.origin ?? DEFAULT_ORIGIN);
  } catch (e) {
    closeTargets();
    throw e;
  }
  const origin = cfg.origin ?? signer.name;
  if (origin !== signer.name) {
    closeTargets();
    throw new ConfigError(`--origin ${origin} differs from the key's name ${signer.name} (the key name is the origin)`);
  }
  const about = { origin, vkey: verifierKey(signer), witnesses: cfg.witnesses.map((w) => ({ name: w.name, vkey: w.vkey })) };
  let pool: WitnessPool | undefined;
  let log: Log | undefined;
  let publishers: Publisher[] = [];
  const metrics = new LogMetrics(() => log?.size ?? 0, { defaults: true });
  try {
    log = await Log.open({
      backend: postgres
        ? postgresBackend({
            url: cfg.dbPath,
            fenced: cfg.testFence !== 'none',
            coordination: { leaseMs: cfg.leaseMs, trusting: cfg.testFence !== undefined },
          })
        : sqliteBackend(cfg.dbPath, { blobCopy: cfg.blobCopy }),
      origin,
      signer,
      create: postgres ? cfg.init : !dbExists || resuming,
      onCheckpoint: (signed) => {
        pool?.onCheckpoint(signed);
        // Static publication runs after the commit and never delays the receipts (../publish/).
        for (const p of publishers) p.onCheckpoint();
      },
      onBatch: (entries, ms) => metrics.onBatch(entries, ms),
    });
  } catch (e) {
    closeTargets();
    throw e;
  }
  const opened = log;
  const coordination = opened.coordination;
  if (coordination !== undefined) {
    metrics.coordinate(coordination);
    say(`database: ${describeUrl(cfg.dbPath)} (${coordination.leading ? 'sequencing here' : 'following; another instance sequences'})`);
  }
  if (!keyExists) {
    try {
      commitKeyFile(pendingKey, cfg.keyPath);
    } catch (e) {
      await opened.close();
      closeTargets();
      throw e;
    }
    say(`created key ${cfg.keyPath} (mode 0600; keep it secret and backed up)`);
  }
  if (!postgres && !dbExists) say(`created database ${cfg.dbPath}`);
  try {
    publishers = await startPublishers(opened, targets, explorerFiles(about));
  } catch (e) {
    await opened.close();
    throw e;
  }
  const publishStatus = () => publishers.map((p) => p.status());
  if (publishers.length > 0) registerPublishMetrics(metrics.registry, publishStatus);
  for (const p of publishers) say(`publishing: ${p.status().target}`);
  const closePublishers = () => Promise.all(publishers.map((p) => p.close()));
  if (cfg.witnesses.length > 0) {
    try {
      pool = new WitnessPool({
        origin,
        witnesses: cfg.witnesses,
        timeoutMs: cfg.witnessTimeoutMs,
        consistencyProof: (m, n) => opened.consistencyProof(m, n),
        log: (msg) => process.stderr.write(`runproof-log: witness: ${msg}\n`),
      });
    } catch (e) {
      await closePublishers();
      await opened.close();
      throw e;
    }
    pool.onCheckpoint(opened.latest().signed);
  }

  // Large batch bodies are parsed and hashed on other cores (./batch-workers.ts).
  const batchWorkers = cfg.batchWorkers > 0 ? new BatchWorkers({ threads: cfg.batchWorkers }) : undefined;
  let accepting = true;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const appOptions: AppOptions = {
    log: opened,
    ...(pool ? { cosignatures: pool } : {}),
    witnessQuorum: cfg.witnessQuorum,
    witnessTimeoutMs: cfg.witnessTimeoutMs,
    maxBodyBytes: cfg.maxBodyBytes,
    maxBatchItems: cfg.maxBatchItems,
    ...(batchWorkers ? { batchWorkers } : {}),
    ratePerSecond: cfg.ratePerSecond,
    tokenDigests: cfg.tokenDigests,
    guardedReads: cfg.guardedReads,
    maxInflightBodyBytes: cfg.maxInflightBodyBytes,
    metrics,
    ...(publishers.length > 0 ? { publishStatus } : {}),
    accepting: () => accepting,
    about,
  };
  const parts = createAppParts(appOptions);
  const app = parts.app;
  const settle = () => {
    inFlight--;
    if (inFlight === 0) drained?.();
  };
  let listener: RequestListener | undefined;
  const fast = fastReads(parts.settings, {
    accepting: () => accepting,
    fallback: (req, res) => listener!(req, res),
    waiting: () => inFlight++,
    settled: settle,
  });
  const fastSubmissions = fastSubmit(parts, { accepting: () => accepting, waiting: () => inFlight++, settled: settle });

  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = serve(
        {
          fetch: async (req, env) => {
            inFlight++;
            try {
              return await app.fetch(req, env);
            } finally {
              settle();
            }
          },
          // The tlog-tiles reads and single submissions skip the Request/Response objects
          // (./fast-reads.ts, ./fast-submit.ts).
          createServer: ((options: ServerOptions, honoListener: RequestListener) => {
            listener = honoListener;
            return createServer(
              {
                ...options,
                // Node's defaults (5 min for a request, checked every 30 s) let stalled uploads
                // hold memory for minutes; a log's requests are small and quick.
                headersTimeout: cfg.headerTimeoutMs,
                requestTimeout: cfg.requestTimeoutMs,
                connectionsCheckingInterval: Math.min(1000, cfg.headerTimeoutMs),
              },
              (req, res) => {
                if (!fast(req, res) && !fastSubmissions(req, res)) honoListener(req, res);
              },
            );
          }) as typeof createServer,
          hostname: cfg.host,
          port: cfg.port,
        },
        () => resolve(s as Server),
      ) as Server;
      s.once('error', reject);
    });
  } catch (e) {
    pool?.close();
    await batchWorkers?.close();
    await closePublishers();
    await opened.close();
    throw e;
  }
  // Keep idle keep-alive connections longer than typical client pools do, so a client never
  // reuses a socket the server is closing at that moment (an ECONNRESET on a busy machine).
  server.keepAliveTimeout = 65_000;
  capConnections(server, cfg.maxConnections);
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      accepting = false;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([new Promise<void>((resolve) => (drained = resolve)), new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
      }
      pool?.close();
      await batchWorkers?.close();
      // The last batches reach the static targets before the log closes (bounded wait).
      await closePublishers();
      await opened.close();
      server.closeAllConnections();
      await stopped;
    })();
    return closing;
  }

  return { url: `http://${host}:${addr.port}`, origin, vkey: verifierKey(signer), created: { key: !keyExists, db: !postgres && !dbExists }, log: opened, close };
}
