// A/B: single declarations, same build, node flags differ, alternating rounds. args: flagsB(JSON) conns rounds kind
import { startServer } from '../../../../dist/bench/lib/procs.js';
import { runLoad } from '../../../../dist/bench/lib/load.js';
import { mkdtempSync } from 'node:fs';
const [flagsB, conns = '128', rounds = '4', kind = 'declaration'] = process.argv.slice(2);
const path = kind === 'identity' ? '/v1/identities' : '/v1/declarations';
const cli = new URL('../../../../dist/log-server/cli.js', import.meta.url).pathname;
const srv = {
  A: await startServer([cli, 'serve', '--data', mkdtempSync('/tmp/abf-a-'), '--listen', '127.0.0.1:0']),
  B: await startServer([...JSON.parse(flagsB), cli, 'serve', '--data', mkdtempSync('/tmp/abf-b-'), '--listen', '127.0.0.1:0']),
};
const out = { A: [], B: [] }; const cpu = { A: [], B: [] };
try {
  for (let round = 0; round < Number(rounds); round++) {
    for (const name of round % 2 ? ['B', 'A'] : ['A', 'B']) {
      const s = srv[name];
      const r = await runLoad({ kind, url: s.url, path, connections: Number(conns), durationSec: 5, warmupSec: 1, maxRequests: 5e6 }, { cpuOf: s.child.pid });
      const us = r.serverCpuSec * 1e6 / r.ok; cpu[name].push(us);
      out[name].push(`${Math.round(r.perSecond)}/s ${us.toFixed(0)}µs p99 ${r.latencyMs.p99} rss ${(s.rss() / 2 ** 20).toFixed(0)}MB`);
    }
  }
} finally { await srv.A.stop(); await srv.B.stop(); }
const med = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(JSON.stringify(out, null, 1), 'median CPU A', med(cpu.A).toFixed(0), 'B', med(cpu.B).toFixed(0));
