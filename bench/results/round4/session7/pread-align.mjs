// pread of 11,008 bytes at the blob copy's offsets (record 19,200 B) against page-aligned ones (record 20,480 B), on a scratch file in /tmp: 3.2-3.4 µs either way (2026-12-03 14:26 UTC).
import { openSync, readSync, writeSync, closeSync } from 'node:fs';
const path = '/tmp/align-test.bin';
const N = 3906;
let fd = openSync(path, 'w');
const chunk = Buffer.alloc(20480 * 64, 7);
for (let i = 0; i < N; i += 64) writeSync(fd, chunk);
closeSync(fd);
fd = openSync(path, 'r');
const buf = Buffer.allocUnsafe(11008);
function run(name, off) {
  const out = [];
  for (let r = 0; r < 5; r++) {
    const c0 = process.cpuUsage(); const n = 100000;
    for (let k = 0; k < n; k++) readSync(fd, buf, 0, 11008, off((k * 7919) % N));
    const c = process.cpuUsage(c0); if (r) out.push(((c.user + c.system) / n).toFixed(2));
  }
  console.log(name, out.join(' '), 'µs cpu');
}
for (let rep = 0; rep < 2; rep++) {
  run('bundle unaligned (4096+19200i+8192)', (i) => 4096 + 19200 * i + 8192);
  run('bundle aligned   (4096+20480i+8192)', (i) => 4096 + 20480 * i + 8192);
}
