// RSS of the server on the 10M log: after start, after 5 s lookups, after 5 s tile+bundle reads. arg: extra serve flags (JSON array)
import { startServer } from '/work/main/dist/bench/lib/procs.js';
import { runLoad } from '/work/main/dist/bench/lib/load.js';
import { entriesPath, tilePath } from '/work/main/dist/src/merkle/tiles.js';
const dir = process.argv[2], extra = JSON.parse(process.argv[3] ?? '[]');
const entries = 10_000_000, full = Math.floor(entries / 256), count = 1000;
const paths = Array.from({ length: count }, (_, i) => Math.floor((i * full) / count)).flatMap((index) => ['/' + tilePath({ level: 0, index, width: 256 }), '/' + entriesPath(index, 256)]);
const log = await startServer(['/work/main/dist/log-server/cli.js', 'serve', '--data', dir, '--listen', '127.0.0.1:0', ...extra]);
const mb = () => (log.rss() / 2 ** 20).toFixed(0);
const r0 = mb();
await runLoad({ url: log.url, kind: 'lookup', path: '/v1/identities/', lookupCount: entries, connections: 32, durationSec: 5, maxRequests: 1e6 });
const r1 = mb();
await runLoad({ url: log.url, kind: 'paths', path: paths[0], paths, connections: 32, durationSec: 5, maxRequests: 1e6 });
const r2 = mb();
console.log(`${extra.join(' ') || 'copy'}: start ${r0} MB, lookups ${r1} MB, tiles ${r2} MB`);
await log.stop();
