/**
 * What the log server allocates per submitted item, and where — the figures behind the
 * "answers written as bytes" and "proof lines from remembered text" changes (docs/performance.md):
 *
 *   node dist/bench/alloc-profile.js declaration [CONNECTIONS] [SECONDS]
 *   node dist/bench/alloc-profile.js identity-batch [CONNECTIONS] [SECONDS] [ITEMS]
 *
 * Starts the built `runproof-log serve` on a fresh temporary log with V8's sampling heap profiler
 * loaded (./alloc/sampler.ts), drives it with the bench's load generator (single declarations at
 * `/v1/declarations`, default 128 connections; or 1,000-identity batches with receipts at
 * `/v1/batch`, default 4 connections), samples allocations over the measured run only, and prints
 * one JSON line: KiB allocated per item and the 15 largest allocating functions (share of the
 * sampled bytes, self). Counts of bytes, not of time: far steadier than CPU figures on a shared
 * machine, though the profiler slows the server (its rate here is not a figure).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, type LoadConfig } from './lib/load.js';
import { BIN, REPO, startServer } from './lib/procs.js';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

async function main(): Promise<void> {
  const [kind = 'declaration', connArg, secArg, itemsArg] = process.argv.slice(2);
  if (kind !== 'declaration' && kind !== 'identity-batch') throw new Error('usage: alloc-profile.js declaration|identity-batch [CONNECTIONS] [SECONDS] [ITEMS]');
  const batch = kind === 'identity-batch';
  const items = batch ? Number(itemsArg ?? 1000) : 1;
  const dir = mkdtempSync(join(tmpdir(), 'runproof-alloc-'));
  const profile = join(dir, 'alloc.heapprofile');
  const sampler = join(REPO, 'dist', 'bench', 'alloc', 'sampler.js');
  const log = await startServer(
    ['--import', sampler, BIN.log, 'serve', '--data', join(dir, 'log'), '--listen', '127.0.0.1:0', '--max-batch-items', String(items), '--max-body', String(8 * 1024 * 1024)],
    { env: { RUNPROOF_ALLOC_PROFILE: profile } },
  );
  try {
    const cfg: LoadConfig = {
      url: log.url,
      kind,
      path: batch ? '/v1/batch' : '/v1/declarations',
      items,
      connections: Number(connArg ?? (batch ? 4 : 128)),
      durationSec: Number(secArg ?? 6),
      warmupSec: 2,
      maxRequests: 10_000_000,
    };
    const signal = () => void log.child.kill('SIGUSR2');
    const r = await runLoad(cfg, { window: { start: signal, end: signal } });
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`alloc-profile: ${r.non2xx} non-2xx, ${r.errors} errors`);
    const root = await waitForProfile(profile);
    const bySite = new Map<string, number>();
    let total = 0;
    const walk = (n: ProfileNode) => {
      const f = n.callFrame;
      const site = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${f.lineNumber + 1}`;
      bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
      total += n.selfSize;
      n.children.forEach(walk);
    };
    walk(root);
    const top = [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([site, bytes]) => ({ site, share: Number((bytes / total).toFixed(3)) }));
    console.log(JSON.stringify({ kind, connections: cfg.connections, items: r.ok * items, kibPerItem: Number((total / 1024 / (r.ok * items)).toFixed(1)), top }));
  } finally {
    await log.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** waitForProfile reads the profile the sampler writes once its second SIGUSR2 has arrived. */
async function waitForProfile(path: string): Promise<ProfileNode> {
  for (let i = 0; i < 100; i++) {
    try {
      return (JSON.parse(readFileSync(path, 'utf8')) as { head: ProfileNode }).head;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`alloc-profile: no profile at ${path}`);
}

await main();
