/**
 * Static publication (docs/log-server.md "Static publication"), two rows:
 *
 * - single declarations POSTed to a log started with `--publish-dir` against the same load on a
 *   log without it, alternating in the same run (target ≥ 0.9×): publication runs after the
 *   commit, off the receipt path, but shares the disk and the CPU;
 * - full level-0 hash tiles GET from nginx (Debian's, the documented `location` blocks) over a
 *   directory exported by `runproof-log publish` from the cached bench log, against a bare
 *   node:http server answering a fixed 8 KiB buffer (target ≥ 0.8×).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tilePath } from '../../src/merkle/tiles.js';
import { alternate, rates } from '../lib/compare.js';
import type { BenchContext, Scenario } from '../lib/context.js';
import { clean, runLoad, type LoadResult } from '../lib/load.js';
import { builtLog, freshDir } from '../lib/logs.js';
import { BIN, runNode, startBaseline, startLog } from '../lib/procs.js';
import { NGINX, startNginx } from '../lib/static-servers.js';
import { checkReceipts, treeSize } from './single.js';


export const publish: Scenario = {
  name: 'publish',
  async run(ctx: BenchContext) {
    await submissions(ctx, 128);
    await staticTiles(ctx);
  },
};

async function submissions(ctx: BenchContext, connections: number): Promise<void> {
  const load = { kind: 'declaration' as const, path: '/v1/declarations', connections, durationSec: ctx.seconds, warmupSec: ctx.warmup, maxRequests: 2_000_000 };
  const plainDir = freshDir(ctx, 'publish-plain');
  const pubDir = freshDir(ctx, 'publish-dir');
  const mirror = join(pubDir, 'mirror');
  const plain = await startLog(plainDir);
  const published = await startLog(pubDir, ['--publish-dir', mirror]);
  let r: { base: LoadResult; subject: LoadResult; all: { base: number[]; subject: number[] } };
  let mirrorSize = -1;
  let size = 0;
  // After each round with publishing, the mirror catches up (bounded wait) before the next round
  // without it starts, so its writes do not fall into the baseline's time.
  const settle = async () => {
    size = await treeSize(published.url);
    const until = Date.now() + 30_000;
    do {
      const h = (await (await fetch(`${published.url}/healthz`)).json()) as { publish: { size: number }[] };
      mirrorSize = h.publish[0]!.size;
      if (mirrorSize === size) break;
      await new Promise((res) => setTimeout(res, 100));
    } while (Date.now() < until);
  };
  try {
    r = await alternate(
      ctx.rounds,
      async () => clean(await runLoad({ ...load, url: plain.url }), 'runproof-log'),
      async () => {
        const got = clean(await runLoad({ ...load, url: published.url, sampleBodies: 100 }), 'runproof-log --publish-dir');
        await settle();
        return got;
      },
    );
  } finally {
    await plain.stop();
    await published.stop();
  }
  const checked = checkReceipts(r.subject.samples, published.vkey);
  ctx.say(`single with --publish-dir: ${r.subject.perSecond.toFixed(0)}/s (without: ${r.base.perSecond.toFixed(0)}/s)`);
  ctx.record({
    scenario: `single declarations with --publish-dir (HTTP, ${connections} connections)`,
    figure: 'submissions/s',
    value: r.subject.perSecond,
    unit: '/s',
    baseline: { name: 'the same log without --publish-dir', value: r.base.perSecond, unit: '/s' },
    target: '≥ 0.9× without publishing',
    met: r.subject.perSecond >= 0.9 * r.base.perSecond,
    note: `best of ${ctx.rounds} alternating rounds (with ${rates(r.all.subject)}/s; without ${rates(r.all.base)}/s); p99 ${r.subject.latencyMs.p99} ms (without ${r.base.latencyMs.p99} ms); ${checked} sampled receipts verified; mirror at ${mirrorSize} of ${size} entries after the load`,
  });
}

async function staticTiles(ctx: BenchContext): Promise<void> {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: the static-server row needs Debian's nginx`);
  const { dir, built } = await builtLog(ctx, ctx.auditEntries);
  const mirror = join(ctx.dataDir, `mirror-${ctx.auditEntries}`);
  // Kept between runs: a later export only compares (and rewrites nothing).
  const exported = await runNode([BIN.log, 'publish', '--db', join(dir, 'log.db'), '--to', mirror], 3600_000);
  if (exported.code !== 0) throw new Error(`runproof-log publish failed: ${exported.stderr.slice(-2000)}`);
  const full = Math.floor(built.entries / 256);
  const count = Math.min(full, 4000);
  const tiles = Array.from({ length: count }, (_, i) => '/' + tilePath({ level: 0, index: Math.floor((i * full) / count), width: 256 }));
  const load = { kind: 'paths' as const, path: tiles[0]!, paths: tiles, connections: ctx.connections, durationSec: ctx.seconds, warmupSec: ctx.warmup, maxRequests: 5_000_000 };
  const http = await startBaseline('http');
  const nginx = await startNginx(mirror);
  let r: { base: LoadResult; subject: LoadResult; all: { base: number[]; subject: number[] } };
  try {
    r = await alternate(
      ctx.rounds,
      async () => clean(await runLoad({ ...load, url: http.url }), 'node:http'),
      async () => clean(await runLoad({ ...load, url: nginx.url }), 'nginx over --publish-dir'),
    );
  } finally {
    await http.stop();
    await nginx.stop();
  }
  ctx.say(`hash tiles from nginx over the mirror: ${r.subject.perSecond.toFixed(0)}/s (bare node:http ${r.base.perSecond.toFixed(0)}/s)`);
  ctx.record({
    scenario: 'reads from a static mirror (nginx over --publish-dir)',
    figure: 'hash tiles requests/s',
    value: r.subject.perSecond,
    unit: '/s',
    baseline: { name: 'bare node:http, fixed 8 KiB', value: r.base.perSecond, unit: '/s' },
    target: '≥ 0.8× bare node:http',
    met: r.subject.perSecond >= 0.8 * r.base.perSecond,
    note: `nginx (one process), files from the page cache, rotating over ${count} full level-0 tiles of a ${built.entries.toLocaleString('en-US')}-entry log exported by runproof-log publish; ${ctx.connections} connections; p99 ${r.subject.latencyMs.p99} ms; best of ${ctx.rounds} alternating rounds (nginx ${rates(r.all.subject)}/s; node:http ${rates(r.all.base)}/s)`,
  });
}
