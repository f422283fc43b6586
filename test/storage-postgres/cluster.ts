/**
 * Several real `runproof-log serve` processes on one throwaway PostgreSQL, a concurrent load
 * against all of them, and the after-the-fault checks of the failover tests: every identity
 * answered with a receipt is in the log, its receipt verifies offline, `runproof audit` passes,
 * and every checkpoint any instance handed out is consistent with the final tree.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBase64 } from '../../src/encoding/base64.js';
import { verifyConsistency } from '../../src/merkle/proof.js';
import { parseCheckpoint, type Checkpoint } from '../../src/note/checkpoint.js';
import { parseNote } from '../../src/note/note.js';
import { parseTlogProof } from '../../src/note/tlog-proof.js';
import { verifyReceipt } from '../../src/receipt/verify.js';
import { startLogProcess, type LogProcess } from '../helpers/log-process.js';
import { runproof } from '../helpers/runproof-cli.js';
import type { TestPostgres } from '../helpers/postgres.js';

/** Lease used by the tests: short, so that a failover fits a test's time. */
export const TEST_LEASE_MS = 1500;

/** A cluster of instances sharing one key file and one database. */
export class Cluster {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'runproof-cluster-'));
  readonly instances: LogProcess[] = [];
  vkey = '';

  constructor(
    readonly pg: TestPostgres,
    readonly url: string,
    private readonly env: Record<string, string> = {},
  ) {}

  /** start starts one more instance (the first one with --init: it creates key and schema). */
  async start(extra: string[] = []): Promise<LogProcess> {
    const first = this.instances.length === 0;
    const p = await startLogProcess({
      dataDir: this.dataDir,
      args: ['--db', this.url, '--lease-ms', String(TEST_LEASE_MS), ...(first ? ['--init'] : []), ...extra],
      env: this.env,
      timeoutMs: 30_000,
    });
    this.vkey = p.vkey;
    this.instances.push(p);
    return p;
  }

  /** live lists the instances that have not exited. */
  live(): LogProcess[] {
    return this.instances.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
  }

  /** leader returns the instance holding the sequencer lease (by the pid in the lease row), waiting up to `timeoutMs`. */
  async leader(timeoutMs = 15_000, not?: LogProcess): Promise<LogProcess> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await this.pg.query<{ holder: string; live: boolean }>('SELECT holder, expires_at > clock_timestamp() AS live FROM sequencer_lease', [], dbName(this.url));
      const pid = Number(row?.holder.split(':')[1]);
      const p = this.instances.find((i) => i.child.pid === pid);
      if (row?.live && p !== undefined && p !== not) return p;
      if (Date.now() > until) throw new Error(`no sequencer within ${timeoutMs} ms (lease ${JSON.stringify(row)})`);
      await sleep(50);
    }
  }

  /** stop stops every instance (SIGCONT first, in case one is stopped) and removes the key directory. */
  async stop(): Promise<void> {
    for (const p of this.instances) {
      p.child.kill('SIGCONT');
      await p.kill();
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** What one acknowledged submission told its client. */
export interface Ack {
  identity: string;
  index: number;
  receipt: string;
  instance: string;
}

/**
 * Load submits distinct identities from `workers` concurrent clients, round robin over the
 * instances `targets()` returns, and keeps every acknowledgement. Failed requests (503, a
 * reset connection, a timeout) are counted and not retried: no receipt, no promise.
 */
export class Load {
  readonly acks: Ack[] = [];
  failures = 0;
  private n = 0;
  private stopped = false;
  private readonly done: Promise<void>[];

  constructor(
    private readonly targets: () => LogProcess[],
    workers = 6,
    private readonly salt = String(Math.random()),
  ) {
    this.done = Array.from({ length: workers }, (_, w) => this.worker(w));
  }

  private async worker(w: number): Promise<void> {
    while (!this.stopped) {
      const live = this.targets();
      if (live.length === 0) {
        await sleep(20);
        continue;
      }
      const target = live[(this.n + w) % live.length]!;
      const identity = `sha256:${createHash('sha256').update(`${this.salt}:${this.n++}`).digest('hex')}`;
      try {
        const res = await fetch(`${target.url}/v1/identities`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ identity }),
          signal: AbortSignal.timeout(20_000),
        });
        if (res.status === 200) {
          const body = (await res.json()) as { index: number; receipt: string };
          this.acks.push({ identity, index: body.index, receipt: body.receipt, instance: target.url });
        } else {
          await res.arrayBuffer();
          this.failures++;
        }
      } catch {
        this.failures++;
        await sleep(20);
      }
    }
  }

  /** stop ends the load and waits for requests in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.done);
  }
}

/** What {@link checkLog} found: zero of each is a pass. */
export interface LogCheck {
  size: number;
  acked: number;
  /** Acknowledged identities that are not in the final log at their receipt's index. */
  lost: number;
  /** Handed-out checkpoints not consistent with the final tree (a fork). */
  forks: number;
  /** Receipts that do not verify offline. */
  badReceipts: number;
  audit: { code: number | null; reason: string };
}

