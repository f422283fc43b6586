// A minimal node:http server for the old-bundle question: answers GET /x/<i> with 8,192 or
// 11,008 bytes, fixed or read with one pread from a blob copy at record i (mod 3906).
// args: <blob copy> <mode>; modes: fixed8, fixed11 (a fixed buffer), tile, bundle, tile11
// (pread into a 64 KiB slab, as log-server/storage/blob-copy.ts), tile-reuse, bundle-reuse
// (pread into one buffer), bundle-pool (slabs recycled when their answers finish).
import { createServer } from 'node:http';
import { openSync, readSync } from 'node:fs';
const [file, mode] = process.argv.slice(2);
const fd = openSync(file, 'r');
const len = (mode.startsWith('tile') && mode !== 'tile11') || mode === 'fixed8' ? 8192 : 11008;
const at = (i) => 4096 + 19200 * i + (mode.startsWith('bundle') ? 8192 : 0);
const fixed = Buffer.alloc(len, 7);
const headers = Object.freeze({ 'Content-Type': 'application/octet-stream', 'Content-Length': String(len) });
let slab = Buffer.allocUnsafe(65536);
let used = 65536;
const free = [];
let cur = null;
function carve(n) {
  if (cur === null || cur.used + n > cur.buf.length) {
    cur = free.pop() ?? { buf: Buffer.allocUnsafe(65536), used: 0, out: 0 };
    cur.used = 0;
    cur.out = 0;
  }
  const v = cur.buf.subarray(cur.used, cur.used + n);
  cur.used += n;
  cur.out++;
  return [v, cur];
}
function release(s) {
  if (--s.out === 0 && s !== cur && free.length < 16) free.push(s);
}
createServer((req, res) => {
  const i = Number(req.url.slice(req.url.lastIndexOf('/') + 1).replace(/[^0-9]/g, '')) % 3906;
  if (mode === 'bundle-pool') {
    const [v, s] = carve(len);
    readSync(fd, v, 0, len, at(i));
    res.writeHead(200, headers);
    res.end(v, () => release(s));
    return;
  }
  let body = fixed;
  if (mode.endsWith('-reuse')) readSync(fd, fixed, 0, len, at(i));
  else if (!mode.startsWith('fixed')) {
    if (used + len > slab.length) {
      slab = Buffer.allocUnsafe(65536);
      used = 0;
    }
    body = slab.subarray(used, used + len);
    used += len;
    readSync(fd, body, 0, len, at(i));
  }
  res.writeHead(200, headers);
  res.end(body);
}).listen(0, '127.0.0.1', function () {
  console.log(`listening: http://127.0.0.1:${this.address().port}`);
});
