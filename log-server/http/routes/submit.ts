/**
 * The write side (docs/log-server.md, "Submissions"): `POST /v1/declarations`, `POST /v1/identities` and the batch form
 * `POST /v1/batch`. Each answers only after the log has committed the entry and a signed
 * checkpoint covering it (`Log.submit` resolves after COMMIT), with a C2SP tlog-proof receipt.
 *
 * Input is checked in this order, and nothing reaches the log unless every check passed:
 * bearer token → rate → media type → in-flight body budget → body size (before or while reading) →
 * strict JSON → shape/schema (→ for a batch, the rate once more, for its further items; a batch
 * read on a worker thread has its items checked before that charge, with the same answers).
 * With `?wait=cosigned` the answer also waits (bounded) for the witness quorum; a quorum not met
 * in time still answers 200 with the receipt (the entry is logged) and `"quorum":{"met":false}`.
 */
import { sha256OfText } from '../../sha256-text.js';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { RunproofError } from '../../../src/errors.js';
import { declarationDigest, formatIdentity } from '../../../src/declaration/identity.js';
import { parseStrictJson } from '../../../src/json/strict.js';
import type { MaybePromise, ReceiptParts, Sequenced } from '../../log.js';
import type { AppSettings } from '../context.js';
import { encodeBatchAnswer, encodeSubmitAnswer, type AcceptedResult, type BatchResult } from '../batch-answer.js';
import { batchItemsOf, identityMember, readItems, type BatchItems } from '../batch-items.js';
import { readBody, requireJson } from '../middleware/body.js';
import { bodyBudget } from '../middleware/body-budget.js';
import { chargeEntries } from '../middleware/rate-limit.js';

/** The answer to one accepted submission. */
export interface SubmitResult {
  identity: string;
  index: number;
  /** Entry time, ms since the Unix epoch. */
  timestamp: number;
  /** True when the identity was already in the log (this is its existing entry). */
  duplicate: boolean;
  /** C2SP tlog-proof text: entry, inclusion proof and signed checkpoint. */
  receipt: string;
  /**
   * Only with `?wait=cosigned`: the witness quorum asked for and whether the receipt's checkpoint
   * carries it. `met: false` is still a success: the entry is logged, the witnesses were slow.
   */
  quorum?: { required: number; met: boolean };
}

/** The submission endpoints, for the guards in `app.ts`. */
export const SUBMIT_PATHS = ['/v1/declarations', '/v1/identities', '/v1/batch'] as const;

/** wantsReceipts reads the batch option `?receipts=false` (answers without receipts; default true). */
function wantsReceipts(c: Context): boolean {
  const v = c.req.query('receipts');
  if (v === undefined || v === 'true') return true;
  if (v === 'false') return false;
  throw new RunproofError('MALFORMED_REQUEST', 'query parameter receipts: want true or false', { path: 'receipts' });
}

/** wantsCosigned reads `?wait=cosigned` (the only value accepted). */
function wantsCosigned(c: Context): boolean {
  const wait = c.req.query('wait');
  if (wait === undefined) return false;
  if (wait === 'cosigned') return true;
  throw new RunproofError('MALFORMED_REQUEST', 'query parameter wait: the only value is "cosigned"', { path: 'wait' });
}

/**
 * declare logs one declaration body (read under the limits) and answers with its receipt; the route
 * and the node:http fast path (../fast-submit.ts) both answer with it.
 */
export function declare(s: AppSettings, body: Uint8Array, wait: boolean, started: number): Promise<SubmitResult> {
  return sequenced(s, body, (seq, identity) => answer(s, seq, identity, wait, started));
}

/**
 * declareBytes is {@link declare} without `?wait=cosigned` answered as the UTF-8 bytes of the
 * JSON text `declare` resolves with (../batch-answer.ts `encodeSubmitAnswer`): same parsing,
 * sequencer, durable receipt and metrics. For the node:http fast path (../fast-submit.ts);
 * `checkpoints` keeps escaped checkpoints between its answers.
 */
export function declareBytes(s: AppSettings, body: Uint8Array, started: number, checkpoints: Map<string, Buffer>): Promise<Buffer> {
  return sequenced(s, body, (seq, identity) => answerBytes(s, seq, identity, started, checkpoints));
}

