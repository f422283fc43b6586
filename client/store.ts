/**
 * Where `runproofFetch` keeps what a third party needs to check a run later: the declaration's
 * canonical bytes and its receipt (docs/client.md, "The receipt store").
 *
 * {@link directoryStore} writes two files per run into one directory:
 * - `sha256-<64 hex>.json` — the canonical declaration (its SHA-256 is the identity);
 * - `sha256-<64 hex>.tlog-proof` — the c2sp.org/tlog-proof receipt.
 * and two indexes beside them:
 * - `responses/<provider response id>` — the identity of the run that produced that response
 *   (so a later turn that continues it can name it: docs/specification.md §4.1);
 * - `batches/<name>.json` — `{custom_id: identity}` of a declared provider batch.
 * The identity's `:` is written as `-` because `:` is not allowed in Windows file names.
 * Each file is written to a temporary name, flushed to disk and renamed into place, so a reader
 * never sees half a file; the declaration is written before its receipt. The directory is
 * flushed after the renames (and a new directory's parent after it is made), so a pair that
 * `put` returned for is still there, under its name, after a crash.
 *
 * A declaration holds the prompt — the whole run, minus credentials — and it is what makes the
 * receipt meaningful (the log holds only its hash). So the store is private: the directory is
 * made readable by its owner only (0700) and every file is created 0600.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RunproofError } from '../src/errors.js';
import { equalBytes } from '../src/encoding/utf8.js';
import { toHex } from '../src/encoding/hex.js';
import { syncDir } from '../node-shared/sync-dir.js';
import { parseIdentity } from '../src/declaration/identity.js';
import { sha256 } from '../src/merkle/hash.js';

/** A place to keep declarations and their receipts. */
export interface ReceiptStore {
  /** put stores the canonical declaration bytes and the receipt text of `identity`. */
  put(identity: string, declaration: Uint8Array, receipt: string): Promise<void>;
  /** putResponse records that provider response `responseId` came from the run `identity`. */
  putResponse?(responseId: string, identity: string): Promise<void>;
  /** responseIdentity returns the identity recorded for `responseId`, if any. */
  responseIdentity?(responseId: string): Promise<string | undefined>;
  /** putBatch records the identities of a declared batch's requests by `custom_id`. */
  putBatch?(name: string, identities: Record<string, string>): Promise<void>;
}

/** Provider ids that are safe as file names everywhere (OpenAI `resp_…`, `file-…`, `batch_…`). */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$/;

/** isStorableId says whether a provider id can name an index file (others are not indexed). */
export function isStorableId(id: string): boolean {
  return SAFE_NAME.test(id);
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
  let ready: Promise<void> | undefined;
  // Created (or tightened) once, owner-only, before the first file is written.
  const privateDir = () => (ready ??= made(dir).then(() => chmod(dir, 0o700)));
  const subdir = async (name: string) => {
    await privateDir();
    await made(join(dir, name));
    return join(dir, name);
  };
  return {
    async put(identity, declaration, receipt) {
      const name = storeFileName(identity);
      if (!equalBytes(sha256(declaration), parseIdentity(identity))) {
        throw new RunproofError('ENTRY_MISMATCH', `store: the declaration bytes do not hash to ${identity}`);
      }
      await privateDir();
      // Both files are written and flushed at once (one fsync wait, not two); the declaration
      // is still renamed into place before its receipt.
      const [decl, proof] = await Promise.allSettled([writeSynced(join(dir, `${name}.json`), declaration), writeSynced(join(dir, `${name}.tlog-proof`), new TextEncoder().encode(receipt))]);
      if (decl.status === 'rejected' || proof.status === 'rejected') {
        for (const r of [decl, proof]) if (r.status === 'fulfilled') await unlink(r.value).catch(() => undefined);
        throw decl.status === 'rejected' ? decl.reason : (proof as PromiseRejectedResult).reason;
      }
      await renameInto(decl.value, join(dir, `${name}.json`));
      await renameInto(proof.value, join(dir, `${name}.tlog-proof`));
      await syncDir(dir); // both names, with one flush
    },
    async putResponse(responseId, identity) {
      parseIdentity(identity);
      if (!isStorableId(responseId)) return;
      await writeAtomic(join(await subdir('responses'), responseId), new TextEncoder().encode(identity));
    },
    async responseIdentity(responseId) {
      if (!isStorableId(responseId)) return undefined;
      let text: string;
      try {
        text = await readFile(join(dir, 'responses', responseId), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      parseIdentity(text);
      return text;
    },
    async putBatch(name, identities) {
      if (!isStorableId(name)) throw new RunproofError('MALFORMED_REQUEST', `store: batch name ${JSON.stringify(name)} is not a portable file name`);
      for (const identity of Object.values(identities)) parseIdentity(identity);
      await writeAtomic(join(await subdir('batches'), `${name}.json`), new TextEncoder().encode(JSON.stringify(identities)));
    },
  };
}

/** writeAtomic writes `data` to a temporary file beside `path`, syncs it, renames it over `path` and syncs the directory. */
async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  await renameInto(await writeSynced(path, data), path);
  await syncDir(dirname(path));
}

/** made creates directory `path` (owner-only, with missing parents) and flushes the entry of each directory it made. */
async function made(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true, mode: 0o700 });
  if (first === undefined) return;
  // Each new directory's entry is in its parent: the new ones above `path`, then the old one.
  for (let d = dirname(path); ; d = dirname(d)) {
    await syncDir(d);
    if (d === dirname(first) || d === dirname(d)) break;
  }
}

/** writeSynced writes `data` to a new temporary file beside `path`, syncs it and returns its name. */
async function writeSynced(path: string, data: Uint8Array): Promise<string> {
  const tmp = `${path}.${toHex(randomBytes(6))}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  return tmp;
}

/** renameInto moves a synced temporary file over `path` (removing it if that fails). */
async function renameInto(tmp: string, path: string): Promise<void> {
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
