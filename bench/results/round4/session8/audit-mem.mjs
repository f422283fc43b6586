// runproof audit of a bench log: entries/s (its own timer) and peak RSS (VmHWM, polled), for the
// checkouts given, alternating. From the repository root after npm run build:
//   node bench/results/round4/session8/audit-mem.mjs <data dir> <rounds> <checkout> [checkout …]
// The log is served by this checkout's runproof-log; each checkout's own runproof audits it.
import { join } from 'node:path';
import { startLog } from '../../../../dist/bench/lib/procs.js';
import { runNodePeak } from '../../../../dist/bench/lib/peak.js';
const [dir, rounds, ...roots] = process.argv.slice(2);
const log = await startLog(dir);
const out = Object.fromEntries(roots.map((r) => [r, []]));
try {
  for (let i = 0; i < Number(rounds); i++)
    for (const root of roots) {
      const r = await runNodePeak([join(root, 'dist/verifier/cli.js'), 'audit', '--log', log.url, '--vkey', log.vkey, '--json'], 60 * 60_000);
      if (r.code !== 0) throw new Error(`audit failed: ${r.out.slice(-500)}`);
      const rep = JSON.parse(r.stdout);
      out[root].push(`${rep.entriesPerSecond} entries/s, peak ${(r.peakBytes / 1048576).toFixed(0)} MB`);
    }
} finally {
  await log.stop();
}
console.log(JSON.stringify(out, null, 1));
