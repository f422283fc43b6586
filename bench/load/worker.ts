/**
 * The load generator: a separate process (never the server's) that drives one HTTP target with
 * undici at a fixed number of connections, each with one request in flight, bounded in time and
 * in request count, and prints one JSON line with the figures. Started by bench/lib/load.ts; the
 * config is argv[2] as JSON.
 *
 * Response bodies are discarded unread (`body.dump()`), except the few kept as samples. The
 * generator used to be autocannon, which decodes every response body into a JS string: its rate
 * then depended on the bytes served — a bare node:http server answering 64 different random 8 KiB
 * bodies got 5,200–5,800 answers/s from it against 12,900–13,300/s answering one (measured
 * here), so a server serving real tiles was judged by the load generator's UTF-8 decoder.
 *
 * Bodies are made per request (distinct salts, fresh identities), so the log never answers a
 * duplicate from its index instead of sequencing.
 */
import { Pool } from 'undici';
import { benchIdentity, compactDeclarationText, declarationBatchBody, declarationText, identityBatchBody, identityBody, saltFactory } from '../lib/bodies.js';
import { MEASURING, type LoadConfig, type LoadResult } from '../lib/load.js';

/** One request to send: method, path, and a body for POSTs. */
interface Shot {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

/** shots returns the request maker of a config kind (a new body or path per call). */
function shots(cfg: LoadConfig): () => Shot {
  const salt = saltFactory();
  switch (cfg.kind) {
    case 'declaration':
      return () => ({ method: 'POST', path: cfg.path, body: declarationText(salt()) });
    case 'declaration-compact':
      return () => ({ method: 'POST', path: cfg.path, body: compactDeclarationText(salt()) });
    case 'identity':
      return () => ({ method: 'POST', path: cfg.path, body: identityBody() });
    case 'identity-batch':
      return () => ({ method: 'POST', path: cfg.path, body: identityBatchBody(cfg.items ?? 1000) });
    case 'declaration-batch':
      return () => ({ method: 'POST', path: cfg.path, body: declarationBatchBody(cfg.items ?? 100, salt) });
    case 'paths': {
      const paths = cfg.paths ?? [cfg.path];
      let k = 0;
      return () => ({ method: 'GET', path: paths[k++ % paths.length]! });
    }
    case 'lookup': {
      const n = cfg.lookupCount ?? 1;
      let k = 0;
      return () => ({ method: 'GET', path: `${cfg.path}${benchIdentity(Math.floor((k++ * 7919) % n)).toString('hex')}` });
    }
  }
}

/** The raw counts of one run. */
interface Tally {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  latencies: number[];
  samples: string[];
  seconds: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const TIMEOUT_MS = 30_000;

/** run drives the target with `connections` loops, each one request at a time, until the time or count bound. */
async function run(cfg: LoadConfig, durationSec: number, maxRequests: number, keepSamples: number): Promise<Tally> {
  const pool = new Pool(cfg.url, { connections: cfg.connections, pipelining: 1, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, keepAliveTimeout: 60_000 });
  const next = shots(cfg);
  const t: Tally = { ok: 0, non2xx: 0, errors: 0, timeouts: 0, statusCodes: {}, latencies: [], samples: [], seconds: 0 };
  const started = performance.now();
  const deadline = started + durationSec * 1000;
  let sent = 0;
  async function loop(): Promise<void> {
    while (performance.now() < deadline && sent < maxRequests) {
      sent++;
      const shot = next();
      const t0 = performance.now();
      try {
        const res = await pool.request({ method: shot.method, path: shot.path, ...(shot.body !== undefined ? { body: shot.body, headers: JSON_HEADERS } : {}) });
        const status = res.statusCode;
        if (status >= 200 && status < 300 && t.samples.length < keepSamples) t.samples.push(await res.body.text());
        else await res.body.dump({ limit: Infinity });
        t.latencies.push(performance.now() - t0);
        t.statusCodes[status] = (t.statusCodes[status] ?? 0) + 1;
        if (status >= 200 && status < 300) t.ok++;
        else t.non2xx++;
      } catch (e) {
        const code = (e as { code?: unknown }).code;
        if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') t.timeouts++;
        else t.errors++;
      }
    }
  }
  await Promise.all(Array.from({ length: cfg.connections }, loop));
  t.seconds = (performance.now() - started) / 1000;
  await pool.close();
  return t;
}

/** percentile of sorted values (nearest rank), in whole milliseconds. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]!) as LoadConfig;
  if (!/^http:\/\/127\.0\.0\.1:[0-9]+$/.test(cfg.url)) throw new Error(`load: only http://127.0.0.1:<port> targets, got ${cfg.url}`);
  if ((cfg.warmupSec ?? 0) > 0) await run(cfg, cfg.warmupSec!, cfg.maxRequests, 0);
  // Marks the start of the measured window (runLoad samples the server's CPU time here).
  process.stdout.write(`${MEASURING}\n`);
  const r = await run(cfg, cfg.durationSec, cfg.maxRequests, cfg.sampleBodies ?? 0);
  const sorted = Float64Array.from(r.latencies).sort();
  const lat = Array.from(sorted);
  const out: LoadResult = {
    requests: r.ok + r.non2xx,
    ok: r.ok,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds: Number(r.seconds.toFixed(2)),
    perSecond: r.ok / r.seconds,
    latencyMs: {
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      max: Math.round(lat[lat.length - 1] ?? 0),
      mean: lat.length === 0 ? 0 : Number((lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(2)),
    },
    statusCodes: r.statusCodes,
    samples: r.samples,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`load worker: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
