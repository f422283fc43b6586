// CPU profile of the log server under one read load. args: root kind(hot|old|bundles) outdir
import { startServer } from '/work/main/dist/bench/lib/procs.js';
import { runLoad } from '/work/main/dist/bench/lib/load.js';
import { entriesPath, tilePath } from '/work/main/dist/src/merkle/tiles.js';
const [root, kind, out] = process.argv.slice(2);
const tiles = Array.from({ length: 3906 }, (_, i) => '/' + tilePath({ level: 0, index: i, width: 256 }));
const bundles = Array.from({ length: 3906 }, (_, i) => '/' + entriesPath(i, 256));
const paths = kind === 'hot' ? tiles.slice(-64) : kind === 'old' ? tiles : bundles;
const log = await startServer(['--cpu-prof', `--cpu-prof-dir=${out}`, `${root}/dist/log-server/cli.js`, 'serve', '--data', '/work/main/data/bench/log-1000000', '--listen', '127.0.0.1:0']);
try {
  const r = await runLoad({ kind: 'paths', url: log.url, path: paths[0], paths, connections: 32, durationSec: 8, warmupSec: 1, maxRequests: 5e6 }, { cpuOf: log.child.pid });
  console.log(Math.round(r.perSecond), (r.serverCpuSec * 1e6 / r.ok).toFixed(1));
} finally { await log.stop(); }
