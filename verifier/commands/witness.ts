/**
 * `runproof witness` — run a c2sp.org/tlog-witness witness: it cosigns the checkpoints of the
 * configured logs when they are consistent with the last one it cosigned, and serves its latest
 * cosigned checkpoint per log for monitors. State lives in a SQLite file; the key is a
 * cosignature/v1 key from `runproof keygen --witness`.
 */
import { RunproofError } from '../../src/errors.js';
import { parseVerifierKey, type Verifier } from '../../src/note/keys.js';
import { EXIT, UsageError } from '../exit.js';
import { parseCommand } from '../output.js';
import { witnessApp, DEFAULT_MAX_BODY_BYTES } from '../../witness/http.js';
import { listen, type RunningServer } from '../../node-shared/serve.js';
import { readSignerKeyFile } from '../../node-shared/key-file.js';
import { parseListen } from '../../node-shared/listen-address.js';
import { openStateDb } from '../../node-shared/sqlite.js';
import { Witness } from '../../witness/witness.js';

const HELP = `usage: runproof witness --key FILE --db FILE --log ORIGIN=VKEY... [--listen HOST:PORT] [--max-body BYTES] [--json]

Runs a C2SP tlog-witness on HOST:PORT (default 127.0.0.1:7380):
  POST /add-checkpoint                    cosign a checkpoint consistent with the last one
  GET  /<hex sha256(origin)>/checkpoint   the latest cosigned checkpoint of a log

  --key FILE          witness private key (runproof keygen --witness); must be mode 0600
  --db FILE           SQLite state file (created if missing)
  --log ORIGIN=VKEY   a log to witness and its Ed25519 verifier key; repeat for more logs
                      (or for several keys of one log)
  --max-body BYTES    largest add-checkpoint body (default ${DEFAULT_MAX_BODY_BYTES})
  --json              print the start-up line as JSON
Stops on SIGINT or SIGTERM.`;

/** parseLogs turns `ORIGIN=VKEY` options into trusted keys per origin. */
function parseLogs(values: string[]): Map<string, Verifier[]> {
  const logs = new Map<string, Verifier[]>();
  for (const v of values) {
    const at = v.indexOf('=');
    if (at <= 0) throw new UsageError(`--log ${JSON.stringify(v)}: want ORIGIN=VKEY`);
    const origin = v.slice(0, at);
    const key = parseVerifierKey(v.slice(at + 1));
    logs.set(origin, [...(logs.get(origin) ?? []), key]);
  }
  return logs;
}

/** run starts the witness and resolves with the exit code once it is stopped by a signal. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('witness', HELP, args, {
    key: { type: 'string' },
    db: { type: 'string' },
    log: { type: 'string', multiple: true },
    listen: { type: 'string', default: '127.0.0.1:7380' },
    'max-body': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (parsed === undefined) return EXIT.OK;
  const { values } = parsed;
  if (values.key === undefined || values.db === undefined || values.log === undefined) {
    throw new UsageError('runproof witness needs --key, --db and at least one --log ORIGIN=VKEY (see --help)');
  }
  const { host, port } = parseListen(values.listen);
  const maxBody = values['max-body'] === undefined ? DEFAULT_MAX_BODY_BYTES : Number(values['max-body']);
  if (!Number.isSafeInteger(maxBody) || maxBody < 1024) throw new UsageError('--max-body must be an integer ≥ 1024');
  const signer = readSignerKeyFile(values.key);
  const logs = parseLogs(values.log);
  const db = openStateDb(values.db, 'witness');
  const log = (msg: string) => process.stderr.write(`runproof witness: ${msg}\n`);
  let server: RunningServer;
  let witness: Witness;
  try {
    witness = new Witness({ db, signer, logs, now: () => Math.floor(Date.now() / 1000) });
    server = await listen(witnessApp(witness, { maxBodyBytes: maxBody, log }), host, port);
  } catch (e) {
    db.close();
    if (e instanceof RunproofError) throw e;
    throw new RunproofError('UNAVAILABLE', `cannot listen on ${values.listen}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (values.json) {
    process.stdout.write(JSON.stringify({ event: 'listening', url: server.url, name: witness.name, vkey: witness.vkey, logs: [...logs.keys()] }) + '\n');
  } else {
    process.stdout.write(`witness ${witness.name} listening on ${server.url}\nvkey ${witness.vkey}\n`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  db.close();
  return EXIT.OK;
}
