/**
 * What the log core costs per entry and per batch, in-process (no HTTP, no declaration parsing):
 *
 *   node dist/bench/commit-cost.js cpu DIR N [SECONDS] [PREFILL]
 *   node dist/bench/commit-cost.js frames DIR N [BATCHES] [PREFILL]
 *
 * Both open a fresh SQLite log in DIR (removed first and afterwards), fill it with PREFILL
 * entries (default 20,000) in 4,096-entry batches, then run N submitters, each awaiting its
 * `submit` and building its receipt before the next (so at N submitters every batch holds N).
 * `cpu` prints CPU per entry and per batch over SECONDS (default 5) after 3 s of warm-up: user +
 * system time of the whole process (`process.cpuUsage`, all threads), so the WAL sync in
 * libuv's pool and V8's threads count. Two values of N give the per-entry and per-batch parts
 * (docs/performance.md, "CPU per batch"). `frames` runs BATCHES batches (default 200) and
 * parses the WAL they wrote: frames per commit and the table each page belongs to (`dbstat`) —
 * a count that does not depend on how loaded the machine is. One JSON line on stdout.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { Log } from '../log-server/log.js';
import { nativeEd25519Signer } from '../node-shared/native-ed25519.js';
import { sqliteBackend } from '../log-server/storage/sqlite.js';
import { newSignerKey, parseSignerKey } from '../src/note/keys.js';

const ORIGIN = 'commit-cost.bench.example/log';

async function main(): Promise<void> {
  const [mode, dir, nArg, countArg, prefillArg] = process.argv.slice(2);
  const n = Number(nArg);
  if ((mode !== 'cpu' && mode !== 'frames') || dir === undefined || !(n >= 1)) {
    throw new Error('usage: commit-cost.js cpu|frames DIR N [SECONDS|BATCHES] [PREFILL]');
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const dbPath = join(dir, 'log.db');
  let db: Database.Database | undefined;
  let batches = 0;
  const signer = parseSignerKey(newSignerKey(ORIGIN, new Uint8Array(32).fill(7)), nativeEd25519Signer);
  const log = await Log.open({
    backend: sqliteBackend(dbPath, { onDatabase: (d) => void (db = d) }),
    origin: ORIGIN,
    signer,
    create: true,
    onBatch: () => void batches++,
  });
  let counter = 0;
  const salt = `${process.pid}:${Date.now()}`;
  const next = () => new Uint8Array(createHash('sha256').update(`${salt}:${counter++}`).digest());
  const prefill = Number(prefillArg ?? 20_000);
  for (let i = 0; i < prefill; i += 4096) await log.submitMany(Array.from({ length: Math.min(4096, prefill - i) }, next));
  try {
    if (mode === 'cpu') {
      let done = 0;
      let stop = false;
      const submitter = async () => {
        while (!stop) {
          const s = await log.submit(next());
          log.receipt(s.index, s.checkpoint, s.entry);
          done++;
        }
      };
      const running = Array.from({ length: n }, submitter);
      await sleep(3000);
      const c0 = process.cpuUsage();
      const [d0, b0, t0] = [done, batches, performance.now()];
      await sleep(Number(countArg ?? 5) * 1000);
      const c = process.cpuUsage(c0);
      const [entries, batchCount, seconds] = [done - d0, batches - b0, (performance.now() - t0) / 1000];
      stop = true;
      await Promise.all(running);
      const cpu = c.user + c.system;
      console.log(JSON.stringify({ mode, submitters: n, entries, batches: batchCount, perSecond: Math.round(entries / seconds), cpuPerEntryUs: round(cpu / entries), cpuPerBatchUs: Math.round(cpu / batchCount) }));
    } else {
      // Start from an empty WAL, so that it holds exactly the frames of the batches below.
      db!.pragma('wal_checkpoint(TRUNCATE)');
      const count = Number(countArg ?? 200);
      for (let b = 0; b < count; b++) await Promise.all(Array.from({ length: n }, () => log.submit(next())));
      // A copy of database and WAL to map page numbers to tables while the log stays open.
      copyFileSync(dbPath, `${dbPath}.copy`);
      copyFileSync(`${dbPath}-wal`, `${dbPath}.copy-wal`);
      console.log(JSON.stringify({ mode, submitters: n, ...walFrames(`${dbPath}.copy`) }));
    }
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** walFrames reads the WAL of the database at `path` (sqlite.org/fileformat2.html#walformat): frames per commit, by the table owning each page. */
function walFrames(path: string): { commits: number; framesPerCommit: number; byTable: Record<string, number> } {
  const wal = readFileSync(`${path}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const pages: number[] = [];
  let commits = 0;
  // A 32-byte header, then frames: a 24-byte header (page number, and the database size in pages on a commit frame) and the page.
  for (let off = 32; off + 24 + pageSize <= wal.length; off += 24 + pageSize) {
    pages.push(wal.readUInt32BE(off));
    if (wal.readUInt32BE(off + 4) !== 0) commits++;
  }
  const db = new Database(path, { readonly: true });
  const owner = new Map<number, string>();
  for (const r of db.prepare<[], { name: string; pageno: number; pagetype: string }>('SELECT name, pageno, pagetype FROM dbstat').all()) owner.set(r.pageno, `${r.name} ${r.pagetype}`);
  db.close();
  const byTable: Record<string, number> = {};
  for (const p of pages) {
    const o = owner.get(p) ?? 'free or other';
    byTable[o] = (byTable[o] ?? 0) + 1;
  }
  for (const k of Object.keys(byTable)) byTable[k] = round(byTable[k]! / commits);
  return { commits, framesPerCommit: round(pages.length / commits), byTable };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
