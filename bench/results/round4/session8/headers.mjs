// Bare node:http answering 11,008 bytes with two headers and with the log's five, alternating
// rounds, server CPU per answer. From the repository root after npm run build.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { runLoad } from '../../../../dist/bench/lib/load.js';
import { entriesPath } from '../../../../dist/src/merkle/tiles.js';
if (process.argv[2] === 'serve') {
  const bytes = 11008;
  const body = Buffer.alloc(bytes, 7);
  const two = { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes };
  const five = Object.freeze({ 'Content-Type': 'application/octet-stream', 'Cache-Control': 'public, max-age=31536000, immutable', 'Access-Control-Allow-Origin': '*', Vary: 'Accept-Encoding', 'Content-Length': String(bytes) });
  const h = process.argv[3] === 'five' ? five : two;
  const s = createServer((_q, res) => {
    res.writeHead(200, h);
    res.end(body);
  });
  s.listen(0, '127.0.0.1', () => console.log(`listening: http://127.0.0.1:${s.address().port}`));
} else {
  const paths = Array.from({ length: 3906 }, (_, i) => '/' + entriesPath(i, 256));
  const me = new URL(import.meta.url).pathname;
  const start = (kind) =>
    new Promise((resolve) => {
      const c = spawn(process.execPath, [me, 'serve', kind]);
      c.stdout.on('data', (d) => {
        const m = /listening: (\S+)/.exec(String(d));
        if (m) resolve({ c, url: m[1] });
      });
    });
  const servers = { two: await start('two'), five: await start('five') };
  const out = { two: [], five: [] };
  for (let r = 0; r < 4; r++)
    for (const k of ['two', 'five']) {
      const x = await runLoad({ kind: 'paths', url: servers[k].url, path: paths[0], paths, connections: 32, durationSec: 6, warmupSec: 1, maxRequests: 5e6 }, { cpuOf: servers[k].c.pid });
      out[k].push(`${Math.round(x.perSecond)}/s ${((x.serverCpuSec * 1e6) / x.ok).toFixed(1)}us`);
    }
  console.log(JSON.stringify(out, null, 1));
  for (const s of Object.values(servers)) s.c.kill();
}