/**
 * checkLog checks the final log as served by `via`: audit, every ack present at its index with
 * a receipt that verifies, every distinct handed-out checkpoint consistent with the final one.
 */
export async function checkLog(via: LogProcess, vkey: string, acks: readonly Ack[]): Promise<LogCheck> {
  let badReceipts = 0;
  const handedOut = new Map<string, Checkpoint>();
  for (const a of acks) {
    try {
      verifyReceipt({ receipt: a.receipt, identity: a.identity, trust: { vkey } });
    } catch {
      badReceipts++;
    }
    const signed = parseTlogProof(a.receipt).checkpoint;
    if (!handedOut.has(signed)) handedOut.set(signed, parseCheckpoint(parseNote(signed).text));
  }
  // `via` may be a follower, whose published checkpoint may trail the sequencer's by a batch
  // (docs/storage.md): wait until it has caught up with every checkpoint handed out, so a
  // trailing follower is not counted as a fork. One that never catches up still is, below.
  const newest = Math.max(0, ...[...handedOut.values()].map((cp) => cp.size));
  let final = await servedCheckpoint(via);
  for (const until = Date.now() + 15_000; final.size < newest && Date.now() < until; final = await servedCheckpoint(via)) await sleep(200);
  const audit = await runproof(['audit', '--log', via.url, '--vkey', vkey, '--single-thread'], { timeoutMs: 120_000 });
  let lost = 0;
  for (const a of acks) {
    const res = await fetch(`${via.url}/v1/identities/${a.identity.slice('sha256:'.length)}`);
    const body = res.status === 200 ? ((await res.json()) as { index: number }) : undefined;
    if (body?.index !== a.index) lost++;
  }
  let forks = 0;
  for (const cp of handedOut.values()) {
    if (cp.size > final.size) {
      forks++;
      continue;
    }
    try {
      if (cp.size === final.size) {
        if (!Buffer.from(cp.root).equals(Buffer.from(final.root))) forks++;
        continue;
      }
      const res = await fetch(`${via.url}/v1/proofs/consistency?old=${cp.size}&new=${final.size}`);
      const proof = (await res.text()).split('\n').filter((l) => l !== '').map((l) => fromBase64(l, 32));
      verifyConsistency(cp.size, final.size, cp.root, final.root, proof);
    } catch {
      forks++;
    }
  }
  return { size: final.size, acked: acks.length, lost, forks, badReceipts, audit: { code: audit.code, reason: audit.reason } };
}

/** servedCheckpoint reads the checkpoint an instance serves now. */
async function servedCheckpoint(via: LogProcess): Promise<Checkpoint> {
  return parseCheckpoint(parseNote(await (await fetch(`${via.url}/checkpoint`)).text()).text);
}

export function dbName(url: string): string {
  return new URL(url).pathname.slice(1);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
