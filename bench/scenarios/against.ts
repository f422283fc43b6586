/**
 * This build against another one (`--against DIR`: a checkout of another revision with its
 * `dist/` built, e.g. `git worktree add /tmp/old REV && (cd /tmp/old && npm ci)`), on the same
 * load in alternating rounds of one run: the before/after figure of a change that must not
 * slow the log down (issue #17: the SQLite backend before and after the storage seam). Single
 * declarations with durable receipts on the SQLite backend, at `single`'s connection counts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, Scenario } from '../lib/context.js';
import { clean, cpuPerAnswer, runLoad } from '../lib/load.js';
import { freshDir } from '../lib/logs.js';
import { startLog, startServer } from '../lib/procs.js';
import { alternate, rates } from '../lib/compare.js';

const CONNECTIONS = [32, 128];

export const against: Scenario = {
  name: 'against',
  async run(ctx: BenchContext) {
    const other = ctx.against;
    if (other === undefined) throw new Error('the against scenario needs --against DIR (a checkout of another revision with dist/ built)');
    const cli = join(other, 'dist', 'log-server', 'cli.js');
    if (!existsSync(cli)) throw new Error(`--against ${other}: no ${cli} (build that checkout first: npm ci, or npx tsc -p tsconfig.json)`);
    const rev = revision(other);
    for (const connections of CONNECTIONS) {
      const load = { kind: 'declaration' as const, path: '/v1/declarations', connections, durationSec: ctx.seconds, warmupSec: ctx.warmup, maxRequests: 2_000_000 };
      const old = await startServer([cli, 'serve', '--data', freshDir(ctx, `against-old-${connections}`), '--listen', '127.0.0.1:0']);
      const now = await startLog(freshDir(ctx, `against-new-${connections}`));
      try {
        const { base, subject, all } = await alternate(
          ctx.rounds,
          () => runLoad({ ...load, url: old.url }, { cpuOf: old.child.pid! }),
          () => runLoad({ ...load, url: now.url }, { cpuOf: now.child.pid! }),
        );
        clean(base, `build ${rev}`);
        clean(subject, 'this build');
        const cpu = { now: cpuPerAnswer(subject), old: cpuPerAnswer(base) };
        ctx.say(
          `${connections} connections: this build ${subject.perSecond.toFixed(0)}/s p99 ${subject.latencyMs.p99} ms ${cpu.now.toFixed(0)} µs CPU each; ` +
            `${rev} ${base.perSecond.toFixed(0)}/s p99 ${base.latencyMs.p99} ms ${cpu.old.toFixed(0)} µs CPU each`,
        );
        const scenario = `single declarations, this build against ${rev} (SQLite, HTTP, ${connections} connections)`;
        ctx.record({
          scenario,
          figure: 'submissions/s',
          value: subject.perSecond,
          unit: '/s',
          baseline: { name: `build ${rev}, same load`, value: base.perSecond, unit: '/s' },
          target: 'no regression beyond noise',
          met: subject.perSecond >= 0.9 * base.perSecond,
          note: `best of ${ctx.rounds} alternating rounds (this build ${rates(all.subject)}/s; ${rev} ${rates(all.base)}/s)`,
        });
        ctx.record({
          scenario,
          figure: 'submission→receipt p99',
          value: subject.latencyMs.p99,
          unit: 'ms',
          baseline: { name: `build ${rev} p99`, value: base.latencyMs.p99, unit: 'ms' },
          target: 'no regression beyond noise',
          met: subject.latencyMs.p99 <= 1.25 * base.latencyMs.p99 + 2,
          note: `p50 ${subject.latencyMs.p50} ms (${rev}: ${base.latencyMs.p50} ms)`,
        });
        ctx.record({
          scenario,
          figure: 'server CPU per declaration',
          value: cpu.now,
          unit: 'µs',
          baseline: { name: `build ${rev}, same load`, value: cpu.old, unit: 'µs' },
          target: 'no regression beyond noise',
          met: cpu.now <= 1.1 * cpu.old,
          note: `/proc of each server (all threads) over the measured run ÷ 2xx answers, in the round with the best rate of ${ctx.rounds} alternating rounds`,
        });
      } finally {
        await old.stop();
        await now.stop();
      }
    }
  },
};

function revision(dir: string): string {
  try {
    return execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return dir;
  }
}

