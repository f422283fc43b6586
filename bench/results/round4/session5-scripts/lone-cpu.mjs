import { startLog } from '/work/main/dist/bench/lib/procs.js';
import { cpuSeconds } from '/work/main/dist/bench/lib/load.js';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
const dir = mkdtempSync('/tmp/lc-');
const log = await startLog(dir + '/log', process.argv.slice(2));
const agent = new http.Agent({ keepAlive: true });
const id = () => 'sha256:' + createHash('sha256').update(randomBytes(16)).digest('hex');
const post = (path = '/v1/identities') => new Promise((ok, no) => { const body = JSON.stringify({ identity: id() }); const u = new URL(log.url + path); const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => { res.resume(); res.on('end', ok); }); req.on('error', no); req.end(body); });
for (let i = 0; i < 300; i++) await post();
const c0 = cpuSeconds(log.child.pid); const t = [];
const N = 1000;
for (let i = 0; i < N; i++) { const a = performance.now(); await post(); t.push(performance.now() - a); }
const c1 = cpuSeconds(log.child.pid);
t.sort((a, b) => a - b);
console.log('median ms', t[N >> 1].toFixed(2), 'p90', t[Math.floor(N * 0.9)].toFixed(2), 'server CPU per request µs', ((c1 - c0) * 1e6 / N).toFixed(0));
await log.stop();
