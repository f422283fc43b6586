// A/B: lookups of random identities on two copies of the 1M log, old build vs new, alternating. args: oldRoot newRoot oldData newData rounds
import { startServer } from '../../../../dist/bench/lib/procs.js';
import { runLoad } from '../../../../dist/bench/lib/load.js';
const [oldRoot, newRoot, oldData, newData, rounds = '4'] = process.argv.slice(2);
const srv = {
  old: await startServer([`${oldRoot}/dist/log-server/cli.js`, 'serve', '--data', oldData, '--listen', '127.0.0.1:0']),
  new: await startServer([`${newRoot}/dist/log-server/cli.js`, 'serve', '--data', newData, '--listen', '127.0.0.1:0']),
};
const out = { old: [], new: [] };
try {
  for (let round = 0; round < Number(rounds); round++) {
    for (const name of round % 2 ? ['new', 'old'] : ['old', 'new']) {
      const s = srv[name];
      const r = await runLoad({ url: s.url, kind: 'lookup', path: '/v1/identities/', lookupCount: 1_000_000, connections: 32, durationSec: 5, warmupSec: 1, maxRequests: 1e6 }, { cpuOf: s.child.pid });
      out[name].push(`${Math.round(r.perSecond)}/s ${(r.serverCpuSec * 1e6 / r.ok).toFixed(0)}µs p99 ${r.latencyMs.p99} rss ${(s.rss() / 2 ** 20).toFixed(0)}MB`);
    }
  }
} finally { await srv.old.stop(); await srv.new.stop(); }
console.log(JSON.stringify(out, null, 1));
