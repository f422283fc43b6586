/**
 * SQLite state files of the witness and the monitor: open with durable settings and apply the
 * numbered `.sql` files of `migrations/<set>/` in order, each once, tracked by
 * `PRAGMA user_version`. Shared by `witness/` and `monitor/`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

/** A better-sqlite3 database handle. */
export type Db = Database.Database;

/** Finds `migrations/<set>` by walking up from this module (works from the sources and from dist/). */
function migrationsDir(set: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'migrations', set);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`migrations/${set} not found above ${fileURLToPath(import.meta.url)}`);
}

/** The migration files of a set, ordered by their number prefix (`0001_init.sql`, …). */
function migrationFiles(set: string): { version: number; sql: string; name: string }[] {
  const dir = migrationsDir(set);
  return readdirSync(dir)
    .filter((f) => /^[0-9]{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name, i) => {
      const version = Number(name.slice(0, 4));
      if (version !== i + 1) throw new Error(`migrations/${set}: ${name} is out of sequence (want ${String(i + 1).padStart(4, '0')})`);
      return { version, name, sql: readFileSync(join(dir, name), 'utf8') };
    });
}

/**
 * openStateDb opens (creating if needed) a state database with WAL, synchronous=FULL and
 * foreign keys on, then applies the pending migrations of `migrations/<set>/` in one
 * transaction each. A database from a newer version (user_version beyond the known files) is
 * refused rather than written to.
 */
export function openStateDb(file: string, set: 'witness' | 'monitor'): Db {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const files = migrationFiles(set);
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > files.length) throw new Error(`${file}: schema version ${current} is newer than this runproof (${files.length})`);
    for (const m of files.slice(current)) {
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      })();
    }
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
