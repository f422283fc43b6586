/**
 * The throwaway PostgreSQL harness itself (test/helpers/postgres.ts): it starts, answers SQL,
 * kills client connections, survives a restart on the same port, and leaves nothing behind.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

describe('PostgreSQL test harness', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs PostgreSQL 15 on loopback and creates databases', async () => {
    const [row] = await server.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    expect(row!.v).toMatch(/^15\./);
    const url = await server.createDatabase();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await c.end();
  });

  it('terminates client connections and restarts on the same port', async () => {
    const url = await server.createDatabase();
    const c = new pg.Client({ connectionString: url });
    const errors: unknown[] = [];
    c.on('error', (e) => errors.push(e));
    await c.connect();
    expect(await server.terminateBackends()).toBeGreaterThanOrEqual(1);
    await expect(c.query('SELECT 1')).rejects.toThrow();
    const port = server.port;
    await server.restart();
    expect(server.port).toBe(port);
    const d = new pg.Client({ connectionString: url });
    await d.connect();
    expect((await d.query('SELECT 2 AS two')).rows[0].two).toBe(2);
    await d.end();
  });

  it('stop removes the cluster and may be called twice', async () => {
    const other = await startPostgres();
    const dir = other.dataDir;
    expect(existsSync(dir)).toBe(true);
    await other.stop();
    await other.stop();
    expect(existsSync(dir)).toBe(false);
  });
});
