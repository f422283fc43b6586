// A/B: server CPU per answer for old tiles/bundles, main (SQLite snapshot) vs flat-file prototype.
import { startServer } from '/work/main/dist/bench/lib/procs.js';
import { runLoad } from '/work/main/dist/bench/lib/load.js';
import { entriesPath, tilePath } from '/work/main/dist/src/merkle/tiles.js';
const full = 3906, count = 3778;
const tiles = Array.from({ length: count }, (_, i) => '/' + tilePath({ level: 0, index: Math.floor((i * full) / 4000), width: 256 }));
const bundles = Array.from({ length: count }, (_, i) => '/' + entriesPath(Math.floor((i * full) / 4000), 256));
const srv = {
  main: await startServer(['/work/main/dist/log-server/cli.js', 'serve', '--data', '/work/main/data/bench/log-1000000', '--listen', '127.0.0.1:0']),
  flat: await startServer(['/work/wt/flat/dist/log-server/cli.js', 'serve', '--data', '/work/scratch/logcopy', '--listen', '127.0.0.1:0'], { env: { RUNPROOF_FLAT: '/work/scratch/flat' } }),
};
const out = { main: { tiles: [], bundles: [] }, flat: { tiles: [], bundles: [] } };
try {
  for (let round = 0; round < Number(process.argv[2] ?? 4); round++) {
    for (const kind of ['tiles', 'bundles']) {
      const paths = kind === 'tiles' ? tiles : bundles;
      for (const name of round % 2 ? ['flat', 'main'] : ['main', 'flat']) {
        const s = srv[name];
        const r = await runLoad({ kind: 'paths', url: s.url, path: paths[0], paths, connections: 32, durationSec: 4, warmupSec: 1, maxRequests: 5e6 }, { cpuOf: s.child.pid });
        out[name][kind].push({ rate: Math.round(r.perSecond), us: +(r.serverCpuSec * 1e6 / r.ok).toFixed(1) });
      }
    }
  }
} finally { await srv.main.stop(); await srv.flat.stop(); }
console.log(JSON.stringify(out));
