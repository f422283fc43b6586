/**
 * Schema migrations for the PostgreSQL log database: the numbered files of
 * `migrations/postgres/`, applied in order, each in the transaction that records its number in
 * `runproof_schema`. Instances starting together take a transaction-scoped advisory lock first,
 * so exactly one applies a migration and the others see its result. A database without the
 * schema is created only when asked (`--init`); one written by a newer runproof is refused.
 */
import { join } from 'node:path';
import type pg from 'pg';
import { RunproofError } from '../../../src/errors.js';
import { loadMigrations, migrationsDir, type Migration } from '../../../node-shared/sqlite.js';

/** Key of the advisory lock that serialises schema changes (an arbitrary constant: "rpschema"). */
const SCHEMA_LOCK = 0x7270_7363;

/** postgresMigrations reads `migrations/postgres/NNNN_name.sql`. */
export function postgresMigrations(): Migration[] {
  return loadMigrations(join(migrationsDir(), 'postgres'));
}

/**
 * migratePostgres brings the schema of the database behind `client` up to date and returns its
 * version. Without `create`, a database that has no runproof schema is refused and left as it was.
 * @throws RunproofError NOT_FOUND (no schema and not `create`); CONFLICT (schema newer than this runproof)
 */
export async function migratePostgres(client: pg.ClientBase, name: string, create: boolean, migrations: readonly Migration[] = postgresMigrations()): Promise<number> {
  const latest = migrations.length;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    const exists = (await client.query<{ t: string | null }>("SELECT to_regclass('runproof_schema')::text AS t")).rows[0]!.t !== null;
    let current = 0;
    if (exists) {
      current = (await client.query<{ version: number }>('SELECT version FROM runproof_schema WHERE id = 1')).rows[0]?.version ?? 0;
    } else if (!create) {
      throw new RunproofError('NOT_FOUND', `${name} holds no runproof log (no schema); pass --init to create a new log there`);
    } else {
      await client.query('CREATE TABLE runproof_schema (id smallint PRIMARY KEY CHECK (id = 1), version integer NOT NULL CHECK (version >= 0))');
      await client.query('INSERT INTO runproof_schema (id, version) VALUES (1, 0)');
    }
    if (current > latest) {
      throw new RunproofError('CONFLICT', `${name} has schema version ${current}, written by a newer runproof (this one knows up to ${latest}); upgrade runproof`);
    }
    for (const m of migrations.slice(current)) {
      await client.query(m.sql);
      await client.query('UPDATE runproof_schema SET version = $1 WHERE id = 1', [m.version]);
    }
    await client.query('COMMIT');
    return latest;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
