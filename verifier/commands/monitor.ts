/**
 * `runproof monitor` — follow one or more logs, gossip checkpoints with peer monitors and
 * witnesses, and raise an alarm with re-checkable evidence when a log shows a split view or
 * breaks its entry rules (docs/witness-and-monitor.md). State lives in a SQLite file; a log found misbehaving stays
 * untrusted there.
 */
import { dirname, join, resolve } from 'node:path';
import { RunproofError } from '../../src/errors.js';
import { EXIT, UsageError } from '../exit.js';
import { parseCommand } from '../output.js';
import { monitorApp } from '../../monitor/http.js';
import { Monitor, type MonitorEvent } from '../../monitor/monitor.js';
import { listen, type RunningServer } from '../../node-shared/serve.js';
import { parseListen } from '../../node-shared/listen-address.js';
import { openStateDb } from '../../node-shared/sqlite.js';

const HELP = `usage: runproof monitor --log URL --vkey KEY [--log URL --vkey KEY]... --state FILE
                        [--listen HOST:PORT] [--peer URL]... [--witness-url URL]...
                        [--interval DURATION] [--once] [--evidence-dir DIR] [--webhook URL]
                        [--timeout DURATION] [--json]

Follows logs: verifies each new checkpoint's signature, proves it consistent with the last one
accepted (from the log's tiles) and re-checks every new entry (41 bytes, type 0x01, times never
decreasing, no identity twice). Gossips: serves its latest verified checkpoint per log at
GET /<hex sha256(origin)>/checkpoint and checks the ones its peers and witnesses serve. Any
checkpoint signed by the log that is not consistent with its own view is a split view: evidence
is written, the log is marked untrusted for good, an ALERT line is printed.

  --log URL           a log's URL prefix (c2sp.org/tlog-tiles); repeat for several logs
  --vkey KEY          that log's verifier key; the n-th --vkey goes with the n-th --log
  --state FILE        SQLite state file (created if missing)
  --listen HOST:PORT  serve the gossip endpoint (and GET /status)
  --peer URL          another monitor to compare checkpoints with (repeatable)
  --witness-url URL   a witness's monitoring prefix to compare checkpoints with (repeatable)
  --interval D        time between rounds, e.g. 500ms, 30s, 5m (default 60s)
  --once              do one round and exit: 0 all good, 1 split view, broken entries,
                      a bad or untrusted log, 3 a log unreachable or a check unproven
  --evidence-dir DIR  where evidence goes (default: evidence/ next to the state file)
  --webhook URL       POST each alert's evidence there as JSON
  --timeout D         per-request timeout (default 20s)
  --json              print events as JSON lines`;

/** parseDuration reads `500ms`, `30s`, `5m`, `1h` as milliseconds. */
function parseDuration(text: string, flag: string): number {
  const m = /^([1-9][0-9]{0,8})(ms|s|m|h)$/.exec(text);
  if (m === null) throw new UsageError(`${flag} ${JSON.stringify(text)}: want a duration like 500ms, 30s, 5m or 1h`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/** formatEvent writes an event as one human-readable line. */
function formatEvent(e: MonitorEvent): string {
  switch (e.type) {
    case 'accepted':
      return `accepted ${e.origin} ${e.from} -> ${e.size}`;
    case 'unchanged':
      return `unchanged ${e.origin} at ${e.size}`;
    case 'stale':
      return `stale ${e.origin}: ${e.source} serves older size ${e.size} (consistent)`;
    case 'alert':
      return `ALERT ${e.kind} ${e.origin}: ${e.reason}\n  evidence: ${e.evidence}\n  confirm:  ${e.command}`;
    case 'untrusted':
      return `UNTRUSTED ${e.origin}: ${e.reason}${e.evidence === null ? '' : ` (evidence: ${e.evidence})`}`;
    case 'bad-log':
      return `BAD LOG ${e.origin}: ${e.reason}`;
    case 'unreachable':
      return `unreachable ${e.url} (${e.origin}): ${e.reason}`;
    case 'unproven':
      return `unproven ${e.origin}: ${e.reason} (not evidence; retried next round)`;
    case 'ignored':
      return `ignored ${e.source} (${e.origin}): ${e.reason}`;
    case 'warning':
      return `warning: ${e.message}`;
  }
}

function printer(json: boolean): (e: MonitorEvent) => void {
  return (e) => {
    if (json) {
      process.stdout.write(JSON.stringify({ event: e.type, ...e, type: undefined }) + '\n');
      return;
    }
    const alarming = e.type === 'alert' || e.type === 'untrusted' || e.type === 'bad-log' || e.type === 'warning';
    (alarming ? process.stderr : process.stdout).write(formatEvent(e) + '\n');
  };
}

/** run is the `runproof monitor` command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommand('monitor', HELP, args, {
    log: { type: 'string', multiple: true },
    vkey: { type: 'string', multiple: true },
    state: { type: 'string' },
    listen: { type: 'string' },
    peer: { type: 'string', multiple: true },
    'witness-url': { type: 'string', multiple: true },
    interval: { type: 'string', default: '60s' },
    once: { type: 'boolean', default: false },
    'evidence-dir': { type: 'string' },
    webhook: { type: 'string' },
    timeout: { type: 'string', default: '20s' },
    json: { type: 'boolean', default: false },
  });
  if (parsed === undefined) return EXIT.OK;
  const { values } = parsed;
  const urls = values.log ?? [];
  const vkeys = values.vkey ?? [];
  if (urls.length === 0 || urls.length !== vkeys.length) throw new UsageError("give --log URL and --vkey KEY in pairs, at least one; see 'runproof monitor --help'");
  if (values.state === undefined) throw new UsageError("--state FILE is required; see 'runproof monitor --help'");
  const interval = parseDuration(values.interval, '--interval');
  const timeoutMs = parseDuration(values.timeout, '--timeout');
  const address = values.listen === undefined ? undefined : parseListen(values.listen);
  const evidenceDir = resolve(values['evidence-dir'] ?? join(dirname(resolve(values.state)), 'evidence'));

  const db = openStateDb(values.state, 'monitor');
  let server: RunningServer | undefined;
  try {
    const monitor = new Monitor({
      db,
      logs: urls.map((url, i) => ({ url, vkey: vkeys[i]!.trim() })),
      peers: values.peer ?? [],
      witnessUrls: values['witness-url'] ?? [],
      evidenceDir,
      webhook: values.webhook,
      timeoutMs,
      onEvent: printer(values.json),
    });
    if (address !== undefined) {
      try {
        server = await listen(monitorApp(monitor), address.host, address.port);
      } catch (e) {
        throw new RunproofError('UNAVAILABLE', `cannot listen on ${values.listen}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      process.stdout.write(values.json ? JSON.stringify({ event: 'listening', url: server.url }) + '\n' : `monitor listening on ${server.url}\n`);
    }
    if (values.once) return (await monitor.round()).exitCode;
    let stopped = false;
    let wake: () => void = () => undefined;
    const stop = () => {
      stopped = true;
      wake();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    while (!stopped) {
      await monitor.round();
      if (stopped) break;
      await new Promise<void>((r) => {
        const t = setTimeout(r, interval);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    return EXIT.OK;
  } finally {
    await server?.close();
    db.close();
  }
}
