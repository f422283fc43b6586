/**
 * The log's private key file (design §4, §8): one line in the Go `note` signer format
 * `PRIVATE+KEY+<name>+<hex id>+base64(0x01 ‖ seed)`, mode 0600. A key file that group or others
 * can read is refused — a leaked log key lets anyone sign a forked history.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, statSync, writeSync, closeSync, fsyncSync } from 'node:fs';
import { dirname } from 'node:path';
import { isRunproofError } from '../src/errors.js';
import { newSignerKey, parseSignerKey, SIG_ED25519, type Signer } from '../src/note/keys.js';
import { ConfigError } from './config.js';
import { nativeEd25519Signer } from './native-ed25519.js';

/** Largest key file read (a signer key is about 100 bytes plus the name). */
const MAX_KEY_FILE = 4096;

/**
 * readKeyFile loads a log signer key, refusing a file readable or writable by group or others.
 * @throws ConfigError for an unsafe mode, a non-regular file or a malformed or non-log key
 */
export function readKeyFile(path: string): Signer {
  const st = statSync(path);
  if (!st.isFile()) throw new ConfigError(`key file ${path} is not a regular file`);
  if (process.platform !== 'win32' && st.mode % 0o100 !== 0) {
    const mode = (st.mode % 0o1000).toString(8).padStart(4, '0');
    throw new ConfigError(`key file ${path} is accessible by group or others (mode ${mode}); run: chmod 600 ${path}`);
  }
  if (st.size > MAX_KEY_FILE) throw new ConfigError(`key file ${path} is too large to be a signer key`);
  let text = readFileSync(path, 'utf8');
  if (text.endsWith('\n')) text = text.slice(0, -1);
  let signer: Signer;
  try {
    signer = parseSignerKey(text, nativeEd25519Signer);
  } catch (e) {
    if (isRunproofError(e)) throw new ConfigError(`key file ${path}: ${e.message}`);
    throw e;
  }
  if (signer.type !== SIG_ED25519) throw new ConfigError(`key file ${path}: not a log key (type 0x01 Ed25519 required)`);
  return signer;
}

/**
 * createKeyFile makes a new Ed25519 log key named `name` from a fresh random seed and writes it
 * with mode 0600, failing if the file already exists. The directory is created (0700) if needed.
 */
export function createKeyFile(path: string, name: string): Signer {
  let text: string;
  try {
    text = newSignerKey(name, new Uint8Array(randomBytes(32)), SIG_ED25519);
  } catch (e) {
    if (isRunproofError(e)) throw new ConfigError(`--origin ${JSON.stringify(name)} cannot be a key name: ${e.message}`);
    throw e;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, text + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return parseSignerKey(text, nativeEd25519Signer);
}
