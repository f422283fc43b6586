/**
 * Making commits durable off the main thread. SQLite in WAL mode with `synchronous = FULL`
 * fsyncs the WAL file inside every COMMIT, and better-sqlite3 is synchronous, so the whole
 * process (every HTTP connection) used to stop for each fsync. The log instead commits with
 * `synchronous = NORMAL` — identical on disk except that the WAL is not fsynced at COMMIT
 * (sqlite.org/pragma.html#pragma_synchronous; checkpoints still sync the WAL before and the
 * database after) — and then syncs the WAL file itself here with fdatasync (the data and the
 * file size, which is what reading the WAL back needs), in libuv's thread pool, while the main
 * thread keeps serving. The sequencer answers nobody and publishes nothing until that sync has
 * returned, so an answer still means "entries, tiles and checkpoint are on disk", exactly as
 * with FULL; see docs/storage.md "The sequencer and its commit point".
 */
import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** WalSync syncs the WAL file of one open WAL-mode database to stable storage. */
export class WalSync {
  private fd: number | undefined;

  /** The database's WAL file must exist (it does once the connection has read the database in WAL mode). */
  constructor(dbPath: string) {
    const walPath = `${dbPath}-wal`;
    this.fd = openSync(walPath, 'r');
    // The WAL file's directory entry must be durable too (once: SQLite keeps the file while open).
    const dir = openSync(dirname(walPath), 'r');
    try {
      fsyncDir(dir);
    } finally {
      closeSync(dir);
    }
  }

  /**
   * sync resolves once everything written to the WAL before the call is on stable storage.
   * SQLite keeps the WAL file (same inode) while a connection is open — it resets it in place
   * after a checkpoint and deletes it only when the last connection closes — so the descriptor
   * opened at start-up stays the right one for the life of the log.
   */
  async sync(): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) throw new Error('wal-sync: closed');
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
  }

  /** close releases the file descriptor. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** fsyncDir makes a directory entry durable; file systems that refuse to fsync a directory (EINVAL) need nothing. */
function fsyncDir(fd: number): void {
  try {
    fsyncSync(fd);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
  }
}
