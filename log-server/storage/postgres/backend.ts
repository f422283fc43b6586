/**
 * The PostgreSQL backend of the storage seam (../backend.ts): one database shared by any number
 * of `runproof-log serve` instances (docs/storage.md, "PostgreSQL"). Reads are plain queries on a
 * small connection pool; a sequencing batch is one lookup query and one call of
 * `runproof_commit_batch` (migrations/postgres/0001_log.sql), which writes everything in one
 * transaction fenced twice: by the sequencer lease epoch (./lease.ts) and by compare-and-swap
 * of the previous checkpoint. A committed transaction is durable (synchronous_commit on, which
 * opening checks), so `sync` has nothing left to do.
 */
import pg from 'pg';
import { RunproofError } from '../../../src/errors.js';
import { FencedError, type BackendFactory, type BatchWrite, type Coordination, type LogBackend, type LogGenesis, type SequencingBatch, type StoredCheckpoint } from '../backend.js';
import { PostgresCoordination, type CoordinationOptions } from './coordination.js';
import { SequencerLease } from './lease.js';
import { migratePostgres } from './migrate.js';
import { connectionError, describeUrl } from './url.js';

/** Options of {@link openPostgresBackend}. */
export interface PostgresBackendOptions {
  /** `postgres://USER[:PASSWORD]@HOST:PORT/DB` or `postgresql://…`. */
  url: string;
  /** Create the schema in a database that has none (`--init`); an existing log is never reset. */
  create: boolean;
  /** The log's verifier key: a database of a log with another key is refused. */
  vkey: string;
  /** Most connections of the pool (default 8). */
  poolSize?: number;
  /** Test only: skip the lease and compare-and-swap fence (shows what it prevents). Default true. */
  fenced?: boolean;
  /** Lease and forwarding settings (./coordination.ts). */
  coordination?: CoordinationOptions;
}

/** postgresBackend returns the factory of the PostgreSQL log at `opts.url` (the seam's BackendFactory). */
export function postgresBackend(opts: Omit<PostgresBackendOptions, 'create' | 'vkey'>): BackendFactory {
  return async ({ create, vkey }) => openPostgresBackend({ ...opts, create, vkey });
}

/** A stored-identity lookup answer. */
type IndexRow = { digest: Buffer; idx: string };

/**
 * openPostgresBackend connects, migrates (or with `create`, creates) the schema and checks that
 * the database is this log's.
 * @throws RunproofError UNAVAILABLE (unreachable, authentication, synchronous_commit off);
 *   NOT_FOUND (no such database, or no runproof schema and not `create`); CONFLICT (newer schema);
 *   ORIGIN_MISMATCH (the database belongs to another log); UNKNOWN_KEY (to this origin's log
 *   with another key)
 */
