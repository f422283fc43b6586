const mode = process.argv[2];
if (mode === 'flat') process.env.RUNPROOF_FLAT = '/work/scratch/flat';
if (mode === 'mirror') process.env.RUNPROOF_MIRROR = '/work/scratch/mirror';
const m = await import('/work/wt/flat/dist/log-server/storage/read-snapshot.js');
const r = new m.ReadSnapshot('/work/main/data/bench/log-1000000/log.db');
const N = 100000; let x = 0;
for (const level of [0, 'entries']) {
  for (let k = 0; k < 3; k++) {
    const t0 = process.cpuUsage(); const w0 = performance.now();
    for (let i = 0; i < N; i++) { const idx = (i * 2654435761 % 3778) >>> 0; x += r.read(level, idx, 1000000)[5]; }
    const c = process.cpuUsage(t0); 
    if (k === 2) console.log(mode, level, ((c.user + c.system) / N).toFixed(2), 'µs cpu/read', ((performance.now() - w0) * 1000 / N).toFixed(2), 'µs wall');
  }
}
