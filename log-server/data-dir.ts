/**
 * Trust in the directories that hold the log's key and database (docs/log-server.md, "Data
 * directory"): a directory another user can write to lets that user plant a key before
 * `--init`, swap the database, or rename files under the log. The log refuses to create or open
 * its files in a directory that is group- or world-writable without the sticky bit, or owned by
 * a user other than the one running the log (or root).
 */
import { statSync } from 'node:fs';
import { ConfigError } from './config.js';

/** The sticky bit: in such a directory only a file's owner may rename or remove it. */
const STICKY = 0o1000;
/** Group-write and other-write permission bits. */
const WRITABLE_BY_OTHERS = [0o020, 0o002];

/**
 * checkDataDir throws unless `dir` is absent (it will be created 0700 by the log) or safe to hold
 * the log's files.
 * @throws ConfigError naming the directory and the fix
 */
export function checkDataDir(dir: string, what: string): void {
  if (process.platform === 'win32' || process.getuid === undefined) return;
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isDirectory()) return; // the open that follows names the real fault
  const me = process.getuid();
  if (st.uid !== me && st.uid !== 0) {
    throw new ConfigError(`${what} directory ${dir} is owned by user ${st.uid}, not by this user (${me}); another user could plant or replace its files. Use a directory this user owns (chown ${me} ${dir})`);
  }
  const mode = st.mode % 0o10000;
  // Mode bits tested by arithmetic: no bitwise operators on numbers in this code base.
  const hasBit = (bit: number) => Math.floor(mode / bit) % 2 === 1;
  if (!hasBit(STICKY) && WRITABLE_BY_OTHERS.some(hasBit)) {
    throw new ConfigError(
      `${what} directory ${dir} is writable by ${hasBit(0o002) ? 'every user' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}); another user could plant or replace its files. Run: chmod go-w ${dir}`,
    );
  }
}
