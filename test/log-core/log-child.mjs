// Child process for the log-core process tests: plain node, no vitest. argv: <runtime dir>
// <db path> <mode>. The runtime dir holds log-server/ transpiled to JS (helpers.ts).
//   hold: open the log, print "ready", wait to be killed.
//   load: open the log and submit random identities as fast as it can (singles and small
//         batches, many in flight); print "cp <json signed checkpoint>" after each commit and
//         "ack <index> <hex identity>" after each resolved submission. Stops after 15 s.
import { randomBytes } from 'node:crypto';

const [runtime, dbPath, mode] = process.argv.slice(2);
const { Log } = await import(`${runtime}/log-server/log.js`);
const { sqliteBackend } = await import(`${runtime}/log-server/storage/sqlite.js`);
const { parseSignerKey } = await import(`${runtime}/src/note/keys.js`);
const signer = parseSignerKey(process.env.LOG_CORE_SIGNER_KEY);
const out = (line) => process.stdout.write(line + '\n');

let log;
try {
  log = await Log.open({
    backend: sqliteBackend(dbPath), origin: signer.name, signer, create: true, batchIntervalMs: 1,
    onCheckpoint: (signed) => out(`cp ${JSON.stringify(signed)}`),
  });
} catch (e) {
  out(`error ${e.code ?? 'unknown'} ${e.message}`);
  process.exit(3);
}
out('ready');
if (mode === 'hold') {
  setInterval(() => {}, 1000);
} else {
  const hex = (b) => Buffer.from(b).toString('hex');
  const until = Date.now() + 15_000;
  const worker = async () => {
    for (let n = 0; Date.now() < until; n++) {
      const ids = Array.from({ length: n % 3 === 0 ? 8 : 1 }, () => new Uint8Array(randomBytes(32)));
      const got = await log.submitMany(ids);
      for (const s of got) out(`ack ${s.index} ${hex(s.identity)}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, () => worker()));
  await log.close();
  out('done');
}
