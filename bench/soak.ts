/**
 * `npm run soak` — the long reliability run (issue #6); `npm test` runs a short version of the
 * same checks (test/reliability/). Everything runs on 127.0.0.1 and stops by itself.
 *
 *   node dist/bench/soak.js [--cycles 20] [--fuzz 100000] [--idle 1000] [--seed N]
 *
 *   1. crash loop: `runproof-log serve` SIGKILLed at random moments under concurrent load,
 *      restarted; every acknowledged receipt must still verify and extend (consistency proof)
 *      to the new checkpoint, and a full audit must pass after every cycle;
 *   2. storage faults: a full database and a read-only one → clear 503s, nothing written,
 *      recovery once space or access returns;
 *   3. hostile input: every parser and the HTTP app fuzzed with ≥ --fuzz cases in total;
 *   4. hostile clients: --idle idle connections, slowloris clients, an oversized header; 400
 *      stalled 1 MiB uploads (the in-flight body budget and the body timeout);
 *   5. the clock jumping backwards.
 *
 * Prints a report and writes bench/results/soak.md and soak.json; exits 1 if anything failed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../log-server/http/app.js';
import { clockBackwards } from './reliability/clock.js';
import { hostileClients, stalledBodies } from './reliability/connections.js';
import { crashLoop } from './reliability/crash-loop.js';
import { BYTE_TARGETS, fuzzHttp, fuzzParsers, TEXT_TARGETS } from './reliability/fuzz.js';
import { startInProcess } from './reliability/in-process.js';
import { storageFault } from './reliability/storage.js';
import { REPO, rssOf, startLog } from './lib/procs.js';
import { machine } from './lib/report.js';

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) % 2 ** 32;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { cycles: { type: 'string', default: '20' }, fuzz: { type: 'string', default: '100000' }, idle: { type: 'string', default: '1000' }, seed: { type: 'string' } },
  });
  const cycles = Number(values.cycles);
  const fuzzTotal = Number(values.fuzz);
  const idle = Number(values.idle);
  const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000;
  const say = (line: string) => process.stderr.write(`soak: ${line}\n`);
  const lines: string[] = [];
  const result: Record<string, unknown> = { seed, machine: machine(), started: new Date().toISOString() };
  let failed = false;
  const fail = (what: string) => {
    failed = true;
    lines.push(`- **FAILED**: ${what}`);
  };
  const t0 = performance.now();

  say(`seed ${seed}; crash loop, ${cycles} cycles`);
  const dir = mkdtempSync(join(tmpdir(), 'runproof-soak-'));
  try {
    const r = await crashLoop({ dataDir: dir, cycles, workers: 8, minRunMs: 500, maxRunMs: 4000, auditEachCycle: true, random: mulberry32(seed), say });
    result['crashLoop'] = r;
    lines.push(`- crash loop: ${r.cycles} cycles of SIGKILL under 8 concurrent submitters; ${r.acknowledged} entries acknowledged with a receipt, **${r.lost} lost**; final tree ${r.finalSize} entries; ${r.consistencyProofs} consistency proofs and ${r.audits} full audits passed; ${r.interrupted} requests cut off by the kills (never acknowledged)`);
    if (r.lost > 0 || r.cycles !== cycles) fail(`crash loop: ${r.problems.slice(0, 5).join('; ')}`);
  } catch (e) {
    fail(`crash loop: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  say('storage faults');
  for (const fault of ['full', 'read-only'] as const) {
    try {
      const r = await storageFault(fault, 1000);
      result[`storage-${fault}`] = r;
      const ok = r.refused.status === 503 && r.refused.code === 'UNAVAILABLE' && !r.changed && r.servedDuring && r.recovered;
      lines.push(`- storage ${fault}: batch of 1,000 refused with ${r.refused.status} ${r.refused.code} (Retry-After ${r.refused.retryAfter}); nothing written: ${!r.changed}; reads served during the fault: ${r.servedDuring}; recovered: ${r.recovered}`);
      if (!ok) fail(`storage ${fault}: ${JSON.stringify(r)}`);
    } catch (e) {
      fail(`storage ${fault}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  const targets = TEXT_TARGETS.length + BYTE_TARGETS.length;
  const httpCases = Math.ceil(fuzzTotal * 0.1);
  const perTarget = Math.ceil((fuzzTotal - httpCases) / targets);
  say(`fuzz: ${perTarget} cases × ${targets} parsers + ${httpCases} HTTP requests`);
  const fuzz = fuzzParsers(perTarget, { seed });
  const s = await startInProcess();
  try {
    fuzz.push(await fuzzHttp(createApp({ log: s.log, logError: () => undefined }), httpCases, { seed }));
  } finally {
    await s.cleanup();
  }
  result['fuzz'] = fuzz;
  const cases = fuzz.reduce((n, r) => n + r.cases, 0);
  const bad = fuzz.filter((r) => r.failure !== undefined);
  const codes = new Set(fuzz.flatMap((r) => Object.keys(r.codes)));
  lines.push(`- hostile input: ${cases.toLocaleString('en-US')} generated cases over ${fuzz.length} targets (every parser and the HTTP app); ${codes.size} distinct RunproofError codes; ${bad.length} targets failed`);
  for (const b of bad) fail(`fuzz ${b.target}: ${b.failure}`);

  say(`hostile clients: ${idle} idle connections`);
  const hdir = mkdtempSync(join(tmpdir(), 'runproof-soak-hostile-'));
  // Room for every idle socket: this check is about serving beside them, not the cap (below).
  const log = await startLog(hdir, ['--max-connections', String(idle + 200)]);
  try {
    const r = await hostileClients(log.url, { idle, slowloris: 20, requests: 50 });
    result['hostileClients'] = r;
    lines.push(`- hostile clients: ${r.idle} idle connections (${r.idleOpen} still open), ${r.slowloris} slowloris clients, a 64 KiB header answered \`${r.oversized}\`; ${r.ok}/${r.served} ordinary requests served meanwhile, slowest ${r.slowestMs.toFixed(0)} ms`);
    if (r.ok !== r.served) fail('hostile clients: service stopped');
  } catch (e) {
    fail(`hostile clients: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await log.stop();
    rmSync(hdir, { recursive: true, force: true });
  }

  say('stalled bodies: 400 uploads of 1 MiB - 20 bytes that stall');
  const sdir = mkdtempSync(join(tmpdir(), 'runproof-soak-stalled-'));
  const slog = await startLog(sdir, ['--body-timeout', '5', '--header-timeout', '5']);
  try {
    const before = rssOf(slog.child.pid!);
    const r = await stalledBodies(slog.url, { count: 400, bytes: 1_048_576, requests: 50 });
    const after = rssOf(slog.child.pid!);
    result['stalledBodies'] = { ...r, rssBeforeMB: before / 2 ** 20, rssAfterMB: after / 2 ** 20 };
    lines.push(
      `- stalled bodies: ${r.stalled} uploads of 1 MiB stalled 20 bytes short, answered ${JSON.stringify(r.answers)}, the last after ${(r.slowestCutMs / 1000).toFixed(1)} s (--body-timeout 5); ${r.ok}/${r.served} ordinary reads served meanwhile; server RSS ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MB`,
    );
    if (r.ok !== r.served) fail('stalled bodies: service stopped');
    if (r.slowestCutMs > 60_000) fail('stalled bodies: uploads held for over a minute');
  } catch (e) {
    fail(`stalled bodies: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await slog.stop();
    rmSync(sdir, { recursive: true, force: true });
  }

  say('clock');
  const c = await clockBackwards();
  result['clock'] = c;
  lines.push(`- clock: ${c.clocks.length} batches while the clock jumped back by up to a day (and a restart a day behind); entry times decreased ${c.decreases.length} times`);
  if (c.decreases.length > 0) fail('clock: entry times decreased');

  const seconds = (performance.now() - t0) / 1000;
  result['seconds'] = seconds;
  result['ok'] = !failed;
  const m = machine();
  const md = [`# runproof soak`, '', `Run ${String(result['started'])} (${seconds.toFixed(0)} s, seed ${seed}) on ${m.nproc} × ${m.cpu}, Node ${m.node}.`, '', ...lines, '', failed ? '**Result: FAILED**' : '**Result: passed**', ''].join('\n');
  const out = join(REPO, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'soak.md'), md);
  writeFileSync(join(out, 'soak.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(md);
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (e: unknown) => {
    process.stderr.write(`soak: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
