// Dump full level-0 tiles and bundles of a log.db into flat files (prototype).
const Database = require('/work/main/node_modules/better-sqlite3');
const fs = require('fs');
const [db, out] = process.argv.slice(2);
const d = new Database(db, { readonly: true });
const t = fs.openSync(out + '/tiles0.dat', 'w');
let n = 0;
for (const r of d.prepare('SELECT idx, hashes FROM tiles WHERE level = 0 ORDER BY idx').iterate()) {
  if (r.hashes.length !== 8192) continue;
  fs.writeSync(t, r.hashes, 0, 8192, r.idx * 8192); n++;
}
fs.closeSync(t);
const b = fs.openSync(out + '/bundles.dat', 'w');
const idx = [];
let off = 0;
for (const r of d.prepare('SELECT idx, entries FROM bundles ORDER BY idx').iterate()) {
  if (r.idx !== idx.length) throw new Error('gap');
  fs.writeSync(b, r.entries); idx.push(off); off += r.entries.length;
}
idx.push(off);
fs.closeSync(b);
const ib = Buffer.alloc(idx.length * 8);
idx.forEach((v, i) => ib.writeBigUInt64LE(BigInt(v), i * 8));
fs.writeFileSync(out + '/bundles.idx', ib);
console.log('tiles', n, 'bundles', idx.length - 1, 'bytes', off);
