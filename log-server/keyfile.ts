/**
 * The log's private key file (docs/log-server.md): an Ed25519 note key (type 0x01) named after
 * the origin, read and written by the shared key-file code (node-shared/key-file.ts) with the
 * log's native signer; its faults are configuration errors of `runproof-log serve`.
 */
import { closeSync, fsyncSync, linkSync, openSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { isRunproofError } from '../src/errors.js';
import { parseSignerKey, SIG_ED25519, type Signer } from '../src/note/keys.js';
import { newKeyText, readSignerKeyFile, writeKeyFile } from '../node-shared/key-file.js';
import { ConfigError } from './config.js';
import { nativeEd25519Signer } from '../node-shared/native-ed25519.js';

/**
 * readKeyFile loads a log signer key, refusing a file readable or writable by group or others.
 * @throws ConfigError for an unreadable file, an unsafe mode, a non-regular file or a malformed or non-log key
 */
export function readKeyFile(path: string): Signer {
  try {
    return readSignerKeyFile(path, { factory: nativeEd25519Signer, type: [SIG_ED25519, 'a log key'] });
  } catch (e) {
    if (isRunproofError(e)) throw new ConfigError(e.message);
    throw e;
  }
}

/**
 * createKeyFile makes a new Ed25519 log key named `name` from a fresh random seed and writes it
 * with mode 0600, failing if the file already exists. The directory is created (0700) if needed.
 */
export function createKeyFile(path: string, name: string): Signer {
  let text: string;
  try {
    text = newKeyText(name, SIG_ED25519);
  } catch (e) {
    if (isRunproofError(e)) throw new ConfigError(`--origin ${JSON.stringify(name)} cannot be a key name: ${e.message}`);
    throw e;
  }
  writeKeyFile(path, text, { makeDir: true });
  return parseSignerKey(text, nativeEd25519Signer);
}

/** pendingKeyPath is where a first start keeps the new key until the database exists. */
export function pendingKeyPath(keyPath: string): string {
  return `${keyPath}.init`;
}

/**
 * commitKeyFile gives a pending key file its real name, never replacing an existing file (a
 * hard link, then the pending name is removed), and makes the directory entry durable. A crash
 * in between leaves the key under both names, which the next start reads as the real one.
 * @throws the file system's error (EEXIST if a key already has the real name)
 */
export function commitKeyFile(pending: string, keyPath: string): void {
  linkSync(pending, keyPath);
  unlinkSync(pending);
  const dir = openSync(dirname(keyPath), 'r');
  try {
    fsyncSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
  } finally {
    closeSync(dir);
  }
}
