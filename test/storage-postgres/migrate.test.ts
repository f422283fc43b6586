/**
 * `runproof-log migrate --from FILE --to URL`: a SQLite log made by the real server is copied
 * into PostgreSQL and checked by its root; the same copy is refused into a database that already
 * holds a log, and a copy under the wrong key writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSignerKey } from '../../src/note/keys.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLogCli, startLogProcess } from '../helpers/log-process.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { dbName } from './cluster.js';

describe('runproof-log migrate (SQLite → PostgreSQL)', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });

  it('copies a log, proves it by the root, and refuses a second copy or a wrong key', async () => {
    const log = await startLogProcess();
    try {
      for (let i = 0; i < 300; i++) {
        const identity = `sha256:b${(i + 1).toString(16).padStart(63, '0')}`;
        const res = await fetch(`${log.url}/v1/identities`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity }) });
        expect(res.status).toBe(200);
      }
      const checkpoint = await (await fetch(`${log.url}/checkpoint`)).text();
      expect(await log.stop()).toBe(0);
      const url = await pg.createDatabase();
      const r = await runLogCli(['migrate', '--from', log.dbPath, '--to', url]);
      expect(r.code, r.stderr).toBe(0);
      const root = /^root \(SQLite, signed\): (.+)$/m.exec(r.stdout)![1];
      expect(/^root \(PostgreSQL, recomputed\): (.+)$/m.exec(r.stdout)![1]).toBe(root);
      expect(checkpoint).toContain(`\n${root}\n`);
      expect(r.stdout).toMatch(/^tree size: 300$/m);
      const n = (await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM identities', [], dbName(url)))[0]!.n;
      expect(n).toBe('300');
      // Into the same database again: refused, nothing changed.
      const again = await runLogCli(['migrate', '--from', log.dbPath, '--to', url]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/CONFLICT: .*already holds a log/);
      // With another key: refused before anything is written.
      const other = join(log.dataDir, 'other.key');
      writeFileSync(other, newSignerKey('runproof.local/log', new Uint8Array(32).fill(3)) + '\n', { mode: 0o600 });
      const url2 = await pg.createDatabase();
      const wrong = await runLogCli(['migrate', '--from', log.dbPath, '--to', url2, '--key', other]);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/UNKNOWN_KEY/);
      expect(await pg.query("SELECT 1 FROM pg_tables WHERE tablename = 'log_meta'", [], dbName(url2))).toEqual([]);
    } finally {
      await log.kill();
      log.cleanup();
    }
  });
});
