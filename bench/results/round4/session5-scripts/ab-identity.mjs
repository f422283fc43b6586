// A/B: single identity submissions at N connections, old build vs new build, alternating rounds.
import { startServer } from '/work/main/dist/bench/lib/procs.js';
import { runLoad } from '/work/main/dist/bench/lib/load.js';
import { mkdtempSync } from 'node:fs';
const [oldCli, newCli, conns = '128', rounds = '4', kind = 'identity'] = process.argv.slice(2);
const path = kind === 'identity' ? '/v1/identities' : '/v1/declarations';
const srv = {
  old: await startServer([oldCli, 'serve', '--data', mkdtempSync('/tmp/abi-old-'), '--listen', '127.0.0.1:0']),
  new: await startServer([newCli, 'serve', '--data', mkdtempSync('/tmp/abi-new-'), '--listen', '127.0.0.1:0']),
};
const out = { old: [], new: [] };
try {
  for (let round = 0; round < Number(rounds); round++) {
    for (const name of round % 2 ? ['new', 'old'] : ['old', 'new']) {
      const s = srv[name];
      const r = await runLoad({ kind, url: s.url, path, connections: Number(conns), durationSec: 5, warmupSec: 1, maxRequests: 5e6 }, { cpuOf: s.child.pid });
      out[name].push(`${Math.round(r.perSecond)}/s ${(r.serverCpuSec * 1e6 / r.ok).toFixed(0)}µs p99 ${r.latencyMs.p99}`);
    }
  }
} finally { await srv.old.stop(); await srv.new.stop(); }
console.log(JSON.stringify(out, null, 1));
