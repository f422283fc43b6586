// A/B in alternating rounds: old tiles/bundles with the blob copy (data/bench/log-1000000) vs without (--no-blob-copy on a copy of the same log). arg: rounds
import { startServer, startBaseline } from '/work/main/dist/bench/lib/procs.js';
import { runLoad } from '/work/main/dist/bench/lib/load.js';
import { entriesPath, tilePath } from '/work/main/dist/src/merkle/tiles.js';
const full = 3906, count = 3778;
const tiles = Array.from({ length: count }, (_, i) => '/' + tilePath({ level: 0, index: i, width: 256 }));
const bundles = Array.from({ length: count }, (_, i) => '/' + entriesPath(i, 256));
const srv = {
  copy: await startServer(['/work/main/dist/log-server/cli.js', 'serve', '--data', '/work/main/data/bench/log-1000000', '--listen', '127.0.0.1:0']),
  sqlite: await startServer(['/work/main/dist/log-server/cli.js', 'serve', '--data', '/work/scratch/logcopy', '--listen', '127.0.0.1:0', '--no-blob-copy']),
  bare: await startBaseline('http'),
};
const out = {};
try {
  for (let round = 0; round < Number(process.argv[2] ?? 4); round++) {
    for (const kind of ['tiles', 'bundles']) {
      const paths = kind === 'tiles' ? tiles : bundles;
      for (const name of round % 2 ? ['bare', 'copy', 'sqlite'] : ['sqlite', 'copy', 'bare']) {
        const s = srv[name];
        const r = await runLoad({ kind: 'paths', url: s.url, path: paths[0], paths, connections: 32, durationSec: 4, warmupSec: 1, maxRequests: 5e6 }, { cpuOf: s.child.pid });
        (out[`${kind} ${name}`] ??= []).push(`${Math.round(r.perSecond)}/s ${(r.serverCpuSec * 1e6 / r.ok).toFixed(1)}us`);
      }
    }
  }
} finally { for (const s of Object.values(srv)) await s.stop(); }
console.log(JSON.stringify(out, null, 1));
