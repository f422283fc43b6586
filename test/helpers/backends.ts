/**
 * The storage backends the log-core and HTTP suites run against (log-server/storage/backend.ts).
 * A suite asks {@link testBackend} for the one this run uses — `RUNPROOF_TEST_BACKEND`, default
 * `sqlite` — so the same tests run on every backend: add an entry to {@link TEST_BACKENDS} and a
 * vitest project that sets the variable (vitest.config.ts). Tests of one backend's own behaviour
 * (SQLite pragmas, its lock file) check {@link TestBackend.name} and skip on the others.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import type { BackendFactory } from '../../log-server/storage/backend.js';
import { postgresBackend } from '../../log-server/storage/postgres/backend.js';
import { sqliteBackend, type SqliteBackendOptions } from '../../log-server/storage/sqlite.js';

/** A backend as the test suites see it. */
export interface TestBackend {
  name: string;
  /**
   * store names a fresh, empty store for one test whose scratch directory is `dir` (it may be
   * created lazily by the first `create: true` open): a file path, or a database URL. It is
   * what `runproof-log serve --db` takes, and what {@link TestBackend.factory} opens.
   */
  store(dir: string): string;
  /** factory opens the store named `db`; `sqlite` options apply to the SQLite backend only. */
  factory(db: string, sqlite?: SqliteBackendOptions): BackendFactory;
  /** Removes what {@link TestBackend.store} made outside `dir` (the test removes `dir` itself). */
  drop?(db: string): Promise<void>;
}

/** Every backend the suites know, by name. */
export const TEST_BACKENDS: Record<string, TestBackend> = {
  sqlite: {
    name: 'sqlite',
    store: (dir) => join(dir, 'log.db'),
    factory: (db, sqlite) => sqliteBackend(db, sqlite),
  },
  // One database per test in the run's throwaway cluster (test/helpers/postgres-global.ts),
  // created by the first `create: true` open, dropped by `drop`.
  postgres: {
    name: 'postgres',
    store: (dir) => `postgres://postgres@127.0.0.1:${pgPort()}/t_${createHash('sha256').update(dir).digest('hex').slice(0, 20)}`,
    factory: (db) => {
      const open = postgresBackend({ url: db, poolSize: 4 });
      return async (opts) => {
        if (opts.create) await admin(`CREATE DATABASE ${dbOf(db)}`).catch((e: { code?: string }) => {
          if (e.code !== '42P04') throw e; // exists already: a later open of the same store
        });
        return open(opts);
      };
    },
    drop: (db) => admin(`DROP DATABASE IF EXISTS ${dbOf(db)} WITH (FORCE)`),
  },
};

function pgPort(): string {
  const port = process.env['RUNPROOF_TEST_PG_PORT'];
  if (port === undefined) throw new Error('RUNPROOF_TEST_PG_PORT is not set: run the postgres vitest project (test/helpers/postgres-global.ts)');
  return port;
}

const dbOf = (url: string) => new URL(url).pathname.slice(1);

/** admin runs one statement in the cluster's maintenance database. */
async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${pgPort()}/postgres` });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** testBackend returns the backend of this run (`RUNPROOF_TEST_BACKEND`, default sqlite). */
export function testBackend(): TestBackend {
  const name = process.env['RUNPROOF_TEST_BACKEND'] ?? 'sqlite';
  const b = TEST_BACKENDS[name];
  if (b === undefined) throw new Error(`RUNPROOF_TEST_BACKEND=${name}: no such test backend (${Object.keys(TEST_BACKENDS).join(', ')})`);
  return b;
}

/** onSqlite is true when this run's backend is SQLite (for tests of SQLite's own behaviour). */
export const onSqlite = (process.env['RUNPROOF_TEST_BACKEND'] ?? 'sqlite') === 'sqlite';
