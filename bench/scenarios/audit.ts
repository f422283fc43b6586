/**
 * `runproof audit` of the cached bench log on loopback: the built CLI downloads every tile and
 * bundle from `runproof-log serve` and re-derives the tree. Baseline: the RFC 6962 root of as
 * many leaves computed in one process on one core with the fastest SHA-256 here (the audit's own
 * hashing: four messages at a time in WebAssembly SIMD for each full tile, bench/baselines/compute.ts;
 * node:crypto is slower for these short inputs) — the least work any one-core audit of the log must do. The CLI hashes on a worker thread beside its main thread, so it
 * can beat the one-core baseline; the same root hashed on two cores at once (the two subtrees
 * of the RFC 6962 split on two threads) is reported beside it as the two-core floor. The
 * audit's peak RSS (VmHWM) is measured too: the target bounds it.
 */
import { merkleRootRate } from '../baselines/compute.js';
import { merkleRootRateTwoCores } from '../baselines/merkle-two-cores.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { builtLog } from '../lib/logs.js';
import { runNodePeak } from '../lib/peak.js';
import { BIN, startLog } from '../lib/procs.js';

/** Issue #18: entries per second, and the audit's peak resident memory. */
const TARGET_RATE = 600_000;
const TARGET_PEAK_BYTES = 200 * 1024 * 1024;

export const audit: Scenario = {
  name: 'audit',
  async run(ctx: BenchContext) {
    const { dir, built } = await builtLog(ctx, ctx.auditEntries);
    const log = await startLog(dir);
    // Alternating rounds (audit, baselines, audit, baselines); the best of each is kept.
    type Report = { ok: boolean; size: number; seconds: number; entriesPerSecond: number };
    let best: { ms: number; peakBytes: number; report: Report } | undefined;
    let peak = 0;
    let base = 0;
    let base2 = 0;
    try {
      for (let round = 0; round < 2; round++) {
        const r = await runNodePeak([BIN.runproof, 'audit', '--log', log.url, '--vkey', log.vkey, '--json'], 30 * 60_000);
        if (r.code !== 0) throw new Error(`runproof audit failed (${r.code}): ${r.out.slice(-2000)}`);
        const report = JSON.parse(r.stdout) as Report;
        if (!report.ok || report.size !== built.entries) throw new Error(`runproof audit: unexpected report ${r.stdout.slice(0, 500)}`);
        if (best === undefined || report.entriesPerSecond > best.report.entriesPerSecond) best = { ms: r.ms, peakBytes: r.peakBytes, report };
        peak = Math.max(peak, r.peakBytes);
        base = Math.max(base, merkleRootRate(built.entries));
        base2 = Math.max(base2, await merkleRootRateTwoCores(built.entries));
      }
    } finally {
      await log.stop();
    }
    const { ms, report } = best!;
    const wall = built.entries / (ms / 1000);
    const mb = (b: number) => (b / (1024 * 1024)).toFixed(0);
    ctx.say(`audit: ${report.entriesPerSecond}/s (wall ${wall.toFixed(0)}/s), peak RSS ${mb(peak)} MB; raw Merkle root ${base.toFixed(0)} leaves/s on one core, ${base2.toFixed(0)} on two`);
    ctx.record({
      scenario: `runproof audit (${built.entries.toLocaleString('en-US')} entries, loopback)`,
      figure: 'entries/s',
      value: report.entriesPerSecond,
      unit: '/s',
      baseline: { name: 'raw SHA-256 Merkle root, one core', value: base, unit: 'leaves/s' },
      target: `≥ ${TARGET_RATE.toLocaleString('en-US')} entries/s, peak RSS ≤ ${mb(TARGET_PEAK_BYTES)} MB`,
      absolute: true,
      met: report.entriesPerSecond >= TARGET_RATE && peak <= TARGET_PEAK_BYTES,
      note:
        `best of 2 rounds alternating with the baselines; audit's own timer ${report.seconds.toFixed(2)} s; the whole CLI run including Node start-up ${(ms / 1000).toFixed(2)} s (${wall.toFixed(0)} entries/s); ` +
        `peak RSS ${mb(peak)} MB (the larger of the 2 rounds); ` +
        `the same root on two cores at once: ${base2.toFixed(0)} leaves/s (${(report.entriesPerSecond / base2).toFixed(2)}×) — the audit hashes on a worker thread beside its main thread, but the log server, the audit's main thread (HTTP, entry checks) and its worker all share this machine's 2 cores, so neither raw figure is a floor it can reach`,
    });
  },
};
