/**
 * `runproof audit` — download a whole runproof log over c2sp.org/tlog-tiles and re-derive
 * everything its checkpoint signs (verifier/audit/audit.ts). Progress is shown on a TTY and can
 * be saved to a directory so an interrupted or later audit continues where it stopped.
 */
import { availableParallelism } from 'node:os';
import cliProgress from 'cli-progress';
import type { AuditReport } from '../audit/audit.js';
import { audit } from '../audit/audit.js';
import { dirStateStore } from '../audit/state-dir.js';
import { pipelinedGet } from '../audit/pipelined-get.js';
import { type WorkerHasher, workerHasher } from '../audit/worker-hasher.js';
import { LogClient } from '../log-client.js';
import { EXIT, UsageError } from '../exit.js';
import { iso, parseCommand, printFields, printJson, reportFailure, trustFromArgs } from '../output.js';

const HELP = `usage: runproof audit --log URL (--vkey KEY | --policy FILE) [--concurrency N] [--state DIR] [--gzip] [--single-thread] [--json]

Downloads the log's current checkpoint, every hash tile and every entry bundle, and checks:
  - the checkpoint is signed by the log (and meets the policy's witness quorum);
  - every entry is 41 bytes of type 0x01, times never decrease, no identity appears twice;
  - every level-0 tile hash is the leaf hash of its entry; every higher tile holds the
    hashes of the tiles below, recomputed from the entries;
  - the root recomputed from the entries is the signed root.
The first fault stops the audit and is printed with its evidence (entry index, expected and
found values, the tile or bundle URL). A broken entry rule is first proven with inclusion
proofs against the signed root: "proven: true" with the checkpoint, entries and proofs to
re-check offline (read from the log's tiles or, if it does not serve them, built from the tree
the audit recomputes from all the bundles: "proofsFrom: recomputed tree"); "proven: false" when
the data served does not match the signed tree or the log serves neither the proof nor what
building it needs (the audit fails all the same, but that is not evidence that the log broke
its rules). Partial tiles that are gone are replaced by full ones;
gzip-compressed bundles are accepted.

  --log URL          the log's URL prefix (c2sp.org/tlog-tiles)
  --vkey KEY         the log's verifier key, name+hexkeyid+base64
  --policy FILE      a c2sp.org/tlog-policy file (log keys, witnesses, quorum)
  --concurrency N    bundles downloaded in parallel (default 32)
  --state DIR        keep verified progress in DIR and resume from it next time, if the
                     log proves it is the start of the tree it signs now (else start over)
  --gzip             ask for gzip-compressed bundles: ≈ 20% fewer bytes (entries are mostly
                     SHA-256 identities), for CPU on both sides; off by default
  --single-thread    hash on the main thread; by default, with more than one CPU, a worker
                     thread hashes full bundles while the main thread downloads and checks
  --json             print the report (or the failure) as JSON; no progress bar
Exit codes: 0 the log checks out, 1 a fault was found (reason on the last line of standard
error, including an answer from the log that fails a check), 2 bad usage or the user's own
input, 3 log unreachable or no usable answer.`;

/**
 * Worker threads hashing full bundles (each an aligned subtree of 256 leaves). One: with the
 * WebAssembly SIMD SHA-256 the hashing is ≈ 0.4 s of CPU per 1M entries, which one worker does
 * well within the main thread's time for the same log, and each worker costs ≈ 0.06–0.1 s of CPU
 * to start (isolate, module import, WASM compile) and ≈ 11 MB of RSS. On the shared 2-core
 * bench machine two workers took ≈ 0.15 s more client CPU per 1M entries than one, with the
 * same main-thread CPU (docs/performance.md).
 */
const HASH_WORKERS = 1;

function printReport(r: AuditReport, seconds: number): void {
  process.stdout.write(`OK: audited all ${r.size} entries of ${r.origin}\n`);
  const fields: [string, string][] = [
    ['checkpoint', `${r.origin}, tree size ${r.size}, root ${r.root}`],
    ['witnesses', r.witnesses.length === 0 ? 'none required' : r.witnesses.map((w) => `${w.name} at ${iso(w.timestamp)}`).join('; ')],
  ];
  if (r.firstTime !== undefined && r.lastTime !== undefined) fields.push(['entries', `${iso(r.firstTime)} … ${iso(r.lastTime)}`]);
  else if (r.lastTime !== undefined) fields.push(['last entry', iso(r.lastTime)]);
  if (r.resumedFrom > 0) fields.push(['resumed', `entries before ${r.resumedFrom} were verified in an earlier run`]);
  if (r.progressDiscarded !== undefined) fields.push(['resumed', `no: saved progress discarded, audited from the start (${r.progressDiscarded})`]);
  fields.push(['downloaded', `${r.bundlesFetched} bundles, ${r.tilesFetched} hash tiles`]);
  fields.push(['time', `${seconds.toFixed(2)} s (${Math.round((r.size - r.resumedFrom) / Math.max(seconds, 1e-3))} entries/s)`]);
  printFields(fields);
}

/** run is the `runproof audit` command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('audit', HELP, args, {
    log: { type: 'string' },
    vkey: { type: 'string' },
    policy: { type: 'string' },
    concurrency: { type: 'string' },
    state: { type: 'string' },
    gzip: { type: 'boolean', default: false },
    'single-thread': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  if (parsed === undefined) return EXIT.OK;
  const { values } = parsed;
  if (values.log === undefined) throw new UsageError("--log URL is required; see 'runproof audit --help'");
  const concurrencyText = values.concurrency ?? '32';
  if (!/^[1-9][0-9]{0,2}$/.test(concurrencyText) || Number(concurrencyText) > 256) throw new UsageError('--concurrency must be an integer from 1 to 256');
  const concurrency = Number(concurrencyText);
  const json = values.json === true;
  const bar = !json && process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'audit [{bar}] {percentage}% | {value}/{total} entries | {eta_formatted} left', stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  const started = performance.now();
  let hasher: WorkerHasher | undefined;
  try {
    const trust = trustFromArgs(values, 'audit');
    const client = new LogClient(values.log, { getBytes: pipelinedGet(), gzip: values.gzip === true });
    let barStarted = false;
    if (values['single-thread'] !== true && availableParallelism() > 1) hasher = workerHasher(Math.min(HASH_WORKERS, availableParallelism()));
    const report = await audit(client, {
      trust,
      concurrency,
      ...(hasher !== undefined ? { hasher } : {}),
      ...(values.state !== undefined ? { state: dirStateStore(values.state) } : {}),
      onProgress: (done, total) => {
        if (bar === undefined) return;
        if (!barStarted) {
          bar.start(total, done);
          barStarted = true;
        } else bar.update(done);
      },
    });
    bar?.stop();
    const seconds = (performance.now() - started) / 1000;
    if (json) printJson({ ok: true, ...report, seconds, entriesPerSecond: Math.round((report.size - report.resumedFrom) / Math.max(seconds, 1e-3)) });
    else printReport(report, seconds);
    return EXIT.OK;
  } catch (e) {
    bar?.stop();
    return reportFailure(e, 'audit', json);
  } finally {
    await hasher?.close();
  }
}