export async function openPostgresBackend(opts: PostgresBackendOptions): Promise<PostgresBackend> {
  const name = `PostgreSQL database ${describeUrl(opts.url)}`;
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 8, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
  // A pooled connection killed while idle (pg_terminate_backend, a restart) is dropped by the
  // pool; without a listener its 'error' event would crash the process.
  pool.on('error', () => undefined);
  try {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (cause) {
      throw connectionError(name, cause);
    }
    try {
      const sync = (await client.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s")).rows[0]!.s;
      if (sync === 'off' || sync === 'local') {
        // 'local' only loses acknowledged commits when a standby is configured; refuse it too
        // rather than reason about the replication set-up.
        throw new RunproofError('UNAVAILABLE', `${name} runs with synchronous_commit = ${sync}: a receipt could be lost in a crash; set it to on (or remote_write/remote_apply)`);
      }
      await migratePostgres(client, name, opts.create);
      const meta = (await client.query<{ origin: string; vkey: string }>('SELECT origin, vkey FROM log_meta WHERE id = 1')).rows[0];
      // A verifier key starts with its name, which is the log's origin (a note key name has no '+').
      const origin = opts.vkey.slice(0, opts.vkey.indexOf('+'));
      if (meta !== undefined && meta.origin !== origin) {
        // Another log's database: named as such (as the SQLite backend does), not as a wrong key.
        throw new RunproofError('ORIGIN_MISMATCH', `${name} belongs to origin ${JSON.stringify(meta.origin)}, not ${JSON.stringify(origin)}`);
      }
      if (meta !== undefined && meta.vkey !== opts.vkey) {
        throw new RunproofError('UNKNOWN_KEY', `${name} belongs to the log with verifier key ${meta.vkey}, not ${opts.vkey}; wrong database or wrong key file?`);
      }
    } finally {
      client.release();
    }
    const backend = new PostgresBackend(name, pool, opts.vkey, opts.fenced ?? true);
    backend.coordination = new PostgresCoordination(backend, opts.coordination);
    return backend;
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw e;
  }
}

/** PostgresBackend is an open PostgreSQL log store; see the module comment. */
export class PostgresBackend implements LogBackend {
  /** The lease, once {@link startLease} ran; without it this instance never sequences. */
  lease: SequencerLease | undefined;
  /** Set by {@link openPostgresBackend}: every instance on the database coordinates. */
  coordination: Coordination | undefined;
  private listener: pg.Client | undefined;

  constructor(
    readonly name: string,
    readonly pool: pg.Pool,
    private readonly vkey: string,
    private readonly fenced: boolean,
  ) {}

  async origin(): Promise<string | undefined> {
    return (await this.pool.query<{ origin: string }>('SELECT origin FROM log_meta WHERE id = 1')).rows[0]?.origin;
  }

  async initialise(g: LogGenesis): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // The meta row's primary key makes a concurrent initialisation fail here, not half-happen.
      const r = await client.query('INSERT INTO log_meta (id, origin, vkey, created_ms) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO NOTHING', [g.origin, this.vkey, g.createdMs]);
      if (r.rowCount !== 1) throw new RunproofError('CONFLICT', `${this.name} was initialised meanwhile`);
      await client.query('INSERT INTO checkpoints (size, note) VALUES ($1, $2)', [g.checkpoint.size, g.checkpoint.note]);
      await client.query('INSERT INTO log_head (id, size, note) VALUES (1, $1, $2)', [g.checkpoint.size, g.checkpoint.note]);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    const row = (await this.pool.query<{ size: string; note: string }>('SELECT size::text, note FROM log_head WHERE id = 1')).rows[0];
    return row === undefined ? undefined : { size: Number(row.size), note: row.note };
  }

  async checkpointAt(size: number): Promise<string | undefined> {
    return (await this.pool.query<{ note: string }>('SELECT note FROM checkpoints WHERE size = $1', [size])).rows[0]?.note;
  }

  async readBlob(level: number | 'entries', idx: number): Promise<Uint8Array | undefined> {
    const r =
      level === 'entries'
        ? await this.pool.query<{ b: Buffer }>('SELECT entries AS b FROM bundles WHERE idx = $1', [idx])
        : await this.pool.query<{ b: Buffer }>('SELECT hashes AS b FROM tiles WHERE level = $1 AND idx = $2', [level, idx]);
    return bytes(r.rows[0]?.b);
  }

  async readBundleSlice(idx: number, offset: number, length: number): Promise<Uint8Array | undefined> {
    // SQL substring counts from 1.
    const r = await this.pool.query<{ b: Buffer }>('SELECT substring(entries FROM $2 FOR $3) AS b FROM bundles WHERE idx = $1', [idx, offset + 1, length]);
    return bytes(r.rows[0]?.b);
  }

  async identityIndex(digest: Uint8Array): Promise<number | undefined> {
    const r = await this.pool.query<{ idx: string }>('SELECT idx::text FROM identities WHERE digest = $1', [Buffer.from(digest)]);
    return r.rows[0] === undefined ? undefined : Number(r.rows[0].idx);
  }

  /** indexesOf returns the stored index of each digest (undefined if not stored), in input order; one query. */
  async indexesOf(digests: readonly Uint8Array[]): Promise<(number | undefined)[]> {
    if (digests.length === 0) return [];
    const r = await this.pool.query<IndexRow>('SELECT digest, idx::text AS idx FROM identities WHERE digest = ANY($1::bytea[])', [digests.map((d) => Buffer.from(d))]);
    const found = new Map<string, number>();
    for (const row of r.rows) found.set(row.digest.toString('latin1'), Number(row.idx));
    return digests.map((d) => found.get(Buffer.from(d.buffer, d.byteOffset, d.length).toString('latin1')));
  }

  begin(previous: StoredCheckpoint): SequencingBatch {
    const epoch = this.fenced ? this.lease?.epoch : 0;
    if (epoch === undefined) throw new FencedError(previous, undefined);
    return {
      lookup: (digests) => this.indexesOf(digests),
      commit: (w) => this.commitBatch(epoch, previous, w),
      rollback: () => undefined, // nothing is open between begin and commit
    };
  }

  /** commitBatch runs `runproof_commit_batch`: one statement, one transaction, one round trip. */
  private async commitBatch(epoch: number, previous: StoredCheckpoint, w: BatchWrite): Promise<void> {
    try {
      await this.pool.query('SELECT runproof_commit_batch($1, $2, $3, $4, $5, $6, $7, $8::bytea[], $9::smallint[], $10::bigint[], $11::bytea[])', [
        epoch,
        this.fenced,
        previous.size,
        previous.note,
        w.checkpoint.size,
        w.checkpoint.note,
        w.first,
        w.digests.map((d) => Buffer.from(d)),
        w.blobs.map((b) => (b.level === 'entries' ? -1 : b.level)),
        w.blobs.map((b) => b.idx),
        w.blobs.map((b) => Buffer.from(b.data.buffer, b.data.byteOffset, b.data.length)),
      ]);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code === 'RP001') this.lease?.lost(epoch);
      if (code === 'RP001' || code === 'RP002') throw new FencedError(previous, await this.latestCheckpoint().catch(() => undefined));
      throw e;
    }
  }

  /** A committed transaction is already durable (synchronous_commit on, checked at open). */
  async sync(): Promise<void> {}

  /**
   * watch calls `grown` when the stored head grows: woken by NOTIFY runproof_head, which every
   * batch sends on commit, and polling every `pollMs` (default 1000) in case a notification was
   * lost with a connection. Never reports a smaller checkpoint than it reported before.
   */
  watch(grown: (latest: StoredCheckpoint) => void, pollMs = 1000): () => void {
    let last = -1;
    let stopped = false;
    let checking = false;
    let again = false;
    const check = async (): Promise<void> => {
      if (stopped) return;
      // A notification during a read may announce a head committed after that read: read
      // once more afterwards rather than drop it (else a follower waits for the next poll).
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        const head = await this.latestCheckpoint();
        if (head !== undefined && head.size > last && !stopped) {
          last = head.size;
          grown(head);
        }
      } catch {
        /* unreachable for now: the next poll tries again */
      } finally {
        checking = false;
      }
      if (again) {
        again = false;
        return check();
      }
    };
    const timer = setInterval(() => void check(), pollMs);
    const unlisten = this.listen('runproof_head', () => void check());
    void check();
    return () => {
      stopped = true;
      clearInterval(timer);
      unlisten();
    };
  }

  /**
   * listen runs `fn` on each NOTIFY of `channel`, on one dedicated connection shared by all
   * channels and reconnected (with a `fn` call, as a lost notification may have been missed)
   * when it breaks. Returns a function that stops listening.
   */
  listen(channel: 'runproof_head' | 'runproof_pending', fn: () => void): () => void {
    const handlers = (this.handlers[channel] ??= new Set());
    handlers.add(fn);
    void this.ensureListener();
    return () => handlers.delete(fn);
  }

  private readonly handlers: Partial<Record<string, Set<() => void>>> = {};
  private listening: Promise<void> | undefined;
  private closed = false;

  private ensureListener(): Promise<void> {
    this.listening ??= (async () => {
      while (!this.closed) {
        const client = new pg.Client({ connectionString: this.pool.options.connectionString });
        const broken = new Promise<void>((resolve) => {
          client.on('error', () => resolve());
          client.on('end', () => resolve());
        });
        try {
          await client.connect();
          client.on('notification', (n) => this.handlers[n.channel]?.forEach((f) => f()));
          await client.query('LISTEN runproof_head');
          await client.query('LISTEN runproof_pending');
          this.listener = client;
          for (const set of Object.values(this.handlers)) set?.forEach((f) => f());
          await broken;
        } catch {
          /* retried below */
        }
        this.listener = undefined;
        await client.end().catch(() => undefined);
        if (!this.closed) await new Promise((r) => setTimeout(r, 250));
      }
    })();
    return this.listening;
  }

  /**
   * startLease starts competing for the sequencer lease as `holder`; `changed` hears when this
   * instance becomes the sequencer or stops being it.
   */
  async startLease(holder: string, ttlMs: number, changed: (epoch: number | undefined) => void, warn?: (m: string) => void, trusting = false): Promise<SequencerLease> {
    this.lease = new SequencerLease(this.pool, holder, ttlMs, { changed, ...(warn ? { warn } : {}) }, trusting ? () => 0 : undefined, trusting);
    await this.lease.start();
    return this.lease;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.coordination?.close();
    await this.lease?.stop();
    await this.listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}

/** bytes views a Buffer from pg as a plain Uint8Array, so `.slice()` copies (Buffer's does not). */
function bytes(b: Buffer | undefined): Uint8Array | undefined {
  return b === undefined || b === null ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.length);
}
