// Alternating rounds over psrv.mjs modes, server CPU per answer from /proc (the bench's runLoad).
// From the repository root, after npm run build: node bench/results/round4/session8/pab.mjs fixed11 tile bundle tile11
import { spawn } from 'node:child_process';
import { runLoad } from '../../../../dist/bench/lib/load.js';
const blobs = process.env.BLOBS ?? 'data/bench/log-1000000/log.db-blobs';
const paths = Array.from({ length: 3906 }, (_, i) => `/x/${(i * 7919) % 3906}`);
const server = new URL('./psrv.mjs', import.meta.url).pathname;
const start = (mode) =>
  new Promise((resolve) => {
    const c = spawn(process.execPath, [server, blobs, mode]);
    c.stdout.on('data', (d) => {
      const m = /listening: (\S+)/.exec(String(d));
      if (m) resolve({ c, url: m[1] });
    });
  });
const modes = process.argv.slice(2);
const srv = {};
for (const m of modes) srv[m] = await start(m);
const out = Object.fromEntries(modes.map((m) => [m, []]));
for (let r = 0; r < 3; r++)
  for (const m of modes) {
    const x = await runLoad({ kind: 'paths', url: srv[m].url, path: paths[0], paths, connections: 32, durationSec: 5, warmupSec: 1, maxRequests: 5e6 }, { cpuOf: srv[m].c.pid });
    out[m].push(`${Math.round(x.perSecond)}/s ${((x.serverCpuSec * 1e6) / x.ok).toFixed(1)}us`);
  }
console.log(JSON.stringify(out, null, 1));
for (const m of modes) srv[m].c.kill();
