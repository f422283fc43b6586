/**
 * The load generator: a separate process (never the server's) that drives one HTTP target with
 * autocannon at a fixed number of connections, bounded in time and in request count, and prints
 * one JSON line with the figures. Started by bench/lib/load.ts; the config is argv[2] as JSON.
 *
 * Bodies are made per request (distinct salts, fresh identities), so the log never answers a
 * duplicate from its index instead of sequencing.
 */
import autocannon, { type Request, type Result } from 'autocannon';
import { benchIdentity, declarationBatchBody, declarationText, identityBatchBody, saltFactory } from '../lib/bodies.js';
import type { LoadConfig, LoadResult } from '../lib/load.js';

function requestFor(cfg: LoadConfig): Request {
  const salt = saltFactory();
  const json = { 'content-type': 'application/json' };
  const samples: string[] = [];
  const keep = cfg.sampleBodies ?? 0;
  const onResponse = keep > 0 ? (status: number, body: string) => void (status === 200 && samples.length < keep && samples.push(body)) : undefined;
  (globalThis as { __samples?: string[] }).__samples = samples;
  const base = { ...(onResponse ? { onResponse } : {}) };
  switch (cfg.kind) {
    case 'declaration':
      return { ...base, method: 'POST', path: cfg.path, headers: json, setupRequest: (r) => ({ ...r, body: declarationText(salt()) }) };
    case 'identity-batch':
      return { ...base, method: 'POST', path: cfg.path, headers: json, setupRequest: (r) => ({ ...r, body: identityBatchBody(cfg.items ?? 1000) }) };
    case 'declaration-batch':
      return { ...base, method: 'POST', path: cfg.path, headers: json, setupRequest: (r) => ({ ...r, body: declarationBatchBody(cfg.items ?? 100, salt) }) };
    case 'paths': {
      const paths = cfg.paths ?? [cfg.path];
      let k = 0;
      return { ...base, method: 'GET', path: paths[0]!, setupRequest: (r) => ({ ...r, path: paths[k++ % paths.length]! }) };
    }
    case 'lookup': {
      const n = cfg.lookupCount ?? 1;
      let k = 0;
      return {
        ...base,
        method: 'GET',
        path: cfg.path,
        setupRequest: (r) => ({ ...r, path: `${cfg.path}${benchIdentity(Math.floor((k++ * 7919) % n)).toString('hex')}` }),
      };
    }
  }
}

function run(cfg: LoadConfig, duration: number, maxRequests: number): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: cfg.url, connections: cfg.connections, pipelining: 1, duration, maxOverallRequests: Math.max(maxRequests, cfg.connections), timeout: 30, requests: [requestFor(cfg)] },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.argv[2]!) as LoadConfig;
  if (!/^http:\/\/127\.0\.0\.1:[0-9]+$/.test(cfg.url)) throw new Error(`load: only http://127.0.0.1:<port> targets, got ${cfg.url}`);
  if ((cfg.warmupSec ?? 0) > 0) await run(cfg, cfg.warmupSec!, cfg.maxRequests);
  const r = await run(cfg, cfg.durationSec, cfg.maxRequests);
  const ok = r['2xx'];
  const out: LoadResult = {
    requests: ok + r.non2xx,
    ok,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds: r.duration,
    perSecond: ok / r.duration,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, mean: r.latency.average },
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, Number((v as { count: number }).count)])),
    samples: (globalThis as { __samples?: string[] }).__samples ?? [],
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`load worker: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
