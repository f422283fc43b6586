// First fill of the blob copy of a 1M-entry log: wall time, server CPU, and a lone read's latency meanwhile.
// args (optional, added in the seventh pass): <checkout> <data dir of a log copy>; its blob copy is deleted first.
import { rmSync, readFileSync, existsSync } from 'node:fs';
import { startServer } from '/work/main/dist/bench/lib/procs.js';
import { claimedRecords } from '/work/main/dist/log-server/storage/blob-copy.js';
const root = process.argv[2] ?? '/work/main';
const dir = process.argv[3] ?? '/work/scratch/logcopy';
rmSync(`${dir}/log.db-blobs`, { force: true });
const s = await startServer([`${root}/dist/log-server/cli.js`, 'serve', '--data', dir, '--listen', '127.0.0.1:0']);
const cpu = () => { const f = readFileSync(`/proc/${s.child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const c0 = cpu(); const t0 = performance.now();
await fetch(`${s.url}/tile/0/000`).then((r) => r.arrayBuffer());
const lat = [];
while (!(existsSync(`${dir}/log.db-blobs`) && claimedRecords(`${dir}/log.db-blobs`) === 3906)) {
  const a = performance.now(); await fetch(`${s.url}/checkpoint`).then((r) => r.text()); lat.push(performance.now() - a);
  await new Promise((r) => setTimeout(r, 5));
}
const wall = performance.now() - t0, used = cpu() - c0;
lat.sort((a, b) => a - b);
console.log(`filled 3906 records in ${wall.toFixed(0)} ms wall, ${(used * 1000).toFixed(0)} ms server CPU (${(used * 1e6 / 3906).toFixed(0)} us/record); checkpoint latency during fill: median ${lat[lat.length >> 1]?.toFixed(2)} ms, max ${lat.at(-1)?.toFixed(2)} ms over ${lat.length}`);
await s.stop();
