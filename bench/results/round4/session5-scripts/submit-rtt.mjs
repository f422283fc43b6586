import { startLog } from '/work/main/dist/bench/lib/procs.js';
import { mkdtempSync, openSync, writeSync, fdatasyncSync } from 'node:fs';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
const dir = mkdtempSync('/tmp/srtt-');
const log = await startLog(dir + '/log');
const agent = new http.Agent({ keepAlive: true });
const id = () => 'sha256:' + createHash('sha256').update(randomBytes(16)).digest('hex');
const viaFetch = async () => { const r = await fetch(log.url + '/v1/identities', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: id() }) }); await r.text(); if (r.status !== 200) throw new Error(String(r.status)); };
const viaHttp = () => new Promise((ok, no) => { const body = JSON.stringify({ identity: id() }); const u = new URL(log.url + '/v1/identities'); const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => { res.resume(); res.on('end', ok); }); req.on('error', no); req.end(body); });
const viaGet = async () => { const r = await fetch(log.url + '/checkpoint'); await r.text(); };
const fd = openSync(dir + '/f', 'w'); const buf = Buffer.alloc(36 * 1024, 1);
const sync = async () => { writeSync(fd, buf); fdatasyncSync(fd); };
const res = {};
for (const [name, f] of [['fetch POST', viaFetch], ['http POST', viaHttp], ['fetch GET checkpoint', viaGet], ['append 36K+fdatasync', sync]]) {
  const t = [];
  for (let i = 0; i < 300; i++) { const a = performance.now(); await f(); if (i >= 50) t.push(performance.now() - a); }
  t.sort((a, b) => a - b); res[name] = t[t.length >> 1].toFixed(2);
}
await log.stop(); console.log(res);
