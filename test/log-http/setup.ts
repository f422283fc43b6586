/**
 * A real log (a temporary store on this run's backend, ../helpers/backends.ts; fixed test key)
 * behind the real Hono app, for `app.request()` tests. No mocks: the database, sequencer and
 * tiles are the production ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { Log } from '../../log-server/log.js';
import { LogMetrics } from '../../log-server/metrics.js';
import { createApp, type AppOptions } from '../../log-server/http/app.js';
import { newSignerKey, parseSignerKey, verifierKey, type Signer } from '../../src/note/keys.js';
import { testBackend } from '../helpers/backends.js';

/** The test log's origin (= key name). */
export const ORIGIN = 'test.runproof.local/log';

/** A log and its app. */
export interface TestLog {
  log: Log;
  app: Hono;
  metrics: LogMetrics;
  signer: Signer;
  vkey: string;
  dir: string;
  close(): Promise<void>;
}

/** A fixed signer for tests (seed 0x01 × 32). */
export function testSigner(): Signer {
  return parseSignerKey(newSignerKey(ORIGIN, new Uint8Array(32).fill(1)));
}

/** openTestLog creates a fresh log in a temp dir and an app over it with `opts`. */
export async function openTestLog(opts: Partial<Omit<AppOptions, 'log'>> = {}): Promise<TestLog> {
  const dir = mkdtempSync(join(tmpdir(), 'runproof-http-'));
  const signer = testSigner();
  const backend = testBackend();
  const db = backend.store(dir);
  let log: Log | undefined;
  const metrics = new LogMetrics(() => log?.size ?? 0);
  log = await Log.open({ backend: backend.factory(db), origin: ORIGIN, signer, create: true, batchIntervalMs: 1, onBatch: (n, ms) => metrics.onBatch(n, ms) });
  const opened = log;
  const app = createApp({ metrics, logError: () => undefined, ...opts, log: opened });
  return {
    log: opened,
    app,
    metrics,
    signer,
    vkey: verifierKey(signer),
    dir,
    async close() {
      try {
        await opened.close();
        await backend.drop?.(db);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** identityHex returns a distinct 64-hex identity for test number `n`. */
export function identityHex(n: number, salt = 0): string {
  return (salt.toString(16).padStart(8, '0') + n.toString(16).padStart(56, '0')).slice(0, 64);
}

/** postJson sends a JSON body (given as text) to the app. */
export function postJson(app: Hono, path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(app.request(path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }));
}

/** errorCode reads `error.code` from an error answer. */
export async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error?: { code?: string } };
  return body.error?.code ?? '(none)';
}
