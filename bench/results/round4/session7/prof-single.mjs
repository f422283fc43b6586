// CPU profile of the log server under single declarations. args: root conns outdir
import { startServer } from '../../../../dist/bench/lib/procs.js';
import { runLoad } from '../../../../dist/bench/lib/load.js';
import { mkdtempSync } from 'node:fs';
const [root, conns, out] = process.argv.slice(2);
const args = out ? ['--cpu-prof', `--cpu-prof-dir=${out}`] : [];
const log = await startServer([...args, `${root}/dist/log-server/cli.js`, 'serve', '--data', mkdtempSync('/tmp/ps-'), '--listen', '127.0.0.1:0']);
try {
  const r = await runLoad({ kind: 'declaration', url: log.url, path: '/v1/declarations', connections: Number(conns), durationSec: 8, warmupSec: 2, maxRequests: 5e6 }, { cpuOf: log.child.pid });
  console.log(Math.round(r.perSecond), (r.serverCpuSec * 1e6 / r.ok).toFixed(1), 'p99', r.latencyMs.p99);
} finally { await log.stop(); }
