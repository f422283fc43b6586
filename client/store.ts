/**
 * Where `runproofFetch` keeps what a third party needs to check a run later: the declaration's
 * canonical bytes and its receipt (design §5: "keeps the receipt next to the output").
 *
 * {@link directoryStore} writes two files per run into one directory:
 * - `sha256-<64 hex>.json` — the canonical declaration (its SHA-256 is the identity);
 * - `sha256-<64 hex>.tlog-proof` — the c2sp.org/tlog-proof receipt.
 * The identity's `:` is written as `-` because `:` is not allowed in Windows file names.
 * Each file is written to a temporary name, flushed to disk and renamed into place, so a reader
 * never sees half a file; the declaration is written before its receipt.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RunproofError } from '../src/errors.js';
import { equalBytes } from '../src/encoding/utf8.js';
import { toHex } from '../src/encoding/hex.js';
import { parseIdentity } from '../src/declaration/identity.js';
import { sha256 } from '../src/merkle/hash.js';

/** A place to keep declarations and their receipts. */
export interface ReceiptStore {
  /** put stores the canonical declaration bytes and the receipt text of `identity`. */
  put(identity: string, declaration: Uint8Array, receipt: string): Promise<void>;
}

/** storeFileName returns the portable base name (no extension) used for `identity`. */
export function storeFileName(identity: string): string {
  parseIdentity(identity);
  return identity.replace(':', '-');
}

/**
 * directoryStore returns a {@link ReceiptStore} writing into `dir` (created on first use).
 * `put` refuses a declaration whose SHA-256 is not `identity`, so every stored pair re-derives.
 * @throws RunproofError IDENTITY_MALFORMED, ENTRY_MISMATCH (from `put`)
 */
export function directoryStore(dir: string): ReceiptStore {
  return {
    async put(identity, declaration, receipt) {
      const name = storeFileName(identity);
      if (!equalBytes(sha256(declaration), parseIdentity(identity))) {
        throw new RunproofError('ENTRY_MISMATCH', `store: the declaration bytes do not hash to ${identity}`);
      }
      await mkdir(dir, { recursive: true });
      await writeAtomic(join(dir, `${name}.json`), declaration);
      await writeAtomic(join(dir, `${name}.tlog-proof`), new TextEncoder().encode(receipt));
    },
  };
}

/** writeAtomic writes `data` to a temporary file beside `path`, syncs it and renames it over `path`. */
async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = `${path}.${toHex(randomBytes(6))}.tmp`;
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
