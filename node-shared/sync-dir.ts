/**
 * Making a directory's entries durable: after a rename or a new file, the data is on disk once the
 * file is synced, but its name is only once the directory is.
 */
import { open } from 'node:fs/promises';

/**
 * syncDir flushes a directory's entries (a rename, a new file or directory) to disk. Windows
 * cannot open a directory, and some file systems refuse to sync one (EINVAL): there, nothing more
 * can be done from here.
 */
export async function syncDir(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
  } finally {
    await fh.close();
  }
}
