/**
 * A throwaway PostgreSQL 15 cluster for one test file or bench run: `initdb` into a temporary directory,
 * `pg_ctl start` on a free 127.0.0.1 port (Unix socket in the same directory), stopped and removed
 * by `stop()` — call it in `afterAll`, it is safe after a failed start or twice. Real server, no
 * mocks: the tests need locks and connections shared across processes.
 *
 * `initdb` refuses to run as root, so as root the cluster belongs to the `postgres` user (its
 * directory's parent is made traversable; `mktemp -d` directories are 0700).
 *
 * @example
 * const pg = await startPostgres();           // in beforeAll
 * const url = await pg.createDatabase();      // postgres://postgres@127.0.0.1:PORT/t1
 * await pg.terminateBackends();               // every client connection is killed
 * await pg.restart();                         // fast shutdown, start again on the same port
 * await pg.stop();                            // in afterAll
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where Debian installs PostgreSQL 15's server binaries. */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A running throwaway cluster. */
export interface TestPostgres {
  port: number;
  /** The cluster's data directory (also holds its Unix socket). */
  dataDir: string;
  /** `postgres://postgres@127.0.0.1:PORT/postgres`, the maintenance database. */
  adminUrl: string;
  /** createDatabase makes a new empty database and returns its URL (names `t1`, `t2`, … unless given). */
  createDatabase(name?: string): Promise<string>;
  /** query runs SQL as the superuser in `database` (default `postgres`) and returns the rows. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<R[]>;
  /** terminateBackends kills every client connection (pg_terminate_backend) but this helper's own; returns how many. */
  terminateBackends(database?: string): Promise<number>;
  /** restart stops the server (fast shutdown: clients are disconnected) and starts it again on the same port. */
  restart(): Promise<void>;
  /** stopServer stops the server only (no restart), e.g. to test an unreachable database. */
  stopServer(): Promise<void>;
  /** startServer starts a stopped server again. */
  startServer(): Promise<void>;
  /** stop stops the server and removes its directory. Idempotent; never throws. */
  stop(): Promise<void>;
}

/** postgresAvailable tells whether the PostgreSQL 15 binaries are installed (startPostgres fails loudly without them). */
export function postgresAvailable(): boolean {
  return existsSync(join(PG_BIN, 'pg_ctl'));
}

/** freePort asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** pgTool runs a PostgreSQL binary, as the `postgres` user when we are root. */
async function pgTool(tool: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const bin = join(PG_BIN, tool);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  try {
    const { stdout } = await run(cmd, argv, { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } });
    return stdout;
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${tool} ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/**
 * startPostgres creates and starts a cluster with settings for tests: fsync stays on (the log's
 * durability is part of what is tested), small shared buffers, no TCP beyond loopback.
 */
export async function startPostgres(): Promise<TestPostgres> {
  if (!postgresAvailable()) throw new Error(`PostgreSQL 15 is not installed (${PG_BIN}); apt-get install postgresql (see .ci/run)`);
  const parent = mkdtempSync(join(tmpdir(), 'runproof-pg-'));
  const dataDir = join(parent, 'data');
  let port = 0;
  let started = false;
  let stopped = false;
  let dbCount = 0;

  const options = () => `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c shared_buffers=32MB -c max_connections=200 -c log_min_messages=warning`;
  const startFirst = async () => {
    // A port found free may be taken by the time the server binds: try a few.
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      try {
        await pgTool('pg_ctl', ['-D', dataDir, '-o', options(), '-l', join(dataDir, 'server.log'), '-w', '-t', '60', 'start']);
        started = true;
        return;
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  };
  const startSamePort = async () => {
    await pgTool('pg_ctl', ['-D', dataDir, '-o', options(), '-l', join(dataDir, 'server.log'), '-w', '-t', '60', 'start']);
    started = true;
  };
  const stopServer = async () => {
    if (!started) return;
    await pgTool('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
    started = false;
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await stopServer();
    } catch {
      // Last resort: the postmaster's pid is the first line of postmaster.pid.
      try {
        await pgTool('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        /* nothing left to stop */
      }
    }
    rmSync(parent, { recursive: true, force: true });
  };

  try {
    chmodSync(parent, 0o755);
    if (asRoot) await run('chown', ['postgres:postgres', parent]);
    await pgTool('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-instructions']);
    await startFirst();
  } catch (e) {
    await stop();
    throw e;
  }

  const adminUrl = () => `postgres://postgres@127.0.0.1:${port}/postgres`;
  const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres'): Promise<R[]> => {
    const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/${database}` });
    await c.connect();
    try {
      return (await c.query<R>(sql, params)).rows;
    } finally {
      await c.end();
    }
  };

  return {
    get port() {
      return port;
    },
    dataDir,
    get adminUrl() {
      return adminUrl();
    },
    async createDatabase(name?: string) {
      const db = name ?? `t${++dbCount}`;
      if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`createDatabase: bad name ${db}`);
      await query(`CREATE DATABASE ${db}`);
      return `postgres://postgres@127.0.0.1:${port}/${db}`;
    },
    query,
    async terminateBackends(database?: string) {
      const rows = await query<{ n: string }>(
        `SELECT count(pg_terminate_backend(pid))::text AS n FROM pg_stat_activity
          WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND ($1::text IS NULL OR datname = $1)`,
        [database ?? null],
      );
      return Number(rows[0]!.n);
    },
    async restart() {
      await stopServer();
      await startSamePort();
    },
    stopServer,
    startServer: startSamePort,
    stop,
  } satisfies TestPostgres;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/** statTimes reads a process's ppid and CPU ticks (utime, stime, cutime, cstime) from /proc/<pid>/stat. */
function statTimes(pid: number): { ppid: number; own: number; reaped: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // exited meanwhile
  }
  // After the command name (which may hold spaces and parentheses): ppid is field 4, utime..cstime 14..17.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
}

/**
 * clusterCpuSeconds is the CPU time (user + system) of a running cluster's server processes: the
 * postmaster (its pid is the first line of DATADIR/postmaster.pid), its live children (client
 * backends, WAL writer, checkpointer, …) and the children it has already reaped (cutime/cstime).
 * A difference of two readings is what PostgreSQL itself spent in between.
 */
export function clusterCpuSeconds(dataDir: string): number {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const root = statTimes(postmaster);
  if (root === undefined) throw new Error(`clusterCpuSeconds: postmaster ${postmaster} is not running`);
  let ticks = root.own + root.reaped;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const t = statTimes(Number(name));
    if (t !== undefined && t.ppid === postmaster) ticks += t.own;
  }
  return ticks / USER_HZ;
}
