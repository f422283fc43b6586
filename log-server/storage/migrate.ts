/**
 * Schema migrations for the log database: numbered files `migrations/NNNN_name.sql`, each
 * applied exactly once, in order, inside its own transaction that also bumps
 * `PRAGMA user_version` to the file's number (so a crash leaves either the old or the new
 * schema, never half of one). A database newer than the code is refused.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { RunproofError } from '../../src/errors.js';

/** A migration file: its number (== the user_version it produces) and SQL text. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const FILE = /^(\d{4})_[a-z0-9_]+\.sql$/;

/**
 * migrationsDir finds the package's `migrations/` folder, from the sources (log-server/storage/)
 * or from the build (dist/log-server/storage/).
 */
export function migrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
    const dir = resolve(here, up, 'migrations');
    if (existsSync(join(dir, '0001_log.sql'))) return dir;
  }
  throw new Error(`migrations: no migrations/ folder found above ${here}`);
}

/** loadMigrations reads and orders the migration files; numbers must run 1, 2, 3, … without gaps. */
export function loadMigrations(dir: string = migrationsDir()): Migration[] {
  const out: Migration[] = [];
  for (const name of readdirSync(dir).sort()) {
    const m = FILE.exec(name);
    if (m === null) continue;
    out.push({ version: Number(m[1]), name, sql: readFileSync(join(dir, name), 'utf8') });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations: expected number ${i + 1}, found ${m.name}`);
  });
  return out;
}

/**
 * migrate applies every migration newer than the database's `user_version` and returns the
 * resulting version.
 * @throws RunproofError CONFLICT if the database was written by a newer runproof (its version is unknown here)
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = loadMigrations()): number {
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
