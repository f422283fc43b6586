import { readFileSync } from 'node:fs';
const m = await import('/work/wt/flat/dist/log-server/storage/read-snapshot.js');
const r = new m.ReadSnapshot('/work/main/data/bench/log-1000000/log.db', 1e9);
const N = 100000; let x = 0; const per = 16; // reads per snapshot ("turn")
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
const rss0 = rss(); let maxr = 0;
for (const level of [0, 'entries']) {
  for (let k = 0; k < 3; k++) {
    const t0 = process.cpuUsage(); const w0 = performance.now();
    for (let i = 0; i < N; i++) { const idx = ((i + k * N) * 2654435761 % 3778) >>> 0; x += r.read(level, idx, 1000000)[5]; if (i % per === per - 1) { r.endNow(); if (i % 1024 === 0) maxr = Math.max(maxr, rss()); } }
    const c = process.cpuUsage(t0);
    if (k === 2) console.log(process.env.RUNPROOF_MMAP ?? 0, process.env.RUNPROOF_RENEW ?? '-', level, ((c.user + c.system) / N).toFixed(2), 'µs cpu/read', ((performance.now() - w0) * 1000 / N).toFixed(2), 'µs wall', 'rss', rss0.toFixed(0), '→ max', maxr.toFixed(0));
  }
}
