/**
 * An in-process log server for the reliability checks that need a hand on the database or the
 * clock: the real log core and HTTP app (log-server/), listening on 127.0.0.1 port 0.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type Database from 'better-sqlite3';
import { createApp } from '../../log-server/http/app.js';
import { Log } from '../../log-server/log.js';
import { sqliteBackend } from '../../log-server/storage/sqlite.js';
import { newSignerKey, parseSignerKey, verifierKey, type Signer } from '../../src/note/keys.js';

/** The origin of in-process reliability logs. */
export const RELIABILITY_ORIGIN = 'reliability.runproof.local/log';
/** Its key (a fixed seed: these logs are throwaway). */
export const RELIABILITY_SIGNER: Signer = parseSignerKey(newSignerKey(RELIABILITY_ORIGIN, new Uint8Array(32).fill(7)));

/** A running in-process log server. */
export interface InProcessLog {
  url: string;
  vkey: string;
  log: Log;
  /** The open SQLite connection (for fault injection). */
  db: Database.Database;
  dbPath: string;
  dir: string;
  /** Stops the listener and closes the log (the directory stays). */
  close(): Promise<void>;
  /** close() and remove the directory. */
  cleanup(): Promise<void>;
}

/** startInProcess opens (creating) a log in `dir` (default: a new temp dir) and serves it. */
export async function startInProcess(opts: { dir?: string; clock?: () => number; batchIntervalMs?: number } = {}): Promise<InProcessLog> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'runproof-reliability-'));
  const dbPath = join(dir, 'log.db');
  let db: Database.Database | undefined;
  const log = await Log.open({
    backend: sqliteBackend(dbPath, { onDatabase: (d) => (db = d) }),
    origin: RELIABILITY_ORIGIN,
    signer: RELIABILITY_SIGNER,
    create: true,
    ...(opts.batchIntervalMs !== undefined ? { batchIntervalMs: opts.batchIntervalMs } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  const app = createApp({ log, logError: () => undefined });
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s as Server)) as Server;
  });
  const { port } = server.address() as AddressInfo;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
    await log.close();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    vkey: verifierKey(RELIABILITY_SIGNER),
    log,
    db: db!,
    dbPath,
    dir,
    close,
    async cleanup() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
