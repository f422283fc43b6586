/**
 * Crash loop (issue #6): run `runproof-log serve` under concurrent submissions, SIGKILL it at a
 * random moment, restart it on the same data, and prove that nothing acknowledged was lost:
 *
 *   - every receipt the log ever answered still verifies offline (signature, inclusion);
 *   - the new checkpoint extends each receipt's checkpoint: an RFC 9162 consistency proof from
 *     the receipt's tree size to the new size verifies;
 *   - a lookup of every acknowledged identity returns the same index;
 *   - `runproof audit` (the verifier library) re-derives the whole log and passes.
 *
 * Used by the short reliability test (a few cycles) and by `npm run soak` (20 cycles).
 */
import { verifyConsistency } from '../../src/merkle/proof.js';
import { fromBase64 } from '../../src/encoding/base64.js';
import { parseTlogProof } from '../../src/note/tlog-proof.js';
import { ReceiptVerifier } from '../../src/receipt/verify.js';
import { audit } from '../../verifier/audit/audit.js';
import { LogClient } from '../../verifier/log-client.js';
import { declarationText } from '../lib/bodies.js';
import { startLog, type Served } from '../lib/procs.js';

/** Options of {@link crashLoop}. */
export interface CrashLoopOptions {
  /** Data directory of the log (created on the first start). */
  dataDir: string;
  cycles: number;
  /** Concurrent submitters. */
  workers: number;
  /** The kill comes at a uniformly random moment in [minRunMs, maxRunMs] after the restart. */
  minRunMs: number;
  maxRunMs: number;
  /** Run a full audit after every cycle (else only after the last). */
  auditEachCycle: boolean;
  /** Random numbers in [0, 1) (seeded by the caller, so a failure can be replayed). */
  random: () => number;
  say?: (line: string) => void;
}

/** What a crash loop found. */
export interface CrashLoopReport {
  cycles: number;
  /** Distinct identities the log acknowledged with a receipt. */
  acknowledged: number;
  /** Acknowledged entries missing, moved or unprovable after a restart (must be 0). */
  lost: number;
  /** Requests that failed because the server was killed under them (expected, not losses). */
  interrupted: number;
  finalSize: number;
  audits: number;
  consistencyProofs: number;
  problems: string[];
}

interface Ack {
  identity: string;
  index: number;
  receipt: string;
}

/** submitters runs `workers` loops posting distinct declarations until `stop()` or the server dies. */
function submitters(url: string, workers: number, tag: string, acks: Ack[]): { stop: () => void; done: Promise<number> } {
  let stopped = false;
  let interrupted = 0;
  let n = 0;
  const loop = async (w: number) => {
    for (let i = 0; i < 1_000_000 && !stopped; i++) {
      const salt = `${tag}w${w}n${n++}`.padEnd(22, '_'); // '_' cannot be mistaken for a digit of n
      try {
        const res = await fetch(`${url}/v1/declarations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: declarationText(salt) });
        const text = await res.text();
        if (res.status === 200) {
          const a = JSON.parse(text) as Ack;
          acks.push({ identity: a.identity, index: a.index, receipt: a.receipt });
        } else if (res.status !== 503) throw new Error(`submission answered ${res.status}: ${text.slice(0, 300)}`);
      } catch (e) {
        if (e instanceof Error && e.message.startsWith('submission answered')) throw e;
        interrupted++;
        return; // the server is gone
      }
    }
  };
  const done = Promise.all(Array.from({ length: workers }, (_, w) => loop(w))).then(() => interrupted);
  return { stop: () => (stopped = true), done };
}

/** checkAll proves every acknowledged entry against the running log; returns the problems found. */
async function checkAll(log: Served & { vkey: string }, acks: Ack[], report: CrashLoopReport): Promise<string[]> {
  const problems: string[] = [];
  const verifier = new ReceiptVerifier({ vkey: log.vkey });
  const now = verifier.checkpoint(await (await fetch(`${log.url}/checkpoint`)).text()).opened.checkpoint;
  const proofs = new Map<number, Uint8Array[]>();
  for (const a of acks) {
    try {
      verifier.verify({ receipt: a.receipt, identity: a.identity });
      const cp = verifier.checkpoint(parseTlogProof(a.receipt).checkpoint).opened.checkpoint;
      if (cp.size > now.size) throw new Error(`the log shrank: receipt at size ${cp.size}, now ${now.size}`);
      if (cp.size < now.size) {
        let proof = proofs.get(cp.size);
        if (proof === undefined) {
          const res = await fetch(`${log.url}/v1/proofs/consistency?old=${cp.size}&new=${now.size}`);
          if (res.status !== 200) throw new Error(`consistency ${cp.size}→${now.size} answered ${res.status}`);
          proof = (await res.text()).split('\n').filter((l) => l !== '').map((l) => fromBase64(l, 32));
          proofs.set(cp.size, proof);
          report.consistencyProofs++;
        }
        verifyConsistency(cp.size, now.size, cp.root, now.root, proof);
      }
      const res = await fetch(`${log.url}/v1/identities/${a.identity.slice('sha256:'.length)}`);
      const found = (await res.json()) as { index?: number };
      if (res.status !== 200 || found.index !== a.index) throw new Error(`lookup answered ${res.status}, index ${found.index}`);
    } catch (e) {
      problems.push(`${a.identity} (index ${a.index}): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return problems;
}

/** crashLoop runs the loop described in the module comment. */
export async function crashLoop(o: CrashLoopOptions): Promise<CrashLoopReport> {
  const report: CrashLoopReport = { cycles: 0, acknowledged: 0, lost: 0, interrupted: 0, finalSize: 0, audits: 0, consistencyProofs: 0, problems: [] };
  const acks: Ack[] = [];
  for (let c = 1; c <= o.cycles; c++) {
    const log = await startLog(o.dataDir);
    try {
      // Everything acknowledged before this restart must still be there.
      const problems = await checkAll(log, acks, report);
      report.lost += problems.length;
      report.problems.push(...problems.slice(0, 20));
      if (o.auditEachCycle && acks.length > 0) {
        await audit(new LogClient(log.url), { trust: { vkey: log.vkey } });
        report.audits++;
      }
      // Load, then a kill at a random moment.
      const load = submitters(log.url, o.workers, `c${c}`, acks);
      const runMs = o.minRunMs + o.random() * (o.maxRunMs - o.minRunMs);
      await new Promise((r) => setTimeout(r, runMs));
      log.child.kill('SIGKILL');
      load.stop();
      report.interrupted += await load.done;
      await log.stop();
      report.cycles = c;
      o.say?.(`cycle ${c}: killed after ${runMs.toFixed(0)} ms; ${acks.length} acknowledged so far`);
    } catch (e) {
      await log.stop();
      throw e;
    }
  }
  // The final restart: prove everything, and audit the whole log.
  const log = await startLog(o.dataDir);
  try {
    const problems = await checkAll(log, acks, report);
    report.lost += problems.length;
    report.problems.push(...problems.slice(0, 20));
    const a = await audit(new LogClient(log.url), { trust: { vkey: log.vkey } });
    report.audits++;
    report.finalSize = a.size;
  } finally {
    await log.stop();
  }
  report.acknowledged = new Set(acks.map((a) => a.identity)).size;
  return report;
}
