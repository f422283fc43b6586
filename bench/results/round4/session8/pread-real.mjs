// pread of a tile (8,192 B) and a bundle (11,008 B) at the blob copy's own offsets, in a tight loop, CPU µs per read.
// node bench/results/round4/session8/pread-real.mjs data/bench/log-1000000/log.db-blobs
import { openSync, readSync } from 'node:fs';
const fd = openSync(process.argv[2], 'r');
const N = 3906;
const buf = Buffer.allocUnsafe(11008);
function run(name, len, off) {
  const out = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage();
    const n = 100000;
    for (let k = 0; k < n; k++) readSync(fd, buf, 0, len, off((k * 7919) % N));
    const c = process.cpuUsage(c0);
    if (r) out.push(((c.user + c.system) / n).toFixed(2));
  }
  console.log(name, out.join(' '), 'µs cpu');
}
for (let rep = 0; rep < 2; rep++) {
  run('tile   8192', 8192, (i) => 4096 + 19200 * i);
  run('bundle 11008', 11008, (i) => 4096 + 19200 * i + 8192);
}
