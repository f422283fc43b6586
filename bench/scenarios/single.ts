/**
 * Single declarations over HTTP: realistic ≈1.3 KB run declarations, each distinct (salted),
 * POSTed one per request at a fixed number of connections to `runproof-log serve`; each answer
 * is a durable receipt (the log answers after COMMIT). Baseline: a bare Hono endpoint on the same
 * @hono/node-server that parses the same body and answers.
 */
import { ReceiptVerifier } from '../../src/receipt/verify.js';
import { parseCheckpoint } from '../../src/note/checkpoint.js';
import { parseNote } from '../../src/note/note.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { runLoad, type LoadResult } from '../lib/load.js';
import { freshDir } from '../lib/logs.js';
import { startBaseline, startLog } from '../lib/procs.js';
import { alternate, rates } from '../lib/compare.js';

/** checkReceipts verifies sampled answers' receipts offline; throws if any fails. */
export function checkReceipts(samples: string[], vkey: string): number {
  const verifier = new ReceiptVerifier({ vkey });
  for (const s of samples) {
    const a = JSON.parse(s) as { identity: string; receipt: string };
    verifier.verify({ receipt: a.receipt, identity: a.identity });
  }
  return samples.length;
}

/** treeSize fetches and parses the log's checkpoint size. */
export async function treeSize(url: string): Promise<number> {
  const res = await fetch(`${url}/checkpoint`);
  return parseCheckpoint(parseNote(await res.text()).text).size;
}

function clean(r: LoadResult, what: string): void {
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${what}: ${r.non2xx} non-2xx, ${r.errors} errors (${JSON.stringify(r.statusCodes)})`);
}

export const single: Scenario = {
  name: 'single',
  async run(ctx: BenchContext) {
    const load = { kind: 'declaration' as const, path: '/v1/declarations', connections: ctx.connections, durationSec: ctx.seconds, warmupSec: ctx.warmup, maxRequests: 2_000_000 };
    const hono = await startBaseline('hono');
    const log = await startLog(freshDir(ctx, 'single'));
    let base: LoadResult;
    let r: LoadResult;
    let size: number;
    let all: { base: number[]; subject: number[] };
    try {
      ({ base, subject: r, all } = await alternate(
        ctx.rounds,
        () => runLoad({ ...load, url: hono.url }),
        () => runLoad({ ...load, url: log.url, sampleBodies: 200 }),
      ));
      size = await treeSize(log.url);
    } finally {
      await hono.stop();
      await log.stop();
    }
    clean(base, 'bare Hono');
    ctx.say(`bare Hono: ${base.perSecond.toFixed(0)}/s`);
    clean(r, 'runproof-log');
    const checked = checkReceipts(r.samples, log.vkey);
    if (size < r.ok) throw new Error(`the log holds ${size} entries but answered ${r.ok} submissions`);
    ctx.say(`runproof-log: ${r.perSecond.toFixed(0)}/s, p99 ${r.latencyMs.p99} ms`);
    const note = `${ctx.connections} connections; best of ${ctx.rounds} alternating rounds (runproof ${rates(all.subject)}/s; bare Hono ${rates(all.base)}/s); ${r.ok.toLocaleString('en-US')} receipts in ${r.seconds} s, ${checked} sampled receipts verified offline, log size ${size} ≥ answers`;
    ctx.record({
      scenario: 'single declarations (HTTP)',
      figure: 'submissions/s',
      value: r.perSecond,
      unit: '/s',
      baseline: { name: 'bare Hono parse+answer', value: base.perSecond, unit: '/s' },
      target: '≥ 0.30× bare Hono',
      met: r.perSecond >= 0.3 * base.perSecond,
      note,
    });
    ctx.record({
      scenario: 'single declarations (HTTP)',
      figure: 'submission→receipt p99',
      value: r.latencyMs.p99,
      unit: 'ms',
      baseline: { name: 'bare Hono p99', value: base.latencyMs.p99, unit: 'ms' },
      target: 'p99 ≤ 50 ms',
      absolute: true,
      met: r.latencyMs.p99 <= 50,
      note: `p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms (bare Hono: p50 ${base.latencyMs.p50}, p99 ${base.latencyMs.p99}, max ${base.latencyMs.max} ms)`,
    });
  },
};
