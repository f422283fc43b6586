/**
 * Real processes for the client tests: a `runproof-log serve` on 127.0.0.1 with a fresh database
 * and key in a temporary directory (test/helpers/log-process.ts), the `runproof` CLI — both run
 * from dist/ (build first: `npx tsc -p tsconfig.json`) — and stand-ins for a log that is down.
 * Nothing here is mocked: the client talks HTTP to real servers on loopback.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REPO_ROOT, startLogProcess } from '../helpers/log-process.js';

const VERIFIER_CLI = join(REPO_ROOT, 'dist/verifier/cli.js');

/** The environment for child processes, without any RUNPROOF_* setting of the machine. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('RUNPROOF_')) env[k] = v;
  return env;
}

function needBuilt(file: string): void {
  if (!existsSync(file)) throw new Error(`${file} is missing: build first with 'npx tsc -p tsconfig.json'`);
}

/** A running log server. */
export interface LogProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The log's verifier key. */
  vkey: string;
  origin: string;
  /** Stops the server (SIGTERM) and removes its data directory. */
  stop(): Promise<void>;
}

/** startLog spawns `runproof-log serve` on a free loopback port with a fresh data directory. */
export async function startLog(): Promise<LogProcess> {
  const log = await startLogProcess();
  return {
    url: log.url,
    vkey: log.vkey,
    origin: log.origin,
    stop: async () => {
      await log.stop();
      log.cleanup();
    },
  };
}

/** lookUp asks a log for an identity: the HTTP status of `GET /v1/identities/<hex>` (200 or 404). */
export async function lookUp(logUrl: string, identity: string): Promise<number> {
  const res = await fetch(`${logUrl}/v1/identities/${identity.slice('sha256:'.length)}`);
  await res.arrayBuffer();
  return res.status;
}

/** runVerifier runs `runproof <args>` from dist and returns its exit status and output. */
export function runVerifier(args: string[]): { status: number | null; stdout: string; stderr: string } {
  needBuilt(VERIFIER_CLI);
  const r = spawnSync(process.execPath, [VERIFIER_CLI, ...args], { env: cleanEnv(), encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A loopback HTTP server that answers every request with a fixed status, or never answers. */
export interface DeadLog {
  url: string;
  hits: number;
  close(): Promise<void>;
}

/**
 * startDeadLog starts a server standing in for a log that is up but useless: it answers
 * `status` (e.g. 503) to everything, or with `status: 'hang'` holds every request open.
 */
export async function startDeadLog(status: number | 'hang'): Promise<DeadLog> {
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    req.resume();
    if (status === 'hang') return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'stand-in log is down' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return state.hits;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** closedPort returns a loopback URL on which nothing listens (a port just released). */
export async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

/** One request a {@link LogRecorder} passed on. */
export interface RecordedLogRequest {
  method: string;
  path: string;
  body: string;
}

/** A loopback HTTP proxy in front of a real log that records every request it passes on. */
export interface LogRecorder {
  url: string;
  requests: RecordedLogRequest[];
  close(): Promise<void>;
}

/**
 * startLogRecorder puts a recording proxy in front of `target` (a log URL), so a test can see
 * exactly what the log was sent; answers are passed back unchanged.
 */
export async function startLogRecorder(target: string): Promise<LogRecorder> {
  const requests: RecordedLogRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', body: body.toString('utf8') });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length') headers[k] = v;
      fetch(`${target}${req.url ?? '/'}`, { method: req.method, headers, body: req.method === 'GET' ? undefined : body })
        .then(async (answer) => {
          const out = Buffer.from(await answer.arrayBuffer());
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' });
          res.end(out);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
