// Child process of crash.test.ts: plain node on the BUILT dist/ (no vitest). argv: <data dir>
// <publish dir> <kill at>. Creates a log (key and database in the data dir), publishes it into
// the publish dir, and appends rounds of identities, waiting for the mirror after each round.
// Every write step of the publisher (before a file, temp file synced, renamed, directory synced)
// is counted; at step number <kill at> the process sends itself SIGKILL — a crash right there.
// Prints "steps <n>" and exits 0 if it got through all rounds.
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const [dataDir, publishDir, killAtText] = process.argv.slice(2);
const dist = new URL('../../dist/', import.meta.url).href;
const { Log } = await import(`${dist}log-server/log.js`);
const { sqliteBackend } = await import(`${dist}log-server/storage/sqlite.js`);
const { createKeyFile } = await import(`${dist}log-server/keyfile.js`);
const { DirectoryTarget } = await import(`${dist}log-server/publish/directory.js`);
const { Publisher } = await import(`${dist}log-server/publish/publisher.js`);

const killAt = Number(killAtText);
let steps = 0;
const step = () => {
  if (++steps === killAt) process.kill(process.pid, 'SIGKILL');
};

const signer = createKeyFile(join(dataDir, 'log.key'), 'crash.test.example/log');
let publisher;
const log = await Log.open({ backend: sqliteBackend(join(dataDir, 'log.db')), origin: signer.name, signer, create: true, onCheckpoint: () => publisher?.onCheckpoint() });
const target = new DirectoryTarget(publishDir, step);
await target.open();
publisher = await Publisher.start(log, target, { beforeWrite: step, log: () => {} });
await publisher.caughtUp();
let n = 0;
// Rounds that cross full tiles, bundles and a level-1 tile, with partial tiles of many widths.
for (const count of [1, 40, 215, 3, 300, 250]) {
  const ids = Array.from({ length: count }, () => createHash('sha256').update(`crash ${n++}`).digest());
  await log.submitMany(ids.map((b) => new Uint8Array(b)));
  await publisher.caughtUp();
}
process.stdout.write(`steps ${steps}\n`);
await publisher.close();
await log.close();
