/**
 * The one resolution of the database path. SQLite opens a symlinked database at its target and
 * keeps the WAL (`-wal`), the shared memory (`-shm`) and our lock (`.lock`) next to the target,
 * so every file the log derives from the path must be derived from the resolved path: a WAL
 * opened next to the link would fail (ENOENT) or, worse, fsync a stale file there while the real
 * WAL stays unsynced.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Symlinks followed at most, as the kernel's own limit (ELOOP). */
const MAX_LINKS = 40;

/**
 * resolveDbPath is the absolute path of the file SQLite opens for `path`: every symlink resolved,
 * including a final link whose target does not exist yet (SQLite creates the target).
 * @throws the file system's error for an unreadable directory or a symlink loop (a missing
 *   directory is not an error here: opening the database reports it)
 */
export function resolveDbPath(path: string): string {
  let p = resolve(path);
  for (let hops = 0; hops <= MAX_LINKS; hops++) {
    try {
      return realpathSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    let link = false;
    try {
      link = lstatSync(p).isSymbolicLink();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    // Not there yet: SQLite creates it in the (resolved) directory; a missing directory is
    // left for SQLite to report.
    if (!link) {
      try {
        return join(realpathSync(dirname(p)), basename(p));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        return p;
      }
    }
    // A dangling link: SQLite creates its target.
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw Object.assign(new Error(`too many symbolic links resolving ${path}`), { code: 'ELOOP' });
}