/**
 * identityBytes is the `POST /v1/identities` route without `?wait=cosigned`, answered as bytes
 * like {@link declareBytes}: the same strict parse of `{"identity":"sha256:…"}`, sequencer,
 * durable receipt and metrics. For the node:http fast path (../fast-submit.ts).
 */
export function identityBytes(s: AppSettings, body: Uint8Array, started: number, checkpoints: Map<string, Buffer>): Promise<Buffer> {
  let digest: Uint8Array;
  try {
    digest = identityOfBody(body, s.maxBodyBytes);
  } catch (e) {
    return Promise.reject(e);
  }
  return s.log.submit(digest).then((seq) => answerBytes(s, seq, formatIdentity(digest), started, checkpoints));
}

/** identityOfBody reads the digest of an identity submission's body, `{"identity":"sha256:<hex>"}`. */
function identityOfBody(body: Uint8Array, maxBytes: number): Uint8Array {
  return identityMember(parseStrictJson(body, { maxBytes }), '$');
}

/** answerBytes is an accepted submission's answer (receipt against the cosigned checkpoint) as JSON bytes. */
function answerBytes(s: AppSettings, seq: Sequenced, identity: string, started: number, checkpoints: Map<string, Buffer>): MaybePromise<Buffer> {
  const accepted = acceptedParts(s, seq, identity, s.cosign(seq.checkpoint), started);
  return accepted instanceof Promise ? accepted.then((a) => encodeSubmitAnswer(a, checkpoints)) : encodeSubmitAnswer(accepted, checkpoints);
}

/** sequenced logs one declaration body and hands its sequenced entry and identity to `then`. */
function sequenced<T>(s: AppSettings, body: Uint8Array, then: (seq: Sequenced, identity: string) => MaybePromise<T>): Promise<T> {
  // Not `async`, and one chained promise rather than an `await` and an async answer on top of
  // it: fewer promises per submission. A bad body still arrives as a rejection.
  let d: { identity: string; digest: Uint8Array };
  try {
    d = declarationDigest(body, sha256OfText);
  } catch (e) {
    return Promise.reject(e);
  }
  return s.log.submit(d.digest).then((seq) => then(seq, d.identity));
}

/**
 * acceptedParts is an accepted submission's answer with its receipt in parts against `checkpoint`
 * (for ../batch-answer.ts to write as bytes), counted in the metrics; synchronous when the
 * receipt is.
 */
function acceptedParts(s: AppSettings, seq: Sequenced, identity: string, checkpoint: string, started: number): MaybePromise<AcceptedResult> {
  const result = (receipt: ReceiptParts): AcceptedResult => {
    s.metrics?.submitted(seq.duplicate, (performance.now() - started) / 1000);
    return { identity, index: seq.index, timestamp: seq.timestamp, duplicate: seq.duplicate, receipt };
  };
  const parts = s.log.receiptParts(seq.index, checkpoint, seq.entry);
  return parts instanceof Promise ? parts.then(result) : result(parts);
}

/** answer turns a sequenced entry into the JSON answer, with the (maybe cosigned) receipt; synchronous when that is. */
function answer(s: AppSettings, seq: Sequenced, identity: string, wait: boolean, started: number): MaybePromise<SubmitResult> {
  if (!wait) return answerWith(s, seq, identity, s.cosign(seq.checkpoint), started);
  return s.waitCosigned(seq.checkpoint).then(async (got) => ({ ...(await answerWith(s, seq, identity, got.checkpoint, started)), quorum: got.quorum }));
}

/** answerWith is {@link answer} once the checkpoint to prove against is known; synchronous when the receipt is. */
function answerWith(s: AppSettings, seq: Sequenced, identity: string, checkpoint: string, started: number): MaybePromise<SubmitResult> {
  const result = (receipt: string): SubmitResult => {
    s.metrics?.submitted(seq.duplicate, (performance.now() - started) / 1000);
    return { identity, index: seq.index, timestamp: seq.timestamp, duplicate: seq.duplicate, receipt };
  };
  const receipt = s.receipt(seq.index, checkpoint, seq.entry);
  return receipt instanceof Promise ? receipt.then(result) : result(receipt);
}

