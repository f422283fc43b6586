/**
 * Private key files of logs and witnesses, the one reader and writer: one line in the Go `note`
 * signer format `PRIVATE+KEY+<name>+<hex id>+base64(type ‖ seed)`, in a file only its owner can
 * access (mode 0600). A file with any group or other permission bits is refused before it is
 * read — a leaked log key lets anyone sign a forked history, a leaked witness key lets anyone
 * vouch for one. docs/witness-and-monitor.md and docs/log-server.md describe the files.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { RunproofError } from '../src/errors.js';
import { newSignerKey, parseSignerKey, type Ed25519SignerFactory, type Signer } from '../src/note/keys.js';

/** Largest key file read (a signer key is about 100 bytes plus the name). */
const MAX_KEY_FILE = 4096;

/** Options of {@link readSignerKeyFile}. */
export interface ReadKeyFileOptions {
  /** Makes the Ed25519 signer from the seed (default: the pure one in src/note/ed25519.ts). */
  factory?: Ed25519SignerFactory;
  /** The signature type the key must have, and what to call such a key in the error (e.g. `[0x01, 'a log key']`). */
  type?: readonly [number, string];
}

/**
 * readSignerKeyFile reads and parses a signer key file.
 * @throws RunproofError NOT_FOUND if it cannot be read; FORBIDDEN if the file is accessible to
 *   group or others; MALFORMED_KEY if it is not a regular file, too large, not a signer key or
 *   not of the wanted type
 */
export function readSignerKeyFile(path: string, opts: ReadKeyFileOptions = {}): Signer {
  let st;
  try {
    st = statSync(path);
  } catch (cause) {
    throw new RunproofError('NOT_FOUND', `cannot read key file ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  if (!st.isFile()) throw new RunproofError('MALFORMED_KEY', `key file ${path} is not a regular file`);
  // The low six permission bits are group rwx and other rwx (mode mod 0o100).
  if (process.platform !== 'win32' && st.mode % 0o100 !== 0) {
    const mode = (st.mode % 0o1000).toString(8).padStart(4, '0');
    throw new RunproofError('FORBIDDEN', `key file ${path} is accessible by group or others (mode ${mode}); run: chmod 600 ${path}`);
  }
  // A key another user owns could have been planted (e.g. in a shared directory before --init).
  if (process.getuid !== undefined && st.uid !== process.getuid()) {
    throw new RunproofError('FORBIDDEN', `key file ${path} is owned by user ${st.uid}, not by this user (${process.getuid()}); refusing a key someone else could have planted`);
  }
  if (st.size > MAX_KEY_FILE) throw new RunproofError('MALFORMED_KEY', `key file ${path} is too large to be a signer key`);
  let text = readFileSync(path, 'utf8');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  let signer: Signer;
  try {
    signer = parseSignerKey(text, opts.factory);
  } catch (e) {
    if (e instanceof RunproofError) throw new RunproofError(e.code, `key file ${path}: ${e.message}`, { cause: e });
    throw e;
  }
  if (opts.type !== undefined && signer.type !== opts.type[0]) {
    throw new RunproofError('MALFORMED_KEY', `key file ${path}: not ${opts.type[1]} (type 0x${opts.type[0].toString(16).padStart(2, '0')} required)`);
  }
  return signer;
}

/**
 * newKeyText draws a fresh random Ed25519 seed and returns the signer key text for `name` and
 * signature `type`.
 * @throws RunproofError MALFORMED_KEY if `name` cannot be a key name
 */
export function newKeyText(name: string, type: number): string {
  return newSignerKey(name, new Uint8Array(randomBytes(32)), type);
}

/** Options of {@link writeKeyFile}. */
export interface WriteKeyFileOptions {
  /** Replace an existing file (through a fresh 0600 file renamed over it, so its mode is not inherited). */
  force?: boolean;
  /** Create the missing parent directories (mode 0700). */
  makeDir?: boolean;
}

/**
 * writeKeyFile writes `keyText` and a newline to a new file with mode 0600, synced to disk.
 * Without `force` an existing file is left alone and the error's `code` is `EEXIST`.
 */
export function writeKeyFile(path: string, keyText: string, opts: WriteKeyFileOptions = {}): void {
  if (opts.makeDir) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!opts.force) {
    writeNew(path, keyText + '\n');
    return;
  }
  const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
  try {
    writeNew(tmp, keyText + '\n');
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // nothing was written, or the rename already moved it
    }
    throw e;
  }
}

/** Writes `data` to a new file with mode 0600 and syncs it; fails if the file exists. */
function writeNew(path: string, data: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600); // independent of the umask
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
