/**
 * `npm run bench` — the runproof benchmarks (issue #6). Starts what each scenario needs on
 * 127.0.0.1 (the built `runproof-log`, baseline servers, the load generator in its own process),
 * runs the scenarios, and writes bench/results/results.md and results.json: every figure beside
 * a baseline measured in the same run, as a ratio, with the target it is held to.
 *
 *   node dist/bench/run.js [--quick] [--only NAME[,NAME…]] [--out DIR] [--large N] [--large-budget S] [--against DIR]
 *
 * Scenarios: calibrate (the machine factor), single, postgres, batch, reads, lookup, audit, verify, explorer, large, publish, client;
 * and `against` (this build against the built checkout DIR of another revision), only with --against. `--quick` shortens every load
 * run and uses smaller logs (for a smoke run; its figures are noisier). Logs of N entries are
 * built once and cached under data/bench/ (git ignores data/); the large log (10M entries) is
 * built for at most --large-budget seconds per run (default 120) and resumed by the next run, so
 * its figures are for the entries it has so far, which results.md states.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchContext, Scenario } from './lib/context.js';
import { REPO } from './lib/procs.js';
import { withRatio, writeResults, type Figure } from './lib/report.js';
import { against } from './scenarios/against.js';
import { audit } from './scenarios/audit.js';
import { calibrate } from './scenarios/calibrate.js';
import { client } from './scenarios/client.js';
import { explorer } from './scenarios/explorer.js';
import { batch } from './scenarios/batch.js';
import { large } from './scenarios/large.js';
import { publish } from './scenarios/publish.js';
import { lookup, reads } from './scenarios/reads.js';
import { single } from './scenarios/single.js';
import { postgres } from './scenarios/postgres.js';
import { verify } from './scenarios/verify.js';

const SCENARIOS: Scenario[] = [calibrate, single, postgres, batch, reads, lookup, audit, verify, explorer, large, publish, client, against];

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      large: { type: 'string' },
      'large-budget': { type: 'string' },
      against: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`usage: npm run bench -- [--quick] [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--out DIR] [--large N] [--large-budget SECONDS] [--against DIR]\n`);
    return 0;
  }
  const quick = values.quick === true;
  const only = values.only?.split(',').filter((s) => s !== '');
  const unknown = only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; have ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const out = values.out ?? join(REPO, 'bench', 'results');
  const dataDir = join(REPO, 'data', 'bench');
  mkdirSync(out, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  const figures: Figure[] = [];
  const failures: string[] = [];
  const ctx: BenchContext = {
    quick,
    seconds: quick ? 3 : 6,
    warmup: quick ? 1 : 2,
    rounds: quick ? 1 : 3,
    connections: 32,
    dataDir,
    auditEntries: quick ? 100_000 : 1_000_000,
    largeEntries: values.large !== undefined ? Number(values.large) : quick ? 100_000 : 10_000_000,
    largeBudgetSeconds: values['large-budget'] !== undefined ? Number(values['large-budget']) : quick ? 60 : 120,
    ...(values.against !== undefined ? { against: values.against } : {}),
    say: (line) => process.stderr.write(`bench: ${line}\n`),
    record: (f) => figures.push(withRatio(f)),
  };
  const started = new Date();
  const t0 = performance.now();
  for (const s of SCENARIOS) {
    if (only !== undefined && !only.includes(s.name)) continue;
    // Comparing with another build needs one: without --against, a full run leaves it out.
    if (s === against && ctx.against === undefined && only === undefined) continue;
    ctx.say(`— ${s.name}`);
    const t = performance.now();
    try {
      await s.run(ctx);
      ctx.say(`${s.name} done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      failures.push(`${s.name}: ${msg}`);
      ctx.say(`${s.name} FAILED: ${msg}`);
    }
  }
  // The machine's load drifts during a run: calibrate again at the end (both count in the factor).
  if (only === undefined || only.includes(calibrate.name)) {
    try {
      await calibrate.run({ ...ctx, say: (line) => ctx.say(`${line} (end of run)`) });
    } catch (e) {
      failures.push(`calibrate (end): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const md = writeResults(out, figures, {
    started: started.toISOString(),
    seconds: (performance.now() - t0) / 1000,
    mode: [quick ? 'quick' : 'full', ...(only ? [`only ${only.join(',')}`] : [])].join(', '),
  });
  process.stdout.write(md + '\n');
  for (const f of failures) process.stderr.write(`bench: FAILED ${f}\n`);
  return failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exitCode = 1;
  },
);
