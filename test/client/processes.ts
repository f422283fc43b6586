/**
 * Real processes for the client tests: a `runproof-log serve` on 127.0.0.1 with a fresh database
 * and key in a temporary directory, and the `runproof` CLI — both run from dist/ (build first:
 * `npx tsc -p tsconfig.json`). Nothing here is mocked: the client talks HTTP to the real log.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LOG_CLI = join(root, 'dist/log-server/cli.js');
const VERIFIER_CLI = join(root, 'dist/verifier/cli.js');

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
  stop(): Promise<void>;
}

/** startLog spawns `runproof-log serve` on a free loopback port with a fresh data directory. */
export async function startLog(): Promise<LogProcess> {
  needBuilt(LOG_CLI);
  const dir = mkdtempSync(join(tmpdir(), 'runproof-client-log-'));
  const child = spawn(process.execPath, [LOG_CLI, 'serve', '--data', dir, '--listen', '127.0.0.1:0'], { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = await readStartup(child, 20_000);
  const get = (key: string) => {
    const line = lines.find((l) => l.startsWith(`${key}: `));
    if (line === undefined) throw new Error(`runproof-log printed no "${key}:" line:\n${lines.join('\n')}`);
    return line.slice(key.length + 2);
  };
  const url = get('listening');
  return {
    url,
    vkey: get('verifier key'),
    origin: get('origin'),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** readStartup collects stdout lines until `listening:` (or fails on exit or after `ms`). */
function readStartup(child: ChildProcess, ms: number): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const lines: string[] = [];
    let buf = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runproof-log did not start within ${ms} ms:\n${err}`));
    }, ms);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (line.startsWith('listening: ')) {
          clearTimeout(timer);
          resolvePromise(lines);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runproof-log exited with ${code}:\n${err}`));
    });
  });
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
