/**
 * Time to first verdict in the log explorer (docs/explorer.md): headless Chromium with a fresh
 * profile opens `/#vkey=…&identity=…` on `runproof-log serve` over the cached bench log and waits
 * for `data-verdict="verified"` — page load, the checkpoint signature, the lookup, the entry
 * bundle and the inclusion proof from tiles, all in the page. Baseline: the same on a log a
 * thousand times smaller (the work is logarithmic in the log's size, so the ratio shows what size
 * costs). Each round uses a new browser; the best of the rounds is kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BenchContext, Scenario } from '../lib/context.js';
import { benchIdentity } from '../lib/bodies.js';
import { builtLog } from '../lib/logs.js';
import { startLog } from '../lib/procs.js';

/** Flags that keep Chromium from reaching Google and from needing a sandbox or GPU. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** firstVerdictMs opens the explorer for entry `index` of the log in `dir` and times its verdict. */
async function firstVerdictMs(dir: string, entries: number): Promise<number> {
  const log = await startLog(dir);
  const profile = mkdtempSync(join(tmpdir(), 'runproof-bench-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true, args: ARGS });
    try {
      const page = await context.newPage();
      const identity = `sha256:${benchIdentity(Math.floor(entries / 2)).toString('hex')}`;
      const t0 = performance.now();
      await page.goto(`${log.url}/#vkey=${encodeURIComponent(log.vkey)}&identity=${identity}`);
      await page.waitForFunction(() => document.querySelector('[data-testid="verdict"]')?.getAttribute('data-verdict') !== 'pending', undefined, { timeout: 120_000, polling: 'raf' });
      const ms = performance.now() - t0;
      const verdict = await page.getByTestId('verdict').getAttribute('data-verdict');
      if (verdict !== 'verified') throw new Error(`explorer verdict ${verdict}: ${await page.getByTestId('verdict').textContent()}`);
      return ms;
    } finally {
      await context.close();
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
    await log.stop();
  }
}

export const explorer: Scenario = {
  name: 'explorer',
  async run(ctx: BenchContext) {
    const big = await builtLog(ctx, ctx.auditEntries);
    const small = await builtLog(ctx, Math.max(1000, Math.floor(ctx.auditEntries / 1000)));
    let best = Infinity;
    let base = Infinity;
    for (let round = 0; round < Math.max(ctx.rounds, 3); round++) {
      best = Math.min(best, await firstVerdictMs(big.dir, big.built.entries));
      base = Math.min(base, await firstVerdictMs(small.dir, small.built.entries));
    }
    ctx.say(`explorer: first verdict ${best.toFixed(0)} ms on ${big.built.entries} entries; ${base.toFixed(0)} ms on ${small.built.entries}`);
    ctx.record({
      scenario: `explorer, time to first verdict (${big.built.entries.toLocaleString('en-US')} entries, fresh browser)`,
      figure: 'ms',
      value: Math.round(best),
      unit: 'ms',
      baseline: { name: `the same on ${small.built.entries.toLocaleString('en-US')} entries`, value: Math.round(base), unit: 'ms' },
      note: 'open /#vkey=…&identity=… to data-verdict="verified": page load, checkpoint signature, lookup, bundle, tiles and inclusion proof in the page; best of 3 rounds alternating with the baseline; browser and server share the 2 cores',
    });
  },
};
