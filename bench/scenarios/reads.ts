/**
 * Reads (c2sp.org/tlog-tiles): full level-0 hash tiles (8 KiB), full entry bundles
 * (11 KiB), and the checkpoint, GET from `runproof-log serve` on the cached bench log, rotating
 * over many different tiles. Baseline: a bare node:http server answering a fixed buffer of the
 * row's answer size (8 KiB for tiles, 11,008 B for bundles, the checkpoint's size for it), so
 * that a ratio measures the log's work per request, not a difference in bytes carried. Each
 * row also reports both servers' CPU per answer (/proc) in the kept rounds: the rate shares the
 * 2 cores with the load generator, the CPU figure is the server's own cost.
 * Also: lookup by identity with a fresh receipt (`GET /v1/identities/<hex>`), against a bare
 * Hono endpoint answering a fixed JSON object of the same size.
 */
import { entriesPath, tilePath } from '../../src/merkle/tiles.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { clean, cpuPerAnswer, runLoad, type LoadConfig, type LoadResult } from '../lib/load.js';
import { builtLog } from '../lib/logs.js';
import { startBaseline, startLog, type Served } from '../lib/procs.js';
import { FULL_BUNDLE, FULL_TILE } from '../../log-server/storage/right-edge.js';
import { checkReceipts } from './single.js';
import { alternate, rates } from '../lib/compare.js';


export const reads: Scenario = {
  name: 'reads',
  async run(ctx: BenchContext) {
    const { dir, built } = await builtLog(ctx, ctx.auditEntries);
    const full = Math.floor(built.entries / 256);
    const count = Math.min(full, 4000);
    const tiles = Array.from({ length: count }, (_, i) => '/' + tilePath({ level: 0, index: Math.floor((i * full) / count), width: 256 }));
    const bundles = Array.from({ length: count }, (_, i) => '/' + entriesPath(Math.floor((i * full) / count), 256));
    const load = { kind: 'paths' as const, connections: ctx.connections, durationSec: ctx.seconds, warmupSec: ctx.warmup, maxRequests: 5_000_000 };

    const log = await startLog(dir);
    const bases = new Map<number, Served>();
    const got: Record<string, { bytes: number; base: LoadResult; subject: LoadResult; all: { base: number[]; subject: number[] } }> = {};
    try {
      const hot = tiles.slice(-64);
      const checkpointBytes = (await (await fetch(`${log.url}/checkpoint`)).arrayBuffer()).byteLength;
      const runs: [string, number, Partial<LoadConfig>][] = [
        ['hash tiles (hot: 64 recent)', FULL_TILE, { path: hot[0]!, paths: hot }],
        ['hash tiles', FULL_TILE, { path: tiles[0]!, paths: tiles }],
        ['entry bundles', FULL_BUNDLE, { path: bundles[0]!, paths: bundles }],
        ['checkpoint', checkpointBytes, { path: '/checkpoint' }],
      ];
      for (const [name, bytes, extra] of runs) {
        const cfg = { ...load, ...extra } as Omit<LoadConfig, 'url'>;
        let http = bases.get(bytes);
        if (http === undefined) bases.set(bytes, (http = await startBaseline('http', bytes)));
        const base = http;
        const r = await alternate(
          ctx.rounds,
          async () => clean(await runLoad({ ...cfg, url: base.url }, { cpuOf: base.child.pid! }), 'node:http'),
          async () => clean(await runLoad({ ...cfg, url: log.url }, { cpuOf: log.child.pid! }), name),
        );
        got[name] = { bytes, ...r };
        ctx.say(`${name}: ${r.subject.perSecond.toFixed(0)}/s, ${cpuPerAnswer(r.subject).toFixed(1)} µs CPU each (bare node:http, ${bytes} B: ${r.base.perSecond.toFixed(0)}/s, ${cpuPerAnswer(r.base).toFixed(1)} µs)`);
      }
    } finally {
      for (const b of bases.values()) await b.stop();
      await log.stop();
    }
    for (const [name, { bytes, base, subject: r, all }] of Object.entries(got)) {
      ctx.record({
        scenario: 'reads (tlog-tiles)',
        figure: `${name} requests/s`,
        value: r.perSecond,
        unit: '/s',
        baseline: { name: `bare node:http, fixed ${bytes.toLocaleString('en-US')} B`, value: base.perSecond, unit: '/s' },
        target: '≥ 0.8× bare node:http',
        met: r.perSecond >= 0.8 * base.perSecond,
        note: `${ctx.connections} connections on a ${built.entries.toLocaleString('en-US')}-entry log${name === 'checkpoint' ? '' : name.startsWith('hash tiles (hot') ? ', rotating over the 64 most recent full tiles (held in the server\'s blob cache)' : `, rotating over ${count} different full ${name} (all but the latest 128 read from the log's flat blob copy, uncached, one pread each)`}; p99 ${r.latencyMs.p99} ms; server CPU per answer in the kept rounds ${cpuPerAnswer(r).toFixed(1)} µs (node:http ${cpuPerAnswer(base).toFixed(1)} µs); best of ${ctx.rounds} alternating rounds (runproof ${rates(all.subject)}/s; node:http ${rates(all.base)}/s)`,
      });
    }
  },
};

export const lookup: Scenario = {
  name: 'lookup',
  async run(ctx: BenchContext) {
    const { dir, built } = await builtLog(ctx, ctx.auditEntries);
    const load = { kind: 'lookup' as const, path: '/v1/identities/', lookupCount: built.entries, connections: ctx.connections, durationSec: ctx.seconds, warmupSec: ctx.warmup, maxRequests: 5_000_000 };
    const hono = await startBaseline('hono');
    const log = await startLog(dir);
    let base: LoadResult;
    let r: LoadResult;
    let all: { base: number[]; subject: number[] };
    try {
      ({ base, subject: r, all } = await alternate(
        ctx.rounds,
        async () => clean(await runLoad({ ...load, url: hono.url }), 'bare Hono'),
        async () => clean(await runLoad({ ...load, url: log.url, sampleBodies: 100 }), 'lookup'),
      ));
    } finally {
      await hono.stop();
      await log.stop();
    }
    const checked = checkReceipts(r.samples, log.vkey);
    ctx.say(`lookup: ${r.perSecond.toFixed(0)}/s (bare Hono ${base.perSecond.toFixed(0)}/s)`);
    ctx.record({
      scenario: 'lookup by identity (HTTP)',
      figure: 'requests/s',
      value: r.perSecond,
      unit: '/s',
      baseline: { name: 'bare Hono, fixed answer', value: base.perSecond, unit: '/s' },
      note: `fresh receipt (inclusion proof in the latest checkpoint) per answer, random identities of a ${built.entries.toLocaleString('en-US')}-entry log, ${ctx.connections} connections, p99 ${r.latencyMs.p99} ms; ${checked} sampled receipts verified offline; best of ${ctx.rounds} alternating rounds (runproof ${rates(all.subject)}/s; bare Hono ${rates(all.base)}/s)`,
    });
  },
};
