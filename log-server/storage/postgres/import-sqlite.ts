/**
 * `runproof-log migrate --from FILE --to URL`: copies a SQLite log into an empty PostgreSQL
 * database, in one transaction (a failure leaves the target as it was), then proves the copy by
 * restoring the log from PostgreSQL — the right edge rebuilt from the copied tiles — and
 * comparing its root with the root signed in the SQLite log's latest checkpoint. The SQLite log
 * must not be running (its writer lock is taken for the copy).
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { RunproofError } from '../../../src/errors.js';
import { toBase64 } from '../../../src/encoding/base64.js';
import { equalBytes } from '../../../src/encoding/utf8.js';
import { parseCheckpoint } from '../../../src/note/checkpoint.js';
import { toVerifier, verifierKey, type Signer } from '../../../src/note/keys.js';
import { openNote } from '../../../src/note/note.js';
import { acquireWriterLock } from '../lock.js';
import { RightEdge } from '../right-edge.js';
import { openPostgresBackend } from './backend.js';

/** Rows copied per INSERT. */
const CHUNK = 4096;

/** What a migration copied and checked. */
export interface ImportReport {
  origin: string;
  size: number;
  /** The root (base64) signed in the SQLite log's latest checkpoint. */
  sqliteRoot: string;
  /** The root (base64) of the tree rebuilt from the tiles copied into PostgreSQL (equal, or nothing was committed). */
  postgresRoot: string;
  checkpoints: number;
}

/**
 * importSqlite copies the SQLite log at `from` into the PostgreSQL database `to` (which must
 * hold no log yet; its schema is created if absent) and checks the roots agree.
 * @throws RunproofError NOT_FOUND (no such file); CONFLICT (the SQLite log is running, or the
 *   target already holds a log); UNKNOWN_KEY (the SQLite log is not signed by `signer`);
 *   INCONSISTENT_LOG (the copy does not reproduce the root); UNAVAILABLE (target unreachable)
 */
export async function importSqlite(from: string, to: string, signer: Signer): Promise<ImportReport> {
  if (!existsSync(from)) throw new RunproofError('NOT_FOUND', `log database ${from} does not exist`);
  const lock = acquireWriterLock(from);
  const db = new Database(from, { readonly: true, fileMustExist: true });
  try {
    const meta = db.prepare<[], { origin: string; created_ms: number }>('SELECT origin, created_ms FROM log_meta WHERE id = 1').get();
    const latest = db.prepare<[], { size: number; note: string }>('SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1').get();
    if (meta === undefined || latest === undefined) throw new RunproofError('NOT_FOUND', `log database ${from} holds no initialised log`);
    if (meta.origin !== signer.name) throw new RunproofError('ORIGIN_MISMATCH', `log database ${from} is the log ${JSON.stringify(meta.origin)}, the key is ${JSON.stringify(signer.name)}`);
    let text: string;
    try {
      text = openNote(latest.note, [toVerifier(signer)]).text;
    } catch (cause) {
      throw new RunproofError('UNKNOWN_KEY', `the latest checkpoint in ${from} is not signed by ${verifierKey(signer)}; wrong key file?`, { cause });
    }
    const signed = parseCheckpoint(text);

    const backend = await openPostgresBackend({ url: to, create: true, vkey: verifierKey(signer) });
    try {
      const client = await backend.pool.connect();
      try {
        await client.query('BEGIN');
        const taken = await client.query('SELECT 1 FROM log_meta FOR UPDATE');
        if (taken.rowCount !== 0) throw new RunproofError('CONFLICT', `${backend.name} already holds a log; migrate only into an empty database`);
        await client.query('INSERT INTO log_meta (id, origin, vkey, created_ms) VALUES (1, $1, $2, $3)', [meta.origin, verifierKey(signer), meta.created_ms]);
        const copy = async (select: string, insert: string, columns: (row: Record<string, unknown>) => unknown[]) => {
          let batch: unknown[][] = [];
          const flush = async () => {
            if (batch.length === 0) return;
            const cols = batch[0]!.map((_, i) => batch.map((r) => r[i]));
            await client.query(insert, cols);
            batch = [];
          };
          for (const row of db.prepare(select).iterate() as Iterable<Record<string, unknown>>) {
            batch.push(columns(row));
            if (batch.length === CHUNK) await flush();
          }
          await flush();
        };
        await copy('SELECT level, idx, hashes FROM tiles', 'INSERT INTO tiles (level, idx, hashes) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])', (r) => [r.level, r.idx, r.hashes]);
        await copy('SELECT idx, entries FROM bundles', 'INSERT INTO bundles (idx, entries) SELECT * FROM unnest($1::bigint[], $2::bytea[])', (r) => [r.idx, r.entries]);
        await copy('SELECT digest, idx FROM identities', 'INSERT INTO identities (digest, idx) SELECT * FROM unnest($1::bytea[], $2::bigint[])', (r) => [r.digest, r.idx]);
        await copy('SELECT size, note FROM checkpoints', 'INSERT INTO checkpoints (size, note) SELECT * FROM unnest($1::bigint[], $2::text[])', (r) => [r.size, r.note]);
        await client.query('INSERT INTO log_head (id, size, note) VALUES (1, $1, $2)', [latest.size, latest.note]);
        // The proof of the copy, inside the transaction: the right edge rebuilt from the copied
        // tiles must give the root the SQLite log signed. Only then COMMIT.
        const blobs = new Map<string, Uint8Array | undefined>();
        const edge = await restoreFrom(latest.size, async (level, idx) => {
          const r =
            level === 'entries'
              ? await client.query<{ b: Buffer }>('SELECT entries AS b FROM bundles WHERE idx = $1', [idx])
              : await client.query<{ b: Buffer }>('SELECT hashes AS b FROM tiles WHERE level = $1 AND idx = $2', [level, idx]);
          return r.rows[0]?.b;
        }, blobs);
        if (!equalBytes(edge.root(), signed.root)) {
          throw new RunproofError('INCONSISTENT_LOG', `the copy gives root ${toBase64(edge.root())} at size ${latest.size}, the SQLite log signed ${toBase64(signed.root)}; nothing was written`);
        }
        await client.query('COMMIT');
        const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM checkpoints').get()!.n;
        return { origin: meta.origin, size: latest.size, sqliteRoot: toBase64(signed.root), postgresRoot: toBase64(edge.root()), checkpoints: count };
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    } finally {
      await backend.close();
    }
  } finally {
    db.close();
    lock.release();
  }
}

/** restoreFrom runs RightEdge.restore (synchronous) over an asynchronous blob reader, fetching what it asks for. */
async function restoreFrom(size: number, read: (level: number | 'entries', idx: number) => Promise<Uint8Array | undefined>, fetched: Map<string, Uint8Array | undefined>): Promise<RightEdge> {
  for (;;) {
    let wanted: [number | 'entries', number] | undefined;
    try {
      return RightEdge.restore(size, (level, idx) => {
        const key = `${level}/${idx}`;
        if (fetched.has(key)) return fetched.get(key);
        wanted = [level, idx];
        throw wanted;
      });
    } catch (e) {
      if (wanted === undefined || e !== wanted) throw new RunproofError('INCONSISTENT_LOG', `the copied log is incomplete: ${String(e)}`, { cause: e });
      const b = await read(wanted[0], wanted[1]);
      fetched.set(`${wanted[0]}/${wanted[1]}`, b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.length));
    }
  }
}
