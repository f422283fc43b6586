// Server CPU per answer: bare node:http, hot tiles, old tiles, bundles, alternating rounds. arg1: dist root, arg2 rounds
import { startServer, startBaseline } from '/work/main/dist/bench/lib/procs.js';
import { runLoad } from '/work/main/dist/bench/lib/load.js';
import { entriesPath, tilePath } from '/work/main/dist/src/merkle/tiles.js';
const root = process.argv[2] ?? '/work/main';
const full = 3906, count = 3906;
const tiles = Array.from({ length: count }, (_, i) => '/' + tilePath({ level: 0, index: i, width: 256 }));
const bundles = Array.from({ length: count }, (_, i) => '/' + entriesPath(i, 256));
const hot = tiles.slice(-64);
const log = await startServer([`${root}/dist/log-server/cli.js`, 'serve', '--data', '/work/main/data/bench/log-1000000', '--listen', '127.0.0.1:0']);
const bare = await startBaseline('http'); const bare11 = await startBaseline('http', 11008);
const out = {};
import { readFileSync } from 'node:fs';
const childCpu = () => { const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' '); return (Number(f[13]) + Number(f[14])) / 100; };
try {
  for (let round = 0; round < Number(process.argv[3] ?? 2); round++) {
    for (const [name, s, paths] of [['bare', bare, ['/x']], ['hot', log, hot], ['old', log, tiles], ['bundles', log, bundles], ['bare11', bare11, ['/x']]]) {
      const g0 = childCpu();
      const r = await runLoad({ kind: 'paths', url: s.url, path: paths[0], paths, connections: 32, durationSec: 4, warmupSec: 1, maxRequests: 5e6 }, { cpuOf: s.child?.pid ?? s.pid });
      (out[name] ??= []).push(`${Math.round(r.perSecond)}/s srv ${(r.serverCpuSec * 1e6 / r.ok).toFixed(1)}us gen ${((childCpu() - g0) * 1e6 / r.ok).toFixed(1)}us`);
    }
  }
} finally { await log.stop(); await bare.stop(); await bare11.stop(); }
console.log(JSON.stringify(out, null, 1));
