/**
 * Reading a private key file (design §4/§8): the Go `note` signer format
 * `PRIVATE+KEY+name+hexid+base64(type‖seed)` on one line, in a file nobody but its owner can
 * read. A file with any group or other permission bits is refused before it is read.
 */
import { readFileSync, statSync } from 'node:fs';
import { RunproofError } from '../src/errors.js';
import { parseSignerKey, type Signer } from '../src/note/keys.js';

/**
 * readSignerKeyFile reads and parses a signer key file.
 * @throws RunproofError NOT_FOUND if it cannot be read; FORBIDDEN if the file is accessible to
 *   group or others; MALFORMED_KEY
 */
export function readSignerKeyFile(path: string): Signer {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (cause) {
    throw new RunproofError('NOT_FOUND', `cannot read key file ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  // The low six permission bits are group rwx and other rwx (mode mod 0o100).
  if (process.platform !== 'win32' && mode % 0o100 !== 0) {
    throw new RunproofError('FORBIDDEN', `key file ${path} is accessible to other users (mode ${(mode % 0o1000).toString(8)}); chmod 600 it`);
  }
  const text = readFileSync(path, 'utf8');
  return parseSignerKey(text.endsWith('\n') ? text.slice(0, -1) : text);
}
