// In-process: CPU per read of old tiles from the blob copy, with slab variants. Page faults per read.
import { openSync, readSync } from 'node:fs';
const fd = openSync('/work/main/data/bench/log-1000000/log.db-blobs', 'r');
const N = 3906, R = 19200, H = 4096;
const variants = {
  slab1M: (() => { let slab = Buffer.allocUnsafeSlow(1 << 20), used = 0; return (n) => { if (used + n > slab.length) { slab = Buffer.allocUnsafeSlow(1 << 20); used = 0; } const v = new Uint8Array(slab.buffer, slab.byteOffset + used, n); used += n; return v; }; })(),
  slab64K: (() => { let slab = Buffer.allocUnsafeSlow(1 << 16), used = 0; return (n) => { if (used + n > slab.length) { slab = Buffer.allocUnsafeSlow(1 << 16); used = 0; } const v = new Uint8Array(slab.buffer, slab.byteOffset + used, n); used += n; return v; }; })(),
  perRead: (n) => Buffer.allocUnsafeSlow(n),
  reuse: (() => { const b = Buffer.allocUnsafeSlow(8192); return () => b; })(),
};
const keep = [];
for (let pass = 0; pass < 3; pass++) for (const [name, carve] of Object.entries(variants)) {
  const ru0 = process.resourceUsage(); const c0 = process.cpuUsage();
  const reads = 100000;
  for (let i = 0; i < reads; i++) {
    const idx = (i * 7919) % N;
    const v = carve(8192);
    readSync(fd, v, 0, 8192, H + idx * R);
    keep.push(v); if (keep.length > 64) keep.shift();
  }
  const c = process.cpuUsage(c0); const ru = process.resourceUsage();
  if (pass === 2) console.log(name.padEnd(8), ((c.user + c.system) / reads).toFixed(2), 'us/read', ((ru.minorPageFault - ru0.minorPageFault) / reads).toFixed(3), 'faults/read', 'sys', (c.system / reads).toFixed(2));
}
