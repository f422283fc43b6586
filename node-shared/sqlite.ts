/**
 * SQLite files of every part — the log database, the witness's and the monitor's state: opening
 * one with the durable settings, and schema migrations. A set of migrations is the numbered
 * files `NNNN_name.sql` of one folder under `migrations/`, each applied exactly once, in order,
 * inside its own transaction that also bumps `PRAGMA user_version` to the file's number (so a
 * crash leaves either the old or the new schema, never half of one). A database newer than the
 * code is refused, not written to. The PostgreSQL backend reads its files with
 * {@link loadMigrations} too.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { RunproofError } from '../src/errors.js';

/** A better-sqlite3 database handle. */
export type Db = Database.Database;

/** A migration file: its number (== the user_version it produces), file name and SQL text. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

/**
 * migrationsDir finds the package's `migrations/` folder (or its subfolder `set`) by walking up
 * from this module, so it works from the sources and from dist/.
 */
export function migrationsDir(set?: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  for (let i = 0; i < 4; i++) {
    // 0001_log.sql marks the package's own folder, not some other project's migrations/.
    if (existsSync(join(dir, 'migrations', '0001_log.sql'))) return set === undefined ? join(dir, 'migrations') : join(dir, 'migrations', set);
    dir = dirname(dir);
  }
  throw new Error(`migrations: no migrations/ folder found above ${here}`);
}

/** loadMigrations reads and orders the migration files of `dir`; numbers must run 1, 2, 3, … without gaps. */
export function loadMigrations(dir: string): Migration[] {
  const out: Migration[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = FILE.exec(name);
    if (m === null) continue;
    out.push({ version: Number(m[1]), name, sql: readFileSync(join(dir, name), 'utf8') });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations: expected number ${i + 1}, found ${m.name} in ${dir}`);
  });
  return out;
}

/**
 * migrate applies every migration newer than the database's `user_version` and returns the
 * resulting version.
 * @throws RunproofError CONFLICT if the database was written by a newer runproof (its version is unknown here)
 */
export function migrate(db: Db, migrations: readonly Migration[]): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.length;
  if (current > latest) {
    throw new RunproofError('CONFLICT', `database ${db.name} has schema version ${current}, written by a newer runproof (this one knows up to ${latest})`);
  }
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return latest;
}

/** Options of {@link openSqlite}. */
export interface OpenSqliteOptions {
  /** Create the file if it does not exist (default true). */
  create?: boolean;
  /** How long a statement waits for another connection's lock, in milliseconds (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * openSqlite opens a SQLite file with the settings every runproof database relies on: WAL,
 * synchronous=FULL (a COMMIT is on disk before it returns) and foreign keys on. The handle is
 * closed again if any of that fails.
 */
export function openSqlite(file: string, opts: OpenSqliteOptions = {}): Db {
  const db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000, fileMustExist: opts.create === false });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/**
 * openStateDb opens (creating if needed) the state database of a witness or a monitor and
 * applies the pending migrations of `migrations/<set>/`.
 * @throws RunproofError CONFLICT if the file was written by a newer runproof
 */
export function openStateDb(file: string, set: 'witness' | 'monitor'): Db {
  const db = openSqlite(file);
  try {
    migrate(db, loadMigrations(migrationsDir(set)));
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
