// RSS breakdown of the server on the 10M log under the large scenario's sequence. args: dir, nodeflags(JSON), serveflags(JSON)
import { startServer } from '../../../../dist/bench/lib/procs.js';
import { runLoad } from '../../../../dist/bench/lib/load.js';
import { entriesPath, tilePath } from '../../../../dist/src/merkle/tiles.js';
import { readFileSync } from 'node:fs';
const dir = process.argv[2], nflags = JSON.parse(process.argv[3] ?? '[]'), extra = JSON.parse(process.argv[4] ?? '[]');
const entries = 10_000_000, full = Math.floor(entries / 256), count = 1000;
const paths = Array.from({ length: count }, (_, i) => Math.floor((i * full) / count)).flatMap((index) => ['/' + tilePath({ level: 0, index, width: 256 }), '/' + entriesPath(index, 256)]);
const log = await startServer([...nflags, (process.env.ROOT ?? new URL('../../../..', import.meta.url).pathname) + '/dist/log-server/cli.js', 'serve', '--data', dir, '--listen', '127.0.0.1:0', ...extra]);
const st = () => Object.fromEntries(readFileSync(`/proc/${log.child.pid}/status`, 'utf8').split('\n').filter((l) => /^(VmHWM|VmRSS|RssAnon|RssFile|RssShmem)/.test(l)).map((l) => { const [k, v] = l.split(':'); return [k, Math.round(parseInt(v) / 1024)]; }));
let maxAnon = 0, maxFile = 0;
const t = setInterval(() => { const s = st(); maxAnon = Math.max(maxAnon, s.RssAnon); maxFile = Math.max(maxFile, s.RssFile); }, 50);
console.log('start', JSON.stringify(st()));
await runLoad({ url: log.url, kind: 'lookup', path: '/v1/identities/', lookupCount: entries, connections: 32, durationSec: 5, maxRequests: 1e6 });
console.log('lookups', JSON.stringify(st()), 'maxAnon', maxAnon, 'maxFile', maxFile);
await runLoad({ url: log.url, kind: 'paths', path: paths[0], paths, connections: 32, durationSec: 5, maxRequests: 1e6 });
console.log('reads', JSON.stringify(st()), 'maxAnon', maxAnon, 'maxFile', maxFile);
clearInterval(t);
await log.stop();
