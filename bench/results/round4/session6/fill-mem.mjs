// In-process: memory while a BlobCopy fills from the 10M log's snapshot.
import { rmSync } from 'node:fs';
import { BlobCopy } from '/work/main/dist/log-server/storage/blob-copy.js';
import { ReadSnapshot } from '/work/main/dist/log-server/storage/read-snapshot.js';
const db = '/work/main/data/bench/log-10000000/log.db', path = '/tmp/fill-mem-blobs';
rmSync(path, { force: true });
const snap = new ReadSnapshot(db);
const copy = new BlobCopy(path, (l, i, s) => snap.read(l, i, s), console.error);
const size = 10_000_000;
copy.read(0, 0, size);
const mb = (x) => (x / 2 ** 20).toFixed(0);
const t0 = Date.now();
const iv = setInterval(() => { const m = process.memoryUsage(); console.log(`${Date.now() - t0} ms rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} ext ${mb(m.external)} ab ${mb(m.arrayBuffers)}`); }, 1000);
setTimeout(() => { clearInterval(iv); copy.close(); snap.close(); rmSync(path, { force: true }); }, 6000);