/** submitRoutes adds the submission endpoints; `guards` run first on each (auth, rate). */
export function submitRoutes(app: Hono, s: AppSettings, guards: MiddlewareHandler[]): void {
  const all = [...guards, requireJson(), bodyBudget(s.bodyBudget, s.maxBodyBytes)];
  for (const path of SUBMIT_PATHS) for (const g of all) app.post(path, g);

  /**
   * answerAll answers a batch without `?wait=cosigned` synchronously: the items share a few
   * checkpoints, so each one's cosigned form is gathered once per request, not once per item,
   * and each receipt stays in parts for ../batch-answer.ts to write as bytes.
   */
  function answerAll(sequenced: Sequenced[], identities: string[], started: number): MaybePromise<BatchResult[]> {
    const cosigned = new Map<string, string>();
    const out = sequenced.map((seq, k): MaybePromise<BatchResult> => {
      let checkpoint = cosigned.get(seq.checkpoint);
      if (checkpoint === undefined) cosigned.set(seq.checkpoint, (checkpoint = s.cosign(seq.checkpoint)));
      return acceptedParts(s, seq, identities[k]!, checkpoint, started);
    });
    // Awaited only when a receipt had to wait for storage: a promise per item costs time on 1000-item batches.
    return out.some((a) => a instanceof Promise) ? Promise.all(out) : (out as BatchResult[]);
  }

  /** acknowledge is {@link answer} without the receipt (batch `?receipts=false`); still only after COMMIT. */
  function acknowledge(seq: Sequenced, identity: string, started: number): Omit<SubmitResult, 'receipt'> {
    s.metrics?.submitted(seq.duplicate, (performance.now() - started) / 1000);
    return { identity, index: seq.index, timestamp: seq.timestamp, duplicate: seq.duplicate };
  }

  app.post('/v1/declarations', async (c) => {
    const started = performance.now();
    const wait = wantsCosigned(c);
    return c.json(await declare(s, await readBody(c, s.maxBodyBytes), wait, started));
  });

  app.post('/v1/identities', async (c) => {
    const started = performance.now();
    const wait = wantsCosigned(c);
    const digest = identityOfBody(await readBody(c, s.maxBodyBytes), s.maxBodyBytes);
    return c.json(await answer(s, await s.log.submit(digest), formatIdentity(digest), wait, started));
  });

  // Batch: {"items":[{"declaration":{…}} | {"identity":"sha256:…"}, …]} →
  // {"results":[SubmitResult | {"error":{code,message,path}}, …]}, one per item, in order.
  // With ?receipts=false the results carry no receipt (fetch them later from /v1/identities/<hex>).
  app.post('/v1/batch', async (c) => {
    const started = performance.now();
    const wait = wantsCosigned(c);
    const withReceipts = wantsReceipts(c);
    const body = await readBody(c, s.maxBodyBytes);
    const limits = { maxBytes: s.maxBodyBytes, maxItems: s.maxBatchItems };
    // Large bodies are read on a worker thread (../batch-workers.ts), in one hop; the rate limit
    // counts entries, and the first item's token was taken before the body was read.
    const offloaded = s.batchWorkers?.read(body, limits);
    let read: BatchItems;
    if (offloaded !== undefined) {
      read = await offloaded;
      chargeEntries(c, read.count);
    } else {
      const items = batchItemsOf(body, limits);
      chargeEntries(c, items.length);
      read = readItems(items);
    }
    const results: BatchResult[] = new Array(read.count);
    for (const { slot, error } of read.errors) {
      s.metrics?.rejected(error.code);
      results[slot] = { error };
    }
    const slots = read.slots;
    const digests: Uint8Array[] = new Array(slots.length);
    const identities: string[] = new Array(slots.length);
    for (let k = 0; k < slots.length; k++) {
      digests[k] = read.digests.subarray(32 * k, 32 * k + 32);
      identities[k] = formatIdentity(digests[k]!);
    }
    const sequenced = digests.length > 0 ? await s.log.submitMany(digests) : [];
    const answers: BatchResult[] = !withReceipts
      ? sequenced.map((seq, k) => acknowledge(seq, identities[k]!, started))
      : wait
        ? await Promise.all(sequenced.map((seq, k) => answer(s, seq, identities[k]!, true, started)))
        : await answerAll(sequenced, identities, started);
    answers.forEach((a, k) => {
      results[slots[k]!] = a;
    });
    // Encoded here, once, as bytes (../batch-answer.ts: a batch answer is ~1 MB of JSON).
    return c.body(encodeBatchAnswer(results), 200, { 'Content-Type': 'application/json' });
  });
}
