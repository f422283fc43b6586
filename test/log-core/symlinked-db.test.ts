/**
 * Issue #11, finding 5: a `--db` path that is a symlink. SQLite opens the target and keeps the
 * WAL next to it; the log must lock and fsync the files next to the target too. Without that the
 * log either cannot start (ENOENT on `<link>-wal`) or, with a stale file at `<link>-wal`, fsyncs
 * that file while the real WAL stays unsynced (acknowledged entries not durable).
 */
import { existsSync, mkdirSync, readdirSync, readlinkSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveDbPath } from '../../log-server/storage/db-path.js';
import { onSqlite } from '../helpers/backends.js';
import { identity, openLog, tempDir } from './helpers.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A temp dir with `real/` and `link/log.db → ../real/log.db`. */
function linkedDb(): { linkDb: string; realDb: string } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  mkdirSync(join(t.dir, 'real'));
  mkdirSync(join(t.dir, 'link'));
  symlinkSync('../real/log.db', join(t.dir, 'link', 'log.db'));
  return { linkDb: join(t.dir, 'link', 'log.db'), realDb: join(realpathSync(t.dir), 'real', 'log.db') };
}

/** The files this process holds open (Linux /proc), as resolved paths. */
function openFiles(): string[] {
  return readdirSync('/proc/self/fd').flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/self/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

describe.runIf(onSqlite)('a symlinked database path', () => {
  it('resolveDbPath follows a dangling final link and leaves plain paths alone', () => {
    const { linkDb, realDb } = linkedDb();
    expect(resolveDbPath(linkDb)).toBe(realDb);
    expect(resolveDbPath(realDb)).toBe(realDb);
  });

  it('starts, logs, keeps the lock next to the target, and reopens with the entries', async () => {
    const { linkDb, realDb } = linkedDb();
    const log = await openLog(linkDb);
    try {
      await log.submitMany([identity(1), identity(2)]);
      expect(existsSync(`${realDb}.lock`)).toBe(true);
      expect(existsSync(`${linkDb}.lock`)).toBe(false);
    } finally {
      await log.close();
    }
    const again = await openLog(linkDb, { create: false });
    try {
      expect(again.size).toBe(2);
    } finally {
      await again.close();
    }
  });

  it.skipIf(process.platform !== 'linux')('with a stale file at <link>-wal, syncs the real WAL and never touches the stale one', async () => {
    const { linkDb, realDb } = linkedDb();
    writeFileSync(`${linkDb}-wal`, 'stale');
    const log = await openLog(linkDb);
    try {
      await log.submitMany([identity(3)]);
      const open = openFiles();
      expect(open).toContain(`${realDb}-wal`);
      expect(open.filter((f) => f.startsWith(`${realpathSync(join(linkDb, '..'))}/`))).toEqual([]);
      expect(statSync(`${linkDb}-wal`).size).toBe(5);
    } finally {
      await log.close();
    }
  });
});
