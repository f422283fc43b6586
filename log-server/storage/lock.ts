/**
 * The single-writer lock (a second server on the same database must refuse to start: docs/storage.md).
 *
 * The lock is an OS file lock, held by SQLite on a small side database `<db>.lock` opened with
 * `PRAGMA locking_mode = EXCLUSIVE` and written once: from then on SQLite keeps its exclusive
 * lock on that file until the connection closes. Another process (or another connection in
 * this process) gets SQLITE_BUSY at once. The kernel drops the lock when the holder dies, even
 * by SIGKILL, so a crash never leaves a stale lock behind. The log database itself stays
 * readable by other processes (backups, `sqlite3` inspection).
 */
import { lstatSync } from 'node:fs';
import Database from 'better-sqlite3';
import { RunproofError } from '../../src/errors.js';
import { storageError } from './store.js';

/** A held writer lock; `release()` drops it (idempotent). */
export interface WriterLock {
  readonly path: string;
  release(): void;
}

/**
 * acquireWriterLock takes the writer lock for the log database at `dbPath`, or fails at once.
 * @throws RunproofError CONFLICT if another runproof-log holds it
 */
export function acquireWriterLock(dbPath: string): WriterLock {
  const path = `${dbPath}.lock`;
  // SQLite follows symlinks: a planted `<db>.lock` link would make the server create or
  // overwrite the link's target. The lock file is only ever a regular file this user owns.
  refuseForeignLock(path);
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: 0 });
  } catch (cause) {
    throw storageError(path, cause);
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, since_ms INTEGER NOT NULL) STRICT');
    db.exec('DELETE FROM holder');
    db.prepare('INSERT INTO holder (pid, since_ms) VALUES (?, ?)').run(process.pid, Date.now());
    db.exec('COMMIT');
  } catch (cause) {
    db.close();
    if (isBusy(cause)) {
      throw new RunproofError('CONFLICT', `another runproof-log holds ${dbPath} (lock file ${path}); stop it first`, { cause });
    }
    throw storageError(path, cause);
  }
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      db.close();
    },
  };
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** refuseForeignLock throws unless `path` is absent or a regular file (not a symlink) owned by this user. */
function refuseForeignLock(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const own = process.getuid === undefined || st.uid === process.getuid();
  if (!st.isFile() || !own) {
    throw new RunproofError('FORBIDDEN', `lock file ${path} is ${st.isSymbolicLink() ? 'a symbolic link' : !st.isFile() ? 'not a regular file' : `owned by user ${st.uid}`}; refusing to use it (remove it if it is not yours)`);
  }
}
