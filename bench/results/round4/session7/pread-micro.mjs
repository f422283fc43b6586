// pread of old bundles from the blob copy of the 1M bench log, in a tight loop: into one reused buffer, into fresh 64 KiB slabs as the server does, and of 8 KiB tiles. arg: the copy (default data/bench/log-1000000/log.db-blobs)
import { openSync, readSync } from 'node:fs';
const fd = openSync(process.argv[2] ?? new URL('../../../../data/bench/log-1000000/log.db-blobs', import.meta.url).pathname, 'r');
const N = 3906, REC = 19200, H = 4096;
const fixed = Buffer.allocUnsafe(11008);
let slab = Buffer.allocUnsafe(65536), used = 0;
function run(name, f) {
  for (let r = 0; r < 4; r++) {
    const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
    const n = 100000;
    for (let k = 0; k < n; k++) f((k * 7919) % N);
    const c = process.cpuUsage(c0);
    if (r > 0) console.log(name, (Number(process.hrtime.bigint() - t0) / 1e3 / n).toFixed(2), 'µs wall', ((c.user + c.system) / n).toFixed(2), 'µs cpu');
  }
}
run('fixed buffer', (i) => readSync(fd, fixed, 0, 11008, H + REC * i + 8192));
run('fresh slabs', (i) => {
  if (used + 11008 > slab.length) { slab = Buffer.allocUnsafe(65536); used = 0; }
  readSync(fd, slab, used, 11008, H + REC * i + 8192); used += 11008;
});
run('fixed 8192 tile', (i) => readSync(fd, fixed, 0, 8192, H + REC * i));
